// What happens when a log append the coordinator waited on finishes: the
// leader's assignment reaches the members (or the rebalance restarts), a
// restarted static member gets its answer (or is put back on failure), and an
// offset commit is cached and answered.

import { ErrorCode } from '../protocol/error-codes.ts';
import type { PersistedInput } from './group-machine-types.ts';
import { completeCommit, completeTxnCommit } from './group-offsets.ts';
import {
  joinResponseFor,
  maybePrepareRebalance,
  resetAndPropagateAssignmentError,
  scheduleSession,
  setAndPropagateAssignment,
} from './group-rebalance.ts';
import {
  type PendingPersist,
  replaceStaticMember,
  transitionTo,
  updateMember,
} from './group-state.ts';
import { clearTimer, respondJoin, type Step, sessionTimerKey } from './group-step.ts';

export function handlePersisted(step: Step, input: PersistedInput): void {
  const pending = step.state.pendingPersists.get(input.persistId);
  if (pending === undefined) return;
  step.state.pendingPersists.delete(input.persistId);
  switch (pending.kind) {
    case 'offsets':
      completeCommit(step, pending, input.errorCode);
      return;
    case 'txn-offsets':
      completeTxnCommit(step, pending, input.errorCode);
      return;
    case 'sync-assignment':
      completeSyncAssignment(step, pending, input.errorCode);
      return;
    case 'static-rejoin':
      completeStaticRejoin(step, pending, input.errorCode);
  }
}

function completeSyncAssignment(
  step: Step,
  pending: Extract<PendingPersist, { kind: 'sync-assignment' }>,
  appendErrorCode: number,
): void {
  const group = step.state.groups.get(pending.groupId);
  // Someone joined or left while the write was in flight: that rebalance wins.
  if (group === undefined || group.state !== 'CompletingRebalance') return;
  if (group.generationId !== pending.generationId) return;
  if (appendErrorCode !== ErrorCode.NONE) {
    resetAndPropagateAssignmentError(step, group, groupAppendError(appendErrorCode));
    maybePrepareRebalance(step, group);
    return;
  }
  setAndPropagateAssignment(step, group, pending.assignment);
  transitionTo(group, 'Stable', step.nowMs);
}

function completeStaticRejoin(
  step: Step,
  pending: Extract<PendingPersist, { kind: 'static-rejoin' }>,
  appendErrorCode: number,
): void {
  const group = step.state.groups.get(pending.groupId);
  const member = group?.members.get(pending.newMemberId);
  // Answered already (a rebalance completed, or the member left): nothing to do.
  if (group === undefined || member === undefined || member.awaitingJoin !== pending.requestId)
    return;
  if (appendErrorCode === ErrorCode.NONE) {
    member.awaitingJoin = null;
    const isLeader = group.leaderId === member.memberId;
    const current = joinResponseFor(
      group,
      member.memberId,
      isLeader && pending.supportSkippingAssignment,
    );
    // v9+: the leader learns it leads but must not assign (the group is stable).
    // Before v9 the previous leader id is returned, so a restarted leader does not
    // think it leads and run an assignment that a stable group would ignore.
    const response = pending.supportSkippingAssignment
      ? { ...current, skipAssignment: isLeader }
      : { ...current, leader: pending.previousLeaderId ?? '' };
    respondJoin(step, pending.requestId, response);
    return;
  }
  // The new member id could not be stored: put the old one back.
  updateMember(
    member,
    pending.oldProtocols,
    pending.oldRebalanceTimeoutMs,
    pending.oldSessionTimeoutMs,
    null,
  );
  clearTimer(step, sessionTimerKey(group.groupId, pending.newMemberId));
  const restored = replaceStaticMember(
    group,
    pending.groupInstanceId,
    pending.newMemberId,
    pending.oldMemberId,
  );
  scheduleSession(step, group, restored);
  respondJoin(step, pending.requestId, {
    errorCode: groupAppendError(appendErrorCode),
    generationId: group.generationId,
    protocolType: group.protocolType,
    protocolName: group.protocolName,
    leader: pending.previousLeaderId ?? '',
    skipAssignment: false,
    memberId: '',
    members: [],
  });
}

/** Kafka's mapping of a log append error for a group record write. */
function groupAppendError(errorCode: number): number {
  switch (errorCode) {
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
    case ErrorCode.NOT_ENOUGH_REPLICAS:
    case ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND:
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    case ErrorCode.NOT_LEADER_OR_FOLLOWER:
    case ErrorCode.KAFKA_STORAGE_ERROR:
      return ErrorCode.NOT_COORDINATOR;
    case ErrorCode.REQUEST_TIMED_OUT:
      return ErrorCode.REBALANCE_IN_PROGRESS;
    case ErrorCode.MESSAGE_TOO_LARGE:
    case ErrorCode.RECORD_LIST_TOO_LARGE:
    case ErrorCode.INVALID_FETCH_SIZE:
      return ErrorCode.UNKNOWN_SERVER_ERROR;
    default:
      return errorCode;
  }
}
