// Reading and writing the __consumer_offsets topic for the group coordinator
// runtime: appending the machine's records as one v2 batch through the
// partition's leader, reading a partition back for a load, and creating the
// topic on first need. It decides nothing about groups; the seams it needs
// are small structural interfaces, so tests can run it in memory.

import type { CoordinatorPartition } from '../log/coordinator-partition.ts';
import { type RecordSpan, walkRecordSpans } from '../log/record-spans.ts';
import { isControlBatch, isTransactionalBatch, readMarker } from '../protocol/control-batch.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import {
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
import { rateLimited } from '../util/log-rate-limiter.ts';
import type { Logger } from '../util/logger.ts';
import { describeOperatingError, isOperatingError } from '../util/operating-error.ts';
import { LastValueByKey } from './last-value-by-key.ts';
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

/** The parts of a broker the group coordinator runtime uses (BrokerServices satisfies it). */
export interface GroupCoordinatorServices {
  readonly nodeId: number;
  readonly image: {
    topic(name: string): object | undefined;
    partition(
      topic: string,
      partition: number,
    ):
      | {
          readonly leader: number;
          readonly replicas: readonly number[];
          readonly isr: readonly number[];
        }
      | undefined;
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
    acquire(topic: string, partition: number): Promise<CoordinatorPartition | undefined>;
    /** The leader fence is up for this partition (cluster/leader-fence.ts): its image may be stale. */
    isFencedFor(state: { readonly replicas: readonly number[] } | undefined): boolean;
  };
  readonly settings: {
    messageMaxBytes(topic: string): number;
    /** The topic's min.insync.replicas (the broker's default unless the topic sets one). */
    minInsyncReplicas(topic: string): number;
  };
  readonly config: {
    readonly offsetsTopicNumPartitions: number;
    readonly offsetsTopicReplicationFactor: number;
    readonly offsetsTopicSegmentBytes: number;
    /** offsets.commit.timeout.ms: how long an append waits for the followers. */
    readonly offsetsCommitTimeoutMs: number;
  };
  readonly logger: Logger;
  readonly now: () => number;
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** An append to the leader's log, and when the followers have it. */
export interface OffsetsAppend {
  /** The leader's append: 0 once the batch is in its log. */
  readonly errorCode: number;
  /**
   * The commit's outcome, as Kafka's coordinator appends with acks=all: 0 once
   * the high watermark has passed the batch with the ISR at least
   * min.insync.replicas (NOT_ENOUGH_REPLICAS_AFTER_APPEND with fewer),
   * REQUEST_TIMED_OUT after offsets.commit.timeout.ms, NOT_LEADER_OR_FOLLOWER
   * when leadership moved first; the append's own error when it failed (or
   * NOT_ENOUGH_REPLICAS when the ISR was too small to append). Never rejects.
   */
  readonly committed: Promise<number>;
}

/**
 * Appends the records as one batch if this broker leads the partition and
 * waits for its followers (see OffsetsAppend); never throws. Only an answer
 * after replication may tell a client its commit is stored: a batch on the
 * leader alone is truncated away if a follower without it is elected.
 */
export async function appendOffsetsRecords(
  s: GroupCoordinatorServices,
  partition: number,
  records: readonly OffsetsTopicRecord[],
  nowMs: number,
  producer?: { readonly producerId: number; readonly producerEpoch: number },
): Promise<OffsetsAppend> {
  const failed = (errorCode: number): OffsetsAppend => ({
    errorCode,
    committed: Promise.resolve(errorCode),
  });
  const state = s.image.partition(OFFSETS_TOPIC, partition);
  if (state?.leader !== s.nodeId) return failed(ErrorCode.NOT_LEADER_OR_FOLLOWER);
  // As a produce with acks=all (Kafka's coordinators append with acks=-1): a
  // commit the ISR is too small to make durable is refused, not written.
  const minInsync = s.settings.minInsyncReplicas(OFFSETS_TOPIC);
  if (state.isr.length < minInsync) {
    rateLimited(s.logger).log(
      'warn',
      'offsets-append-min-isr',
      { partition, isr: state.isr.length, minInsync },
      'group coordinator append to __consumer_offsets refused: ISR below min.insync.replicas',
    );
    return failed(ErrorCode.NOT_ENOUGH_REPLICAS);
  }
  try {
    const hosted = await s.replicas.acquire(OFFSETS_TOPIC, partition);
    if (hosted === undefined) return failed(ErrorCode.NOT_LEADER_OR_FOLLOWER);
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
      return failed(outcome.errorCode);
    }
    const committed = hosted
      .waitForHighWatermark(outcome.lastOffset + 1, s.config.offsetsCommitTimeoutMs)
      .then(
        (reached) => {
          const now = s.image.partition(OFFSETS_TOPIC, partition);
          if (reached) {
            // The high watermark also moves when the ISR shrinks: passed by
            // fewer replicas than min.insync.replicas, the commit is not durable enough.
            const isr = now?.leader === s.nodeId ? now.isr.length : Number.POSITIVE_INFINITY;
            return isr < s.settings.minInsyncReplicas(OFFSETS_TOPIC)
              ? ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND
              : ErrorCode.NONE;
          }
          return now?.leader === s.nodeId
            ? ErrorCode.REQUEST_TIMED_OUT
            : ErrorCode.NOT_LEADER_OR_FOLLOWER;
        },
        () => ErrorCode.KAFKA_STORAGE_ERROR,
      );
    return { errorCode: ErrorCode.NONE, committed };
  } catch (err) {
    // Every commit fails the same way while the disk is full: a line per kind, the stack only for a bug.
    const operating = isOperatingError(err);
    rateLimited(s.logger).log(
      operating ? 'warn' : 'error',
      operating ? 'offsets-append-failed' : 'offsets-append-bug',
      operating ? { partition, ...describeOperatingError(err) } : { err, partition },
      'group coordinator append to __consumer_offsets failed',
    );
    return failed(ErrorCode.KAFKA_STORAGE_ERROR);
  }
}

