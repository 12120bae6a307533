// The replica manager against data the metadata no longer accounts for: a
// topic deleted and created again between two syncs, a directory left by a
// deleted topic, and a directory of an earlier topic of the same name; and
// which partitions a lost session fences.

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { MetadataImage } from '../cluster/metadata-image.ts';
import { HIGH_WATERMARK_CHECKPOINT, readCheckpointFile } from '../log/checkpoint-file.ts';
import { nodeFileSystem } from '../log/file-system.ts';
import { defaultLogConfig } from '../log/log-config.ts';
import { writePartitionMetadata } from '../log/partition-metadata-file.ts';
import { MemoryFileSystem } from '../log/testing/memory-file-system.ts';
import { buildValueBatch } from '../log/testing/test-batch.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import { silentLogger } from '../util/logger.ts';
import { ReplicaManager } from './replica-manager.ts';

const OLD_ID = 'AAAAAAAAAAAAAAAAAAAAAQ';
const NEW_ID = 'AAAAAAAAAAAAAAAAAAAAAg';

function topic(image: MetadataImage, name: string, topicId: string | null): void {
  image.apply({
    kind: 'topic',
    name,
    record: topicId === null ? null : { topicId, internal: false, replicas: [[0]] },
  });
  if (topicId === null) return;
  image.apply({
    kind: 'partition',
    topic: name,
    partition: 0,
    record: { leader: 0, leaderEpoch: 0, isr: [0], partitionEpoch: 0 },
    modRevision: 1,
  });
}

async function withManager(
  use: (m: ReplicaManager, image: MetadataImage, dir: string) => Promise<void>,
): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'gregor-rm-'));
  const image = new MetadataImage('cluster');
  image.apply({
    kind: 'broker',
    nodeId: 0,
    endpoint: { nodeId: 0, host: 'h', port: 1, rack: null },
  });
  const m = new ReplicaManager({
    nodeId: 0,
    logDir: dir,
    image,
    logConfigFor: () => defaultLogConfig,
    now: () => Date.now(),
    logger: silentLogger(),
  });
  try {
    await use(m, image, dir);
  } finally {
    await m.close();
    await rm(dir, { recursive: true, force: true });
  }
}

describe('ReplicaManager and leftover data', () => {
  test('a topic deleted and created again between two syncs starts with an empty log', async () => {
    await withManager(async (m, image) => {
      topic(image, 't', OLD_ID);
      await m.sync();
      const old = m.partition('t', 0)!;
      assert.equal((await old.appendAsLeader(buildValueBatch('old', 3), 1 << 20)).errorCode, 0);
      assert.equal(old.log.logEndOffset, 3);

      topic(image, 't', null);
      topic(image, 't', NEW_ID);
      assert.equal(
        await m.acquire('t', 0),
        undefined,
        'the old log is not handed out for the new topic',
      );
      await m.sync();
      const fresh = m.partition('t', 0)!;
      assert.notEqual(fresh, old);
      assert.equal(fresh.log.logEndOffset, 0);
      assert.equal(await m.acquire('t', 0), fresh);
    });
  });

  test('at start-up, directories of partitions not hosted here go; others and non-partition ones stay', async () => {
    await withManager(async (m, image, dir) => {
      topic(image, 'kept', OLD_ID);
      await m.sync();
      for (const name of ['gone-0', 'notes-1']) await mkdir(join(dir, name));
      await writeFile(join(dir, 'gone-0', '00000000000000000000.log'), '');
      await writeFile(join(dir, 'notes-1', 'readme.txt'), 'not a partition');
      assert.deepEqual(await m.deleteStrayLogs(), ['gone-0']);
      assert.deepEqual((await readdir(dir)).sort(), ['kept-0', 'notes-1']);
    });
  });

  test('a directory recording another topic id is deleted before the log opens', async () => {
    await withManager(async (m, image, dir) => {
      const partitionDir = join(dir, 't-0');
      await mkdir(partitionDir);
      await writeFile(join(partitionDir, '00000000000000000000.log'), Buffer.alloc(0));
      await writePartitionMetadata(nodeFileSystem, partitionDir, OLD_ID);
      await writeFile(join(partitionDir, 'marker'), 'from the earlier topic');
      topic(image, 't', NEW_ID);
      await m.sync();
      assert.ok(!(await readdir(partitionDir)).includes('marker'));
      assert.ok((await readdir(partitionDir)).includes('partition.metadata'));
    });
  });
});

test('a lost session fences partitions another broker could lead, not sole-replica ones', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gregor-rm-'));
  const image = new MetadataImage('cluster');
  for (const [name, replicas] of [
    ['solo', [0]],
    ['shared', [0, 1]],
  ] as const) {
    image.apply({
      kind: 'topic',
      name,
      record: { topicId: name === 'solo' ? OLD_ID : NEW_ID, internal: false, replicas: [replicas] },
    });
    image.apply({
      kind: 'partition',
      topic: name,
      partition: 0,
      record: { leader: 0, leaderEpoch: 0, isr: [...replicas], partitionEpoch: 0 },
      modRevision: 1,
    });
  }
  let sessionLost = false;
  const m = new ReplicaManager({
    nodeId: 0,
    logDir: dir,
    image,
    logConfigFor: () => defaultLogConfig,
    now: () => Date.now(),
    logger: silentLogger(),
    fenced: (othersMayLead) => othersMayLead && sessionLost,
  });
  try {
    await m.sync();
    const led = async (t: string) => {
      const r = await m.leaderPartition(t, 0, -1);
      return 'errorCode' in r ? r.errorCode : 0;
    };
    assert.equal(await led('shared'), 0);
    assert.equal(await led('solo'), 0);
    sessionLost = true;
    assert.equal(await led('shared'), ErrorCode.NOT_LEADER_OR_FOLLOWER);
    assert.equal(await led('solo'), 0, 'nobody else can have been made its leader');
    sessionLost = false;
    assert.equal(await led('shared'), 0);
  } finally {
    await m.close();
    await rm(dir, { recursive: true, force: true });
  }
});

