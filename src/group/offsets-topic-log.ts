// Reading and writing the __consumer_offsets topic for the group coordinator
// runtime: appending the machine's records as one v2 batch through the
// partition's leader, reading a partition back for a load, and creating the
// topic on first need. It decides nothing about groups; the seams it needs
// are small structural interfaces, so tests can run it in memory.

import { walkRecordSpans } from '../log/record-spans.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import {
  ATTR_CONTROL,
  ATTR_TRANSACTIONAL,
  BATCH_HEADER_BYTES,
  BATCH_LOG_OVERHEAD_BYTES,
  checkBatch,
  OFFSET_LENGTH,
  readBatchHeader,
} from '../protocol/record-batch.ts';
import {
  buildRecordBatchSync,
  CorruptRecordError,
  type RecordInput,
  readRecordsSection,
} from '../protocol/records.ts';
import type { Logger } from '../util/logger.ts';
import {
  decodeOffsetsTopicRecord,
  encodeOffsetsTopicRecord,
  type OffsetsTopicRecord,
  type RawOffsetsTopicRecord,
} from './offsets-topic-format.ts';

export const OFFSETS_TOPIC = '__consumer_offsets';

/** Bytes asked of the log per read while loading a partition. */
const LOAD_READ_BYTES = 1024 * 1024;
/** Largest decompressed records section accepted per batch while loading. */
const LOAD_BATCH_BYTES_MAX = 64 * 1024 * 1024;

/** What the runtime reads of a partition's log (PartitionLog satisfies it). */
export interface OffsetsTopicPartitionLog {
  readonly logStartOffset: number;
  readonly highWatermark: number;
  read(
    fetchOffset: number,
    maxBytes: number,
    options: { readonly maxOffset: number; readonly minOneBatch: boolean },
  ): Promise<{ readonly records: Buffer | null }>;
}

/** A hosted partition (replication's Partition satisfies it). */
export interface OffsetsTopicPartition {
  readonly log: OffsetsTopicPartitionLog;
  appendAsLeader(
    records: Buffer,
    messageBytesMax: number,
  ): Promise<{ readonly errorCode: number; readonly errorMessage: string | null }>;
}

