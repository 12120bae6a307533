// The record format of the __transaction_state topic, byte-compatible with
// Kafka's TransactionLogKey (int16 version 0, transactional id) and
// TransactionLogValue (int16 version, then v0 classic or v1 flexible fields:
// producer id, epoch, timeout, status byte, partitions, timestamps; v1 adds
// the previous and next producer ids as tagged fields). A null value is the
// tombstone of an expired transactional id. Also Kafka's mapping of a
// transactional id to its partition.

import { codecFor } from '../protocol/codec.ts';
import { DecodeError, Reader } from '../protocol/reader.ts';
import type { MessageDef } from '../protocol/schema.ts';
import { Writer } from '../protocol/writer.ts';
import { partitionForKey } from '../util/java-hash.ts';

export const TRANSACTION_STATE_TOPIC = '__transaction_state';
const KEY_VERSION = 0;
/** Written by Kafka 3.x (flexible, with the previous producer id). */
export const VALUE_VERSION = 1;
const VALUE_VERSION_MAX = 1;

/** Kafka's TransactionState names, in the order of their status bytes (0..7). */
export const TRANSACTION_STATES = [
  'Empty',
  'Ongoing',
  'PrepareCommit',
  'PrepareAbort',
  'CompleteCommit',
  'CompleteAbort',
  'Dead',
  'PrepareEpochFence',
] as const;

export type TransactionStateName = (typeof TRANSACTION_STATES)[number];

export interface TopicPartitions {
  readonly topic: string;
  readonly partitions: readonly number[];
}

export interface TransactionLogValue {
  readonly producerId: number;
  /** The producer id before the last rotation (KIP-360 retries), -1 if none. */
  readonly previousProducerId: number;
  readonly nextProducerId: number;
  readonly producerEpoch: number;
  readonly transactionTimeoutMs: number;
  readonly state: TransactionStateName;
  readonly partitions: readonly TopicPartitions[];
  readonly lastUpdateTimestampMs: number;
  /** -1 while no transaction has started. */
  readonly startTimestampMs: number;
}

export interface TransactionLogRecord {
  readonly transactionalId: string;
  /** null: the tombstone of an expired transactional id. */
  readonly value: TransactionLogValue | null;
}

const ValueDef = {
  apiKey: 0,
  name: 'TransactionLogValue',
  type: 'data',
  validVersions: '0-1',
  flexibleVersions: '1+',
  fields: [
    { name: 'producerId', type: 'int64', versions: '0+' },
    {
      name: 'previousProducerId',
      type: 'int64',
      versions: '1+',
      taggedVersions: '1+',
      tag: 0,
      default: -1,
    },
    {
      name: 'nextProducerId',
      type: 'int64',
      versions: '1+',
      taggedVersions: '1+',
      tag: 1,
      default: -1,
    },
    { name: 'producerEpoch', type: 'int16', versions: '0+' },
    { name: 'transactionTimeoutMs', type: 'int32', versions: '0+' },
    { name: 'transactionStatus', type: 'int8', versions: '0+' },
    {
      name: 'transactionPartitions',
      type: '[]',
      versions: '0+',
      nullableVersions: '0+',
      fields: [
        { name: 'topic', type: 'string', versions: '0+' },
        { name: 'partitionIds', type: '[]int32', versions: '0+' },
      ],
    },
    { name: 'transactionLastUpdateTimestampMs', type: 'int64', versions: '0+' },
    { name: 'transactionStartTimestampMs', type: 'int64', versions: '0+' },
    {
      name: 'clientTransactionVersion',
      type: 'int16',
      versions: '1+',
      taggedVersions: '1+',
      tag: 2,
      default: 0,
    },
  ],
} as const satisfies MessageDef;

/** Kafka's `Utils.abs(transactionalId.hashCode) % transaction.state.log.num.partitions`. */
export function partitionForTransactionalId(id: string, numPartitions: number): number {
  return partitionForKey(id, numPartitions);
}

export function encodeTransactionLogKey(transactionalId: string): Buffer {
  const w = new Writer(32);
  w.int16(KEY_VERSION).string(transactionalId);
  return w.toBuffer();
}

export function encodeTransactionLogValue(v: TransactionLogValue): Buffer {
  const w = new Writer(128);
  w.int16(VALUE_VERSION);
  codecFor(ValueDef)
    .at(VALUE_VERSION)
    .encode(w, {
      producerId: v.producerId,
      previousProducerId: v.previousProducerId,
      nextProducerId: v.nextProducerId,
      producerEpoch: v.producerEpoch,
      transactionTimeoutMs: v.transactionTimeoutMs,
      transactionStatus: TRANSACTION_STATES.indexOf(v.state),
      // Kafka writes the partitions only while a transaction is in progress.
      transactionPartitions: v.partitions.map((p) => ({
        topic: p.topic,
        partitionIds: [...p.partitions],
      })),
      transactionLastUpdateTimestampMs: v.lastUpdateTimestampMs,
      transactionStartTimestampMs: v.startTimestampMs,
      clientTransactionVersion: 0,
    });
  return w.toBuffer();
}

export function encodeTransactionLogRecord(r: TransactionLogRecord): {
  key: Buffer;
  value: Buffer | null;
} {
  return {
    key: encodeTransactionLogKey(r.transactionalId),
    value: r.value === null ? null : encodeTransactionLogValue(r.value),
  };
}

/** Decodes a stored record; throws DecodeError for a key or value we cannot read. */
export function decodeTransactionLogRecord(
  key: Uint8Array,
  value: Uint8Array | null,
): TransactionLogRecord {
  const kr = new Reader(Buffer.from(key.buffer, key.byteOffset, key.byteLength));
  const keyVersion = kr.int16();
  if (keyVersion !== KEY_VERSION) throw new DecodeError(`unknown key version ${keyVersion}`);
  const transactionalId = kr.string();
  if (value === null) return { transactionalId, value: null };
  const vr = new Reader(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
  const version = vr.int16();
  if (version < 0 || version > VALUE_VERSION_MAX)
    throw new DecodeError(`unknown value version ${version}`);
  const v = codecFor(ValueDef).at(version).decode(vr);
  const state = TRANSACTION_STATES[v.transactionStatus];
  if (state === undefined) throw new DecodeError(`unknown status ${v.transactionStatus}`);
  return {
    transactionalId,
    value: {
      producerId: v.producerId,
      previousProducerId: v.previousProducerId,
      nextProducerId: v.nextProducerId,
      producerEpoch: v.producerEpoch,
      transactionTimeoutMs: v.transactionTimeoutMs,
      state,
      partitions: (v.transactionPartitions ?? []).map((p) => ({
        topic: p.topic,
        partitions: p.partitionIds,
      })),
      lastUpdateTimestampMs: v.transactionLastUpdateTimestampMs,
      startTimestampMs: v.transactionStartTimestampMs,
    },
  };
}
