// Idempotent producer sequence checks, as a trace of batches.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode } from '../protocol/error-codes.ts';
import { ProducerStateTable } from './producer-state.ts';

const batch = (seq: number, count: number, epoch = 0) => ({
  producerId: 7,
  producerEpoch: epoch,
  baseSequence: seq,
  lastOffsetDelta: count - 1,
});

test('a retried batch is recognised as a duplicate with its original offset', () => {
  const t = new ProducerStateTable();
  assert.deepEqual(t.check(batch(0, 3)), { kind: 'append' });
  t.record(batch(0, 3), 100);
  assert.deepEqual(t.check(batch(3, 2)), { kind: 'append' });
  t.record(batch(3, 2), 103);
  assert.deepEqual(t.check(batch(0, 3)), { kind: 'duplicate', firstOffset: 100 });
  assert.deepEqual(t.check(batch(3, 2)), { kind: 'duplicate', firstOffset: 103 });
});

test('a gap in sequence numbers is OUT_OF_ORDER_SEQUENCE_NUMBER', () => {
  const t = new ProducerStateTable();
  t.record(batch(0, 3), 0);
  const r = t.check(batch(5, 1));
  assert.equal(r.kind, 'error');
  assert.equal(r.kind === 'error' && r.errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
});

test('an unknown producer must start at sequence 0', () => {
  const t = new ProducerStateTable();
  const r = t.check(batch(4, 1));
  assert.equal(r.kind === 'error' && r.errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
});

test('an older epoch is fenced and a newer epoch restarts at 0', () => {
  const t = new ProducerStateTable();
  t.record(batch(0, 1, 2), 0);
  const old = t.check(batch(1, 1, 1));
  assert.equal(old.kind === 'error' && old.errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
  assert.deepEqual(t.check(batch(0, 1, 3)), { kind: 'append' });
  const bad = t.check(batch(1, 1, 3));
  assert.equal(bad.kind === 'error' && bad.errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
});

test('only the last five batches are remembered', () => {
  const t = new ProducerStateTable();
  for (let i = 0; i < 6; i++) t.record(batch(i, 1), i);
  assert.equal(t.check(batch(0, 1)).kind, 'error');
  assert.deepEqual(t.check(batch(1, 1)), { kind: 'duplicate', firstOffset: 1 });
});

test('sequence numbers wrap after the int32 maximum', () => {
  const t = new ProducerStateTable();
  t.record(batch(0x7ffffffe, 2), 0);
  assert.deepEqual(t.check(batch(0, 1)), { kind: 'append' });
});

test('restore undoes a record after a failed append', () => {
  const t = new ProducerStateTable();
  t.record(batch(0, 1), 0);
  const saved = t.snapshot(7);
  t.record(batch(1, 1), 1);
  t.restore(7, saved);
  assert.deepEqual(t.check(batch(1, 1)), { kind: 'append' });
});

test('expire forgets producers idle for the expiration, not those in use or recent', () => {
  const t = new ProducerStateTable();
  const id = (producerId: number) => ({
    producerId,
    producerEpoch: 0,
    baseSequence: 0,
    lastOffsetDelta: 0,
  });
  t.record(id(1), 0, 1_000);
  t.record(id(2), 1, 1_000);
  t.record(id(3), 2, 50_000);
  t.record(id(4), 3); // no timestamp known: as Kafka, idle since forever
  assert.equal(
    t.expire(61_000, 60_000, (p) => p === 2),
    2,
  );
  assert.deepEqual(
    t.describe().map((d) => d.producerId),
    [2, 3],
  );
  assert.equal(
    t.expire(61_000, 60_000, () => false),
    1,
    'without its transaction, 2 goes too',
  );
  assert.equal(
    t.expire(109_999, 60_000, () => false),
    0,
    'one millisecond short',
  );
  assert.equal(
    t.expire(110_000, 60_000, () => false),
    1,
  );
  assert.equal(t.size, 0);
});
