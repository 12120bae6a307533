// Reading and writing the __transaction_state topic for the transaction
// coordinator runtime: appending one record through the partition's leader
// and waiting until the in-sync replicas have it (Kafka writes this topic with
// acks=all: a decision a client was told of must survive the leader), reading
// a partition back for a load, and creating the topic on first need. It
// decides nothing about transactions; its seams are small structural
// interfaces so tests can run it in memory.

import type { CoordinatorPartition } from '../log/coordinator-partition.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import { DecodeError } from '../protocol/reader.ts';
import { ATTR_CONTROL } from '../protocol/record-batch.ts';
import { buildRecordBatchSync, decodeRecordBatches } from '../protocol/records.ts';
import type { Logger } from '../util/logger.ts';
import {
  decodeTransactionLogRecord,
  encodeTransactionLogRecord,
  TRANSACTION_STATE_TOPIC,
  type TransactionLogRecord,
} from './transaction-log-format.ts';

/** Bytes asked of the log per read while loading a partition. */
const LOAD_READ_BYTES = 1024 * 1024;
/** Largest decompressed records section accepted per batch while loading. */
const LOAD_BATCH_BYTES_MAX = 64 * 1024 * 1024;

/** The parts of a broker the runtime uses (BrokerServices satisfies most of it). */
export interface TransactionLogServices {
  readonly nodeId: number;
  readonly image: {
    topic(name: string): object | undefined;
    partition(
      topic: string,
      partition: number,
    ):
      | { readonly leader: number; readonly leaderEpoch: number; readonly isr: readonly number[] }
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
  };
  readonly settings: {
    messageMaxBytes(topic: string): number;
    minInsyncReplicas(topic: string): number;
  };
  readonly config: {
    readonly transactionStateLogNumPartitions: number;
    readonly transactionStateLogReplicationFactor: number;
    readonly transactionStateLogMinIsr: number;
    readonly transactionStateLogSegmentBytes: number;
  };
  readonly logger: Logger;
  readonly now: () => number;
}

/**
 * Appends the record if this broker leads the partition and waits (up to
 * timeoutMs) for the in-sync replicas; returns the error code (0 on success)
 * and never throws. As Kafka's coordinator appends with acks=-1: an ISR below
 * min.insync.replicas refuses the append (NOT_ENOUGH_REPLICAS), and one that
 * shrank below it before the high watermark passed the record answers
 * NOT_ENOUGH_REPLICAS_AFTER_APPEND.
 */
export async function appendTransactionRecord(
  s: TransactionLogServices,
  partition: number,
  record: TransactionLogRecord,
  timeoutMs: number,
): Promise<number> {
  const state = s.image.partition(TRANSACTION_STATE_TOPIC, partition);
  if (state?.leader !== s.nodeId) return ErrorCode.NOT_LEADER_OR_FOLLOWER;
  const minInsync = s.settings.minInsyncReplicas(TRANSACTION_STATE_TOPIC);
  if (state.isr.length < minInsync) return ErrorCode.NOT_ENOUGH_REPLICAS;
  try {
    const hosted = await s.replicas.acquire(TRANSACTION_STATE_TOPIC, partition);
    if (hosted === undefined) return ErrorCode.NOT_LEADER_OR_FOLLOWER;
    const { key, value } = encodeTransactionLogRecord(record);
    const batch = buildRecordBatchSync({ records: [{ key, value }], timestampMs: s.now() });
    const max = s.settings.messageMaxBytes(TRANSACTION_STATE_TOPIC);
    const outcome = await hosted.appendAsLeader(batch, max);
    if (outcome.errorCode !== ErrorCode.NONE) {
      s.logger.warn(
        { partition, errorCode: outcome.errorCode, reason: outcome.errorMessage },
        'transaction coordinator append to __transaction_state refused',
      );
      return outcome.errorCode;
    }
    const replicated = await hosted.waitForHighWatermark(outcome.lastOffset + 1, timeoutMs);
    const now = s.image.partition(TRANSACTION_STATE_TOPIC, partition);
    const stillLeader = now?.leader === s.nodeId && now.leaderEpoch === state.leaderEpoch;
    if (replicated) {
      // The high watermark also moves when the ISR shrinks: passed by fewer
      // replicas than min.insync.replicas, the record is not durable enough.
      return stillLeader && now.isr.length < minInsync
        ? ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND
        : ErrorCode.NONE;
    }
    return stillLeader ? ErrorCode.REQUEST_TIMED_OUT : ErrorCode.NOT_LEADER_OR_FOLLOWER;
  } catch (err) {
    s.logger.error({ err, partition }, 'transaction coordinator append failed');
    return ErrorCode.KAFKA_STORAGE_ERROR;
  }
}

