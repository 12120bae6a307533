// The rebalance cycle of one group, as in Kafka's GroupCoordinator: prepare a
// rebalance (with the initial delay for an empty group), complete the join phase
// when all known members rejoined or the rebalance timeout passed, hand out the
// leader's assignment, and remove members whose session or sync deadline passed.
// Every parked JoinGroup or SyncGroup is answered exactly once, whatever happens.

import { ErrorCode } from '../protocol/error-codes.ts';
import type { JoinGroupResponse, JoinGroupResponseMember } from './group-machine-types.ts';
import {
  type ClassicGroup,
  canRebalance,
  emptyBytes,
  type GroupMember,
  type GroupTimer,
  groupMetadataValueOf,
  groupRebalanceTimeoutMs,
  hasAllMembersJoined,
  initNextGeneration,
  maybeElectNewJoinedLeader,
  memberMetadataFor,
  removeMember,
  transitionTo,
} from './group-state.ts';
import {
  clearTimer,
  joinErrorResponse,
  joinTimerKey,
  pendingMemberTimerKey,
  persistGroup,
  respondJoin,
  respondSync,
  type Step,
  sessionTimerKey,
  setTimer,
  syncErrorResponse,
  syncTimerKey,
} from './group-step.ts';

// ---------------------------------------------------------------------------
// Sessions.

/** Restarts the member's session deadline (Kafka's completeAndScheduleNextHeartbeatExpiration). */
export function scheduleSession(
  step: Step,
  group: ClassicGroup,
  member: GroupMember,
  timeoutMs = member.sessionTimeoutMs,
): void {
  setTimer(step, sessionTimerKey(group.groupId, member.memberId), {
    kind: 'session',
    atMs: step.nowMs + timeoutMs,
    groupId: group.groupId,
    memberId: member.memberId,
  });
}

/** A member's session ran out: remove it unless it is parked in a rebalance. */
export function onSessionTimer(step: Step, group: ClassicGroup, memberId: string): void {
  const member = group.members.get(memberId);
  if (member === undefined) return;
  // A member parked in JoinGroup or SyncGroup is alive; its session restarts when
  // the wait ends. A new member's parked JoinGroup does expire (after
  // newMemberJoinTimeoutMs), since it may be a client that gave up and retried.
  const parked = member.awaitingJoin !== null || member.awaitingSync !== null;
  if (parked && !member.isNew) return;
  removeMemberAndUpdateGroup(step, group, member);
}

/** A member id handed out with MEMBER_ID_REQUIRED was never used. */
export function onPendingMemberTimer(step: Step, group: ClassicGroup, memberId: string): void {
  if (!group.pendingMembers.has(memberId)) return;
  removePendingMember(step, group, memberId);
}

export function removePendingMember(step: Step, group: ClassicGroup, memberId: string): void {
  removeMember(group, memberId);
  clearTimer(step, pendingMemberTimerKey(group.groupId, memberId));
  if (group.state === 'PreparingRebalance') maybeCompleteJoin(step, group);
}

/** Answers the member's parked requests with `errorCode`, then forgets the member. */
export function dropMember(
  step: Step,
  group: ClassicGroup,
  member: GroupMember,
  errorCode: number,
): void {
  answerParked(step, member, '', errorCode);
  removeMember(group, member.memberId);
  clearTimer(step, sessionTimerKey(group.groupId, member.memberId));
}

/** Answers a parked JoinGroup and SyncGroup of the member with an error. */
export function answerParked(
  step: Step,
  member: GroupMember,
  joinMemberId: string,
  errorCode: number,
): void {
  if (member.awaitingJoin !== null) {
    respondJoin(step, member.awaitingJoin, joinErrorResponse(joinMemberId, errorCode));
    member.awaitingJoin = null;
  }
  if (member.awaitingSync !== null) {
    respondSync(step, member.awaitingSync, syncErrorResponse(errorCode));
    member.awaitingSync = null;
  }
}

