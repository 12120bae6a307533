// The coordinator's administrative side: DescribeGroups, ListGroups and
// DeleteGroups, and taking over or giving up a __consumer_offsets partition
// (loading its groups from the log, or dropping them with NOT_COORDINATOR
// answers for whoever waits).

import { ErrorCode } from '../protocol/error-codes.ts';
import { type LoadedGroup, loadGroupsFromRecords } from './group-loader.ts';
import type {
  DeleteGroupsInput,
  DescribedGroup,
  DescribeGroupsInput,
  ListGroupsInput,
  LoadCompleteInput,
} from './group-machine-types.ts';
import { deleteGroupData } from './group-offsets.ts';
import { answerParked, prepareRebalance, scheduleSession } from './group-rebalance.ts';
import {
  addMember,
  type ClassicGroup,
  computeSubscribedTopics,
  createGroup,
  effectiveRebalanceTimeoutMs,
  emptyBytes,
  memberMetadataFor,
  type OffsetTable,
  setOffset,
} from './group-state.ts';
import { clearGroupTimers, groupPartition, groupStatusError, type Step } from './group-step.ts';

// ---------------------------------------------------------------------------
// DescribeGroups, ListGroups, DeleteGroups.

export function handleDescribeGroups(step: Step, input: DescribeGroupsInput): void {
  const groups = input.groupIds.map((id) => describeGroup(step, id, input.apiVersion));
  step.effects.push({
    type: 'respond',
    requestId: input.requestId,
    api: 'describe-groups',
    response: { groups },
  });
}

function describeGroup(step: Step, groupId: string, apiVersion: number): DescribedGroup {
  const none = { groupId, protocolType: '', protocolData: '', members: [] };
  const statusError = groupStatusError(step.state, groupId, true);
  if (statusError !== null) return { ...none, errorCode: statusError, groupState: '' };
  const group = step.state.groups.get(groupId);
  if (group === undefined) {
    const errorCode = apiVersion >= 6 ? ErrorCode.GROUP_ID_NOT_FOUND : ErrorCode.NONE;
    return { ...none, errorCode, groupState: 'Dead' };
  }
  // Metadata and assignments are only shown for a stable group, as in Kafka.
  const protocolName = group.state === 'Stable' ? group.protocolName : null;
  const members = [...group.members.values()].map((m) => ({
    memberId: m.memberId,
    groupInstanceId: m.groupInstanceId,
    clientId: m.clientId,
    clientHost: m.clientHost,
    memberMetadata: protocolName === null ? emptyBytes() : memberMetadataFor(m, protocolName),
    memberAssignment: protocolName === null ? emptyBytes() : m.assignment,
  }));
  return {
    errorCode: ErrorCode.NONE,
    groupId,
    groupState: group.state,
    protocolType: group.protocolType ?? '',
    protocolData: protocolName ?? '',
    members,
  };
}

export function handleListGroups(step: Step, input: ListGroupsInput): void {
  const loading = [...step.state.partitions.values()].includes('loading');
  const states = new Set(input.statesFilter.map((s) => s.toLowerCase()));
  // Every group here is a classic group.
  const typeMatches =
    input.typesFilter.length === 0 || input.typesFilter.some((t) => t.toLowerCase() === 'classic');
  const groups = [...step.state.groups.values()]
    .filter((g) => typeMatches && (states.size === 0 || states.has(g.state.toLowerCase())))
    .map((g) => ({
      groupId: g.groupId,
      protocolType: g.protocolType ?? '',
      groupState: g.state,
      groupType: 'classic',
    }));
  step.effects.push({
    type: 'respond',
    requestId: input.requestId,
    api: 'list-groups',
    response: {
      errorCode: loading ? ErrorCode.COORDINATOR_LOAD_IN_PROGRESS : ErrorCode.NONE,
      groups,
    },
  });
}

export function handleDeleteGroups(step: Step, input: DeleteGroupsInput): void {
  const results = [...new Set(input.groupIds)].map((groupId) => ({
    groupId,
    errorCode: deleteGroup(step, groupId),
  }));
  step.effects.push({
    type: 'respond',
    requestId: input.requestId,
    api: 'delete-groups',
    response: { results },
  });
}

function deleteGroup(step: Step, groupId: string): number {
  const statusError = groupStatusError(step.state, groupId, true);
  if (statusError !== null) return statusError;
  const group = step.state.groups.get(groupId);
  if (group === undefined) return ErrorCode.GROUP_ID_NOT_FOUND;
  if (group.state !== 'Empty') return ErrorCode.NON_EMPTY_GROUP;
  deleteGroupData(step, group);
  return ErrorCode.NONE;
}

