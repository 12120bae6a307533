// JoinGroup, as Kafka's GroupCoordinator handles it: validation, the
// member-id-required round trip for new dynamic members (v4+), static members
// replacing their previous member id, and rejoins that do or do not force a
// rebalance. Answers are immediate for errors and parked until the join phase
// completes otherwise.

import { ErrorCode } from '../protocol/error-codes.ts';
import type { JoinGroupInput } from './group-machine-types.ts';
import {
  answerParked,
  joinResponseFor,
  maybeCompleteJoin,
  maybePrepareRebalance,
  prepareRebalance,
  scheduleSession,
} from './group-rebalance.ts';
import {
  addMember,
  type ClassicGroup,
  createGroup,
  effectiveRebalanceTimeoutMs,
  emptyBytes,
  type GroupMember,
  generateMemberId,
  groupMetadataValueOf,
  hasOffsets,
  invariant,
  memberMatches,
  numAwaitingJoin,
  removeMember,
  replaceStaticMember,
  selectProtocol,
  supportsProtocols,
  updateMember,
} from './group-state.ts';
import {
  clearTimer,
  currentMemberError,
  groupStatusError,
  joinErrorResponse,
  pendingMemberTimerKey,
  persistGroup,
  respondJoin,
  type Step,
  sessionTimerKey,
  setTimer,
} from './group-step.ts';

export function handleJoin(step: Step, request: JoinGroupInput): void {
  const input: JoinGroupInput = {
    ...request,
    rebalanceTimeoutMs: effectiveRebalanceTimeoutMs(
      request.rebalanceTimeoutMs,
      request.sessionTimeoutMs,
    ),
  };
  const error = joinRequestError(step, input);
  if (error !== null) {
    respondJoin(step, input.requestId, joinErrorResponse(input.memberId, error));
    return;
  }
  const isUnknownMember = input.memberId === '';
  let group = step.state.groups.get(input.groupId);
  if (group === undefined) {
    // Only a member without an id may create the group.
    if (!isUnknownMember) {
      respondJoin(
        step,
        input.requestId,
        joinErrorResponse(input.memberId, ErrorCode.UNKNOWN_MEMBER_ID),
      );
      return;
    }
    group = createGroup(input.groupId, step.nowMs);
    step.state.groups.set(input.groupId, group);
  }
  if (!acceptJoiningMember(step, group, input.memberId)) {
    rejectFullGroup(step, group, input);
  } else if (isUnknownMember) {
    joinNewMember(step, group, input);
  } else {
    joinCurrentMember(step, group, input);
  }
  if (group.state === 'PreparingRebalance') maybeCompleteJoin(step, group);
  forgetIfUnused(step, group);
}

function joinRequestError(step: Step, input: JoinGroupInput): number | null {
  const config = step.state.config;
  const statusError = groupStatusError(step.state, input.groupId, false);
  if (statusError !== null) return statusError;
  if (
    input.sessionTimeoutMs < config.groupMinSessionTimeoutMs ||
    input.sessionTimeoutMs > config.groupMaxSessionTimeoutMs
  ) {
    return ErrorCode.INVALID_SESSION_TIMEOUT;
  }
  let metadataBytes = 0;
  for (const p of input.protocols) metadataBytes += p.metadata.length;
  if (metadataBytes > config.memberMetadataBytesMax) return ErrorCode.INVALID_REQUEST;
  return null;
}

/** group.max.size, counted as Kafka counts it (see KAFKA-9885). */
function acceptJoiningMember(step: Step, group: ClassicGroup, memberId: string): boolean {
  const max = step.state.config.groupMaxSize;
  switch (group.state) {
    case 'Empty':
    case 'Dead':
      return true;
    case 'PreparingRebalance': {
      // Counting members that already rejoined lets the last ones to rejoin be the ones refused.
      const member = group.members.get(memberId);
      return (member !== undefined && member.awaitingJoin !== null) || numAwaitingJoin(group) < max;
    }
    case 'CompletingRebalance':
    case 'Stable':
      return group.members.has(memberId) || group.members.size < max;
  }
}

function rejectFullGroup(step: Step, group: ClassicGroup, input: JoinGroupInput): void {
  const member = group.members.get(input.memberId);
  if (member !== undefined) {
    answerParked(step, member, '', ErrorCode.GROUP_MAX_SIZE_REACHED);
    clearTimer(step, sessionTimerKey(group.groupId, input.memberId));
  }
  if (group.pendingMembers.has(input.memberId)) {
    clearTimer(step, pendingMemberTimerKey(group.groupId, input.memberId));
  }
  removeMember(group, input.memberId);
  respondJoin(step, input.requestId, joinErrorResponse('', ErrorCode.GROUP_MAX_SIZE_REACHED));
}

