// The partitioner against Kafka's own murmur2 vectors (UtilsTest.testMurmur2),
// and the sticky behaviour for records without a key.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  choosePartition,
  murmur2,
  partitionForKey,
  StickyPartitioner,
  toPositive,
} from './partitioner.ts';

const bytes = (s: string): Buffer => Buffer.from(s, 'utf8');

describe('murmur2', () => {
  test("matches the values Kafka's UtilsTest pins", () => {
    const cases: [string, number][] = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ];
    for (const [input, expected] of cases) assert.equal(murmur2(bytes(input)), expected, input);
  });

  test('toPositive clears only the sign bit', () => {
    assert.equal(toPositive(-1), 0x7fffffff);
    assert.equal(toPositive(-2147483648), 0);
    assert.equal(toPositive(42), 42);
  });

  test('a key always maps to the same partition, within range', () => {
    const expected = toPositive(-790332482) % 7;
    assert.equal(partitionForKey(bytes('foobar'), 7), expected);
    for (let i = 0; i < 200; i++) {
      const p = partitionForKey(bytes(`key-${i}`), 5);
      assert.ok(p >= 0 && p < 5);
    }
  });
});

describe('StickyPartitioner', () => {
  test('keeps one partition until the batch completes, then moves round-robin', () => {
    const sticky = new StickyPartitioner(() => 0.5);
    assert.equal(sticky.partition('t', 4), 2);
    assert.equal(sticky.partition('t', 4), 2);
    sticky.nextBatch('t', 4);
    assert.equal(sticky.partition('t', 4), 3);
    sticky.nextBatch('t', 4);
    assert.equal(sticky.partition('t', 4), 0);
  });

  test('an explicit partition wins, then a key, then stickiness', () => {
    const sticky = new StickyPartitioner(() => 0);
    assert.equal(choosePartition({ key: null, partition: 3 }, 't', 4, sticky), 3);
    const keyed = choosePartition({ key: bytes('foobar') }, 't', 4, sticky);
    assert.equal(keyed, partitionForKey(bytes('foobar'), 4));
    assert.equal(choosePartition({ key: null }, 't', 4, sticky), 0);
  });
});