// ---------------------------------------------------------------------------
// Partition ownership.

export function handleLoadBegin(step: Step, partition: number): void {
  if (step.state.partitions.get(partition) === 'owned') handleUnload(step, partition);
  step.state.partitions.set(partition, 'loading');
}

/**
 * Replays the partition's records and starts serving its groups. Decoding runs
 * before anything changes, so a malformed record (DecodeError, thrown) leaves
 * the state as it was and the partition still loading.
 */
export function handleLoadComplete(step: Step, input: LoadCompleteInput): void {
  const loaded = loadGroupsFromRecords(input.records);
  for (const [groupId, value] of loaded) {
    // Records of other partitions' groups cannot be ours to serve.
    if (groupPartition(step.state, groupId) !== input.partition) continue;
    if (step.state.groups.has(groupId)) continue;
    const group = groupFromLoaded(value, step.nowMs);
    step.state.groups.set(groupId, group);
    for (const member of group.members.values()) scheduleSession(step, group, member);
    // A lower group.max.size since the group was stored: rebalance so members can commit first.
    if (group.members.size > step.state.config.groupMaxSize) prepareRebalance(step, group);
  }
  loadPendingTransactional(step, input);
  step.state.partitions.set(input.partition, 'owned');
}

/** Offsets of transactions still open when the partition was read: staged per producer. */
function loadPendingTransactional(step: Step, input: LoadCompleteInput): void {
  for (const [producerId, records] of input.pendingTransactional ?? []) {
    for (const [groupId, loadedGroup] of loadGroupsFromRecords(records)) {
      if (groupPartition(step.state, groupId) !== input.partition) continue;
      let group = step.state.groups.get(groupId);
      if (group === undefined) {
        group = createGroup(groupId, step.nowMs);
        step.state.groups.set(groupId, group);
      }
      const table: OffsetTable = group.pendingTxnOffsets.get(producerId) ?? new Map();
      copyOffsets(loadedGroup, table);
      group.pendingTxnOffsets.set(producerId, table);
    }
  }
}

export function handleUnload(step: Step, partition: number): void {
  step.state.partitions.delete(partition);
  const dropped = new Set<string>();
  for (const group of step.state.groups.values()) {
    if (groupPartition(step.state, group.groupId) !== partition) continue;
    for (const member of group.members.values()) {
      answerParked(step, member, member.memberId, ErrorCode.NOT_COORDINATOR);
    }
    group.state = 'Dead';
    dropped.add(group.groupId);
  }
  clearGroupTimers(step, dropped);
  for (const groupId of dropped) step.state.groups.delete(groupId);
}

function groupFromLoaded(loaded: LoadedGroup, nowMs: number): ClassicGroup {
  const group = createGroup(loaded.groupId, nowMs);
  copyOffsets(loaded, group.offsets);
  const value = loaded.metadata;
  if (value === null) return group;
  group.generationId = value.generation;
  group.protocolType = value.protocolType === '' ? null : value.protocolType;
  group.currentStateTimestamp =
    value.currentStateTimestamp === -1 ? null : value.currentStateTimestamp;
  const protocol = value.protocol;
  // A stored group without a protocol cannot have members worth keeping.
  if (protocol === null || value.members.length === 0) return group;
  group.protocolName = protocol;
  for (const m of value.members) {
    const duplicate =
      group.members.has(m.memberId) ||
      (m.groupInstanceId !== null && group.staticMembers.has(m.groupInstanceId));
    if (duplicate) continue;
    addMember(group, {
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      // A record written before unset timeouts were read as the session timeout.
      rebalanceTimeoutMs: effectiveRebalanceTimeoutMs(m.rebalanceTimeout, m.sessionTimeout),
      sessionTimeoutMs: m.sessionTimeout,
      protocolType: value.protocolType,
      supportedProtocols: [{ name: protocol, metadata: m.subscription }],
      assignment: m.assignment,
      awaitingJoin: null,
      awaitingSync: null,
      isNew: false,
    });
  }
  group.leaderId =
    value.leader !== null && group.members.has(value.leader) ? value.leader : group.leaderId;
  group.state = 'Stable';
  group.subscribedTopics = computeSubscribedTopics(group);
  return group;
}

function copyOffsets(loaded: LoadedGroup, table: OffsetTable): void {
  for (const [topic, byPartition] of loaded.offsets) {
    for (const [partition, v] of byPartition) {
      setOffset(table, topic, partition, {
        offset: v.offset,
        leaderEpoch: v.leaderEpoch,
        metadata: v.metadata,
        commitTimestamp: v.commitTimestamp,
        expireTimestamp: v.expireTimestamp,
      });
    }
  }
}
