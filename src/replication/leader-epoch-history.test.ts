// The leader-epoch history as pure data: Kafka's rules for assigning epochs,
// cutting the history at either end, answering OffsetForLeaderEpoch, and the
// follower's truncation point after a divergence.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type EpochEndOffset,
  followerTruncationOffset,
  LeaderEpochHistory,
} from './leader-epoch-history.ts';

const history = (...pairs: Array<[number, number]>) =>
  new LeaderEpochHistory(pairs.map(([epoch, startOffset]) => ({ epoch, startOffset })));
const pairs = (h: LeaderEpochHistory) => h.list().map((e) => [e.epoch, e.startOffset]);

describe('assign', () => {
  test('a larger epoch is appended; the same epoch at a later offset changes nothing', () => {
    const h = history();
    assert.equal(h.assign(1, 0), true);
    assert.equal(h.assign(1, 7), false);
    assert.equal(h.assign(4, 10), true);
    assert.deepEqual(pairs(h), [
      [1, 0],
      [4, 10],
    ]);
  });

  test('negative epochs (batches from before leader epochs) are ignored', () => {
    const h = history([2, 0]);
    assert.equal(h.assign(-1, 5), false);
    assert.deepEqual(pairs(h), [[2, 0]]);
  });

  test('an entry that breaks the order removes the entries it conflicts with', () => {
    const h = history([1, 0], [3, 10], [5, 20]);
    assert.equal(h.assign(4, 15), true);
    assert.deepEqual(pairs(h), [
      [1, 0],
      [3, 10],
      [4, 15],
    ]);
    // The latest epoch seen again lower down moves its start back.
    assert.equal(h.assign(4, 12), true);
    assert.deepEqual(pairs(h), [
      [1, 0],
      [3, 10],
      [4, 12],
    ]);
  });
});

describe('truncation', () => {
  test('truncateFromEnd forgets epochs starting at or after the new log end', () => {
    const h = history([1, 0], [3, 10], [5, 20]);
    assert.equal(h.truncateFromEnd(25), false);
    assert.equal(h.truncateFromEnd(20), true);
    assert.deepEqual(pairs(h), [
      [1, 0],
      [3, 10],
    ]);
    assert.equal(h.truncateFromEnd(3), true);
    assert.deepEqual(pairs(h), [[1, 0]]);
  });

  test('truncateFromStart drops entries wholly below the start and clamps the one holding it', () => {
    const h = history([1, 0], [3, 10], [5, 20]);
    assert.equal(h.truncateFromStart(0), false);
    assert.equal(h.truncateFromStart(12), true);
    assert.deepEqual(pairs(h), [
      [3, 12],
      [5, 20],
    ]);
    assert.equal(h.truncateFromStart(20), true);
    assert.deepEqual(pairs(h), [[5, 20]]);
    assert.equal(h.truncateFromStart(20), false);
    assert.equal(h.truncateFromStart(31), true);
    assert.deepEqual(pairs(h), [[5, 31]]);
  });
});

describe('endOffsetFor (OffsetForLeaderEpoch)', () => {
  const h = history([2, 0], [4, 30], [7, 55]);
  const ask = (epoch: number) => h.endOffsetFor(epoch, 80);

  test('an epoch ends where the next larger one starts; the latest at the log end', () => {
    assert.deepEqual(ask(2), { leaderEpoch: 2, endOffset: 30 });
    assert.deepEqual(ask(4), { leaderEpoch: 4, endOffset: 55 });
    assert.deepEqual(ask(7), { leaderEpoch: 7, endOffset: 80 });
  });

  test('an unknown epoch between known ones answers the largest known below it', () => {
    assert.deepEqual(ask(3), { leaderEpoch: 2, endOffset: 30 });
    assert.deepEqual(ask(6), { leaderEpoch: 4, endOffset: 55 });
  });

  test('older than every entry ends at the first start; newer than all, or -1, is undefined', () => {
    assert.deepEqual(ask(1), { leaderEpoch: 1, endOffset: 0 });
    assert.deepEqual(ask(9), { leaderEpoch: -1, endOffset: -1 });
    assert.deepEqual(ask(-1), { leaderEpoch: -1, endOffset: -1 });
    assert.deepEqual(history().endOffsetFor(3, 10), { leaderEpoch: -1, endOffset: -1 });
  });
});

describe('followerTruncationOffset', () => {
  const replica = { logEndOffset: 105, highWatermark: 90 };
  const own = history([3, 0], [4, 60], [5, 100]);
  const ownEnd = (epoch: number): EpochEndOffset => own.endOffsetFor(epoch, replica.logEndOffset);

  test('both know the epoch: the smaller of the two ends', () => {
    assert.equal(
      followerTruncationOffset({ leaderEpoch: 5, endOffset: 102 }, ownEnd, replica),
      102,
    );
    assert.equal(
      followerTruncationOffset({ leaderEpoch: 4, endOffset: 110 }, ownEnd, replica),
      100,
    );
  });

  test('the follower lacks the leader\u2019s epoch: back to the end of its own epoch below it', () => {
    // A zombie led epoch 5 from 100 while the leader kept epoch 4 data up to
    // 110: offsets 100..104 differ, so only 0..99 may stay.
    const zombie = history([3, 0], [5, 100]);
    const end = (epoch: number) => zombie.endOffsetFor(epoch, replica.logEndOffset);
    assert.equal(followerTruncationOffset({ leaderEpoch: 4, endOffset: 110 }, end, replica), 100);
  });

  test('an undefined answer keeps only the committed records', () => {
    assert.equal(followerTruncationOffset({ leaderEpoch: -1, endOffset: -1 }, ownEnd, replica), 90);
  });
});
