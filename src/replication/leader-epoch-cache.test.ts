// The leader-epoch checkpoint as a partition keeps it, on the in-memory disk:
// written when a leader starts an epoch and when a follower appends a batch of
// a newer one, cut on truncation and when the log start moves up, read back
// after a restart, rebuilt from the whole log when missing or corrupt, and
// never behind the log even when the disk fails or the power goes.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { LogConfig } from '../log/log-config.ts';
import { PartitionLog } from '../log/partition-log.ts';
import { TestClock, testConfig } from '../log/testing/log-fixture.ts';
import { MemoryFileSystem } from '../log/testing/memory-file-system.ts';
import { buildTestBatch, buildValueBatch } from '../log/testing/test-batch.ts';
import { LeaderEpochCache } from './leader-epoch-cache.ts';
import { LEADER_EPOCH_CHECKPOINT, LEADER_EPOCH_CHECKPOINT_TMP } from './leader-epoch-checkpoint.ts';
import { Partition } from './partition.ts';

const ROOT = '/data';
const DIR = join(ROOT, 'orders-0');
const CHECKPOINT = join(DIR, LEADER_EPOCH_CHECKPOINT);
const ME = 1;
const OTHER = 2;
const MESSAGE_BYTES_MAX = 1024 * 1024;

class TestLogger {
  readonly warnings: string[] = [];
  readonly errors: string[] = [];
  warn(_fields: object, message: string): void {
    this.warnings.push(message);
  }
  error(_fields: object, message: string): void {
    this.errors.push(message);
  }
}

/** One broker's disk, clock and view of who leads partition orders-0. */
class Env {
  readonly fs = new MemoryFileSystem();
  readonly clock = new TestClock();
  readonly logger = new TestLogger();
  state = { leader: ME, leaderEpoch: 1, isr: [ME], replicas: [ME] };

  constructor(public config: LogConfig = testConfig()) {}

  openLog(): Promise<PartitionLog> {
    const o = {
      dir: ROOT,
      topic: 'orders',
      partition: 0,
      config: this.config,
      now: this.clock.now,
    };
    return PartitionLog.open({ ...o, fs: this.fs });
  }

  /** Opens the partition as ReplicaManager does (load, then lead if the view says so). */
  async open(): Promise<Partition> {
    const log = await this.openLog();
    const view = { nodeId: ME, state: () => this.state };
    const p = new Partition(
      'orders',
      0,
      log,
      this.state.leaderEpoch,
      view,
      this.clock.now,
      this.logger,
    );
    await p.loadState();
    if (p.isLeader()) p.becomeLeader(this.state.leaderEpoch);
    return p;
  }

  /** This broker leads a new epoch. */
  lead(p: Partition, leaderEpoch: number): void {
    this.state = { ...this.state, leader: ME, leaderEpoch };
    p.becomeLeader(leaderEpoch);
  }

  /** Another broker leads a new epoch. */
  follow(p: Partition, leaderEpoch: number): void {
    this.state = { ...this.state, leader: OTHER, leaderEpoch };
    p.becomeFollower(leaderEpoch);
  }

  checkpointText(): string {
    return this.fs.fileBytes(CHECKPOINT).toString('utf8');
  }
}

async function produce(p: Partition, records = 5): Promise<void> {
  const r = await p.appendAsLeader(buildValueBatch('v', records), MESSAGE_BYTES_MAX);
  assert.equal(r.errorCode, 0, r.errorMessage ?? '');
}

/** A batch of `records` records as a leader in `leaderEpoch` stamped it at `baseOffset`. */
function replicated(baseOffset: number, leaderEpoch: number, records = 5): Buffer {
  const rs = Array.from({ length: records }, (_, i) => ({
    key: null,
    value: Buffer.from(`r${i}`),
  }));
  return buildTestBatch({ records: rs, baseOffset, partitionLeaderEpoch: leaderEpoch });
}

const pairs = (p: Partition) => p.epochs.entries().map((e) => `${e.epoch}@${e.startOffset}`);

