import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type PartitionReplicas, PlanError, planDrain, planRebalance } from './replica-moves.ts';

const brokers = (ids: number[], racks: Record<number, string> = {}) =>
  ids.map((nodeId) => ({ nodeId, rack: racks[nodeId] ?? null }));

function counts(parts: readonly PartitionReplicas[]): Map<number, number> {
  const c = new Map<number, number>();
  for (const p of parts) for (const r of p.replicas) c.set(r, (c.get(r) ?? 0) + 1);
  return c;
}

function apply(parts: PartitionReplicas[], moves: readonly PartitionReplicas[]) {
  return parts.map(
    (p) => moves.find((m) => m.topic === p.topic && m.partition === p.partition) ?? p,
  );
}

/** Six partitions of RF 3 over brokers 0-3, as a 4-broker cluster would place them. */
const FOUR: PartitionReplicas[] = [
  { topic: 't', partition: 0, replicas: [0, 1, 2] },
  { topic: 't', partition: 1, replicas: [1, 2, 3] },
  { topic: 't', partition: 2, replicas: [2, 3, 0] },
  { topic: 't', partition: 3, replicas: [3, 0, 1] },
  { topic: 't', partition: 4, replicas: [0, 2, 3] },
  { topic: 'u', partition: 0, replicas: [3, 1] },
];

test('a drain moves only the partitions on the broker, keeps their size, and puts the newcomer last', () => {
  const { moves } = planDrain(FOUR, brokers([0, 1, 2, 3]), 3);
  assert.deepEqual(
    moves.map((m) => `${m.topic}-${m.partition}`),
    ['t-1', 't-2', 't-3', 't-4', 'u-0'],
  );
  for (const m of moves) {
    const before = FOUR.find((p) => p.topic === m.topic && p.partition === m.partition)!;
    assert.equal(m.replicas.length, before.replicas.length);
    assert.ok(!m.replicas.includes(3));
    assert.equal(new Set(m.replicas).size, m.replicas.length);
    // The replicas that stay keep their order, so the preferred leader is one already in sync.
    assert.deepEqual(
      m.replicas.slice(0, -1),
      before.replicas.filter((r) => r !== 3),
    );
  }
  const after = counts(apply(FOUR, moves));
  assert.equal(after.get(3), undefined);
  assert.ok(Math.max(...after.values()) - Math.min(...after.values()) <= 1);
});

test('a drain refuses when the rest cannot hold the replication factor', () => {
  assert.throws(
    () => planDrain([{ topic: 't', partition: 0, replicas: [0, 1, 2] }], brokers([0, 1, 2]), 2),
    (e: unknown) =>
      e instanceof PlanError && /t-0 has 3 replicas but only 2 brokers/.test(e.message),
  );
});

test('a drain prefers a broker in a rack the partition does not use yet', () => {
  const { moves } = planDrain(
    [{ topic: 't', partition: 0, replicas: [0, 1] }],
    brokers([0, 1, 2, 3], { 0: 'a', 1: 'b', 2: 'a', 3: 'b' }),
    1,
  );
  assert.deepEqual(moves, [{ topic: 't', partition: 0, replicas: [0, 3] }]);
});

test('a rebalance onto a new broker evens the counts with few moves', () => {
  const three: PartitionReplicas[] = Array.from({ length: 6 }, (_, i) => ({
    topic: 't',
    partition: i,
    replicas: [i % 3, (i + 1) % 3, (i + 2) % 3],
  }));
  const { moves } = planRebalance(three, brokers([0, 1, 2, 3]));
  const after = counts(apply(three, moves));
  assert.deepEqual(
    [...after.entries()].sort((a, b) => a[0] - b[0]).map(([, n]) => n),
    [5, 5, 4, 4],
  );
  // 18 replicas over 4 brokers: the new one takes 4 or 5; nothing else needs to move.
  const moved = moves.reduce(
    (n, m) => n + m.replicas.filter((r, i) => three[m.partition]!.replicas[i] !== r).length,
    0,
  );
  assert.equal(moved, after.get(3));
  for (const m of moves) assert.equal(new Set(m.replicas).size, 3);
});

test('a balanced cluster needs no moves', () => {
  assert.deepEqual(planRebalance(FOUR, brokers([0, 1, 2, 3])).moves, []);
  const even: PartitionReplicas[] = [
    { topic: 't', partition: 0, replicas: [0, 1] },
    { topic: 't', partition: 1, replicas: [1, 0] },
  ];
  assert.deepEqual(planRebalance(even, brokers([0, 1])).moves, []);
});
