// SyncGroup, Heartbeat and LeaveGroup, as Kafka's GroupCoordinator handles them:
// the leader's assignment is stored before anyone gets theirs, heartbeats keep
// sessions alive and tell members of a rebalance, and leaving (one member, or a
// batch by group.instance.id) triggers a rebalance.

import { ErrorCode } from '../protocol/error-codes.ts';
import type {
  HeartbeatInput,
  LeaveGroupInput,
  LeaveGroupResponse,
  SyncGroupInput,
} from './group-machine-types.ts';
import {
  removeMemberAndUpdateGroup,
  removePendingMember,
  removePendingSync,
  scheduleSession,
} from './group-rebalance.ts';
import { type ClassicGroup, emptyBytes, groupMetadataValueOf, invariant } from './group-state.ts';
import {
  currentMemberError,
  groupStatusError,
  persistGroup,
  respondSync,
  type Step,
  syncErrorResponse,
} from './group-step.ts';

// ---------------------------------------------------------------------------
// SyncGroup.

export function handleSync(step: Step, input: SyncGroupInput): void {
  const statusError = groupStatusError(step.state, input.groupId, false);
  if (statusError !== null) {
    // A loading coordinator has lost the rebalance in flight: tell the member
    // to rejoin (older clients do not expect COORDINATOR_LOAD_IN_PROGRESS here).
    const error =
      statusError === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS
        ? ErrorCode.REBALANCE_IN_PROGRESS
        : statusError;
    respondSync(step, input.requestId, syncErrorResponse(error));
    return;
  }
  const group = step.state.groups.get(input.groupId);
  const error = group === undefined ? ErrorCode.UNKNOWN_MEMBER_ID : syncRequestError(group, input);
  if (group === undefined || error !== null) {
    respondSync(step, input.requestId, syncErrorResponse(error ?? ErrorCode.UNKNOWN_MEMBER_ID));
    return;
  }
  const member = group.members.get(input.memberId);
  invariant(member !== undefined, `validated member ${input.memberId} is missing`);
  switch (group.state) {
    case 'Empty':
    case 'Dead':
      respondSync(step, input.requestId, syncErrorResponse(ErrorCode.UNKNOWN_MEMBER_ID));
      return;
    case 'PreparingRebalance':
      respondSync(step, input.requestId, syncErrorResponse(ErrorCode.REBALANCE_IN_PROGRESS));
      return;
    case 'CompletingRebalance':
      if (member.awaitingSync !== null && member.awaitingSync !== input.requestId) {
        // A repeated SyncGroup replaces the earlier one, which still gets an answer.
        respondSync(step, member.awaitingSync, syncErrorResponse(ErrorCode.REBALANCE_IN_PROGRESS));
      }
      member.awaitingSync = input.requestId;
      removePendingSync(step, group, input.memberId);
      if (group.leaderId === input.memberId) storeLeaderAssignment(step, group, input);
      return;
    case 'Stable':
      removePendingSync(step, group, input.memberId);
      respondSync(step, input.requestId, {
        errorCode: ErrorCode.NONE,
        protocolType: group.protocolType,
        protocolName: group.protocolName,
        assignment: member.assignment,
      });
      scheduleSession(step, group, member);
  }
}

