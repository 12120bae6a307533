// Range and round-robin assignment as Kafka's RangeAssignor and
// RoundRobinAssignor document it, plus the consumer protocol's byte layout.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { rangeAssign, roundRobinAssign } from './assignors.ts';
import {
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
} from './consumer-protocol.ts';
import type { TopicPartition } from './fetcher.ts';

const show = (tps: readonly TopicPartition[] | undefined): string =>
  (tps ?? []).map((tp) => `${tp.topic}${tp.partition}`).join(',');

describe('rangeAssign', () => {
  test('gives each member consecutive partitions per topic, extras to the first members', () => {
    // Kafka's RangeAssignor javadoc: C0, C1; t0 and t1 with 3 partitions each.
    const members = [
      { memberId: 'C1', topics: ['t0', 't1'] },
      { memberId: 'C0', topics: ['t0', 't1'] },
    ];
    const out = rangeAssign(
      members,
      new Map([
        ['t0', 3],
        ['t1', 3],
      ]),
    );
    assert.equal(show(out.get('C0')), 't00,t01,t10,t11');
    assert.equal(show(out.get('C1')), 't02,t12');
  });

  test('a topic only some members subscribe to is split among those', () => {
    const members = [
      { memberId: 'a', topics: ['x'] },
      { memberId: 'b', topics: ['x', 'y'] },
    ];
    const out = rangeAssign(
      members,
      new Map([
        ['x', 2],
        ['y', 2],
      ]),
    );
    assert.equal(show(out.get('a')), 'x0');
    assert.equal(show(out.get('b')), 'x1,y0,y1');
  });
});

describe('roundRobinAssign', () => {
  test('deals all partitions in order across members', () => {
    // Kafka's RoundRobinAssignor javadoc: C0, C1; t0 and t1 with 3 partitions each.
    const members = [
      { memberId: 'C0', topics: ['t0', 't1'] },
      { memberId: 'C1', topics: ['t0', 't1'] },
    ];
    const out = roundRobinAssign(
      members,
      new Map([
        ['t0', 3],
        ['t1', 3],
      ]),
    );
    assert.equal(show(out.get('C0')), 't00,t02,t11');
    assert.equal(show(out.get('C1')), 't01,t10,t12');
  });

  test('skips members that do not subscribe to a topic', () => {
    const members = [
      { memberId: 'C0', topics: ['t0'] },
      { memberId: 'C1', topics: ['t0', 't1'] },
      { memberId: 'C2', topics: ['t0', 't1', 't2'] },
    ];
    const counts = new Map([
      ['t0', 1],
      ['t1', 2],
      ['t2', 3],
    ]);
    const out = roundRobinAssign(members, counts);
    // Kafka's javadoc example: C0 [t0p0], C1 [t1p0], C2 [t1p1, t2p0, t2p1, t2p2].
    assert.equal(show(out.get('C0')), 't00');
    assert.equal(show(out.get('C1')), 't10');
    assert.equal(show(out.get('C2')), 't11,t20,t21,t22');
  });
});

describe('consumer protocol', () => {
  test('a subscription round-trips and starts with its int16 version', () => {
    const bytes = encodeSubscription({
      topics: ['a', 'b'],
      ownedPartitions: [{ topic: 'a', partition: 1 }],
    });
    assert.equal(bytes.readInt16BE(0), 1);
    assert.deepEqual(decodeSubscription(bytes), {
      topics: ['a', 'b'],
      ownedPartitions: [{ topic: 'a', partition: 1 }],
    });
  });

  test('an assignment round-trips; a v0 assignment written by hand decodes', () => {
    const tps = [
      { topic: 't', partition: 0 },
      { topic: 't', partition: 2 },
    ];
    assert.deepEqual(decodeAssignment(encodeAssignment(tps)), tps);
    // version 0, one topic "t" with partitions [3], null user data
    const v0 = Buffer.from([
      0, 0, 0, 0, 0, 1, 0, 1, 0x74, 0, 0, 0, 1, 0, 0, 0, 3, 0xff, 0xff, 0xff, 0xff,
    ]);
    assert.deepEqual(decodeAssignment(v0), [{ topic: 't', partition: 3 }]);
    assert.deepEqual(decodeAssignment(Buffer.alloc(0)), []);
  });
});
