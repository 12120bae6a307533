// ISR decisions of a leader, with an injected clock.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FollowerState } from './high-watermark.ts';
import { decideIsr } from './isr-decision.ts';

const follower = (leo: number, lastCaughtUpMs: number): FollowerState => ({
  leo,
  lastCaughtUpMs,
  lastFetchLeaderLeo: leo,
  lastFetchMs: lastCaughtUpMs,
});
const base = {
  nodeId: 1,
  replicas: [1, 2, 3],
  highWatermark: 100,
  nowMs: 60_000,
  lagTimeMaxMs: 30_000,
  live: new Set([1, 2, 3]),
};

test('a follower that has not caught up within replica.lag.time.max.ms leaves the ISR', () => {
  const followers = new Map([
    [2, follower(100, 59_000)],
    [3, follower(40, 20_000)],
  ]);
  assert.deepEqual(decideIsr({ ...base, isr: [1, 2, 3], followers }), [1, 2]);
});

test('a live follower that reached the high watermark joins again; a dead one does not', () => {
  const followers = new Map([
    [2, follower(100, 59_000)],
    [3, follower(100, 59_500)],
  ]);
  assert.deepEqual(decideIsr({ ...base, isr: [1, 2], followers }), [1, 2, 3]);
  assert.equal(decideIsr({ ...base, isr: [1, 2], followers, live: new Set([1, 2]) }), null);
});

test('a follower below the high watermark does not join yet', () => {
  const followers = new Map([
    [2, follower(100, 59_000)],
    [3, follower(99, 59_900)],
  ]);
  assert.equal(decideIsr({ ...base, isr: [1, 2], followers }), null);
});
