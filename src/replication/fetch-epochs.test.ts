// The fencing and divergence rules of a follower fetch, both sides.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode } from '../protocol/error-codes.ts';
import { divergingEpochFor, followerFetchAction, leaderEpochError } from './fetch-epochs.ts';
import { LeaderEpochHistory } from './leader-epoch-history.ts';

describe('leaderEpochError', () => {
  test('refuses an older epoch as fenced and a newer one as unknown; -1 names none', () => {
    assert.equal(leaderEpochError(3, 5), ErrorCode.FENCED_LEADER_EPOCH);
    assert.equal(leaderEpochError(6, 5), ErrorCode.UNKNOWN_LEADER_EPOCH);
    assert.equal(leaderEpochError(5, 5), null);
    assert.equal(leaderEpochError(-1, 5), null);
  });
});

describe('divergingEpochFor', () => {
  // Leader: epoch 1 from 0, epoch 3 from 10, epoch 4 from 20; log end 30.
  const leader = new LeaderEpochHistory([
    { epoch: 1, startOffset: 0 },
    { epoch: 3, startOffset: 10 },
    { epoch: 4, startOffset: 20 },
  ]);
  const end = (e: number) => leader.endOffsetFor(e, 30);

  test('agrees while the follower is within the epoch it last fetched', () => {
    assert.equal(divergingEpochFor({ fetchOffset: 15, lastFetchedEpoch: 3 }, end), null);
    assert.equal(divergingEpochFor({ fetchOffset: 5, lastFetchedEpoch: -1 }, end), null);
  });

  test('answers where the epoch ended when the follower went past it', () => {
    assert.deepEqual(divergingEpochFor({ fetchOffset: 14, lastFetchedEpoch: 1 }, end), {
      leaderEpoch: 1,
      endOffset: 10,
    });
  });

  test('answers the largest epoch below one the leader never had', () => {
    assert.deepEqual(divergingEpochFor({ fetchOffset: 12, lastFetchedEpoch: 2 }, end), {
      leaderEpoch: 1,
      endOffset: 10,
    });
  });
});

describe('followerFetchAction', () => {
  const own = new LeaderEpochHistory([
    { epoch: 1, startOffset: 0 },
    { epoch: 2, startOffset: 10 },
  ]);
  const replica = {
    logEndOffset: 14,
    logStartOffset: 0,
    highWatermark: 8,
    endOffsetFor: (e: number) => own.endOffsetFor(e, 14),
  };
  const ok = { errorCode: ErrorCode.NONE, highWatermark: 8, divergingEpoch: null };

  test('appends when the logs agree, including the (-1, -1) default', () => {
    assert.deepEqual(followerFetchAction(ok, replica), { kind: 'append' });
    const dflt = { ...ok, divergingEpoch: { epoch: -1, endOffset: -1 } };
    assert.deepEqual(followerFetchAction(dflt, replica), { kind: 'append' });
  });

  test('truncates where the leader says our epoch ended', () => {
    const answer = { ...ok, divergingEpoch: { epoch: 1, endOffset: 10 } };
    assert.deepEqual(followerFetchAction(answer, replica), {
      kind: 'truncate',
      offset: 10,
      reason: 'diverged',
    });
  });

  test("cuts back to the leader's high watermark when ahead of its log, else retries", () => {
    const ahead = { ...ok, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, highWatermark: 12 };
    assert.deepEqual(followerFetchAction(ahead, replica), {
      kind: 'truncate',
      offset: 12,
      reason: 'ahead-of-leader',
    });
    const behind = { ...ahead, highWatermark: 20 };
    assert.deepEqual(followerFetchAction(behind, replica), { kind: 'retry' });
    const fenced = { ...ok, errorCode: ErrorCode.FENCED_LEADER_EPOCH };
    assert.deepEqual(followerFetchAction(fenced, replica), { kind: 'retry' });
  });
});
