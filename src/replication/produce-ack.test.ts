// The acks=all answers.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode } from '../protocol/error-codes.ts';
import { ackRefusal, unreplicatedAnswer } from './produce-ack.ts';

test('an ISR below min.insync.replicas refuses before appending', () => {
  assert.equal(ackRefusal(1, 2), ErrorCode.NOT_ENOUGH_REPLICAS);
  assert.equal(ackRefusal(2, 2), null);
});

test('a batch not replicated in time is answered by what changed meanwhile', () => {
  const o = { nodeId: 1, appendedLeaderEpoch: 4, minInsync: 2 };
  const led = { leader: 1, leaderEpoch: 4, isr: [1, 2] };
  assert.equal(unreplicatedAnswer(led, o).errorCode, ErrorCode.REQUEST_TIMED_OUT);
  assert.equal(
    unreplicatedAnswer({ ...led, isr: [1] }, o).errorCode,
    ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND,
  );
  assert.equal(
    unreplicatedAnswer({ ...led, leaderEpoch: 5 }, o).errorCode,
    ErrorCode.NOT_LEADER_OR_FOLLOWER,
  );
  assert.equal(
    unreplicatedAnswer({ ...led, leader: 2 }, o).errorCode,
    ErrorCode.NOT_LEADER_OR_FOLLOWER,
  );
  assert.equal(unreplicatedAnswer(undefined, o).errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER);
});
