// The replica manager against data the metadata no longer accounts for: a
// topic deleted and created again between two syncs or while its old log is
// being deleted, a directory left by a deleted topic, and a directory of an
// earlier topic of the same name; and which partitions a lost session fences.

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import { MetadataImage } from '../cluster/metadata-image.ts';
import { HIGH_WATERMARK_CHECKPOINT, readCheckpointFile } from '../log/checkpoint-file.ts';
import { LogStorageError } from '../log/errors.ts';
import { type LogFileSystem, nodeFileSystem } from '../log/file-system.ts';
import { defaultLogConfig } from '../log/log-config.ts';
import { PartitionLog } from '../log/partition-log.ts';
import { writePartitionMetadata } from '../log/partition-metadata-file.ts';
import { MemoryFileSystem } from '../log/testing/memory-file-system.ts';
import { buildTestBatch, buildValueBatch, decodeTestRecords } from '../log/testing/test-batch.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import { silentLogger } from '../util/logger.ts';
import { deletedDirName, ReplicaManager, type ReplicaManagerOptions } from './replica-manager.ts';

/** How a deleted partition's directory is named: `<topic>-<p>.<32 hex digits>-delete`. */
const DELETED_DIR_NAME = /^x+-10\.[0-9a-f]{32}-delete$/;

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

/** An image in which broker 0 (the manager's own id) is registered. */
function brokerImage(): MetadataImage {
  const image = new MetadataImage('cluster');
  image.apply({
    kind: 'broker',
    nodeId: 0,
    endpoint: { nodeId: 0, host: 'h', port: 1, rack: null },
  });
  return image;
}

/** Broker 0's replica manager on `logDir` with the default log config and a silent logger. */
function testManager(
  options: Pick<ReplicaManagerOptions, 'logDir' | 'image'> & Partial<ReplicaManagerOptions>,
): ReplicaManager {
  return new ReplicaManager({
    nodeId: 0,
    logConfigFor: () => defaultLogConfig,
    now: () => Date.now(),
    logger: silentLogger(),
    ...options,
  });
}