/** Leave, session expiry: the member goes and the rest of the group rebalances. */
export function removeMemberAndUpdateGroup(
  step: Step,
  group: ClassicGroup,
  member: GroupMember,
): void {
  // A parked JoinGroup gets UNKNOWN_MEMBER_ID so a live client simply rejoins.
  dropMember(step, group, member, ErrorCode.UNKNOWN_MEMBER_ID);
  if (group.state === 'Stable' || group.state === 'CompletingRebalance') {
    maybePrepareRebalance(step, group);
  } else if (group.state === 'PreparingRebalance') {
    maybeCompleteJoin(step, group);
  }
}

// ---------------------------------------------------------------------------
// Join phase.

export function maybePrepareRebalance(step: Step, group: ClassicGroup): void {
  if (canRebalance(group)) prepareRebalance(step, group);
}

export function prepareRebalance(step: Step, group: ClassicGroup): void {
  if (group.state === 'CompletingRebalance') {
    resetAndPropagateAssignmentError(step, group, ErrorCode.REBALANCE_IN_PROGRESS);
  }
  group.pendingSyncMembers.clear();
  clearTimer(step, syncTimerKey(group.groupId));
  const wasEmpty = group.state === 'Empty';
  const rebalanceTimeoutMs = groupRebalanceTimeoutMs(group);
  transitionTo(group, 'PreparingRebalance', step.nowMs);
  if (wasEmpty) {
    // An empty group waits a little for more members, so that a group starting
    // up does not rebalance once per member.
    const delayMs = step.state.config.groupInitialRebalanceDelayMs;
    const remainingMs = Math.max(rebalanceTimeoutMs - delayMs, 0);
    setJoinTimer(step, group, step.nowMs + delayMs, { delayMs, remainingMs });
  } else {
    setJoinTimer(step, group, step.nowMs + rebalanceTimeoutMs, null);
    maybeCompleteJoin(step, group);
  }
}

function setJoinTimer(
  step: Step,
  group: ClassicGroup,
  atMs: number,
  initial: { delayMs: number; remainingMs: number } | null,
): void {
  setTimer(step, joinTimerKey(group.groupId), {
    kind: 'join',
    atMs,
    groupId: group.groupId,
    initial,
  });
}

/** Completes the join phase early once every known member has rejoined. */
export function maybeCompleteJoin(step: Step, group: ClassicGroup): void {
  if (group.state !== 'PreparingRebalance') return;
  const timer = step.state.timers.get(joinTimerKey(group.groupId));
  // The initial delay is always waited out, as in Kafka's InitialDelayedJoin.
  if (timer?.kind === 'join' && timer.initial !== null) return;
  if (!hasAllMembersJoined(group)) return;
  clearTimer(step, joinTimerKey(group.groupId));
  completeJoin(step, group);
}

export function onJoinTimer(
  step: Step,
  group: ClassicGroup,
  timer: Extract<GroupTimer, { kind: 'join' }>,
): void {
  if (group.state !== 'PreparingRebalance') return;
  const initial = timer.initial;
  if (initial !== null && group.newMemberAdded && initial.remainingMs !== 0) {
    // Members kept arriving during the delay: wait again, within the rebalance timeout.
    group.newMemberAdded = false;
    const configuredMs = step.state.config.groupInitialRebalanceDelayMs;
    const delayMs = Math.min(configuredMs, initial.remainingMs);
    const remainingMs = Math.max(initial.remainingMs - initial.delayMs, 0);
    setJoinTimer(step, group, step.nowMs + delayMs, { delayMs, remainingMs });
    return;
  }
  completeJoin(step, group);
}

