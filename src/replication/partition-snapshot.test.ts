// Producer-state snapshots across a restart: a transaction open while the log
// rolls through many segments still holds the last stable offset back after the
// partition reopens, and an idempotent producer's retry many segments later is
// still recognised. Snapshots describing batches a follower truncates, a power
// cut took back, or that do not decode are removed, and the partition falls back
// to scanning its last segments. In memory (MemoryFileSystem), one partition.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PartitionLog } from '../log/partition-log.ts';
import { TestClock, testConfig } from '../log/testing/log-fixture.ts';
import { MemoryFileSystem } from '../log/testing/memory-file-system.ts';
import { buildTestBatch, buildValueBatch } from '../log/testing/test-batch.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import { parseSnapshotFileName, snapshotFileName } from '../txn/producer-snapshot.ts';
import { Partition } from './partition.ts';

const ME = 1;
const MESSAGE_BYTES_MAX = 1024 * 1024;
const DIR = '/data/orders-0';

/** Opens (or reopens) the partition on `fs`: small segments, so a few batches roll the log. */
async function open(fs: MemoryFileSystem, leader = ME, warnings: string[] = []) {
  const clock = new TestClock();
  const log = await PartitionLog.open({
    dir: '/data',
    topic: 'orders',
    partition: 0,
    config: testConfig({ segmentBytes: 600 }),
    now: clock.now,
    fs,
  });
  const state = { leader, leaderEpoch: 3, isr: [ME], replicas: [ME] };
  const view = { nodeId: ME, state: () => state };
  const logger = { warn: (_: object, m: string) => warnings.push(m), error() {} };
  const p = new Partition('orders', 0, log, 3, view, clock.now, logger);
  await p.loadState();
  if (p.isLeader()) p.becomeLeader(3);
  return p;
}

function producerBatch(producerId: number, baseSequence: number, transactional = false): Buffer {
  return buildTestBatch({
    records: [{ key: null, value: Buffer.from(`p${producerId}-s${baseSequence}`) }],
    producerId,
    producerEpoch: 0,
    baseSequence,
    transactional,
  });
}

/** Plain batches until the log has at least `segments` segments; then its snapshots are written. */
async function rollTo(p: Partition, segments: number): Promise<void> {
  for (let i = 0; p.log.segmentCount < segments; i++) {
    const r = await p.appendAsLeader(buildValueBatch(`filler-${i}-`, 4), MESSAGE_BYTES_MAX);
    assert.equal(r.errorCode, ErrorCode.NONE);
  }
  await p.snapshotsSettled();
}

async function snapshotFiles(fs: MemoryFileSystem): Promise<string[]> {
  return (await fs.readdir(DIR)).filter((n) => n.endsWith('.snapshot')).sort();
}

describe('producer-state snapshots', () => {
  test('a transaction open across many segments still holds the LSO back after a restart', async () => {
    const fs = new MemoryFileSystem();
    const p = await open(fs);
    const first = await p.appendAsLeader(producerBatch(7, 0, true), MESSAGE_BYTES_MAX);
    assert.equal(first.errorCode, ErrorCode.NONE);
    await rollTo(p, 6);
    assert.equal(p.lastStableOffset(), first.baseOffset);
    const end = p.log.logEndOffset;
    await p.log.close();

    const reopened = await open(fs);
    assert.equal(reopened.log.highWatermark, end, 'the high watermark came back');
    assert.equal(reopened.lastStableOffset(), first.baseOffset, 'the open transaction is known');
    const described = reopened.describeProducers().find((d) => d.producerId === 7);
    assert.equal(described?.currentTxnStartOffset, first.baseOffset);
    const marker = await reopened.appendMarker({
      producerId: 7,
      producerEpoch: 0,
      commit: true,
      coordinatorEpoch: 0,
    });
    assert.equal(marker.errorCode, ErrorCode.NONE);
    assert.equal(reopened.lastStableOffset(), reopened.log.highWatermark, 'the commit ends it');
    await reopened.log.close();
  });

  test('a retry of a batch written many segments before a restart is not stored twice', async () => {
    const fs = new MemoryFileSystem();
    const p = await open(fs);
    const written = await p.appendAsLeader(producerBatch(9, 0), MESSAGE_BYTES_MAX);
    await rollTo(p, 6);
    await p.log.close();

    const reopened = await open(fs);
    const end = reopened.log.logEndOffset;
    const retry = await reopened.appendAsLeader(producerBatch(9, 0), MESSAGE_BYTES_MAX);
    assert.equal(retry.errorCode, ErrorCode.NONE);
    assert.equal(retry.baseOffset, written.baseOffset, 'answered with the original offset');
    assert.equal(reopened.log.logEndOffset, end, 'nothing appended');
    const next = await reopened.appendAsLeader(producerBatch(9, 1), MESSAGE_BYTES_MAX);
    assert.equal(next.errorCode, ErrorCode.NONE, 'the next sequence follows on');
    await reopened.log.close();
  });

  test('snapshots are taken as the log rolls, and only the newest two are kept', async () => {
    const fs = new MemoryFileSystem();
    const p = await open(fs);
    await p.appendAsLeader(producerBatch(9, 0), MESSAGE_BYTES_MAX);
    await rollTo(p, 6);
    const files = await snapshotFiles(fs);
    assert.equal(files.length, 2, files.join(', '));
    assert.ok(parseSnapshotFileName(files[1]!)! <= p.log.logEndOffset);
    await p.log.close();
  });

  test("a follower's truncation removes the snapshots above it first", async () => {
    const fs = new MemoryFileSystem();
    const leader = await open(fs);
    await leader.appendAsLeader(producerBatch(9, 0), MESSAGE_BYTES_MAX);
    await rollTo(leader, 6);
    await leader.log.close();
    const follower = await open(fs, 2);
    const files = await snapshotFiles(fs);
    const newest = parseSnapshotFileName(files[files.length - 1]!)!;
    await follower.truncateTo(newest - 1);
    assert.ok(follower.log.logEndOffset < newest);
    for (const f of await snapshotFiles(fs))
      assert.ok(parseSnapshotFileName(f)! <= follower.log.logEndOffset, `${f} left behind`);
    await follower.log.close();
  });

  test('a snapshot above the log end or one that does not decode is removed, with a warning', async () => {
    const fs = new MemoryFileSystem();
    const p = await open(fs);
    const first = await p.appendAsLeader(producerBatch(7, 0, true), MESSAGE_BYTES_MAX);
    await rollTo(p, 3);
    const end = p.log.logEndOffset;
    await p.log.close();
    const [older, newer] = await snapshotFiles(fs);
    assert.ok(older !== undefined && newer !== undefined);
    // One from a future the log never reached (a power cut took it back), and the
    // newest real one damaged: the older valid one is used.
    const above = await fs.open(`${DIR}/${snapshotFileName(end + 100)}`, { create: true });
    await above.write(Buffer.from('not a snapshot'), 0);
    await above.close();
    const damaged = await fs.open(`${DIR}/${newer}`, { create: false });
    await damaged.write(Buffer.from([0xff]), 20);
    await damaged.close();

    const warnings: string[] = [];
    const reopened = await open(fs, ME, warnings);
    assert.deepEqual(warnings, ['producer snapshots discarded']);
    assert.deepEqual(await snapshotFiles(fs), [older]);
    assert.equal(reopened.lastStableOffset(), first.baseOffset, 'rebuilt from the older one');
    await reopened.log.close();
  });
});
