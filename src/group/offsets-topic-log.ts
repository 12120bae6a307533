// Reading and writing the __consumer_offsets topic for the group coordinator
// runtime: appending the machine's records as one v2 batch through the
// partition's leader, reading a partition back for a load, and creating the
// topic on first need. It decides nothing about groups; the seams it needs
// are small structural interfaces, so tests can run it in memory.

import { isControlBatch, isTransactionalBatch, readMarker } from '../protocol/control-batch.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import {
  buildRecordBatchSync,
  decodeRecordBatches,
  type RecordInput,
} from '../protocol/records.ts';
import { rateLimited } from '../util/log-rate-limiter.ts';
import type { Logger } from '../util/logger.ts';
import { describeOperatingError, isOperatingError } from '../util/operating-error.ts';
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
  producer?: { readonly producerId: number; readonly producerEpoch: number },
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
    // A TxnOffsetCommit's records form a transactional batch of the producer,
    // decided by the marker its coordinator writes later (no sequence numbers,
    // as Kafka's coordinator writes them).
    const batch = buildRecordBatchSync({
      records: inputs,
      timestampMs: nowMs,
      ...(producer === undefined ? {} : { ...producer, transactional: true, baseSequence: -1 }),
    });
    const outcome = await hosted.appendAsLeader(batch, s.settings.messageMaxBytes(OFFSETS_TOPIC));
    if (outcome.errorCode !== ErrorCode.NONE) {
      rateLimited(s.logger).log(
        'warn',
        'offsets-append-refused',
        { partition, errorCode: outcome.errorCode, reason: outcome.errorMessage },
        'group coordinator append to __consumer_offsets refused',
      );
    }
    return outcome.errorCode;
  } catch (err) {
    // Every commit fails the same way while the disk is full: a line per kind, the stack only for a bug.
    const operating = isOperatingError(err);
    rateLimited(s.logger).log(
      operating ? 'warn' : 'error',
      operating ? 'offsets-append-failed' : 'offsets-append-bug',
      operating ? { partition, ...describeOperatingError(err) } : { err, partition },
      'group coordinator append to __consumer_offsets failed',
    );
    return ErrorCode.KAFKA_STORAGE_ERROR;
  }
}

/** A partition's records as a load replays them. */
export interface OffsetsPartitionRecords {
  /** Plain records, and those of committed transactions placed where their marker is. */
  readonly records: RawOffsetsTopicRecord[];
  /** Records of transactions with no marker yet, by producer id. */
  readonly pendingTransactional: Map<number, RawOffsetsTopicRecord[]>;
}

/**
 * The records of a partition from its log start to its high watermark, in log
 * order: a transaction's records (TxnOffsetCommit) count from its commit marker
 * on, an aborted transaction's not at all, an open one's are returned apart.
 * Records we cannot decode are skipped and logged (a load must not stall on
 * one bad record). Throws when the partition is not hosted here or the log fails.
 */
export async function readOffsetsPartition(
  s: GroupCoordinatorServices,
  partition: number,
): Promise<OffsetsPartitionRecords> {
  const hosted = await s.replicas.acquire(OFFSETS_TOPIC, partition);
  if (hosted === undefined) throw new Error(`${OFFSETS_TOPIC}-${partition} is not hosted here`);
  const log = hosted.log;
  const end = log.highWatermark;
  const records: RawOffsetsTopicRecord[] = [];
  const pendingTransactional = new Map<number, RawOffsetsTopicRecord[]>();
  let offset = log.logStartOffset;
  while (offset < end) {
    const read = await log.read(offset, LOAD_READ_BYTES, { maxOffset: end, minOneBatch: true });
    if (read.records === null) break;
    const bytes = read.records;
    const batches = await decodeRecordBatches(bytes, { maxBytes: LOAD_BATCH_BYTES_MAX });
    if (batches.length === 0) break;
    let at = 0;
    for (const batch of batches) {
      const h = batch.header;
      if (isControlBatch(h.attributes)) {
        const marker = h.baseOffset >= offset ? readMarker(bytes, at) : null;
        const staged = pendingTransactional.get(h.producerId);
        pendingTransactional.delete(h.producerId);
        if (marker?.commit === true && staged !== undefined) records.push(...staged);
      } else {
        const target = isTransactionalBatch(h.attributes)
          ? stagedFor(pendingTransactional, h.producerId)
          : records;
        for (const r of batch.records) {
          if (r.offset < offset) continue;
          const raw = usableRecord(s, partition, r.offset, r.key, r.value);
          if (raw !== null) target.push(raw);
        }
      }
      at += h.sizeBytes;
      offset = Math.max(offset, h.baseOffset + h.lastOffsetDelta + 1);
    }
  }
  return { records, pendingTransactional };
}

function stagedFor(
  pending: Map<number, RawOffsetsTopicRecord[]>,
  producerId: number,
): RawOffsetsTopicRecord[] {
  let list = pending.get(producerId);
  if (list === undefined) {
    list = [];
    pending.set(producerId, list);
  }
  return list;
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
