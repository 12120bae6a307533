// The leader's follower bookkeeping and the high watermark it allows.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type FollowerState,
  followerAfterFetch,
  followerAtLeaderStart,
  highWatermarkOf,
} from './high-watermark.ts';

describe('followerAfterFetch', () => {
  test('a fetch at the log end is caught up now', () => {
    const f = followerAfterFetch(followerAtLeaderStart(0), {
      fetchOffset: 10,
      leaderLeo: 10,
      nowMs: 500,
    });
    assert.deepEqual(f, { leo: 10, lastCaughtUpMs: 500, lastFetchLeaderLeo: 10, lastFetchMs: 500 });
  });

  test('reaching what the leader held at the previous fetch counts as caught up then', () => {
    const prev: FollowerState = {
      leo: 5,
      lastCaughtUpMs: 100,
      lastFetchLeaderLeo: 8,
      lastFetchMs: 300,
    };
    const f = followerAfterFetch(prev, { fetchOffset: 8, leaderLeo: 12, nowMs: 400 });
    assert.equal(f.lastCaughtUpMs, 300);
    const behind = followerAfterFetch(prev, { fetchOffset: 7, leaderLeo: 12, nowMs: 400 });
    assert.equal(behind.lastCaughtUpMs, 100);
  });
});

describe('highWatermarkOf', () => {
  const followers = new Map<number, FollowerState>([
    [2, { leo: 7, lastCaughtUpMs: 0, lastFetchLeaderLeo: 0, lastFetchMs: 0 }],
    [3, { leo: 4, lastCaughtUpMs: 0, lastFetchLeaderLeo: 0, lastFetchMs: 0 }],
  ]);

  test('is the smallest log end offset in the ISR, the leader included', () => {
    const base = { nodeId: 1, leaderLeo: 9, highWatermark: 3, followers };
    assert.equal(highWatermarkOf({ ...base, isr: [1, 2, 3] }), 4);
    assert.equal(highWatermarkOf({ ...base, isr: [1, 2] }), 7);
    assert.equal(highWatermarkOf({ ...base, isr: [1] }), 9);
  });

  test('a member not heard from in this epoch holds it where it is', () => {
    const base = { nodeId: 1, leaderLeo: 9, highWatermark: 3, followers };
    assert.equal(highWatermarkOf({ ...base, isr: [1, 2, 5] }), 3);
  });
});