/**
 * The records of a partition from its log start to its log end, in log order
 * (a new leader's log end is what its followers will converge on), skipping
 * control batches and records we cannot decode, each logged. Throws when the
 * partition is not hosted here or the log fails.
 */
export async function readTransactionPartition(
  s: TransactionLogServices,
  partition: number,
): Promise<TransactionLogRecord[]> {
  const hosted = await s.replicas.acquire(TRANSACTION_STATE_TOPIC, partition);
  if (hosted === undefined)
    throw new Error(`${TRANSACTION_STATE_TOPIC}-${partition} is not hosted here`);
  const log = hosted.log;
  const end = log.logEndOffset;
  const records: TransactionLogRecord[] = [];
  let offset = log.logStartOffset;
  while (offset < end) {
    const read = await log.read(offset, LOAD_READ_BYTES, { maxOffset: end, minOneBatch: true });
    if (read.records === null) break;
    const batches = await decodeRecordBatches(read.records, { maxBytes: LOAD_BATCH_BYTES_MAX });
    if (batches.length === 0) break;
    for (const batch of batches) {
      const h = batch.header;
      const skip = (h.attributes & ATTR_CONTROL) !== 0;
      for (const r of batch.records) {
        if (skip || r.offset < offset) continue;
        const decoded = usableRecord(s, partition, r.offset, r.key, r.value);
        if (decoded !== null) records.push(decoded);
      }
      offset = Math.max(offset, h.baseOffset + h.lastOffsetDelta + 1);
    }
  }
  return records;
}

function usableRecord(
  s: TransactionLogServices,
  partition: number,
  offset: number,
  key: Buffer | null,
  value: Buffer | null,
): TransactionLogRecord | null {
  if (key === null) {
    s.logger.warn({ partition, offset }, 'skipping __transaction_state record without a key');
    return null;
  }
  try {
    return decodeTransactionLogRecord(key, value);
  } catch (err) {
    if (!(err instanceof DecodeError) && !(err instanceof RangeError)) throw err;
    s.logger.warn({ err, partition, offset }, 'skipping undecodable __transaction_state record');
    return null;
  }
}

/**
 * Creates __transaction_state (compacted, internal, min.insync.replicas from
 * transaction.state.log.min.isr). The replication factor is lowered to the live
 * brokers, as for __consumer_offsets. Returns whether the topic exists afterwards.
 */
export async function createTransactionTopic(s: TransactionLogServices): Promise<boolean> {
  const live = s.image.brokers().length;
  const replicationFactor = Math.max(
    1,
    Math.min(s.config.transactionStateLogReplicationFactor, live),
  );
  const minIsr = Math.min(s.config.transactionStateLogMinIsr, replicationFactor);
  try {
    const r = await s.topicAdmin.createTopic({
      name: TRANSACTION_STATE_TOPIC,
      numPartitions: s.config.transactionStateLogNumPartitions,
      replicationFactor,
      configs: {
        'cleanup.policy': 'compact',
        'segment.bytes': String(s.config.transactionStateLogSegmentBytes),
        'min.insync.replicas': String(minIsr),
        'unclean.leader.election.enable': 'false',
      },
      validateOnly: false,
      internal: true,
    });
    if (r.errorCode !== ErrorCode.NONE && r.errorCode !== ErrorCode.TOPIC_ALREADY_EXISTS) {
      s.logger.warn(
        { errorCode: r.errorCode, reason: r.errorMessage },
        'could not create __transaction_state',
      );
    }
  } catch (err) {
    s.logger.error({ err }, 'could not create __transaction_state');
  }
  return s.image.topic(TRANSACTION_STATE_TOPIC) !== undefined;
}
