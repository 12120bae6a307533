// What one step of the machine works with: the state, the time the input
// arrived, and the effects collected so far; plus the helpers that record
// effects (answers, timers, log appends) and the checks every group request
// starts with (valid group id, partition owned and loaded).

import { ErrorCode } from '../protocol/error-codes.ts';
import type { GroupEffect, JoinGroupResponse, SyncGroupResponse } from './group-machine-types.ts';
import {
  type ClassicGroup,
  emptyBytes,
  type GroupCoordinatorState,
  type GroupTimer,
  type PendingPersist,
} from './group-state.ts';
import {
  type GroupMetadataValue,
  type OffsetCommitRecord,
  partitionForGroup,
} from './offsets-topic-format.ts';

export interface Step {
  readonly state: GroupCoordinatorState;
  readonly nowMs: number;
  readonly effects: GroupEffect[];
}

// ---------------------------------------------------------------------------
// Answers.

export function joinErrorResponse(memberId: string, errorCode: number): JoinGroupResponse {
  return {
    errorCode,
    generationId: -1,
    protocolType: null,
    protocolName: null,
    leader: '',
    skipAssignment: false,
    memberId,
    members: [],
  };
}

export function syncErrorResponse(errorCode: number): SyncGroupResponse {
  return { errorCode, protocolType: null, protocolName: null, assignment: emptyBytes() };
}

export function respondJoin(step: Step, requestId: number, response: JoinGroupResponse): void {
  step.effects.push({ type: 'respond', requestId, api: 'join', response });
}

export function respondSync(step: Step, requestId: number, response: SyncGroupResponse): void {
  step.effects.push({ type: 'respond', requestId, api: 'sync', response });
}

// ---------------------------------------------------------------------------
// Timers. Keys are JSON arrays so that no group or member id can collide.

export const OFFSETS_RETENTION_TIMER_KEY = JSON.stringify(['offsets-retention']);

export function joinTimerKey(groupId: string): string {
  return JSON.stringify(['join', groupId]);
}

export function syncTimerKey(groupId: string): string {
  return JSON.stringify(['sync', groupId]);
}

export function sessionTimerKey(groupId: string, memberId: string): string {
  return JSON.stringify(['session', groupId, memberId]);
}

export function pendingMemberTimerKey(groupId: string, memberId: string): string {
  return JSON.stringify(['pending-member', groupId, memberId]);
}

export function setTimer(step: Step, timerKey: string, timer: GroupTimer): void {
  step.state.timers.set(timerKey, timer);
  step.effects.push({ type: 'schedule', timerKey, atMs: timer.atMs });
}

export function clearTimer(step: Step, timerKey: string): void {
  if (step.state.timers.delete(timerKey)) step.effects.push({ type: 'cancel', timerKey });
}

/** Cancels every timer that belongs to one of the groups. */
export function clearGroupTimers(step: Step, groupIds: ReadonlySet<string>): void {
  for (const [timerKey, timer] of step.state.timers) {
    if (timer.kind !== 'offsets-retention' && groupIds.has(timer.groupId))
      clearTimer(step, timerKey);
  }
}

// ---------------------------------------------------------------------------
// Log appends.

export function groupPartition(state: GroupCoordinatorState, groupId: string): number {
  return partitionForGroup(groupId, state.config.offsetsTopicNumPartitions);
}

function registerPersist(step: Step, pending: PendingPersist | null): number | null {
  if (pending === null) return null;
  const persistId = step.state.nextPersistId++;
  step.state.pendingPersists.set(persistId, pending);
  return persistId;
}

/** Writes the group's record (null: its tombstone); `pending` says what waits on it. */
export function persistGroup(
  step: Step,
  group: ClassicGroup,
  value: GroupMetadataValue | null,
  pending: PendingPersist | null,
): void {
  step.effects.push({
    type: 'persist-group',
    persistId: registerPersist(step, pending),
    partition: groupPartition(step.state, group.groupId),
    record: { key: { type: 'group-metadata', group: group.groupId }, value },
  });
}

export function persistOffsets(
  step: Step,
  groupId: string,
  records: readonly OffsetCommitRecord[],
  pending: PendingPersist | null,
  producer?: { readonly producerId: number; readonly producerEpoch: number },
): void {
  step.effects.push({
    type: 'persist-offsets',
    persistId: registerPersist(step, pending),
    partition: groupPartition(step.state, groupId),
    records,
    ...(producer === undefined ? {} : { producer }),
  });
}

// ---------------------------------------------------------------------------
// Request checks.

/**
 * Kafka's validateGroupStatus: a valid group id, and the group's partition
 * owned and loaded here. OffsetCommit, OffsetFetch, DescribeGroups and
 * DeleteGroups accept the empty group id, for compatibility; the rest do not.
 */
export function groupStatusError(
  state: GroupCoordinatorState,
  groupId: string,
  allowEmptyGroupId: boolean,
): number | null {
  if (groupId.length === 0 && !allowEmptyGroupId) return ErrorCode.INVALID_GROUP_ID;
  const status = state.partitions.get(groupPartition(state, groupId));
  if (status === 'loading') return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
  if (status === undefined) return ErrorCode.NOT_COORDINATOR;
  return null;
}

/** Kafka's validateCurrentMember: the instance id (if any) maps to this member, which exists. */
export function currentMemberError(
  group: ClassicGroup,
  memberId: string,
  groupInstanceId: string | null,
): number | null {
  if (groupInstanceId !== null) {
    const current = group.staticMembers.get(groupInstanceId);
    if (current === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (current !== memberId) return ErrorCode.FENCED_INSTANCE_ID;
  }
  if (!group.members.has(memberId)) return ErrorCode.UNKNOWN_MEMBER_ID;
  return null;
}
