// Committed offsets: OffsetCommit (answered once the records are in the log),
// TxnOffsetCommit (staged per producer until its transaction's marker
// arrives), OffsetFetch, OffsetDelete, and expiry by offsets.retention.minutes, with
// Kafka 2.1+ rules for who may commit (members of the current generation, or
// anyone with generation -1 while the group is empty) and when offsets expire.

import { ErrorCode } from '../protocol/error-codes.ts';
import type {
  OffsetCommitInput,
  OffsetCommitPartitionInput,
  OffsetDeleteInput,
  OffsetFetchInput,
  OffsetFetchResponse,
  OffsetFetchResponsePartition,
  PartitionErrorTopic,
  TxnCompleteInput,
  TxnOffsetCommitInput,
} from './group-machine-types.ts';
import { scheduleSession } from './group-rebalance.ts';
import {
  allOffsetPartitions,
  type ClassicGroup,
  type CommittedOffset,
  createGroup,
  deleteOffset,
  getOffset,
  hasOffsets,
  hasPendingCommit,
  isConsumerGroup,
  isSubscribedToTopic,
  type PendingCommitPartition,
  type PendingPersist,
  removeExpiredOffsets,
  removeOffsets,
  setOffset,
  type TopicPartitionRef,
} from './group-state.ts';
import {
  clearGroupTimers,
  currentMemberError,
  groupPartition,
  groupStatusError,
  OFFSETS_RETENTION_TIMER_KEY,
  persistGroup,
  persistOffsets,
  type Step,
  setTimer,
} from './group-step.ts';
import type { OffsetCommitRecord } from './offsets-topic-format.ts';

// ---------------------------------------------------------------------------
// OffsetCommit.

export function handleCommit(step: Step, input: OffsetCommitInput): void {
  const partitions = commitPartitions(step, input);
  if (partitions.some((p) => p.staged !== null)) {
    const groupError =
      groupStatusError(step.state, input.groupId, true) ?? commitGroupError(step, input);
    const checked = partitions.map((p) => checkPartition(step, p, groupError));
    const toWrite = checked.filter((p) => p.staged !== null);
    if (toWrite.length > 0) {
      stageCommit(step, input, checked, toWrite);
      return;
    }
    respondCommit(step, input.requestId, checked);
    return;
  }
  respondCommit(step, input.requestId, partitions);
}

function commitPartitions(
  step: Step,
  input: Pick<OffsetCommitInput, 'topics' | 'topicExists' | 'retentionTimeMs'>,
): PendingCommitPartition[] {
  const partitions: PendingCommitPartition[] = [];
  for (const topic of input.topics) {
    const exists = input.topicExists(topic.name);
    for (const p of topic.partitions) {
      partitions.push({
        topic: topic.name,
        partitionIndex: p.partitionIndex,
        staged: exists ? committedOffsetOf(step, input, p) : null,
        errorCode: exists ? ErrorCode.NONE : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      });
    }
  }
  return partitions;
}

function committedOffsetOf(
  step: Step,
  input: Pick<OffsetCommitInput, 'retentionTimeMs'>,
  p: OffsetCommitPartitionInput,
): CommittedOffset {
  const given = p.commitTimestamp ?? -1;
  return {
    offset: p.committedOffset,
    leaderEpoch: p.committedLeaderEpoch,
    metadata: p.committedMetadata ?? '',
    commitTimestamp: given === -1 ? step.nowMs : given,
    expireTimestamp: input.retentionTimeMs === -1 ? null : step.nowMs + input.retentionTimeMs,
  };
}