describe('leader-epoch-checkpoint written as the partition changes', () => {
  test('a leader starting an epoch writes it; a restart reads the same history back', async () => {
    const env = new Env();
    const p = await env.open();
    await produce(p);
    await produce(p);
    env.lead(p, 4);
    await produce(p);
    assert.equal(env.checkpointText(), '0\n2\n1 0\n4 10\n');
    await p.log.close();

    const again = await env.open();
    assert.deepEqual(pairs(again), ['1@0', '4@10']);
    assert.deepEqual(again.endOffsetForEpoch(1), { leaderEpoch: 1, endOffset: 10 });
    assert.deepEqual(env.logger.warnings, [], 'read from the checkpoint, nothing rebuilt');
    await again.log.close();
  });

  test('a follower appending a batch of a higher epoch writes it before the batch', async () => {
    const env = new Env();
    env.state = { ...env.state, leader: OTHER, leaderEpoch: 2 };
    const p = await env.open();
    await p.appendAsFollower(Buffer.concat([replicated(0, 1), replicated(5, 2)]), 0);
    assert.equal(env.checkpointText(), '0\n2\n1 0\n2 5\n');
    // If the log cannot take the batch, the epoch it brought is forgotten again.
    env.fs.failNext('write', { pathSuffix: '.log' });
    await assert.rejects(p.appendAsFollower(replicated(10, 3), 0));
    assert.deepEqual(pairs(p), ['1@0', '2@5']);
    await p.log.close();
  });

  test('truncation drops entries at or past the new log end, which is a batch boundary', async () => {
    const env = new Env();
    env.state = { ...env.state, leader: OTHER, leaderEpoch: 3 };
    const p = await env.open();
    await p.appendAsFollower(
      Buffer.concat([replicated(0, 1), replicated(5, 2), replicated(10, 3)]),
      0,
    );
    // 12 falls inside the batch 10..14, so the log ends at 10 and epoch 3 is gone.
    await p.truncateTo(12);
    assert.equal(p.log.logEndOffset, 10);
    assert.equal(env.checkpointText(), '0\n2\n1 0\n2 5\n');
    await p.truncateTo(5);
    assert.equal(env.checkpointText(), '0\n1\n1 0\n');
    await p.log.close();
  });

  test('DeleteRecords moving the log start drops epochs wholly below it and clamps the first', async () => {
    const env = new Env();
    const p = await env.open();
    await produce(p);
    env.lead(p, 2);
    await produce(p);
    env.lead(p, 3);
    await produce(p);
    assert.equal(p.log.highWatermark, 15);
    await p.log.deleteRecordsBefore(7);
    await p.epochs.flush();
    assert.equal(env.checkpointText(), '0\n2\n2 7\n3 10\n');
    assert.deepEqual(p.endOffsetForEpoch(1), { leaderEpoch: 1, endOffset: 7 });
    await p.log.close();
  });

  test('retention deleting old segments clamps the history to the new log start', async () => {
    const env = new Env(testConfig({ segmentBytes: 200 }));
    const p = await env.open();
    for (let epoch = 1; epoch <= 4; epoch++) {
      if (epoch > 1) env.lead(p, epoch);
      await produce(p);
      await produce(p);
    }
    assert.ok(p.log.segmentCount >= 4, `${p.log.segmentCount} segments`);
    p.log.setConfig(testConfig({ segmentBytes: 200, retentionBytes: 300 }));
    await p.log.applyRetention(env.clock.nowMs);
    await p.epochs.flush();
    const start = p.log.logStartOffset;
    assert.ok(start > 10, `log start ${start}`);
    const first = p.epochs.entries()[0]!;
    assert.equal(first.startOffset, start, 'the first entry starts at the log start');
    assert.equal(first.epoch, Math.floor(start / 10) + 1, 'and keeps the epoch of the batch there');
    await p.log.close();
    const again = await env.open();
    assert.deepEqual(pairs(again), pairs(p));
    await again.log.close();
  });
});

