// Replica placement: leaders spread over all brokers, replicas over racks.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  collidingTopic,
  placeReplicas,
  rackAlternatedOrder,
  topicNameProblem,
} from './topic-admin.ts';

test('leaders of consecutive partitions land on every broker in turn', () => {
  const a = placeReplicas([0, 1, 2], 6, 2, 1);
  assert.deepEqual(a, [
    [1, 2],
    [2, 0],
    [0, 1],
    [1, 2],
    [2, 0],
    [0, 1],
  ]);
  assert.deepEqual(new Set(a.map((r) => r[0])), new Set([0, 1, 2]));
});

test('with racks, the replicas of a partition sit in different racks', () => {
  const brokers = [
    { nodeId: 0, rack: 'a' },
    { nodeId: 1, rack: 'a' },
    { nodeId: 2, rack: 'b' },
    { nodeId: 3, rack: 'b' },
    { nodeId: 4, rack: 'c' },
    { nodeId: 5, rack: 'c' },
  ];
  const rackOf = new Map(brokers.map((b) => [b.nodeId, b.rack]));
  const order = rackAlternatedOrder(brokers);
  assert.deepEqual(order, [0, 2, 4, 1, 3, 5]);
  for (let start = 0; start < 6; start++) {
    for (const replicas of placeReplicas(order, 12, 3, start)) {
      assert.equal(
        new Set(replicas.map((r) => rackOf.get(r))).size,
        3,
        `replicas ${replicas} in three racks`,
      );
    }
  }
});

test("topic names follow Kafka's rule", () => {
  assert.equal(topicNameProblem('orders.v1_x-y'), null);
  assert.notEqual(topicNameProblem(''), null);
  assert.notEqual(topicNameProblem('..'), null);
  assert.notEqual(topicNameProblem('a/b'), null);
  assert.notEqual(topicNameProblem('x'.repeat(250)), null);
  // Only '.' and '..' are refused; a leading dot is legal (issue 12, item 5).
  assert.notEqual(topicNameProblem('.'), null);
  assert.equal(topicNameProblem('.hidden'), null);
  assert.equal(topicNameProblem('...'), null);
  assert.equal(topicNameProblem('x'.repeat(249)), null);
});

test("a name differing from an existing one only by '.' versus '_' collides (Kafka's rule)", () => {
  assert.equal(collidingTopic('a.b', ['a_b', 'c']), 'a_b');
  assert.equal(collidingTopic('a_b', ['a.b']), 'a.b');
  assert.equal(collidingTopic('_hidden', ['.hidden']), '.hidden');
  assert.equal(collidingTopic('a.b_c', ['a_b.c', 'a.b.c']), 'a.b.c');
  // The name itself is TOPIC_ALREADY_EXISTS, not a collision; '-' is not a collision char.
  assert.equal(collidingTopic('a.b', ['a.b']), null);
  assert.equal(collidingTopic('a-b', ['a_b', 'a.b']), null);
  assert.equal(collidingTopic('ab', ['a_b']), null);
});
