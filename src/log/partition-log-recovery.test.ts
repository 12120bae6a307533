// Recovery of a partition log after crashes: torn and corrupt tails, lost or
// damaged index files, and the in-memory disk's simulated power cut, which
// loses every unfsynced byte. The invariant checked throughout: what was
// flushed is intact after reopening, and the log continues from a clean end.

import assert from 'node:assert/strict';
import {
  appendFile,
  readFile,
  truncate as truncateFile,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { describe, it } from 'node:test';
import { nodeFileSystem } from './file-system.ts';
import type { PartitionLog } from './partition-log.ts';
import {
  openTestLog,
  partitionDir,
  RecordingLogger,
  realTempDir,
  TestClock,
  type TestLogSetup,
  testConfig,
} from './testing/log-fixture.ts';
import { MemoryFileSystem } from './testing/memory-file-system.ts';
import { buildValueBatch, decodeTestRecords } from './testing/test-batch.ts';

const SEGMENT_0 = '00000000000000000000';
const everything = { maxOffset: Number.MAX_SAFE_INTEGER, minOneBatch: true };

function memorySetup(overrides: Parameters<typeof testConfig>[0] = {}) {
  const clock = new TestClock();
  const fs = new MemoryFileSystem({ now: clock.now });
  const setup: TestLogSetup = {
    fs,
    dir: '/data',
    clock,
    logger: new RecordingLogger(),
    config: testConfig(overrides),
  };
  return { setup, fs };
}

async function values(log: PartitionLog): Promise<string[]> {
  const out: string[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const { records } = await log.read(offset, 1 << 20, everything);
    assert.ok(records, `no records at ${offset}`);
    const decoded = decodeTestRecords(records).filter((r) => r.offset >= offset);
    out.push(...decoded.map((r) => r.value?.toString() ?? ''));
    offset = decoded[decoded.length - 1]!.offset + 1;
  }
  return out;
}

async function appendValues(log: PartitionLog, prefix: string, batches: number): Promise<void> {
  for (let i = 0; i < batches; i++)
    await log.append(buildValueBatch(`${prefix}${i}-`, 2), { leaderEpoch: 0 });
}

describe('PartitionLog recovery on the real disk', () => {
  async function withRealLog(test: (setup: TestLogSetup, dir: string) => Promise<void>) {
    const temp = await realTempDir();
    const setup: TestLogSetup = {
      fs: nodeFileSystem,
      dir: temp.dir,
      clock: new TestClock(),
      logger: new RecordingLogger(),
      config: testConfig(),
    };
    try {
      await test(setup, partitionDir(setup));
    } finally {
      await temp.remove();
    }
  }

  it('truncates a torn batch at the tail of the active segment', async () => {
    await withRealLog(async (setup, dir) => {
      const log = await openTestLog(setup);
      await appendValues(log, 'a', 4);
      const expected = await values(log);
      await log.close();
      const logPath = `${dir}/${SEGMENT_0}.log`;
      const cleanSize = (await readFile(logPath)).length;
      const torn = buildValueBatch('torn', 5);
      await appendFile(logPath, torn.subarray(0, torn.length - 7));
      const reopened = await openTestLog(setup);
      assert.equal(reopened.logEndOffset, 8);
      assert.deepEqual(await values(reopened), expected);
      assert.equal((await readFile(logPath)).length, cleanSize);
      assert.match(setup.logger.warnings.map((w) => w.message).join('\n'), /last valid batch/);
      await reopened.append(buildValueBatch('b', 1), { leaderEpoch: 0 });
      assert.deepEqual((await values(reopened)).slice(-2), ['a3-1', 'b0']);
      await reopened.close();
    });
  });

  it('truncates at the last clean batch when a tail batch has a bad CRC', async () => {
    await withRealLog(async (setup, dir) => {
      const log = await openTestLog(setup);
      await appendValues(log, 'c', 3);
      const lastBatch = buildValueBatch('bad', 2);
      await log.append(lastBatch, { leaderEpoch: 0 });
      await log.close();
      const logPath = `${dir}/${SEGMENT_0}.log`;
      const bytes = await readFile(logPath);
      bytes[bytes.length - 3]! ^= 0x55; // inside the last batch's records
      await writeFile(logPath, bytes);
      const reopened = await openTestLog(setup);
      assert.equal(reopened.logEndOffset, 6);
      assert.deepEqual(await values(reopened), ['c0-0', 'c0-1', 'c1-0', 'c1-1', 'c2-0', 'c2-1']);
      assert.equal((await readFile(logPath)).length, bytes.length - lastBatch.length);
      await reopened.close();
    });
  });

  it('rebuilds deleted index files to the same bytes', async () => {
    await withRealLog(async (setup, dir) => {
      setup.config = testConfig({ indexIntervalBytes: 100, segmentBytes: 2000 });
      const log = await openTestLog(setup);
      await appendValues(log, 'i', 60);
      const expected = await values(log);
      await log.close();
      const names = [`${SEGMENT_0}.index`, `${SEGMENT_0}.timeindex`];
      const lastBase = log.describeSegments().at(-1)!.baseOffset;
      names.push(`${String(lastBase).padStart(20, '0')}.index`);
      const originals = await Promise.all(names.map((n) => readFile(`${dir}/${n}`)));
      assert.ok(originals.every((b) => b.length > 0));
      await Promise.all(names.map((n) => unlink(`${dir}/${n}`)));
      const reopened = await openTestLog(setup);
      assert.deepEqual(await values(reopened), expected);
      await reopened.close();
      const rebuilt = await Promise.all(names.map((n) => readFile(`${dir}/${n}`)));
      assert.deepEqual(rebuilt, originals);
    });
  });

  it('rebuilds a corrupt index of a sealed segment when it is first used', async () => {
    await withRealLog(async (setup, dir) => {
      setup.config = testConfig({ indexIntervalBytes: 100, segmentBytes: 2000 });
      const log = await openTestLog(setup);
      await appendValues(log, 'k', 60);
      const expected = await values(log);
      await log.close();
      const indexPath = `${dir}/${SEGMENT_0}.index`;
      const original = await readFile(indexPath);
      await writeFile(indexPath, Buffer.alloc(original.length, 0x7f));
      const reopened = await openTestLog(setup);
      assert.deepEqual(await values(reopened), expected);
      assert.deepEqual(await readFile(indexPath), original);
      await reopened.close();
    });
  });

  it('recovers when the log file is shorter than its index says', async () => {
    await withRealLog(async (setup, dir) => {
      setup.config = testConfig({ indexIntervalBytes: 50 });
      const log = await openTestLog(setup);
      await appendValues(log, 's', 20);
      await log.close();
      const logPath = `${dir}/${SEGMENT_0}.log`;
      const size = (await readFile(logPath)).length;
      await truncateFile(logPath, Math.floor(size / 2));
      const reopened = await openTestLog(setup);
      const kept = await values(reopened);
      assert.ok(kept.length > 0 && kept.length < 40);
      assert.equal(kept.length, reopened.logEndOffset);
      await reopened.close();
    });
  });
});

describe('PartitionLog after a simulated power cut', () => {
  it('keeps everything flushed and loses only what was not', async () => {
    const { setup, fs } = memorySetup();
    const log = await openTestLog(setup);
    await appendValues(log, 'f', 5);
    log.setHighWatermark(log.logEndOffset);
    await log.flush();
    const flushed = await values(log);
    await appendValues(log, 'u', 3);
    fs.crash();
    const reopened = await openTestLog(setup);
    assert.deepEqual(await values(reopened), flushed);
    assert.equal(reopened.logEndOffset, 10);
    assert.equal(reopened.highWatermark, 10);
    const next = await reopened.append(buildValueBatch('n', 1), { leaderEpoch: 0 });
    assert.equal(next.baseOffset, 10);
  });

  it('cuts a torn write left on disk by the crash', async () => {
    const { setup, fs } = memorySetup();
    const log = await openTestLog(setup);
    await appendValues(log, 'f', 3);
    await log.flush();
    await log.append(buildValueBatch('big', 50), { leaderEpoch: 0 });
    fs.crash({ keepUnsyncedBytes: 100 });
    const logPath = `${partitionDir(setup)}/${SEGMENT_0}.log`;
    const tornSize = fs.fileBytes(logPath).length;
    const reopened = await openTestLog(setup);
    assert.equal(reopened.logEndOffset, 6);
    assert.equal(fs.fileBytes(logPath).length, tornSize - 100);
    assert.equal((await values(reopened)).length, 6);
  });

  it('recovers unflushed sealed segments and ends the log where data was lost', async () => {
    const { setup, fs } = memorySetup({ segmentBytes: 400 });
    const log = await openTestLog(setup);
    await appendValues(log, 'p', 8);
    await log.flush();
    const flushed = await values(log);
    const segmentsAtFlush = log.segmentCount;
    await appendValues(log, 'q', 12);
    assert.ok(log.segmentCount > segmentsAtFlush + 1);
    fs.crash();
    const reopened = await openTestLog(setup);
    assert.deepEqual(await values(reopened), flushed);
    // Reopening after a clean close of the recovered log needs no recovery at all.
    await reopened.close();
    setup.logger.warnings.length = 0;
    const again = await openTestLog(setup);
    assert.deepEqual(await values(again), flushed);
    assert.deepEqual(setup.logger.warnings, []);
  });

  it('rewrites no checkpoint when reopening after a clean close, and each one the load moved', async () => {
    const { setup, fs } = memorySetup({ segmentBytes: 400 });
    const log = await openTestLog(setup);
    await appendValues(log, 'c', 6);
    log.setHighWatermark(log.logEndOffset);
    await log.close();
    const renames = fs.counts.rename;
    const fsyncs = fs.counts.fsync;
    const clean = await openTestLog(setup);
    assert.equal(fs.counts.rename, renames, 'no checkpoint replaced');
    assert.equal(fs.counts.fsync, fsyncs, 'nothing fsynced');
    assert.equal(clean.recoveryPoint, clean.logEndOffset);
    // Appended but not flushed, and the crash leaves the bytes (the OS wrote
    // them back): the recovery point on disk is behind the recovered end, so
    // the reopen must record the new one.
    const flushedEnd = clean.logEndOffset;
    await appendValues(clean, 'd', 2);
    fs.crash({ keepUnsyncedBytes: 1 << 20 });
    const recovered = await openTestLog(setup);
    assert.ok(recovered.logEndOffset > flushedEnd, 'the unflushed batches were recovered');
    assert.ok(fs.counts.rename > renames, 'the recovery point was rewritten');
    const text = fs.fileBytes(`${partitionDir(setup)}/recovery-point-offset-checkpoint`);
    assert.match(text.toString(), new RegExp(` ${recovered.logEndOffset}\n$`));
    await recovered.close();
  });

  it('rewrites a checkpoint that holds other entries besides the partition', async () => {
    const temp = await realTempDir();
    const setup: TestLogSetup = {
      fs: nodeFileSystem,
      dir: temp.dir,
      clock: new TestClock(),
      logger: new RecordingLogger(),
      config: testConfig(),
    };
    try {
      const log = await openTestLog(setup);
      await appendValues(log, 'e', 2);
      await log.close();
      const path = `${partitionDir(setup)}/log-start-offset-checkpoint`;
      const ours = (await readFile(path, 'utf8')).split('\n')[2];
      await writeFile(path, `0\n2\n${ours}\nother 3 9\n`);
      const reopened = await openTestLog(setup);
      assert.equal(await readFile(path, 'utf8'), `0\n1\n${ours}\n`);
      await reopened.close();
    } finally {
      await temp.remove();
    }
  });

  it('flushes on its own after flush.messages offsets', async () => {
    const { setup, fs } = memorySetup({ flushMessages: 4 });
    const log = await openTestLog(setup);
    await appendValues(log, 'm', 2); // 4 offsets: flushed
    await appendValues(log, 'n', 1); // 2 more: not yet
    assert.equal(log.recoveryPoint, 4);
    fs.crash();
    const reopened = await openTestLog(setup);
    assert.deepEqual(await values(reopened), ['m0-0', 'm0-1', 'm1-0', 'm1-1']);
  });

  it('flushes on append once flush.ms has passed', async () => {
    const { setup, fs } = memorySetup({ flushMs: 1000 });
    const log = await openTestLog(setup);
    await appendValues(log, 'a', 1);
    assert.equal(log.recoveryPoint, 0);
    setup.clock.advance(1000);
    await appendValues(log, 'b', 1);
    assert.equal(log.recoveryPoint, 4);
    fs.crash();
    assert.equal((await openTestLog(setup)).logEndOffset, 4);
  });

  it('takes the log offline when a write fails, and recovers on reopen', async () => {
    const { setup, fs } = memorySetup();
    const log = await openTestLog(setup);
    await appendValues(log, 'w', 2);
    await log.flush();
    fs.failNext('write', { pathSuffix: '.log' });
    await assert.rejects(log.append(buildValueBatch('x', 1), { leaderEpoch: 0 }), {
      errorName: 'KAFKA_STORAGE_ERROR',
    });
    await assert.rejects(log.read(0, 100, everything), { errorName: 'KAFKA_STORAGE_ERROR' });
    await log.close();
    fs.crash();
    const reopened = await openTestLog(setup);
    assert.equal(reopened.logEndOffset, 4);
  });
});

describe('PartitionLog truncation and a later power cut', () => {
  it('keeps a truncation once truncateTo has returned', async () => {
    const { setup, fs } = memorySetup({ segmentBytes: 400 });
    const log = await openTestLog(setup);
    await appendValues(log, 't', 12);
    await log.flush();
    assert.ok(log.segmentCount > 2, 'the truncation deletes segments and cuts another');
    const kept = (await values(log)).slice(0, 6);
    await log.truncateTo(6);
    assert.ok(log.recoveryPoint <= 6);
    fs.crash();
    const reopened = await openTestLog(setup);
    assert.equal(reopened.logEndOffset, 6);
    assert.deepEqual(await values(reopened), kept);
  });

  it('keeps a truncation its process never made durable once the next process has opened the log', async () => {
    // Simulator seed 1036: a follower truncates, its disk fails before the
    // truncation is fsynced, the restarted process trusts the page cache, rolls
    // and writes newer records to a new segment, and a power cut brings the
    // truncated batches back below them.
    const { setup, fs } = memorySetup({ segmentMs: 60_000 });
    const t0 = setup.clock.nowMs;
    const first = await openTestLog(setup);
    for (const v of ['old0-', 'old1-', 'old2-']) {
      await first.append(buildValueBatch(v, 1, t0), { leaderEpoch: 0 });
    }
    await first.flush();
    fs.failNext('fsync', { pathSuffix: '.log' });
    await first.truncateTo(1).catch(() => undefined);
    fs.clearFaults();
    fs.processCrash();

    setup.clock.advance(120_000);
    const second = await openTestLog(setup);
    assert.equal(second.logEndOffset, 1);
    fs.failNext('write', { pathSuffix: '.log' });
    await assert.rejects(second.append(buildValueBatch('lost-', 1), { leaderEpoch: 1 }), {
      errorName: 'KAFKA_STORAGE_ERROR',
    });
    fs.processCrash();

    const third = await openTestLog(setup);
    assert.equal(third.logEndOffset, 1);
    for (const v of ['new1-', 'new2-']) {
      await third.append(buildValueBatch(v, 1, setup.clock.nowMs), { leaderEpoch: 1 });
    }
    await third.flush();
    assert.deepEqual(await values(third), ['old0-0', 'new1-0', 'new2-0']);
    fs.crash();
    const reopened = await openTestLog(setup);
    assert.deepEqual(await values(reopened), ['old0-0', 'new1-0', 'new2-0']);
  });
});