/** Kafka's validateOffsetCommit plus the group-state rules of doCommitOffsets. */
function commitGroupError(step: Step, input: OffsetCommitInput): number | null {
  let group = step.state.groups.get(input.groupId);
  if (group === undefined) {
    // No group: fine for a consumer that manages its own partitions (generation
    // -1); anything else comes from a generation that no longer exists.
    if (input.generationId >= 0) return ErrorCode.ILLEGAL_GENERATION;
    group = createGroup(input.groupId, step.nowMs);
    step.state.groups.set(input.groupId, group);
  }
  if (input.generationId < 0 && group.state === 'Empty') return null;
  if (input.generationId >= 0 || input.memberId !== '' || input.groupInstanceId !== null) {
    const memberError = currentMemberError(group, input.memberId, input.groupInstanceId);
    if (memberError !== null) return memberError;
    if (input.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
  } else if (group.state !== 'Empty') {
    // Only members may commit for a group with members.
    return ErrorCode.UNKNOWN_MEMBER_ID;
  }
  switch (group.state) {
    case 'CompletingRebalance':
      // The member has the new generation but no assignment yet: it must sync first.
      return ErrorCode.REBALANCE_IN_PROGRESS;
    case 'Stable':
    case 'PreparingRebalance': {
      // A commit counts as a heartbeat. During PreparingRebalance the previous
      // generation may still commit; the heartbeat answer tells it to rejoin.
      const member = group.members.get(input.memberId);
      if (member !== undefined) scheduleSession(step, group, member);
      return null;
    }
    case 'Empty':
    case 'Dead':
      return null;
  }
}

function checkPartition(
  step: Step,
  p: PendingCommitPartition,
  groupError: number | null,
): PendingCommitPartition {
  if (p.staged === null) return p;
  if (groupError !== null) return { ...p, staged: null, errorCode: groupError };
  // Kafka compares the Java string length here, not the UTF-8 size.
  if (p.staged.metadata.length > step.state.config.offsetMetadataMaxBytes) {
    return { ...p, staged: null, errorCode: ErrorCode.OFFSET_METADATA_TOO_LARGE };
  }
  return p;
}

function stageCommit(
  step: Step,
  input: OffsetCommitInput,
  partitions: readonly PendingCommitPartition[],
  toWrite: readonly PendingCommitPartition[],
): void {
  const group = step.state.groups.get(input.groupId);
  const records: OffsetCommitRecord[] = [];
  for (const p of toWrite) {
    if (p.staged === null) continue;
    if (group !== undefined)
      setOffset(group.pendingOffsetCommits, p.topic, p.partitionIndex, p.staged);
    const key = {
      type: 'offset-commit',
      group: input.groupId,
      topic: p.topic,
      partition: p.partitionIndex,
    } as const;
    records.push({ key, value: p.staged });
  }
  persistOffsets(step, input.groupId, records, {
    kind: 'offsets',
    groupId: input.groupId,
    requestId: input.requestId,
    partitions,
  });
}

/** The log append of a commit finished: cache the offsets (if it worked) and answer. */
export function completeCommit(
  step: Step,
  pending: Extract<PendingPersist, { kind: 'offsets' }>,
  appendErrorCode: number,
): void {
  const group = step.state.groups.get(pending.groupId);
  const ok = appendErrorCode === ErrorCode.NONE;
  for (const p of pending.partitions) {
    if (p.staged === null || group === undefined) continue;
    const current = getOffset(group.pendingOffsetCommits, p.topic, p.partitionIndex);
    // Still staged means not deleted meanwhile (OffsetDelete, DeleteGroups).
    if (ok && current !== undefined) setOffset(group.offsets, p.topic, p.partitionIndex, p.staged);
    if (current === p.staged) deleteOffset(group.pendingOffsetCommits, p.topic, p.partitionIndex);
  }
  const errorCode = ok ? ErrorCode.NONE : offsetAppendError(appendErrorCode);
  const answered = pending.partitions.map((p) => (p.staged === null ? p : { ...p, errorCode }));
  respondCommit(step, pending.requestId, answered);
}

/** Kafka's mapping of a log append error to what an OffsetCommit caller understands. */
function offsetAppendError(errorCode: number): number {
  switch (errorCode) {
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
    case ErrorCode.NOT_ENOUGH_REPLICAS:
    case ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND:
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    case ErrorCode.NOT_LEADER_OR_FOLLOWER:
    case ErrorCode.KAFKA_STORAGE_ERROR:
      return ErrorCode.NOT_COORDINATOR;
    case ErrorCode.MESSAGE_TOO_LARGE:
    case ErrorCode.RECORD_LIST_TOO_LARGE:
    case ErrorCode.INVALID_FETCH_SIZE:
      return ErrorCode.INVALID_COMMIT_OFFSET_SIZE;
    default:
      return errorCode;
  }
}

function respondCommit(
  step: Step,
  requestId: number,
  partitions: readonly PendingCommitPartition[],
  api: 'commit' | 'txn-commit' = 'commit',
): void {
  step.effects.push({
    type: 'respond',
    requestId,
    api,
    response: { topics: byTopic(partitions.map((p) => ({ ...p, name: p.topic }))) },
  });
}

/** Groups per-partition errors by topic, keeping request order. */
function byTopic(
  partitions: readonly { name: string; partitionIndex: number; errorCode: number }[],
): PartitionErrorTopic[] {
  const topics = new Map<string, { partitionIndex: number; errorCode: number }[]>();
  for (const p of partitions) {
    let list = topics.get(p.name);
    if (list === undefined) {
      list = [];
      topics.set(p.name, list);
    }
    list.push({ partitionIndex: p.partitionIndex, errorCode: p.errorCode });
  }
  return [...topics].map(([name, list]) => ({ name, partitions: list }));
}

// ---------------------------------------------------------------------------
// OffsetFetch.

export function handleFetchOffsets(step: Step, input: OffsetFetchInput): void {
  const respond = (response: OffsetFetchResponse) =>
    step.effects.push({
      type: 'respond',
      requestId: input.requestId,
      api: 'fetch-offsets',
      response,
    });
  const statusError = groupStatusError(step.state, input.groupId, true);
  if (statusError !== null) {
    respond({ errorCode: statusError, topics: [] });
    return;
  }
  // Answered whatever the group's state: the group may use Kafka only to store offsets.
  const group = step.state.groups.get(input.groupId);
  const offsets = group?.offsets ?? new Map<string, Map<number, CommittedOffset>>();
  const requested =
    input.topics ??
    [...offsets].map(([name, byPartition]) => ({
      name,
      partitionIndexes: [...byPartition.keys()],
    }));
  const unstable = (topic: string, i: number) =>
    input.requireStable && group !== undefined && hasPendingCommit(group, topic, i);
  const topics = requested.map((t) => ({
    name: t.name,
    partitions: t.partitionIndexes.map((i) =>
      unstable(t.name, i)
        ? { ...fetchedOffset(undefined, i), errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT }
        : fetchedOffset(getOffset(offsets, t.name, i), i),
    ),
  }));
  respond({ errorCode: ErrorCode.NONE, topics });
}

function fetchedOffset(
  committed: CommittedOffset | undefined,
  partitionIndex: number,
): OffsetFetchResponsePartition {
  if (committed === undefined) {
    return {
      partitionIndex,
      committedOffset: -1,
      committedLeaderEpoch: -1,
      metadata: '',
      errorCode: 0,
    };
  }
  return {
    partitionIndex,
    committedOffset: committed.offset,
    committedLeaderEpoch: committed.leaderEpoch,
    metadata: committed.metadata,
    errorCode: ErrorCode.NONE,
  };
}

// ---------------------------------------------------------------------------
// TxnOffsetCommit and transaction completion.

/**
 * Kafka's doTxnCommitOffsets: the offsets go to __consumer_offsets as a
 * transactional batch of the producer and wait, staged per producer, until the
 * transaction's marker reaches the partition (handleTxnComplete).
 */
export function handleTxnCommit(step: Step, input: TxnOffsetCommitInput): void {
  const partitions = commitPartitions(step, { ...input, retentionTimeMs: -1 });
  const groupError =
    groupStatusError(step.state, input.groupId, true) ?? txnCommitGroupError(step, input);
  const checked = partitions.map((p) => checkPartition(step, p, groupError));
  const toWrite = checked.filter((p) => p.staged !== null);
  if (toWrite.length === 0) {
    respondCommit(step, input.requestId, checked, 'txn-commit');
    return;
  }
  const records: OffsetCommitRecord[] = toWrite.map((p) => ({
    key: {
      type: 'offset-commit',
      group: input.groupId,
      topic: p.topic,
      partition: p.partitionIndex,
    },
    value: p.staged,
  }));
  const pending = {
    kind: 'txn-offsets',
    groupId: input.groupId,
    requestId: input.requestId,
    producerId: input.producerId,
    partitions: checked,
  } as const;
  persistOffsets(step, input.groupId, records, pending, {
    producerId: input.producerId,
    producerEpoch: input.producerEpoch,
  });
}

function txnCommitGroupError(step: Step, input: TxnOffsetCommitInput): number | null {
  let group = step.state.groups.get(input.groupId);
  if (group === undefined) {
    group = createGroup(input.groupId, step.nowMs);
    step.state.groups.set(input.groupId, group);
  }
  if (group.state === 'Dead') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  if (input.generationId < 0 && group.state === 'Empty') return null;
  if (input.groupInstanceId !== null) {
    const current = group.staticMembers.get(input.groupInstanceId);
    if (current !== undefined && current !== input.memberId) return ErrorCode.FENCED_INSTANCE_ID;
  }
  if (input.memberId !== '' && !group.members.has(input.memberId))
    return ErrorCode.UNKNOWN_MEMBER_ID;
  if (input.generationId >= 0 && input.generationId !== group.generationId)
    return ErrorCode.ILLEGAL_GENERATION;
  return null;
}

/** The transactional batch is in the log: stage its offsets under the producer and answer. */
export function completeTxnCommit(
  step: Step,
  pending: Extract<PendingPersist, { kind: 'txn-offsets' }>,
  appendErrorCode: number,
): void {
  const ok = appendErrorCode === ErrorCode.NONE;
  const group = step.state.groups.get(pending.groupId);
  if (ok && group !== undefined) {
    let table = group.pendingTxnOffsets.get(pending.producerId);
    if (table === undefined) {
      table = new Map();
      group.pendingTxnOffsets.set(pending.producerId, table);
    }
    for (const p of pending.partitions)
      if (p.staged !== null) setOffset(table, p.topic, p.partitionIndex, p.staged);
  }
  const errorCode = ok ? ErrorCode.NONE : offsetAppendError(appendErrorCode);
  const answered = pending.partitions.map((p) => (p.staged === null ? p : { ...p, errorCode }));
  respondCommit(step, pending.requestId, answered, 'txn-commit');
}

/**
 * A marker for the producer reached the partition: on commit its staged
 * offsets become the groups' committed offsets; on abort they are dropped.
 */
export function handleTxnComplete(step: Step, input: TxnCompleteInput): void {
  for (const group of step.state.groups.values()) {
    if (groupPartition(step.state, group.groupId) !== input.partition) continue;
    const table = group.pendingTxnOffsets.get(input.producerId);
    if (table === undefined) continue;
    group.pendingTxnOffsets.delete(input.producerId);
    if (!input.commit) continue;
    for (const [topic, byPartition] of table)
      for (const [partition, value] of byPartition)
        setOffset(group.offsets, topic, partition, value);
  }
}

// ---------------------------------------------------------------------------
// OffsetDelete.

export function handleDeleteOffsets(step: Step, input: OffsetDeleteInput): void {
  const respond = (errorCode: number, topics: PartitionErrorTopic[]) =>
    step.effects.push({
      type: 'respond',
      requestId: input.requestId,
      api: 'delete-offsets',
      response: { errorCode, topics },
    });
  const statusError = groupStatusError(step.state, input.groupId, false);
  const group = step.state.groups.get(input.groupId);
  if (statusError !== null || group === undefined) {
    respond(statusError ?? ErrorCode.GROUP_ID_NOT_FOUND, []);
    return;
  }
  const active = group.state !== 'Empty' && group.state !== 'Dead';
  if (active && !isConsumerGroup(group)) {
    respond(ErrorCode.NON_EMPTY_GROUP, []);
    return;
  }
  const results: { name: string; partitionIndex: number; errorCode: number }[] = [];
  const eligible: TopicPartitionRef[] = [];
  for (const topic of input.topics) {
    const errorCode = !input.topicExists(topic.name)
      ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
      : active && isSubscribedToTopic(group, topic.name)
        ? ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC
        : ErrorCode.NONE;
    for (const p of topic.partitions) {
      results.push({ name: topic.name, partitionIndex: p.partitionIndex, errorCode });
      if (errorCode === ErrorCode.NONE)
        eligible.push({ topic: topic.name, partition: p.partitionIndex });
    }
  }
  persistTombstones(step, group.groupId, removeOffsets(group, eligible));
  respond(ErrorCode.NONE, byTopic(results));
}

// ---------------------------------------------------------------------------
// Expiry and deletion.

/** Kafka's cleanupGroupMetadata: expire offsets; drop empty groups with none left. */
export function expireOffsets(step: Step): void {
  const { offsetsRetentionMs } = step.state.config;
  for (const group of [...step.state.groups.values()]) {
    persistTombstones(
      step,
      group.groupId,
      removeExpiredOffsets(group, step.nowMs, offsetsRetentionMs),
    );
    if (group.state === 'Empty' && !hasOffsets(group) && group.pendingMembers.size === 0) {
      deleteGroupData(step, group);
    }
  }
}

export function onRetentionTimer(step: Step): void {
  expireOffsets(step);
  setTimer(step, OFFSETS_RETENTION_TIMER_KEY, {
    kind: 'offsets-retention',
    atMs: step.nowMs + step.state.config.offsetsRetentionCheckIntervalMs,
  });
}

/** Forgets an empty group: tombstones for its offsets and (if it ever had a generation) itself. */
export function deleteGroupData(step: Step, group: ClassicGroup): void {
  persistTombstones(step, group.groupId, removeOffsets(group, allOffsetPartitions(group.offsets)));
  group.pendingOffsetCommits.clear();
  clearGroupTimers(step, new Set([group.groupId]));
  group.state = 'Dead';
  step.state.groups.delete(group.groupId);
  // A group that only stored offsets never wrote a group record.
  if (group.generationId > 0) persistGroup(step, group, null, null);
}

function persistTombstones(
  step: Step,
  groupId: string,
  removed: readonly TopicPartitionRef[],
): void {
  if (removed.length === 0) return;
  const records: OffsetCommitRecord[] = removed.map((tp) => ({
    key: { type: 'offset-commit', group: groupId, topic: tp.topic, partition: tp.partition },
    value: null,
  }));
  persistOffsets(step, groupId, records, null);
}