describe('leader-epoch-checkpoint on open', () => {
  test('missing: rebuilt from every segment, not only the last two, and written', async () => {
    const env = new Env(testConfig({ segmentBytes: 250 }));
    const p = await env.open();
    // Epochs change inside segments and at their edges; several segments hold one epoch only.
    const plan = [1, 1, 1, 1, 1, 3, 3, 4, 7, 7, 7, 7, 7, 7, 8, 9];
    for (const epoch of plan) {
      if (epoch !== env.state.leaderEpoch) env.lead(p, epoch);
      await produce(p);
    }
    const written = pairs(p);
    assert.deepEqual(written, ['1@0', '3@25', '4@35', '7@40', '8@70', '9@75']);
    assert.ok(p.log.segmentCount >= 6, `${p.log.segmentCount} segments`);
    await p.log.close();

    await env.fs.unlink(CHECKPOINT);
    const rebuilt = await env.open();
    assert.deepEqual(pairs(rebuilt), written);
    assert.equal(env.checkpointText(), '0\n6\n1 0\n3 25\n4 35\n7 40\n8 70\n9 75\n');
    assert.deepEqual(rebuilt.endOffsetForEpoch(3), { leaderEpoch: 3, endOffset: 35 });
    assert.ok(env.logger.warnings.includes('leader-epoch-checkpoint rebuilt from the log'));
    await rebuilt.log.close();
  });

  test('corrupt: a warning, the history rebuilt from the log, a valid file written', async () => {
    const env = new Env();
    const p = await env.open();
    await produce(p);
    env.lead(p, 6);
    await produce(p);
    await p.log.close();
    env.fs.writeFileBytes(CHECKPOINT, Buffer.from('0\n2\n1 0\n6 ?'));

    const again = await env.open();
    assert.deepEqual(pairs(again), ['1@0', '6@5']);
    assert.ok(
      env.logger.warnings.some((w) => w.includes('unreadable')),
      env.logger.warnings.join(),
    );
    assert.equal(env.checkpointText(), '0\n2\n1 0\n6 5\n');
    await again.log.close();
  });

  test('a crash between the .tmp write and the rename: the old checkpoint is loaded', async () => {
    const env = new Env();
    const p = await env.open();
    await produce(p);
    await p.log.flush();
    const cache = new LeaderEpochCache({ fs: env.fs, dir: DIR, logger: env.logger });
    assert.equal(await cache.load(p.log), 'checkpoint');
    cache.assign(2, 5);
    env.fs.failNext('rename', { pathSuffix: LEADER_EPOCH_CHECKPOINT_TMP });
    await assert.rejects(cache.flush(), /injected rename failure/);
    assert.ok(env.fs.exists(join(DIR, LEADER_EPOCH_CHECKPOINT_TMP)));
    env.fs.crash();

    const again = await env.open();
    assert.deepEqual(pairs(again), ['1@0']);
    assert.equal(
      env.fs.exists(join(DIR, LEADER_EPOCH_CHECKPOINT_TMP)),
      false,
      'stray .tmp removed',
    );
    await again.log.close();
  });

  test('a log that lost its unflushed tail in a crash cuts the checkpoint back to it', async () => {
    const env = new Env();
    const p = await env.open();
    await produce(p);
    await p.log.flush();
    env.lead(p, 2);
    await produce(p);
    assert.equal(env.checkpointText(), '0\n2\n1 0\n2 5\n');
    env.fs.crash();

    env.state = { ...env.state, leader: OTHER };
    const again = await env.open();
    assert.equal(again.log.logEndOffset, 5);
    assert.deepEqual(pairs(again), ['1@0']);
    assert.equal(env.checkpointText(), '0\n1\n1 0\n');
    await again.log.close();
  });

  test('an append in a new epoch fails rather than land before its checkpoint entry', async () => {
    const env = new Env();
    const p = await env.open();
    await produce(p);
    env.fs.failNext('write', { pathSuffix: LEADER_EPOCH_CHECKPOINT_TMP });
    env.fs.failNext('write', { pathSuffix: LEADER_EPOCH_CHECKPOINT_TMP });
    env.lead(p, 2);
    await assert.rejects(p.appendAsLeader(buildValueBatch('v', 5), MESSAGE_BYTES_MAX));
    assert.equal(p.log.logEndOffset, 5, 'nothing appended');
    assert.ok(env.logger.errors.length > 0);
    await produce(p);
    assert.equal(env.checkpointText(), '0\n2\n1 0\n2 5\n');
    await p.log.close();
  });
});
