// A partition's guards against acting in an epoch that is over: a fenced or
// superseded leader refuses appends, a produce waiting for replication fails
// as soon as leadership moves or the fence goes up (and a fenced leader's
// followers commit nothing), and truncation forgets the idempotent-producer
// batches it removed so a retry is stored again; a follower that takes over
// knows the batches it replicated, so a retry of one is not stored twice.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PartitionLog } from '../log/partition-log.ts';
import { TestClock, testConfig } from '../log/testing/log-fixture.ts';
import { MemoryFileSystem } from '../log/testing/memory-file-system.ts';
import { buildTestBatch, buildValueBatch } from '../log/testing/test-batch.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import { Partition } from './partition.ts';

const ME = 1;
const MESSAGE_BYTES_MAX = 1024 * 1024;
const silent = { warn() {}, error() {} };

async function setup(
  state: {
    leader: number;
    leaderEpoch: number;
    isr: number[];
    replicas: number[];
    modRevision?: number;
  },
  logger: { warn(f: object, m: string): void; error(f: object, m: string): void } = silent,
) {
  const clock = new TestClock();
  const fs = new MemoryFileSystem();
  const log = await PartitionLog.open({
    dir: '/data',
    topic: 'orders',
    partition: 0,
    config: testConfig(),
    now: clock.now,
    fs,
  });
  const env = { state, fenced: false };
  const view = { nodeId: ME, state: () => env.state, fenced: () => env.fenced };
  const p = new Partition('orders', 0, log, state.leaderEpoch, view, clock.now, logger);
  await p.loadState();
  if (p.isLeader()) p.becomeLeader(state.leaderEpoch);
  return { p, env, fs };
}

function idempotent(
  baseSequence: number,
  records: number,
  baseOffset = 0,
  partitionLeaderEpoch = -1,
  producerEpoch = 0,
): Buffer {
  const rs = Array.from({ length: records }, (_, i) => ({
    key: null,
    value: Buffer.from(`s${baseSequence + i}`),
  }));
  return buildTestBatch({
    records: rs,
    producerId: 7,
    producerEpoch,
    baseSequence,
    baseOffset,
    partitionLeaderEpoch,
  });
}

