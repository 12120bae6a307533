// The campaign's checker must catch each anomaly it claims to count: a
// synthetic history with one of each (and clean records around them) gives
// exactly those, charged to the fault whose window holds them.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ConsumerEvent, check, type FinalRecord, type Outcome } from './checker.ts';

function history() {
  const invocations = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((value, i) => ({
    value,
    partition: 0,
    invokedAt: 10 + i,
  }));
  const outcomes = new Map<string, Outcome>([
    ['a', { kind: 'ack', partition: 0, offset: 0, at: 11 }],
    ['b', { kind: 'ack', partition: 0, offset: 1, at: 12 }],
    ['c', { kind: 'ack', partition: 0, offset: 2, at: 13 }],
    ['d', { kind: 'error', error: '_MSG_TIMED_OUT', at: 14 }],
  ]);
  const finalLog = new Map<number, FinalRecord[]>([
    [
      0,
      [
        { offset: 0, value: 'a', leaderEpoch: 0 },
        { offset: 1, value: 'b', leaderEpoch: 0 },
        { offset: 2, value: 'c', leaderEpoch: 1 },
        { offset: 3, value: 'd', leaderEpoch: 1 },
      ],
    ],
  ]);
  const reads: ConsumerEvent[] = [
    { kind: 'assign', at: 11, partitions: [0] },
    { kind: 'read', at: 12, partitions: [0], offset: 0, value: 'a' },
    { kind: 'read', at: 12, partitions: [0], offset: 1, value: 'b' },
    { kind: 'read', at: 13, partitions: [0], offset: 2, value: 'c' },
  ];
  return {
    invocations,
    outcomes,
    consumers: [reads],
    finalLog,
    epochs: [
      { at: 1, partition: 0, leaderEpoch: 0 },
      { at: 12.5, partition: 0, leaderEpoch: 1 },
    ],
    faults: [
      { kind: 'kill', start: 5 },
      { kind: 'pause', start: 20 },
    ],
  };
}

test('a clean history has no anomalies', () => {
  const r = check(history());
  assert.deepEqual(r.anomalies, []);
  assert.equal(r.acked, 3);
  assert.equal(r.errors, 1);
  assert.equal(r.unknown, 3);
  assert.equal(r.reads, 3);
  assert.equal(r.ackedByFault['kill'], 3);
});

test('each anomaly is found and charged to its fault window', () => {
  const h = history();
  const outcomes = new Map(h.outcomes);
  // lost: acknowledged at 21 (pause window), never stored.
  outcomes.set('e', { kind: 'ack', partition: 0, offset: 4, at: 21 });
  // inconsistent: acknowledged at offset 5, stored at 6 under another value's offset.
  outcomes.set('f', { kind: 'ack', partition: 0, offset: 5, at: 22 });
  // zombie: g sent at 16 (epoch 1 superseded at 12.5... by epoch 2 at 13) but stored in epoch 1.
  outcomes.set('g', { kind: 'ack', partition: 0, offset: 7, at: 23 });
  const log = [...h.finalLog.get(0)!];
  log.push({ offset: 5, value: 'x', leaderEpoch: 2 });
  log.push({ offset: 6, value: 'f', leaderEpoch: 2 });
  log.push({ offset: 7, value: 'g', leaderEpoch: 1 }); // also an epoch regression
  log.push({ offset: 8, value: 'a', leaderEpoch: 2 }); // duplicate of a
  const reads = [...h.consumers[0]!];
  reads.push({ kind: 'read', at: 24, partitions: [0], offset: 1, value: 'b' }); // backwards
  reads.push({ kind: 'read', at: 25, partitions: [0], offset: 4, value: 'e' }); // skips 2, 3
  reads.push({ kind: 'read', at: 26, partitions: [0], offset: 5, value: 'x' });
  reads.push({ kind: 'read', at: 26, partitions: [0], offset: 6, value: 'zz' }); // not what is stored
  const r = check({
    ...h,
    outcomes,
    finalLog: new Map([[0, log]]),
    consumers: [reads],
    epochs: [...h.epochs, { at: 13, partition: 0, leaderEpoch: 2 }],
  });
  const kinds = r.anomalies.map((a) => `${a.anomaly}:${a.fault}`).sort();
  assert.deepEqual(kinds, [
    'duplicate:kill',
    'epochRegression:none',
    'inconsistent:pause',
    'inconsistent:pause',
    'lost:pause',
    'nonMonotonic:pause',
    'nonMonotonic:pause',
    'zombieAck:pause',
  ]);
  assert.equal(r.byFault['pause']!.nonMonotonic, 2);
  assert.equal(r.byFault['kill']!.lost, 0);
});

