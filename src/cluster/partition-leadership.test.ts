// Leadership decisions as traces: brokers die and return, the controller's
// answer for each partition follows Kafka's rules.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PartitionState } from './metadata-image.ts';
import { MetadataImage } from './metadata-image.ts';
import { decideLeadership, decidePartition, NO_LEADER } from './partition-leadership.ts';

const clean = { uncleanLeaderElection: false };

function state(over: Partial<PartitionState>): PartitionState {
  const base = { partition: 0, replicas: [1, 2, 3], addingReplicas: [], removingReplicas: [] };
  const leadership = { leader: 1, leaderEpoch: 4, isr: [1, 2, 3], partitionEpoch: 7 };
  return { ...base, ...leadership, modRevision: 10, ...over };
}

test('a dead leader is replaced by the first live in-sync replica, with a new leader epoch', () => {
  const r = decidePartition(state({}), new Set([2, 3]), clean);
  assert.deepEqual(r, { leader: 2, leaderEpoch: 5, isr: [2, 3], partitionEpoch: 8 });
});

test('a dead follower leaves the ISR without a leader change', () => {
  const r = decidePartition(state({}), new Set([1, 3]), clean);
  assert.deepEqual(r, { leader: 1, leaderEpoch: 4, isr: [1, 3], partitionEpoch: 8 });
});

test('nothing changes while every replica is alive', () => {
  assert.equal(decidePartition(state({}), new Set([1, 2, 3]), clean), null);
});

test('an out-of-sync replica is not elected without unclean election', () => {
  const p = state({ isr: [1] });
  const r = decidePartition(p, new Set([2, 3]), clean);
  assert.deepEqual(r, { leader: NO_LEADER, leaderEpoch: 5, isr: [1], partitionEpoch: 8 });
  const unclean = decidePartition(p, new Set([2, 3]), { uncleanLeaderElection: true });
  assert.deepEqual(unclean, { leader: 2, leaderEpoch: 5, isr: [2], partitionEpoch: 8 });
});

test('an offline partition gets its last in-sync replica back as leader when it returns', () => {
  const offline = state({ replicas: [1], isr: [1], leader: NO_LEADER, leaderEpoch: 5 });
  assert.deepEqual(decidePartition(offline, new Set([1]), clean), {
    leader: 1,
    leaderEpoch: 6,
    isr: [1],
    partitionEpoch: 8,
  });
});

test('decideLeadership covers every partition of every topic and carries the revision to compare', () => {
  const image = new MetadataImage('c');
  for (const id of [1, 2])
    image.apply({
      kind: 'broker',
      nodeId: id,
      endpoint: { nodeId: id, host: 'h', port: id, rack: null },
    });
  image.apply({
    kind: 'topic',
    name: 't',
    record: {
      topicId: 'AAAAAAAAAAAAAAAAAAAAAQ',
      internal: false,
      replicas: [
        [3, 1],
        [1, 2],
      ],
    },
  });
  image.apply({
    kind: 'partition',
    topic: 't',
    partition: 0,
    record: { leader: 3, leaderEpoch: 0, isr: [3, 1], partitionEpoch: 0 },
    modRevision: 21,
  });
  image.apply({
    kind: 'partition',
    topic: 't',
    partition: 1,
    record: { leader: 1, leaderEpoch: 0, isr: [1, 2], partitionEpoch: 0 },
    modRevision: 22,
  });
  const decisions = decideLeadership(image, clean);
  assert.deepEqual(decisions, [
    {
      topic: 't',
      partition: 0,
      expectedModRevision: 21,
      record: { leader: 1, leaderEpoch: 1, isr: [1], partitionEpoch: 1 },
    },
  ]);
});