describe('a leader whose epoch is over', () => {
  test('a fenced broker refuses appends with NOT_LEADER_OR_FOLLOWER and writes nothing', async () => {
    const { p, env } = await setup({ leader: ME, leaderEpoch: 3, isr: [ME], replicas: [ME] });
    env.fenced = true;
    const r = await p.appendAsLeader(buildValueBatch('v', 2), MESSAGE_BYTES_MAX);
    assert.equal(r.errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER);
    assert.equal(p.log.logEndOffset, 0);
    env.fenced = false;
    assert.equal((await p.appendAsLeader(buildValueBatch('v', 2), MESSAGE_BYTES_MAX)).errorCode, 0);
    await p.log.close();
  });

  test('an image that moved on refuses appends stamped with the old epoch', async () => {
    const { p, env } = await setup({ leader: ME, leaderEpoch: 3, isr: [ME], replicas: [ME] });
    env.state = { ...env.state, leaderEpoch: 4 };
    const r = await p.appendAsLeader(buildValueBatch('v', 2), MESSAGE_BYTES_MAX);
    assert.equal(r.errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER);
    env.state = { ...env.state, leader: 2 };
    assert.equal(
      (await p.appendAsLeader(buildValueBatch('v', 2), MESSAGE_BYTES_MAX)).errorCode,
      ErrorCode.NOT_LEADER_OR_FOLLOWER,
    );
    assert.equal(p.log.logEndOffset, 0);
    await p.log.close();
  });

  test('a produce waiting for the high watermark fails at once when another broker leads', async () => {
    const { p, env } = await setup({ leader: ME, leaderEpoch: 3, isr: [ME, 2], replicas: [ME, 2] });
    const r = await p.appendAsLeader(buildValueBatch('v', 2), MESSAGE_BYTES_MAX);
    assert.equal(r.errorCode, 0);
    const started = Date.now();
    const waiting = p.waitForHighWatermark(r.lastOffset + 1, 30_000);
    env.state = { ...env.state, leader: 2, leaderEpoch: 4 };
    p.becomeFollower(4);
    assert.equal(await waiting, false);
    assert.ok(Date.now() - started < 5000, 'not left to time out');
    await p.log.close();
  });

  test('a leader fenced while a produce waits: the waiter fails, followers commit nothing', async () => {
    const { p, env } = await setup({ leader: ME, leaderEpoch: 3, isr: [ME, 2], replicas: [ME, 2] });
    const r = await p.appendAsLeader(buildValueBatch('v', 2), MESSAGE_BYTES_MAX);
    assert.equal(r.errorCode, 0);
    const started = Date.now();
    const waiting = p.waitForHighWatermark(r.lastOffset + 1, 30_000);
    env.fenced = true;
    // A follower's fetch reaching the partition anyway moves no high watermark.
    p.updateFollower(2, r.lastOffset + 1);
    assert.equal(p.log.highWatermark, 0);
    p.failHighWatermarkWaitersIfFenced();
    assert.equal(await waiting, false);
    assert.ok(Date.now() - started < 5000, 'not left to time out');
    env.fenced = false;
    p.updateFollower(2, r.lastOffset + 1);
    assert.equal(p.log.highWatermark, r.lastOffset + 1, 'commits again once the fence is down');
    await p.log.close();
  });

  test('a produce waits through a brief fence and is acknowledged once its batch commits', async () => {
    const { p, env } = await setup({ leader: ME, leaderEpoch: 3, isr: [ME, 2], replicas: [ME, 2] });
    const r = await p.appendAsLeader(buildValueBatch('v', 2), MESSAGE_BYTES_MAX);
    assert.equal(r.errorCode, 0);
    const waiting = p.waitForHighWatermark(r.lastOffset + 1, 30_000);
    env.fenced = true;
    p.updateFollower(2, r.lastOffset + 1);
    assert.equal(p.log.highWatermark, 0, 'nothing commits while fenced');
    env.fenced = false;
    p.updateFollower(2, r.lastOffset + 1);
    // Told NOT_LEADER_OR_FOLLOWER, the client would believe the committed batch unwritten.
    assert.equal(await waiting, true);
    await p.log.close();
  });

  test('a leader epoch the image has replaced commits nothing before the sync applies it', async () => {
    const { p, env } = await setup({ leader: ME, leaderEpoch: 3, isr: [ME, 2], replicas: [ME, 2] });
    const r = await p.appendAsLeader(buildValueBatch('v', 2), MESSAGE_BYTES_MAX);
    env.state = { ...env.state, leaderEpoch: 5 };
    p.updateFollower(2, r.lastOffset + 1);
    assert.equal(p.log.highWatermark, 0);
    p.becomeLeader(5);
    p.updateFollower(2, r.lastOffset + 1);
    assert.equal(p.log.highWatermark, r.lastOffset + 1);
    await p.log.close();
  });
});

test('truncation forgets the producer batches it removed: a retry is stored again', async () => {
  const { p, env } = await setup({ leader: 2, leaderEpoch: 1, isr: [ME, 2], replicas: [ME, 2] });
  await p.appendAsFollower(Buffer.concat([idempotent(0, 5, 0, 1), idempotent(5, 5, 5, 1)]), 0);
  assert.equal(p.log.logEndOffset, 10);
  await p.truncateTo(5);
  env.state = { ...env.state, leader: ME, leaderEpoch: 2 };
  p.becomeLeader(2);
  const retry = await p.appendAsLeader(idempotent(5, 5), MESSAGE_BYTES_MAX);
  assert.equal(retry.errorCode, 0);
  assert.equal(retry.baseOffset, 5);
  assert.equal(p.log.logEndOffset, 10, 'stored, not answered as a duplicate of a removed batch');
  const again = await p.appendAsLeader(idempotent(5, 5), MESSAGE_BYTES_MAX);
  assert.equal(p.log.logEndOffset, 10, 'a second retry is a duplicate');
  assert.equal(again.baseOffset, 5);
  await p.log.close();
});

test('a follower that takes over answers a retry of a batch it replicated with its offset', async () => {
  // The paused-leader case: the producer's request to the old leader timed
  // out on the client after the batch had reached this follower.
  const { p, env } = await setup({ leader: 2, leaderEpoch: 1, isr: [ME, 2], replicas: [ME, 2] });
  await p.appendAsFollower(Buffer.concat([idempotent(0, 5, 0, 1), idempotent(5, 5, 5, 1)]), 0);
  env.state = { ...env.state, leader: ME, leaderEpoch: 2 };
  p.becomeLeader(2);
  const retry = await p.appendAsLeader(idempotent(5, 5), MESSAGE_BYTES_MAX);
  assert.equal(retry.errorCode, 0);
  assert.equal(retry.baseOffset, 5, 'answered with the offset it was replicated at');
  assert.equal(p.log.logEndOffset, 10, 'not stored again');
  const next = await p.appendAsLeader(idempotent(10, 2), MESSAGE_BYTES_MAX);
  assert.deepEqual([next.errorCode, next.baseOffset], [0, 10]);
  // Sequences are per epoch (Kafka's ProducerAppendInfo): the same records
  // renumbered from 0 under a bumped epoch, as librdkafka sends messages it
  // kept after others of theirs expired, are new to the broker.
  const renumbered = await p.appendAsLeader(idempotent(0, 5, 0, -1, 1), MESSAGE_BYTES_MAX);
  assert.deepEqual([renumbered.errorCode, renumbered.baseOffset], [0, 12]);
  await p.log.close();
});