describe('ReplicaManager high-watermark checkpoints (replica.high.watermark.checkpoint.interval.ms)', () => {
  const DIR = '/data';
  const INTERVAL_MS = 5000;

  /** Timers on a simulated clock: `advance` runs those due. */
  class FakeTimers {
    nowMs = 0;
    readonly pending = new Set<{ atMs: number; run: () => void }>();
    readonly setTimer = (delayMs: number, run: () => void) => {
      const t = { atMs: this.nowMs + delayMs, run };
      this.pending.add(t);
      return () => this.pending.delete(t);
    };
    advance(ms: number): void {
      this.nowMs += ms;
      for (const t of [...this.pending].sort((a, b) => a.atMs - b.atMs)) {
        if (t.atMs > this.nowMs) break;
        this.pending.delete(t);
        t.run();
      }
    }
  }

  function soloImage(): MetadataImage {
    const image = new MetadataImage('cluster');
    image.apply({
      kind: 'broker',
      nodeId: 0,
      endpoint: { nodeId: 0, host: 'h', port: 1, rack: null },
    });
    topic(image, 't', OLD_ID);
    return image;
  }

  function manager(fs: MemoryFileSystem, timers: FakeTimers, image = soloImage()): ReplicaManager {
    return new ReplicaManager({
      nodeId: 0,
      logDir: DIR,
      image,
      logConfigFor: () => defaultLogConfig,
      now: () => timers.nowMs,
      logger: silentLogger(),
      fs,
      setTimer: timers.setTimer,
    });
  }

  async function checkpointedHighWatermark(fs: MemoryFileSystem): Promise<number | undefined> {
    const entries = await readCheckpointFile(fs, join(DIR, 't-0', HIGH_WATERMARK_CHECKPOINT));
    return entries?.[0]?.offset;
  }

  /** Advances by `ms` (to the next pass) and waits until that pass has re-armed its timer. */
  async function onePass(timers: FakeTimers, ms = INTERVAL_MS): Promise<void> {
    timers.advance(ms);
    const deadline = Date.now() + 10_000;
    while (timers.pending.size === 0) {
      assert.ok(Date.now() < deadline, 'the checkpoint pass did not finish');
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  test('every interval, a high watermark that moved is written without a flush, roll or close', async () => {
    const fs = new MemoryFileSystem();
    await fs.mkdir(DIR);
    const timers = new FakeTimers();
    const m = manager(fs, timers);
    try {
      await m.sync();
      const p = m.partition('t', 0)!;
      m.startHighWatermarkCheckpoints(INTERVAL_MS);
      assert.equal((await p.appendAsLeader(buildValueBatch('a', 3), 1 << 20)).errorCode, 0);
      assert.equal(p.log.highWatermark, 3, 'a sole replica commits at once');
      assert.equal(await checkpointedHighWatermark(fs), 0, 'not written by the append');
      timers.advance(INTERVAL_MS - 1);
      assert.equal(await checkpointedHighWatermark(fs), 0, 'not before the interval');
      await onePass(timers, 1);
      assert.equal(await checkpointedHighWatermark(fs), 3);
      assert.equal(await m.checkpointHighWatermarks(), 0, 'nothing moved: nothing written');
      assert.equal((await p.appendAsLeader(buildValueBatch('b', 2), 1 << 20)).errorCode, 0);
      assert.equal(await m.checkpointHighWatermarks(), 1, 'the one that moved');
      assert.equal(await checkpointedHighWatermark(fs), 5);
    } finally {
      await m.close();
    }
  });

  test('a broker that dies comes back with the high watermark of the last interval, not of its last flush', async () => {
    const fs = new MemoryFileSystem();
    await fs.mkdir(DIR);
    const timers = new FakeTimers();
    const first = manager(fs, timers);
    await first.sync();
    const p = first.partition('t', 0)!;
    first.startHighWatermarkCheckpoints(INTERVAL_MS);
    assert.equal((await p.appendAsLeader(buildValueBatch('a', 3), 1 << 20)).errorCode, 0);
    await onePass(timers);
    // Written after the last pass: lost with the process, as in Kafka.
    assert.equal((await p.appendAsLeader(buildValueBatch('b', 2), 1 << 20)).errorCode, 0);
    fs.processCrash();
    const image = new MetadataImage('cluster');
    image.apply({
      kind: 'broker',
      nodeId: 0,
      endpoint: { nodeId: 0, host: 'h', port: 1, rack: null },
    });
    // A follower now: nothing recomputes the high watermark from an ISR of one.
    image.apply({
      kind: 'topic',
      name: 't',
      record: { topicId: OLD_ID, internal: false, replicas: [[1, 0]] },
    });
    image.apply({
      kind: 'partition',
      topic: 't',
      partition: 0,
      record: { leader: 1, leaderEpoch: 1, isr: [1, 0], partitionEpoch: 1 },
      modRevision: 2,
    });
    const again = manager(fs, new FakeTimers(), image);
    try {
      await again.sync();
      const restarted = again.partition('t', 0)!;
      assert.equal(restarted.log.logEndOffset, 5, 'the page cache kept the records');
      assert.equal(restarted.log.highWatermark, 3, "the last interval's high watermark");
    } finally {
      await again.close();
    }
  });
});