function syncRequestError(group: ClassicGroup, input: SyncGroupInput): number | null {
  const memberError = currentMemberError(group, input.memberId, input.groupInstanceId);
  if (memberError !== null) return memberError;
  if (input.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
  if (input.protocolType !== null && input.protocolType !== group.protocolType) {
    return ErrorCode.INCONSISTENT_GROUP_PROTOCOL;
  }
  if (input.protocolName !== null && input.protocolName !== group.protocolName) {
    return ErrorCode.INCONSISTENT_GROUP_PROTOCOL;
  }
  return null;
}

/** The leader's assignment is written to the log; members get it once it is stored. */
function storeLeaderAssignment(step: Step, group: ClassicGroup, input: SyncGroupInput): void {
  const given = new Map<string, Uint8Array>();
  for (const a of input.assignments) given.set(a.memberId, a.assignment);
  // Members the leader left out get an empty assignment.
  const assignment = new Map<string, Uint8Array>();
  for (const memberId of group.members.keys()) {
    assignment.set(memberId, given.get(memberId) ?? emptyBytes());
  }
  persistGroup(step, group, groupMetadataValueOf(group, assignment), {
    kind: 'sync-assignment',
    groupId: group.groupId,
    generationId: group.generationId,
    assignment,
  });
}

// ---------------------------------------------------------------------------
// Heartbeat.

export function handleHeartbeat(step: Step, input: HeartbeatInput): void {
  const respond = (errorCode: number) =>
    step.effects.push({
      type: 'respond',
      requestId: input.requestId,
      api: 'heartbeat',
      response: { errorCode },
    });
  const statusError = groupStatusError(step.state, input.groupId, false);
  if (statusError !== null) {
    // While loading, answer blindly: the member will learn of trouble later.
    respond(statusError === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS ? ErrorCode.NONE : statusError);
    return;
  }
  const group = step.state.groups.get(input.groupId);
  if (group === undefined) {
    respond(ErrorCode.UNKNOWN_MEMBER_ID);
    return;
  }
  const memberError = currentMemberError(group, input.memberId, input.groupInstanceId);
  const member = group.members.get(input.memberId);
  if (memberError !== null || member === undefined) {
    respond(memberError ?? ErrorCode.UNKNOWN_MEMBER_ID);
    return;
  }
  if (input.generationId !== group.generationId) {
    respond(ErrorCode.ILLEGAL_GENERATION);
    return;
  }
  switch (group.state) {
    case 'Empty':
    case 'Dead':
      respond(ErrorCode.UNKNOWN_MEMBER_ID);
      return;
    case 'PreparingRebalance':
      scheduleSession(step, group, member);
      respond(ErrorCode.REBALANCE_IN_PROGRESS);
      return;
    case 'CompletingRebalance':
    case 'Stable':
      // Members may heartbeat between JoinGroup and SyncGroup: that is normal.
      scheduleSession(step, group, member);
      respond(ErrorCode.NONE);
  }
}

// ---------------------------------------------------------------------------
// LeaveGroup.

export function handleLeave(step: Step, input: LeaveGroupInput): void {
  const respond = (response: LeaveGroupResponse) =>
    step.effects.push({ type: 'respond', requestId: input.requestId, api: 'leave', response });
  const statusError = groupStatusError(step.state, input.groupId, false);
  if (statusError !== null) {
    respond({ errorCode: statusError, members: [] });
    return;
  }
  const group = step.state.groups.get(input.groupId);
  const members = input.members.map((leaving) => ({
    memberId: leaving.memberId,
    groupInstanceId: leaving.groupInstanceId,
    errorCode:
      group === undefined
        ? ErrorCode.UNKNOWN_MEMBER_ID
        : leaveOne(step, group, leaving.memberId, leaving.groupInstanceId),
  }));
  respond({ errorCode: ErrorCode.NONE, members });
}

function leaveOne(
  step: Step,
  group: ClassicGroup,
  memberId: string,
  groupInstanceId: string | null,
): number {
  if (memberId === '') {
    // An administrator removing a static member by its group.instance.id alone.
    const current = groupInstanceId === null ? undefined : group.staticMembers.get(groupInstanceId);
    const member = current === undefined ? undefined : group.members.get(current);
    if (member === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    removeMemberAndUpdateGroup(step, group, member);
    return ErrorCode.NONE;
  }
  if (group.pendingMembers.has(memberId)) {
    removePendingMember(step, group, memberId);
    return ErrorCode.NONE;
  }
  const error = currentMemberError(group, memberId, groupInstanceId);
  const member = group.members.get(memberId);
  if (error !== null || member === undefined) return error ?? ErrorCode.UNKNOWN_MEMBER_ID;
  removeMemberAndUpdateGroup(step, group, member);
  return ErrorCode.NONE;
}
