// storedTwice tells the broker's failures (a retry let through under one producer
// epoch) from the client's re-sends after an epoch bump, which the fault loop
// tolerates and counts. Pure: records made here, no segment files.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ReplicaRecord, storedTwice } from './replica-log.ts';

let offset = 0;
function rec(value: string, producerId: number, producerEpoch: number, seq: number): ReplicaRecord {
  return {
    offset: offset++,
    timestampMs: 0,
    leaderEpoch: 0,
    value,
    producer: `${producerId}/${producerEpoch}/${seq}`,
    producerId,
    producerEpoch,
  };
}

test('a value stored once is not reported', () => {
  assert.deepEqual(storedTwice([[rec('1', 7, 0, 0), rec('2', 7, 0, 1)], [rec('3', 7, 0, 0)]]), []);
});

test('two copies under one producer id and epoch are a retry the broker let through', () => {
  const [t, ...rest] = storedTwice([[rec('1', 7, 0, 0), rec('1', 7, 0, 5)]]);
  assert.equal(rest.length, 0);
  assert.equal(t?.value, '1');
  assert.equal(t?.cause, 'retryLetThrough');
  assert.equal(t?.copies.length, 2);
});

test('a copy under a later epoch of the same producer id is a re-send after a bump', () => {
  const twice = storedTwice([[rec('1', 7, 0, 3)], [rec('1', 7, 1, 0)]]);
  assert.deepEqual(
    twice.map((t) => [t.value, t.cause]),
    [['1', 'resentAfterEpochBump']],
  );
});

test('three copies, two of them under one epoch, are still the broker letting a retry through', () => {
  const twice = storedTwice([[rec('1', 7, 0, 3), rec('1', 7, 1, 0), rec('1', 7, 1, 4)]]);
  assert.equal(twice[0]?.cause, 'retryLetThrough');
});

test('copies from different producers, or without a producer id, are not explained by a bump', () => {
  assert.equal(storedTwice([[rec('1', 7, 0, 0), rec('1', 8, 0, 0)]])[0]?.cause, 'otherProducers');
  assert.equal(
    storedTwice([[rec('1', -1, -1, -1), rec('1', -1, 0, -1)]])[0]?.cause,
    'otherProducers',
  );
});
