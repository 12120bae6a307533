// The drain's per-round planning: a partition seen mid-move (its adding and removing replicas
// together) waits for the next round instead of failing the whole drain.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planRound } from './drain-command.ts';

const brokers = [0, 1, 2, 3].map((nodeId) => ({ nodeId, rack: null }));

test('a partition showing RF+1 replicas is left for the next round; the others are planned', () => {
  const unplanned = new Map<string, string>();
  const moves = planRound(
    [
      // A move that finished after the reassignment listing: 3 targets and the leaving 3.
      { topic: 'orders', partition: 0, replicas: [0, 1, 2, 3] },
      { topic: 'orders', partition: 1, replicas: [3, 0, 1] },
    ],
    brokers,
    3,
    unplanned,
  );
  assert.deepEqual(moves, [{ topic: 'orders', partition: 1, replicas: [0, 1, 2] }]);
  assert.deepEqual([...unplanned.keys()], ['orders-0']);
  assert.match(unplanned.get('orders-0') ?? '', /has 4 replicas but only 3 brokers/);
});

test('partitions that all fit are planned together', () => {
  const unplanned = new Map<string, string>();
  const moves = planRound(
    [
      { topic: 't', partition: 0, replicas: [3, 0] },
      { topic: 't', partition: 1, replicas: [3, 0] },
    ],
    brokers,
    3,
    unplanned,
  );
  // Planned together, the two replacements spread over brokers 1 and 2.
  assert.deepEqual(
    moves.map((m) => m.replicas),
    [
      [0, 1],
      [0, 2],
    ],
  );
  assert.equal(unplanned.size, 0);
});