/** A group created by a join that came to nothing is not kept (Kafka's expiry would drop it). */
function forgetIfUnused(step: Step, group: ClassicGroup): void {
  const unused =
    group.state === 'Empty' &&
    group.generationId === 0 &&
    group.members.size === 0 &&
    group.pendingMembers.size === 0 &&
    !hasOffsets(group);
  if (unused) step.state.groups.delete(group.groupId);
}

// ---------------------------------------------------------------------------
// New members.

function joinNewMember(step: Step, group: ClassicGroup, input: JoinGroupInput): void {
  const names = input.protocols.map((p) => p.name);
  if (!supportsProtocols(group, input.protocolType, names)) {
    respondJoin(
      step,
      input.requestId,
      joinErrorResponse('', ErrorCode.INCONSISTENT_GROUP_PROTOCOL),
    );
    return;
  }
  const newMemberId = generateMemberId(input.clientId, input.groupInstanceId, input.memberIdUuid);
  if (input.groupInstanceId !== null) {
    const oldMemberId = group.staticMembers.get(input.groupInstanceId);
    if (oldMemberId !== undefined) {
      rejoinStaticMember(step, group, oldMemberId, newMemberId, input);
    } else {
      addMemberAndRebalance(step, group, newMemberId, input);
    }
  } else if (input.apiVersion >= 4) {
    // KIP-394: hand out the id first, so a client that never sees the answer
    // does not leave a member behind that the group must wait for.
    group.pendingMembers.add(newMemberId);
    setTimer(step, pendingMemberTimerKey(group.groupId, newMemberId), {
      kind: 'pending-member',
      atMs: step.nowMs + input.sessionTimeoutMs,
      groupId: group.groupId,
      memberId: newMemberId,
    });
    respondJoin(
      step,
      input.requestId,
      joinErrorResponse(newMemberId, ErrorCode.MEMBER_ID_REQUIRED),
    );
  } else {
    addMemberAndRebalance(step, group, newMemberId, input);
  }
}

function addMemberAndRebalance(
  step: Step,
  group: ClassicGroup,
  memberId: string,
  input: JoinGroupInput,
): void {
  const member: GroupMember = {
    memberId,
    groupInstanceId: input.groupInstanceId,
    clientId: input.clientId,
    clientHost: input.clientHost,
    rebalanceTimeoutMs: input.rebalanceTimeoutMs,
    sessionTimeoutMs: input.sessionTimeoutMs,
    protocolType: input.protocolType,
    supportedProtocols: input.protocols,
    assignment: emptyBytes(),
    awaitingJoin: input.requestId,
    awaitingSync: null,
    isNew: true,
  };
  // Only the first generation's initial delay is extended by new arrivals (as in Kafka).
  if (group.state === 'PreparingRebalance' && group.generationId === 0) group.newMemberAdded = true;
  if (group.pendingMembers.has(memberId)) {
    clearTimer(step, pendingMemberTimerKey(group.groupId, memberId));
  }
  addMember(group, member);
  // A new member cannot heartbeat while its JoinGroup is parked, so its deadline
  // is the longer new-member timeout rather than the session timeout.
  scheduleSession(step, group, member, step.state.config.newMemberJoinTimeoutMs);
  maybePrepareRebalance(step, group);
}

/**
 * A known group.instance.id joins without a member id (a restarted static
 * member): it takes over the old member id's place. In a Stable group whose
 * protocol would not change, it gets the current assignment back without a
 * rebalance, once the group record with its new id is stored.
 */