/** The rebalance timeout passed or everyone rejoined: start the next generation. */
export function completeJoin(step: Step, group: ClassicGroup): void {
  // Dynamic members that did not rejoin are gone; static ones keep their place
  // until their session times out.
  for (const member of [...group.members.values()]) {
    if (member.awaitingJoin === null && member.groupInstanceId === null) {
      dropMember(step, group, member, ErrorCode.UNKNOWN_MEMBER_ID);
    }
  }
  if (!maybeElectNewJoinedLeader(group) && group.members.size > 0) {
    // Nobody rejoined yet (only static members remain): wait another round.
    setJoinTimer(step, group, step.nowMs + groupRebalanceTimeoutMs(group), null);
    return;
  }
  initNextGeneration(group, step.nowMs);
  if (group.state === 'Empty') {
    // Nobody waits on this write: an empty generation lost in a crash is harmless.
    persistGroup(step, group, groupMetadataValueOf(group, new Map()), null);
    return;
  }
  for (const member of group.members.values()) {
    if (member.awaitingJoin !== null) {
      const isLeader = group.leaderId === member.memberId;
      respondJoin(step, member.awaitingJoin, joinResponseFor(group, member.memberId, isLeader));
      member.awaitingJoin = null;
    }
    scheduleSession(step, group, member);
    member.isNew = false;
    group.pendingSyncMembers.add(member.memberId);
  }
  setTimer(step, syncTimerKey(group.groupId), {
    kind: 'sync',
    atMs: step.nowMs + groupRebalanceTimeoutMs(group),
    groupId: group.groupId,
    generationId: group.generationId,
  });
}

/** The current generation as seen by one member; `includeMembers` for the leader. */
export function joinResponseFor(
  group: ClassicGroup,
  memberId: string,
  includeMembers: boolean,
): JoinGroupResponse {
  return {
    errorCode: ErrorCode.NONE,
    generationId: group.generationId,
    protocolType: group.protocolType,
    protocolName: group.protocolName,
    leader: group.leaderId ?? '',
    skipAssignment: false,
    memberId,
    members: includeMembers ? currentMemberMetadata(group) : [],
  };
}

export function currentMemberMetadata(group: ClassicGroup): JoinGroupResponseMember[] {
  const protocolName = group.protocolName;
  if (protocolName === null) return [];
  return [...group.members.values()].map((m) => ({
    memberId: m.memberId,
    groupInstanceId: m.groupInstanceId,
    metadata: memberMetadataFor(m, protocolName),
  }));
}

// ---------------------------------------------------------------------------
// Sync phase.

/** The member sent SyncGroup; once all have, the sync deadline no longer matters. */
export function removePendingSync(step: Step, group: ClassicGroup, memberId: string): void {
  group.pendingSyncMembers.delete(memberId);
  if (group.pendingSyncMembers.size === 0) clearTimer(step, syncTimerKey(group.groupId));
}

/** Members that never sent SyncGroup within the rebalance timeout are removed. */
export function onSyncTimer(step: Step, group: ClassicGroup, generationId: number): void {
  if (generationId !== group.generationId) return;
  if (group.state !== 'CompletingRebalance' && group.state !== 'Stable') return;
  if (group.pendingSyncMembers.size === 0) return;
  for (const memberId of [...group.pendingSyncMembers]) {
    const member = group.members.get(memberId);
    if (member !== undefined) dropMember(step, group, member, ErrorCode.UNKNOWN_MEMBER_ID);
  }
  prepareRebalance(step, group);
}

export function setAndPropagateAssignment(
  step: Step,
  group: ClassicGroup,
  assignment: ReadonlyMap<string, Uint8Array>,
): void {
  for (const m of group.members.values()) m.assignment = assignment.get(m.memberId) ?? emptyBytes();
  propagateAssignment(step, group, ErrorCode.NONE);
}

export function resetAndPropagateAssignmentError(
  step: Step,
  group: ClassicGroup,
  errorCode: number,
): void {
  for (const m of group.members.values()) m.assignment = emptyBytes();
  propagateAssignment(step, group, errorCode);
}

function propagateAssignment(step: Step, group: ClassicGroup, errorCode: number): void {
  const ok = errorCode === ErrorCode.NONE;
  for (const member of group.members.values()) {
    if (member.awaitingSync === null) continue;
    respondSync(step, member.awaitingSync, {
      errorCode,
      protocolType: ok ? group.protocolType : null,
      protocolName: ok ? group.protocolName : null,
      assignment: member.assignment,
    });
    member.awaitingSync = null;
    // The session restarts once the wait is over (it did not run while parked).
    scheduleSession(step, group, member);
  }
}