/** A partition's records as a load replays them. */
export interface OffsetsPartitionRecords {
  /** Plain records, and those of committed transactions placed where their marker is. */
  readonly records: RawOffsetsTopicRecord[];
  /** Records of transactions with no marker yet, by producer id. */
  readonly pendingTransactional: Map<number, RawOffsetsTopicRecord[]>;
  /** Records walked (before compaction's view kept the last of each key). */
  readonly recordsRead: number;
}

/**
 * The records of a partition from its log start to its log end that a replay
 * would leave (to the end, as Kafka's coordinator loads: this broker leads the
 * partition, so its log is the one that will be committed, while its high
 * watermark may lag acknowledged commits: a promoted follower learns the old
 * leader's from its next fetch answer, a restarted leader starts from its last
 * checkpoint): the last record of each key, in the order of those last
 * records, tombstones included (as log compaction would leave them). A
 * transaction's records (TxnOffsetCommit) count from its commit marker on, an
 * aborted transaction's not at all, an open one's are returned apart. Records
 * are walked as bytes and only the survivors are decoded (one that cannot be is
 * logged and skipped: a load must not stall on one bad record). Throws when the
 * partition is not hosted here or the log fails.
 */
export async function readOffsetsPartition(
  s: GroupCoordinatorServices,
  partition: number,
): Promise<OffsetsPartitionRecords> {
  const hosted = await s.replicas.acquire(OFFSETS_TOPIC, partition);
  if (hosted === undefined) throw new Error(`${OFFSETS_TOPIC}-${partition} is not hosted here`);
  const log = hosted.log;
  const end = log.logEndOffset;
  const replay = new OffsetsReplay();
  let offset = log.logStartOffset;
  while (offset < end) {
    const read = await log.read(offset, LOAD_READ_BYTES, { maxOffset: end, minOneBatch: true });
    if (read.records === null) break;
    const next = await replayBatches(read.records, offset, replay);
    if (next <= offset) break;
    offset = next;
  }
  if (replay.keyless > 0) {
    s.logger.warn(
      { partition, keyless: replay.keyless },
      'skipped __consumer_offsets records without a key',
    );
  }
  const records: RawOffsetsTopicRecord[] = [];
  for (const { key, value, offset: at } of replay.last.entries()) {
    const raw = usableRecord(s, partition, at, key, value);
    if (raw !== null) records.push(raw);
  }
  const pendingTransactional = new Map<number, RawOffsetsTopicRecord[]>();
  for (const [producerId, staged] of replay.pending) {
    const raws: RawOffsetsTopicRecord[] = [];
    for (const r of staged) {
      const raw = usableRecord(s, partition, r.offset, r.key, r.value);
      if (raw !== null) raws.push(raw);
    }
    pendingTransactional.set(producerId, raws);
  }
  return { records, pendingTransactional, recordsRead: replay.recordsRead };
}

interface StagedRecord {
  readonly key: Buffer;
  readonly value: Buffer | null;
  readonly offset: number;
}

