// A partition's transaction state as a trace of appended batches and
// markers: the last stable offset stops at the first open transaction and at
// a decided transaction until its marker is replicated; the aborted index
// gives a read_committed fetch what Kafka would; .txnindex bytes are Kafka's.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  buildMarkerBatch,
  isControlBatch,
  isTransactionalBatch,
  readMarker,
} from '../protocol/control-batch.ts';
import { readBatchHeader } from '../protocol/record-batch.ts';
import { PartitionTransactions } from './partition-transactions.ts';
import {
  decodeTxnIndexEntries,
  encodeTxnIndexEntries,
  TXN_INDEX_ENTRY_BYTES,
  txnIndexFileName,
} from './transaction-index.ts';
import {
  decodeTransactionLogRecord,
  encodeTransactionLogRecord,
  partitionForTransactionalId,
} from './transaction-log-format.ts';

test('the LSO stops at the first open transaction and waits for a marker to be replicated', () => {
  const t = new PartitionTransactions();
  assert.equal(t.lastStableOffset(10), 10, 'no transactions: the high watermark');
  t.onTransactionalBatch(7, 10, 0);
  t.onTransactionalBatch(7, 12, 0);
  t.onTransactionalBatch(8, 15, 0);
  assert.equal(t.lastStableOffset(20), 10);
  assert.equal(t.openTransactionStart(7), 10, 'the first batch opens it');
  assert.equal(t.onMarker(7, true, 20), null, 'a commit adds no aborted entry');
  assert.equal(t.lastStableOffset(20), 10, 'the marker at 20 is not below the high watermark');
  assert.equal(t.lastStableOffset(21), 15, 'now the next open transaction bounds it');
  const aborted = t.onMarker(8, false, 21);
  assert.deepEqual(aborted, {
    producerId: 8,
    firstOffset: 15,
    lastOffset: 21,
    lastStableOffset: 22,
  });
  assert.equal(t.lastStableOffset(22), 22);
  assert.equal(t.onMarker(9, false, 23), null, 'a marker with nothing open here ends nothing');
});

test('aborted transactions overlapping a fetch are returned as Kafka collects them', () => {
  const t = new PartitionTransactions();
  t.onTransactionalBatch(1, 0, 0);
  t.onTransactionalBatch(2, 5, 0);
  t.onMarker(1, false, 8); // aborted [0, 8], LSO 5 (producer 2 still open)
  t.onMarker(2, false, 9); // aborted [5, 9], LSO 10
  t.onTransactionalBatch(3, 10, 0);
  t.onMarker(3, false, 12); // aborted [10, 12]
  const ids = (from: number, to: number) => t.abortedBetween(from, to).map((a) => a.producerId);
  assert.deepEqual(ids(0, 4), [1]);
  assert.deepEqual(ids(0, 9), [1, 2]);
  assert.deepEqual(ids(9, 13), [2, 3]);
  assert.deepEqual(ids(10, 13), [3]);
  assert.deepEqual(ids(13, 20), []);
});

test('resetFrom keeps aborted entries below the rescan point only', () => {
  const t = new PartitionTransactions();
  t.onTransactionalBatch(1, 0, 0);
  t.onMarker(1, false, 3);
  t.onTransactionalBatch(2, 4, 0);
  t.onMarker(2, false, 6);
  t.onTransactionalBatch(3, 7, 0);
  t.resetFrom(5);
  assert.deepEqual(
    t.aborted().map((a) => a.producerId),
    [1],
  );
  assert.equal(t.firstUnstableOffset(), null);
});

test('.txnindex entries are 34 bytes: version, producer id, first, last and last stable offset', () => {
  const entry = { producerId: 0x0102030405, firstOffset: 7, lastOffset: 9, lastStableOffset: 10 };
  const bytes = encodeTxnIndexEntries([entry, { ...entry, producerId: 2 }]);
  assert.equal(bytes.length, 2 * TXN_INDEX_ENTRY_BYTES);
  assert.equal(
    bytes.subarray(0, 34).toString('hex'),
    '0000' + '0000000102030405' + '0000000000000007' + '0000000000000009' + '000000000000000a',
  );
  assert.deepEqual(decodeTxnIndexEntries(Buffer.concat([bytes, Buffer.alloc(5)]))[0], entry);
  assert.equal(decodeTxnIndexEntries(bytes.subarray(0, 40)).length, 1, 'a torn entry is ignored');
  assert.equal(txnIndexFileName(42), '00000000000000000042.txnindex');
});

test('a marker batch is a transactional control batch whose record says commit or abort', () => {
  const batch = buildMarkerBatch(
    { producerId: 33, producerEpoch: 4, commit: false, coordinatorEpoch: 12 },
    1_700_000_000_000,
  );
  const h = readBatchHeader(batch);
  assert.ok(isControlBatch(h.attributes) && isTransactionalBatch(h.attributes));
  assert.equal(h.baseSequence, -1);
  assert.equal(h.recordCount, 1);
  assert.deepEqual(readMarker(batch), {
    producerId: 33,
    producerEpoch: 4,
    commit: false,
    coordinatorEpoch: 12,
  });
  // Key (4 bytes): version 0, type 0 (abort); value (6 bytes): version 0, coordinator epoch 12.
  assert.ok(batch.includes(Buffer.from('08' + '00000000' + '0c' + '00000000000c', 'hex')));
});

test('__transaction_state records round-trip and map ids to partitions as Kafka does', () => {
  const record = {
    transactionalId: 'tx-é',
    value: {
      producerId: 2 ** 40,
      previousProducerId: 5,
      nextProducerId: -1,
      producerEpoch: 3,
      transactionTimeoutMs: 60000,
      state: 'Ongoing' as const,
      partitions: [{ topic: 'a', partitions: [0, 2] }],
      lastUpdateTimestampMs: 1234,
      startTimestampMs: 1200,
    },
  };
  const raw = encodeTransactionLogRecord(record);
  assert.equal(raw.key.toString('hex'), '0000' + '0005' + Buffer.from('tx-é').toString('hex'));
  assert.equal(raw.value?.readInt16BE(0), 1, 'value version 1');
  assert.deepEqual(decodeTransactionLogRecord(raw.key, raw.value), record);
  assert.deepEqual(decodeTransactionLogRecord(raw.key, null), {
    transactionalId: 'tx-é',
    value: null,
  });
  assert.equal(partitionForTransactionalId('hello', 50), 99162322 % 50);
});
