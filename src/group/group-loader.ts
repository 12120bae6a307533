// Replays the records of a __consumer_offsets partition into the groups and
// committed offsets they describe: the last value for a key wins and a tombstone
// deletes it, which is what log compaction would leave. Used when this broker
// becomes the coordinator for a partition.

import {
  decodeOffsetsTopicRecord,
  type GroupMetadataValue,
  isOffsetCommitRecord,
  type OffsetCommitValue,
  type RawOffsetsTopicRecord,
} from './offsets-topic-format.ts';

export interface LoadedGroup {
  readonly groupId: string;
  /** The last group metadata value, or null when only offsets were found. */
  metadata: GroupMetadataValue | null;
  /** topic -> partition -> committed offset. */
  readonly offsets: Map<string, Map<number, OffsetCommitValue>>;
}

/**
 * Rebuilds groups from records in log order. Records whose key type we do not
 * read are skipped. The caller passes only records of committed, non-control
 * batches (transactional offset commits are not handled here yet). Byte fields
 * are copied, so the result does not pin the log's read buffers. Throws
 * DecodeError on a malformed record.
 */
export function loadGroupsFromRecords(
  records: Iterable<RawOffsetsTopicRecord>,
): Map<string, LoadedGroup> {
  const offsets = new Map<string, Map<string, Map<number, OffsetCommitValue>>>();
  const metadata = new Map<string, GroupMetadataValue>();
  for (const raw of records) {
    const record = decodeOffsetsTopicRecord(raw);
    if (record === null) continue;
    if (isOffsetCommitRecord(record)) {
      const { group, topic, partition } = record.key;
      applyOffset(offsets, group, topic, partition, record.value);
    } else if (record.value === null) {
      metadata.delete(record.key.group);
    } else {
      metadata.set(record.key.group, copyGroupValue(record.value));
    }
  }
  const groups = new Map<string, LoadedGroup>();
  for (const [groupId, value] of metadata) {
    groups.set(groupId, { groupId, metadata: value, offsets: offsets.get(groupId) ?? new Map() });
  }
  for (const [groupId, groupOffsets] of offsets) {
    if (!groups.has(groupId))
      groups.set(groupId, { groupId, metadata: null, offsets: groupOffsets });
  }
  return groups;
}

function applyOffset(
  offsets: Map<string, Map<string, Map<number, OffsetCommitValue>>>,
  group: string,
  topic: string,
  partition: number,
  value: OffsetCommitValue | null,
): void {
  let byTopic = offsets.get(group);
  if (value === null) {
    const byPartition = byTopic?.get(topic);
    byPartition?.delete(partition);
    if (byPartition?.size === 0) byTopic?.delete(topic);
    if (byTopic?.size === 0) offsets.delete(group);
    return;
  }
  if (byTopic === undefined) {
    byTopic = new Map();
    offsets.set(group, byTopic);
  }
  let byPartition = byTopic.get(topic);
  if (byPartition === undefined) {
    byPartition = new Map();
    byTopic.set(topic, byPartition);
  }
  byPartition.set(partition, value);
}

function copyGroupValue(value: GroupMetadataValue): GroupMetadataValue {
  return {
    ...value,
    members: value.members.map((m) => ({
      ...m,
      subscription: Uint8Array.from(m.subscription),
      assignment: Uint8Array.from(m.assignment),
    })),
  };
}