async function withManager(
  use: (m: ReplicaManager, image: MetadataImage, dir: string) => Promise<void>,
): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'gregor-rm-'));
  const image = brokerImage();
  const m = testManager({ logDir: dir, image });
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

  test('a topic whose name has the 249 characters Kafka allows is deleted without taking the log dir offline', async () => {
    const name = 'x'.repeat(249);
    assert.ok(DELETED_DIR_NAME.test(deletedDirName(`${name}-10`)));
    assert.equal(deletedDirName(`${name}-10`).length, 255);
    assert.equal(deletedDirName('t-0').length, 't-0'.length + 40, 'short names are kept whole');
    await withManager(async (m, image, dir) => {
      topic(image, name, OLD_ID);
      topic(image, 'other', NEW_ID);
      await m.sync();
      assert.deepEqual((await readdir(dir)).sort(), ['other-0', `${name}-0`]);
      topic(image, name, null);
      await m.sync();
      assert.equal(m.isDirOffline(dir), false);
      assert.deepEqual(await readdir(dir), ['other-0']);
      assert.ok(await m.acquire('other', 0), 'the log directory still serves');
    });
  });

  test('a replica whose -future name would pass NAME_MAX is refused a move, and its log dir stays online', async () => {
    const root = await mkdtemp(join(tmpdir(), 'gregor-rm-'));
    const [a, b] = [join(root, 'a'), join(root, 'b')];
    for (const d of [a, b]) await mkdir(d);
    const image = brokerImage();
    const m = testManager({ logDir: a, logDirs: [a, b], image });
    try {
      const name = 'y'.repeat(249);
      topic(image, name, OLD_ID);
      await m.sync();
      const from = m.dirOf(name, 0)!;
      const to = from === a ? b : a;
      assert.equal(await m.moveReplica(name, 0, to), ErrorCode.KAFKA_STORAGE_ERROR);
      assert.equal(m.isDirOffline(from), false);
      assert.equal(m.isDirOffline(to), false);
      assert.deepEqual(await readdir(to), []);
      assert.ok(await m.acquire(name, 0), 'the replica is still served where it was');
    } finally {
      await m.close();
      await rm(root, { recursive: true, force: true });
    }
  });

  test('a directory a stop left set aside for deletion is removed, never brought back', async () => {
    await withManager(async (m, image, dir) => {
      const aside = join(dir, 't-0.0123456789abcdef0123456789abcdef-delete');
      await mkdir(aside);
      await writeFile(join(aside, '00000000000000000000.log'), Buffer.alloc(0));
      await writeFile(join(aside, 'marker'), 'from the deleted topic');
      topic(image, 't', NEW_ID);
      await m.sync();
      assert.deepEqual(await readdir(dir), ['t-0']);
      assert.ok(!(await readdir(join(dir, 't-0'))).includes('marker'));
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

/** The real disk, except that the first of `ops` on `path` waits until released. */
function holdFirst(
  ops: ReadonlyArray<'rename' | 'removeDirectory' | 'mkdir'>,
  path: string,
): {
  fs: LogFileSystem;
  isHeld: () => boolean;
  release: () => void;
} {
  let held = false;
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const hold = async (op: (typeof ops)[number], p: string) => {
    if (held || p !== path || !ops.includes(op)) return;
    held = true;
    await released;
  };
  const fs: LogFileSystem = {
    ...nodeFileSystem,
    async rename(source, target) {
      await hold('rename', source);
      return nodeFileSystem.rename(source, target);
    },
    async removeDirectory(dir) {
      await hold('removeDirectory', dir);
      return nodeFileSystem.removeDirectory(dir);
    },
    async mkdir(dir) {
      await hold('mkdir', dir);
      return nodeFileSystem.mkdir(dir);
    },
  };
  return { fs, isHeld: () => held, release };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** A one-record produce as the produce handler makes it: the error code it would answer. */
async function produce(m: ReplicaManager, value: string): Promise<number> {
  let led: Awaited<ReturnType<ReplicaManager['leaderPartition']>>;
  try {
    led = await m.leaderPartition('t', 0, -1);
  } catch (err) {
    if (err instanceof LogStorageError) return ErrorCode.KAFKA_STORAGE_ERROR;
    throw err;
  }
  if ('errorCode' in led) return led.errorCode;
  return (await led.partition.appendAsLeader(buildValueBatch(value, 1), 1 << 20)).errorCode;
}

/** The values stored in `<dir>/t-0`, read back from the disk after the manager closed. */
async function storedValues(dir: string): Promise<string[]> {
  const log = await PartitionLog.open({
    dir,
    topic: 't',
    partition: 0,
    config: defaultLogConfig,
    now: () => Date.now(),
  });
  try {
    const read = await log.read(0, 1 << 20, { maxOffset: log.logEndOffset, minOneBatch: true });
    return read.records === null
      ? []
      : decodeTestRecords(read.records).map((r) => r.value?.toString() ?? '');
  } finally {
    await log.close();
  }
}

describe('a topic deleted and created again while its old directory is being deleted', () => {
  for (const recreated of ['in the same image change', 'after the deletion began'] as const) {
    test(`recreated ${recreated}: the new topic gets a retriable answer, then keeps its own writes`, async () => {
      const dir = await mkdtemp(join(tmpdir(), 'gregor-rm-'));
      const gate = holdFirst(['rename', 'removeDirectory'], join(dir, 't-0'));
      const levels: number[] = [];
      const logger = pino(
        { level: 'info' },
        { write: (line: string) => levels.push((JSON.parse(line) as { level: number }).level) },
      );
      const image = brokerImage();
      const m = testManager({ logDir: dir, image, logger, fs: gate.fs });
      let closed = false;
      try {
        topic(image, 't', OLD_ID);
        await m.sync();
        assert.equal(await produce(m, 'old'), 0);

        topic(image, 't', null);
        if (recreated === 'in the same image change') topic(image, 't', NEW_ID);
        const deleting = m.sync();
        await until(gate.isHeld, "the old log's directory is being deleted");
        if (recreated === 'after the deletion began') topic(image, 't', NEW_ID);
        // The broker syncs on every image change.
        const syncedNew = m.sync();
        let during: number | undefined;
        void produce(m, 'early').then((code) => {
          during = code;
        });
        await until(() => during !== undefined, 'the produce during the deletion is answered');
        gate.release();
        await deleting;
        await syncedNew;
        assert.equal(await produce(m, 'late'), 0);
        await m.close();
        closed = true;

        const acknowledged = during === 0 ? ['early0', 'late0'] : ['late0'];
        assert.deepEqual(
          await storedValues(dir),
          acknowledged,
          "the new topic's directory holds its acknowledged writes and none of the old topic's",
        );
        assert.equal(
          during,
          ErrorCode.NOT_LEADER_OR_FOLLOWER,
          'a produce while the old directory goes is answered retriably',
        );
        assert.match(await readFile(join(dir, 't-0', 'partition.metadata'), 'utf8'), /AAAAAg/);
        assert.deepEqual(
          (await readdir(dir)).filter((n) => n !== 't-0'),
          [],
          'the old directory is gone',
        );
        assert.deepEqual(
          levels.filter((l) => l >= 50),
          [],
          'nothing was logged at error level',
        );
      } finally {
        gate.release();
        if (!closed) await m.close();
        await rm(dir, { recursive: true, force: true });
      }
    });
  }
});

test('an open begun for the earlier topic that ends after the new one appeared is replaced', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gregor-rm-'));
  const gate = holdFirst(['mkdir'], join(dir, 't-0'));
  const image = new MetadataImage('cluster');
  const m = testManager({ logDir: dir, image, fs: gate.fs });
  let closed = false;
  try {
    topic(image, 't', OLD_ID);
    // A request opens the old topic's log before any sync did...
    const early = m.acquire('t', 0);
    await until(gate.isHeld, "the old topic's log is being opened");
    // ...and the topic is deleted and created again before that open ends.
    topic(image, 't', null);
    topic(image, 't', NEW_ID);
    const synced = m.sync();
    gate.release();
    await early;
    await synced;
    assert.equal(await produce(m, 'new'), 0, 'the new topic is served without another sync');
    await m.close();
    closed = true;
    assert.deepEqual(await storedValues(dir), ['new0']);
    assert.match(await readFile(join(dir, 't-0', 'partition.metadata'), 'utf8'), /AAAAAg/);
  } finally {
    gate.release();
    if (!closed) await m.close();
    await rm(dir, { recursive: true, force: true });
  }
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
  const m = testManager({
    logDir: dir,
    image,
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
    const image = brokerImage();
    topic(image, 't', OLD_ID);
    return image;
  }

  function manager(fs: MemoryFileSystem, timers: FakeTimers, image = soloImage()): ReplicaManager {
    return testManager({
      logDir: DIR,
      image,
      now: () => timers.nowMs,
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

  test('producer.id.expiration.ms: every check interval, producers idle that long are forgotten', async () => {
    const fs = new MemoryFileSystem();
    await fs.mkdir(DIR);
    const timers = new FakeTimers();
    const m = manager(fs, timers);
    const EXPIRATION_MS = 60_000;
    const CHECK_MS = 10_000;
    /** One record of producer 9 at sequence `seq`, stamped now on the simulated clock. */
    const batch = (seq: number) =>
      buildTestBatch({
        records: [{ key: null, value: Buffer.from(`s${seq}`), timestampMs: timers.nowMs }],
        producerId: 9,
        producerEpoch: 0,
        baseSequence: seq,
      });
    try {
      await m.sync();
      const p = m.partition('t', 0)!;
      m.startProducerExpiration(EXPIRATION_MS, CHECK_MS);
      assert.equal((await p.appendAsLeader(batch(0), 1 << 20)).errorCode, 0);
      for (let t = 0; t < EXPIRATION_MS - CHECK_MS; t += CHECK_MS) await onePass(timers, CHECK_MS);
      assert.equal(p.producers.size, 1, 'kept while younger than the expiration');
      assert.equal(
        (await p.appendAsLeader(batch(0), 1 << 20)).baseOffset,
        0,
        'a retry: deduplicated',
      );
      await onePass(timers, CHECK_MS);
      assert.equal(p.producers.size, 0, 'forgotten once idle that long');
      const again = await p.appendAsLeader(batch(1), 1 << 20);
      assert.equal(again.errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, 'must start over at 0');
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
    const image = brokerImage();
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