// Found by the cluster simulator (docs/simulator.md, seed 21 before the fix):
// the store named a joining follower in-sync while the leader's image still
// had the old ISR, the high watermark passed an offset the joiner lacked, and
// the joiner was then elected and lost an acknowledged write.
describe('an ISR expansion in flight (maximal ISR)', () => {
  const state = { leader: ME, leaderEpoch: 3, isr: [ME, 2], replicas: [ME, 2, 3], modRevision: 10 };

  test('the high watermark waits for the joining replica until the image moves on', async () => {
    const { p } = await setup(state);
    for (let i = 0; i < 3; i++) {
      assert.equal(
        (await p.appendAsLeader(buildValueBatch('v', 1), MESSAGE_BYTES_MAX)).errorCode,
        0,
      );
    }
    p.updateFollower(2, 2);
    p.updateFollower(3, 2);
    assert.equal(p.log.highWatermark, 2);
    p.expectIsr([ME, 2, 3], 10);
    p.updateFollower(2, 3);
    assert.equal(p.log.highWatermark, 2, 'replica 3 may already be in-sync in the store');
    p.updateFollower(3, 3);
    assert.equal(p.log.highWatermark, 3);
    await p.log.close();
  });

  test('a write that lost its compare-and-set stops counting once the image shows a newer revision', async () => {
    const { p, env } = await setup(state);
    for (let i = 0; i < 2; i++) {
      assert.equal(
        (await p.appendAsLeader(buildValueBatch('v', 1), MESSAGE_BYTES_MAX)).errorCode,
        0,
      );
    }
    p.updateFollower(3, 0);
    p.expectIsr([ME, 2, 3], 10);
    p.updateFollower(2, 2);
    assert.equal(p.log.highWatermark, 0);
    env.state = { ...state, modRevision: 11 };
    p.updateFollower(2, 2);
    assert.equal(p.log.highWatermark, 2);
    assert.equal(p.unsettledIsrWrite(), null);
    await p.log.close();
  });

  test('a write known not to have landed stops counting at once', async () => {
    const { p } = await setup(state);
    for (let i = 0; i < 2; i++) {
      assert.equal(
        (await p.appendAsLeader(buildValueBatch('v', 1), MESSAGE_BYTES_MAX)).errorCode,
        0,
      );
    }
    p.updateFollower(3, 0);
    p.expectIsr([ME, 2, 3], 10);
    assert.equal(p.unsettledIsrWrite(), 10);
    p.isrWriteSettled(9);
    p.updateFollower(2, 2);
    assert.equal(p.log.highWatermark, 0, 'settling another write changes nothing');
    p.isrWriteSettled(10);
    assert.equal(p.unsettledIsrWrite(), null);
    p.updateFollower(2, 2);
    assert.equal(p.log.highWatermark, 2);
    await p.log.close();
  });
});

describe('a partition whose log was closed under it', () => {
  test('a leader-epoch checkpoint that cannot be written is a warning, not an error', async () => {
    const lines: Array<{ level: string; message: string }> = [];
    const logger = {
      warn: (_: object, message: string) => lines.push({ level: 'warn', message }),
      error: (_: object, message: string) => lines.push({ level: 'error', message }),
    };
    const state = { leader: ME, leaderEpoch: 3, isr: [ME], replicas: [ME] };
    const { p, fs } = await setup(state, logger);
    // Its topic deleted: the files closed and the directory gone (set aside, then removed).
    await p.log.closeForDeletion();
    await fs.removeDirectory('/data/orders-0');
    p.becomeLeader(4);
    await p.appendAsLeader(buildValueBatch('v', 1), MESSAGE_BYTES_MAX).catch(() => undefined);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(
      lines.filter((l) => l.level === 'error'),
      [],
    );
    assert.ok(
      lines.some((l) => l.message.includes('the log was closed')),
      JSON.stringify(lines),
    );
  });
});