/** The parts of a broker the group coordinator runtime uses (BrokerServices satisfies it). */
export interface GroupCoordinatorServices {
  readonly nodeId: number;
  readonly image: {
    topic(name: string): object | undefined;
    partition(topic: string, partition: number): { readonly leader: number } | undefined;
    brokers(): readonly object[];
  };
  readonly topicAdmin: {
    createTopic(req: {
      readonly name: string;
      readonly numPartitions: number;
      readonly replicationFactor: number;
      readonly configs: Record<string, string>;
      readonly validateOnly: boolean;
      readonly internal?: boolean;
    }): Promise<{ readonly errorCode: number; readonly errorMessage: string | null }>;
  };
  readonly replicas: {
    acquire(topic: string, partition: number): Promise<OffsetsTopicPartition | undefined>;
  };
  readonly settings: { messageMaxBytes(topic: string): number };
  readonly config: {
    readonly offsetsTopicNumPartitions: number;
    readonly offsetsTopicReplicationFactor: number;
    readonly offsetsTopicSegmentBytes: number;
  };
  readonly logger: Logger;
  readonly now: () => number;
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Appends the records as one batch if this broker leads the partition; returns
 * the append's error code (0 on success) and never throws.
 */
export async function appendOffsetsRecords(
  s: GroupCoordinatorServices,
  partition: number,
  records: readonly OffsetsTopicRecord[],
  nowMs: number,
): Promise<number> {
  if (s.image.partition(OFFSETS_TOPIC, partition)?.leader !== s.nodeId) {
    return ErrorCode.NOT_LEADER_OR_FOLLOWER;
  }
  try {
    const hosted = await s.replicas.acquire(OFFSETS_TOPIC, partition);
    if (hosted === undefined) return ErrorCode.NOT_LEADER_OR_FOLLOWER;
    const inputs: RecordInput[] = records.map((r) => {
      const raw = encodeOffsetsTopicRecord(r);
      return { key: toBuffer(raw.key), value: raw.value === null ? null : toBuffer(raw.value) };
    });
    const batch = buildRecordBatchSync({ records: inputs, timestampMs: nowMs });
    const outcome = await hosted.appendAsLeader(batch, s.settings.messageMaxBytes(OFFSETS_TOPIC));
    if (outcome.errorCode !== ErrorCode.NONE) {
      s.logger.warn(
        { partition, errorCode: outcome.errorCode, reason: outcome.errorMessage },
        'group coordinator append to __consumer_offsets refused',
      );
    }
    return outcome.errorCode;
  } catch (err) {
    s.logger.error({ err, partition }, 'group coordinator append to __consumer_offsets failed');
    return ErrorCode.KAFKA_STORAGE_ERROR;
  }
}

/**
 * The records of a partition from its log start to its high watermark that a
 * replay would leave: the last record of each key, in the order of those last
 * records, tombstones included (as log compaction would leave them). Control and
 * transactional batches are skipped; records are walked as bytes and only the
 * survivors are decoded (one that cannot be is logged and skipped: a load must
 * not stall on one bad record). Throws when the partition is not hosted here or
 * the log fails.
 */
export async function readOffsetsPartition(
  s: GroupCoordinatorServices,
  partition: number,
): Promise<{ records: RawOffsetsTopicRecord[]; recordsRead: number }> {
  const hosted = await s.replicas.acquire(OFFSETS_TOPIC, partition);
  if (hosted === undefined) throw new Error(`${OFFSETS_TOPIC}-${partition} is not hosted here`);
  const log = hosted.log;
  const end = log.highWatermark;
  // Key bytes (as latin1 text) -> the last value and its offset; re-inserted on each
  // record so the map's order is the order of the last records.
  const last = new Map<string, { value: Buffer | null; offset: number }>();
  let keyless = 0;
  let recordsRead = 0;
  let offset = log.logStartOffset;
  while (offset < end) {
    const read = await log.read(offset, LOAD_READ_BYTES, { maxOffset: end, minOneBatch: true });
    if (read.records === null) break;
    const next = await replayBatches(read.records, offset, (key, value, recordOffset) => {
      recordsRead += 1;
      if (key === null) {
        keyless += 1;
        return;
      }
      const text = key.toString('latin1');
      last.delete(text);
      last.set(text, { value: value === null ? null : Buffer.from(value), offset: recordOffset });
    });
    if (next <= offset) break;
    offset = next;
  }
  if (keyless > 0) {
    s.logger.warn({ partition, keyless }, 'skipped __consumer_offsets records without a key');
  }
  const records: RawOffsetsTopicRecord[] = [];
  for (const [text, { value, offset: at }] of last) {
    const raw = usableRecord(s, partition, at, Buffer.from(text, 'latin1'), value);
    if (raw !== null) records.push(raw);
  }
  return { records, recordsRead };
}

/**
 * Calls `visit` for each record at or after `from` in the whole batches of
 * `bytes`, skipping control and transactional batches; returns the offset after
 * the last batch. Throws CorruptRecordError on a damaged batch.
 */
async function replayBatches(
  bytes: Buffer,
  from: number,
  visit: (key: Buffer | null, value: Buffer | null, offset: number) => void,
): Promise<number> {
  let next = from;
  let at = 0;
  while (bytes.length - at >= BATCH_HEADER_BYTES) {
    const sizeBytes = bytes.readInt32BE(at + OFFSET_LENGTH) + BATCH_LOG_OVERHEAD_BYTES;
    if (sizeBytes < BATCH_HEADER_BYTES || at + sizeBytes > bytes.length) break;
    const problem = checkBatch(bytes, at, at + sizeBytes);
    if (problem !== null) throw new CorruptRecordError(problem, `batch at ${next}: ${problem}`);
    const header = readBatchHeader(bytes, at);
    next = Math.max(next, header.baseOffset + header.lastOffsetDelta + 1);
    if ((header.attributes & (ATTR_CONTROL | ATTR_TRANSACTIONAL)) === 0 && header.recordCount > 0) {
      const section = await readRecordsSection(bytes, { at, maxBytes: LOAD_BATCH_BYTES_MAX });
      walkRecordSpans(section, (span) => {
        const recordOffset = header.baseOffset + span.offsetDelta;
        if (recordOffset < from) return;
        const key =
          span.keyLength < 0
            ? null
            : section.subarray(span.keyStart, span.keyStart + span.keyLength);
        const value =
          span.valueLength < 0
            ? null
            : section.subarray(span.valueStart, span.valueStart + span.valueLength);
        visit(key, value, recordOffset);
      });
    }
    at += sizeBytes;
  }
  return next;
}

function usableRecord(
  s: GroupCoordinatorServices,
  partition: number,
  offset: number,
  key: Buffer | null,
  value: Buffer | null,
): RawOffsetsTopicRecord | null {
  if (key === null) {
    s.logger.warn({ partition, offset }, 'skipping __consumer_offsets record without a key');
    return null;
  }
  const raw = { key, value };
  try {
    decodeOffsetsTopicRecord(raw);
    return raw;
  } catch (err) {
    s.logger.warn({ err, partition, offset }, 'skipping undecodable __consumer_offsets record');
    return null;
  }
}

/**
 * Creates __consumer_offsets (compacted, internal). The replication factor is
 * lowered to the number of live brokers, as Gregor documents for
 * offsets.topic.replication.factor. Returns whether the topic exists afterwards.
 */
export async function createOffsetsTopic(s: GroupCoordinatorServices): Promise<boolean> {
  const live = s.image.brokers().length;
  const replicationFactor = Math.max(1, Math.min(s.config.offsetsTopicReplicationFactor, live));
  try {
    const r = await s.topicAdmin.createTopic({
      name: OFFSETS_TOPIC,
      numPartitions: s.config.offsetsTopicNumPartitions,
      replicationFactor,
      configs: {
        'cleanup.policy': 'compact',
        'segment.bytes': String(s.config.offsetsTopicSegmentBytes),
      },
      validateOnly: false,
      internal: true,
    });
    if (r.errorCode !== ErrorCode.NONE && r.errorCode !== ErrorCode.TOPIC_ALREADY_EXISTS) {
      s.logger.warn(
        { errorCode: r.errorCode, reason: r.errorMessage },
        'could not create __consumer_offsets',
      );
    }
  } catch (err) {
    s.logger.error({ err }, 'could not create __consumer_offsets');
  }
  return s.image.topic(OFFSETS_TOPIC) !== undefined;
}