/**
 * What a load keeps while it walks the log: the last value of each key (keyed
 * on the key's bytes, in the order of the last records), and the records of
 * transactions not decided yet, by producer id, which join `last` at their
 * commit marker and vanish at an abort. A plain record costs no allocation.
 */
export class OffsetsReplay {
  readonly last = new LastValueByKey();
  readonly pending = new Map<number, StagedRecord[]>();
  keyless = 0;
  recordsRead = 0;

  /** The record at section[span]: its key and value are copied, the section may be reused. */
  record(section: Buffer, span: RecordSpan, offset: number, producerId: number | null): void {
    this.recordsRead += 1;
    if (span.keyLength < 0) {
      this.keyless += 1;
      return;
    }
    if (producerId === null) {
      this.last.set(
        section,
        span.keyStart,
        span.keyLength,
        section,
        span.valueStart,
        span.valueLength,
        offset,
      );
      return;
    }
    const staged: StagedRecord = {
      key: Buffer.from(section.subarray(span.keyStart, span.keyStart + span.keyLength)),
      value:
        span.valueLength < 0
          ? null
          : Buffer.from(section.subarray(span.valueStart, span.valueStart + span.valueLength)),
      offset,
    };
    const list = this.pending.get(producerId) ?? [];
    list.push(staged);
    this.pending.set(producerId, list);
  }

  marker(producerId: number, commit: boolean): void {
    const staged = this.pending.get(producerId);
    this.pending.delete(producerId);
    if (!commit || staged === undefined) return;
    for (const r of staged) {
      // A tombstone copies no value bytes; any buffer serves as its source.
      const value = r.value ?? r.key;
      this.last.set(
        r.key,
        0,
        r.key.length,
        value,
        0,
        r.value === null ? -1 : value.length,
        r.offset,
      );
    }
  }
}

/**
 * Feeds `replay` each record at or after `from` in the whole batches of `bytes`
 * (transactional ones by producer id) and each transaction marker; returns the
 * offset after the last batch. Throws CorruptRecordError on a damaged batch.
 */
export async function replayBatches(
  bytes: Buffer,
  from: number,
  replay: OffsetsReplay,
): Promise<number> {
  let next = from;
  let at = 0;
  while (bytes.length - at >= BATCH_HEADER_BYTES) {
    const sizeBytes = bytes.readInt32BE(at + OFFSET_LENGTH) + BATCH_LOG_OVERHEAD_BYTES;
    if (sizeBytes < BATCH_HEADER_BYTES || at + sizeBytes > bytes.length) break;
    const problem = checkBatch(bytes, at, at + sizeBytes);
    if (problem !== null) throw new CorruptRecordError(problem, `batch at ${next}: ${problem}`);
    const header = readBatchHeader(bytes, at);
    const batchStart = next;
    next = Math.max(next, header.baseOffset + header.lastOffsetDelta + 1);
    if (isControlBatch(header.attributes)) {
      const marker = header.baseOffset >= batchStart ? readMarker(bytes, at) : null;
      if (marker !== null) replay.marker(header.producerId, marker.commit);
    } else if (header.recordCount > 0) {
      const producerId = isTransactionalBatch(header.attributes) ? header.producerId : null;
      const section = await readRecordsSection(bytes, { at, maxBytes: LOAD_BATCH_BYTES_MAX });
      const baseOffset = header.baseOffset;
      walkRecordSpans(section, (span) => {
        const recordOffset = baseOffset + span.offsetDelta;
        if (recordOffset >= from) replay.record(section, span, recordOffset, producerId);
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
 * offsets.topic.replication.factor; the topic takes the broker's
 * min.insync.replicas, as Kafka's does, capped at that replication factor
 * (else a lowered topic would refuse every commit). Returns whether the topic
 * exists afterwards.
 */
export async function createOffsetsTopic(s: GroupCoordinatorServices): Promise<boolean> {
  const live = s.image.brokers().length;
  const replicationFactor = Math.max(1, Math.min(s.config.offsetsTopicReplicationFactor, live));
  const minInsyncCap =
    s.settings.minInsyncReplicas(OFFSETS_TOPIC) > replicationFactor
      ? { 'min.insync.replicas': String(replicationFactor) }
      : {};
  try {
    const r = await s.topicAdmin.createTopic({
      name: OFFSETS_TOPIC,
      numPartitions: s.config.offsetsTopicNumPartitions,
      replicationFactor,
      configs: {
        'cleanup.policy': 'compact',
        'segment.bytes': String(s.config.offsetsTopicSegmentBytes),
        ...minInsyncCap,
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