function rejoinStaticMember(
  step: Step,
  group: ClassicGroup,
  oldMemberId: string,
  newMemberId: string,
  input: JoinGroupInput,
): void {
  const instanceId = input.groupInstanceId;
  invariant(instanceId !== null, 'static rejoin without group.instance.id');
  const previousLeaderId = group.leaderId;
  const existing = group.members.get(oldMemberId);
  invariant(existing !== undefined, `static member ${instanceId} maps to missing ${oldMemberId}`);
  // Whoever still uses the old id is fenced right away.
  answerParked(step, existing, oldMemberId, ErrorCode.FENCED_INSTANCE_ID);
  clearTimer(step, sessionTimerKey(group.groupId, oldMemberId));
  const member = replaceStaticMember(group, instanceId, oldMemberId, newMemberId);
  scheduleSession(step, group, member);
  const old = {
    oldProtocols: member.supportedProtocols,
    oldRebalanceTimeoutMs: member.rebalanceTimeoutMs,
    oldSessionTimeoutMs: member.sessionTimeoutMs,
  };
  updateMember(
    member,
    input.protocols,
    input.rebalanceTimeoutMs,
    input.sessionTimeoutMs,
    input.requestId,
  );
  switch (group.state) {
    case 'Stable':
      if (selectProtocol(group) !== group.protocolName) {
        maybePrepareRebalance(step, group);
        return;
      }
      persistGroup(step, group, groupMetadataValueOf(group, currentAssignment(group)), {
        kind: 'static-rejoin',
        groupId: group.groupId,
        requestId: input.requestId,
        groupInstanceId: instanceId,
        oldMemberId,
        newMemberId,
        previousLeaderId,
        supportSkippingAssignment: input.apiVersion >= 9,
        ...old,
      });
      return;
    case 'CompletingRebalance':
      // The leader may be assigning to the old id: start over with the new one.
      prepareRebalance(step, group);
      return;
    case 'PreparingRebalance':
      return;
    case 'Empty':
    case 'Dead':
      invariant(false, `group ${group.groupId} in ${group.state} has static member ${instanceId}`);
  }
}

function currentAssignment(group: ClassicGroup): Map<string, Uint8Array> {
  const assignment = new Map<string, Uint8Array>();
  for (const m of group.members.values()) assignment.set(m.memberId, m.assignment);
  return assignment;
}

// ---------------------------------------------------------------------------
// Members with an id.

function joinCurrentMember(step: Step, group: ClassicGroup, input: JoinGroupInput): void {
  const names = input.protocols.map((p) => p.name);
  if (!supportsProtocols(group, input.protocolType, names)) {
    respondJoin(
      step,
      input.requestId,
      joinErrorResponse(input.memberId, ErrorCode.INCONSISTENT_GROUP_PROTOCOL),
    );
    return;
  }
  if (input.groupInstanceId === null && group.pendingMembers.has(input.memberId)) {
    addMemberAndRebalance(step, group, input.memberId, input);
    return;
  }
  const error = currentMemberError(group, input.memberId, input.groupInstanceId);
  const member = group.members.get(input.memberId);
  if (error !== null || member === undefined) {
    respondJoin(
      step,
      input.requestId,
      joinErrorResponse(input.memberId, error ?? ErrorCode.UNKNOWN_MEMBER_ID),
    );
    return;
  }
  switch (group.state) {
    case 'PreparingRebalance':
      updateMemberAndRebalance(step, group, member, input);
      return;
    case 'CompletingRebalance':
      // Same metadata: the member probably missed the JoinGroup answer; repeat it.
      if (memberMatches(member, input.protocols)) {
        const isLeader = group.leaderId === member.memberId;
        respondJoin(step, input.requestId, joinResponseFor(group, member.memberId, isLeader));
      } else {
        updateMemberAndRebalance(step, group, member, input);
      }
      return;
    case 'Stable':
      // The leader's rejoin always rebalances: it may have seen a change (such as
      // new partitions) that the members' metadata does not show.
      if (group.leaderId === member.memberId || !memberMatches(member, input.protocols)) {
        updateMemberAndRebalance(step, group, member, input);
      } else {
        respondJoin(step, input.requestId, joinResponseFor(group, member.memberId, false));
      }
      return;
    case 'Empty':
    case 'Dead':
      respondJoin(
        step,
        input.requestId,
        joinErrorResponse(input.memberId, ErrorCode.UNKNOWN_MEMBER_ID),
      );
  }
}

function updateMemberAndRebalance(
  step: Step,
  group: ClassicGroup,
  member: GroupMember,
  input: JoinGroupInput,
): void {
  // A second JoinGroup from the same member replaces the first, which still gets an answer.
  if (member.awaitingJoin !== null && member.awaitingJoin !== input.requestId) {
    const superseded = joinErrorResponse(member.memberId, ErrorCode.REBALANCE_IN_PROGRESS);
    respondJoin(step, member.awaitingJoin, superseded);
  }
  updateMember(
    member,
    input.protocols,
    input.rebalanceTimeoutMs,
    input.sessionTimeoutMs,
    input.requestId,
  );
  maybePrepareRebalance(step, group);
}