test('an acknowledgement without an offset counts as written, not as inconsistent', () => {
  const h = history();
  const outcomes = new Map(h.outcomes);
  outcomes.set('d', { kind: 'ack', partition: 0, offset: -1, at: 14 });
  outcomes.set('e', { kind: 'ack', partition: 0, offset: -1, at: 15 });
  const r = check({ ...h, outcomes });
  assert.deepEqual(
    r.anomalies.map((a) => a.anomaly),
    ['lost'],
    'd is stored (at 3), e is not',
  );
});

test('a copy under a newer epoch of the same producer id is a re-send, not a failed deduplication', () => {
  const h = history();
  const batch = (offset: number, value: string, producerEpoch: number) => ({
    offset,
    value,
    leaderEpoch: 1,
    producerId: 7,
    producerEpoch,
  });
  const log = [
    ...h.finalLog.get(0)!.map((r) => ({ ...r, producerId: 7, producerEpoch: 0 })),
    batch(4, 'c', 1), // c again, after the client bumped its epoch
    batch(5, 'b', 0), // b again in the same epoch: the broker let a retry through
  ];
  const r = check({ ...h, finalLog: new Map([[0, log]]) });
  assert.deepEqual(r.anomalies.map((a) => a.anomaly).sort(), ['duplicate', 'resentAfterEpochBump']);
});

test('a consumer assigned a partition below an offset the group had committed is a lost commit', () => {
  const h = history();
  // Consumer 1 reads a, b, its commit of 2 (the next to read) is confirmed at 13.5, then loses
  // the partition; consumer 2, assigned at 21 (pause window), starts again at 0.
  const first: ConsumerEvent[] = [
    ...h.consumers[0]!.slice(0, 3),
    { kind: 'commit', at: 13.5, partitions: [0], offset: 2 },
    { kind: 'revoke', at: 20, partitions: [0] },
  ];
  const second: ConsumerEvent[] = [
    { kind: 'assign', at: 21, partitions: [0] },
    { kind: 'read', at: 22, partitions: [0], offset: 0, value: 'a' },
    { kind: 'read', at: 22, partitions: [0], offset: 1, value: 'b' },
  ];
  const r = check({ ...h, consumers: [first, second] });
  assert.deepEqual(
    r.anomalies.map((a) => `${a.anomaly}:${a.fault}`),
    ['committedOffsetLost:pause'],
  );
  assert.equal(r.assignmentsChecked, 1);

  // Started at the committed offset: clean. A commit confirmed only after the assignment
  // (its answer raced the rebalance) does not bind it.
  const atCommit: ConsumerEvent[] = [
    { kind: 'assign', at: 21, partitions: [0] },
    { kind: 'read', at: 22, partitions: [0], offset: 2, value: 'c' },
  ];
  assert.deepEqual(check({ ...h, consumers: [first, atCommit] }).anomalies, []);
  const lateCommit = first.map((e) => (e.kind === 'commit' ? { ...e, at: 21.5 } : e));
  const late = check({ ...h, consumers: [lateCommit, second] });
  assert.deepEqual(late.anomalies, []);
  assert.equal(late.assignmentsChecked, 0);

  // librdkafka retried an older commit (1) after the newer one (2) was confirmed: the
  // group's offset is 1 again, and starting there is right; starting at 0 is not.
  const retried: ConsumerEvent[] = [
    ...first.slice(0, 4),
    { kind: 'commit', at: 13.6, partitions: [0], offset: 1 },
    { kind: 'revoke', at: 20, partitions: [0] },
  ];
  const fromRetried: ConsumerEvent[] = [
    { kind: 'assign', at: 21, partitions: [0] },
    { kind: 'read', at: 22, partitions: [0], offset: 1, value: 'b' },
  ];
  assert.deepEqual(check({ ...h, consumers: [retried, fromRetried] }).anomalies, []);
  assert.deepEqual(
    check({ ...h, consumers: [retried, second] }).anomalies.map((a) => a.anomaly),
    ['committedOffsetLost'],
  );
});
