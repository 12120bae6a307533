// Behaviour of PartitionLog on the in-memory disk (and, for the round trip, the
// real one): offsets, rolls, reads, time lookups, retention, DeleteRecords,
// truncation and the append queue. Recovery after crashes has its own file.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkBatch, readBatchHeader } from '../protocol/record-batch.ts';
import { BufferPool, isLeased, releaseLease } from '../util/buffer-pool.ts';
import { OffsetOutOfRangeError } from './errors.ts';
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
import { buildTestBatch, buildValueBatch, decodeTestRecords } from './testing/test-batch.ts';

function memorySetup(overrides: Parameters<typeof testConfig>[0] = {}): TestLogSetup {
  const clock = new TestClock();
  return {
    fs: new MemoryFileSystem({ now: clock.now }),
    dir: '/data',
    clock,
    logger: new RecordingLogger(),
    config: testConfig(overrides),
  };
}

const everything = { maxOffset: Number.MAX_SAFE_INTEGER, minOneBatch: true };

async function readAll(log: PartitionLog, from = log.logStartOffset) {
  const values: string[] = [];
  const offsets: number[] = [];
  let offset = from;
  while (offset < log.logEndOffset) {
    const { records } = await log.read(offset, 1 << 20, everything);
    assert.ok(records, `no records at ${offset}`);
    for (const r of decodeTestRecords(records)) {
      if (r.offset < offset) continue;
      offsets.push(r.offset);
      values.push(r.value?.toString() ?? '');
    }
    offset = offsets[offsets.length - 1]! + 1;
  }
  return { values, offsets };
}

function concat(...batches: Buffer[]): Buffer {
  return Buffer.concat(batches);
}

describe('PartitionLog append and read', () => {
  for (const disk of ['memory', 'real'] as const) {
    it(`round-trips several batches across appends on the ${disk} disk`, async () => {
      const temp = disk === 'real' ? await realTempDir() : null;
      const setup = memorySetup();
      const s: TestLogSetup = temp ? { ...setup, fs: nodeFileSystem, dir: temp.dir } : setup;
      try {
        const log = await openTestLog(s);
        await log.append(concat(buildValueBatch('a', 3), buildValueBatch('b', 2)), {
          leaderEpoch: 0,
        });
        await log.append(buildValueBatch('c', 4), { leaderEpoch: 0 });
        assert.equal(log.logEndOffset, 9);
        const { values, offsets } = await readAll(log);
        assert.deepEqual(values, ['a0', 'a1', 'a2', 'b0', 'b1', 'c0', 'c1', 'c2', 'c3']);
        assert.deepEqual(offsets, [0, 1, 2, 3, 4, 5, 6, 7, 8]);
        await log.close();
        const reopened = await openTestLog(s);
        assert.equal(reopened.logEndOffset, 9);
        assert.deepEqual((await readAll(reopened)).values, values);
        await reopened.close();
      } finally {
        await temp?.remove();
      }
    });
  }

  it('assigns offsets and the leader epoch in place, leaving the CRC valid', async () => {
    const log = await openTestLog(memorySetup());
    await log.append(buildValueBatch('x', 5), { leaderEpoch: 1 });
    const second = concat(buildValueBatch('y', 2), buildValueBatch('z', 3));
    const result = await log.append(second, { leaderEpoch: 7 });
    assert.deepEqual(result, {
      baseOffset: 5,
      lastOffset: 9,
      logAppendTimeMs: -1,
      logStartOffset: 0,
    });
    const first = readBatchHeader(second, 0);
    const next = readBatchHeader(second, first.sizeBytes);
    assert.equal(first.baseOffset, 5);
    assert.equal(next.baseOffset, 7);
    assert.equal(first.partitionLeaderEpoch, 7);
    assert.equal(next.partitionLeaderEpoch, 7);
    assert.equal(checkBatch(second, 0, first.sizeBytes), null);
    assert.equal(checkBatch(second, first.sizeBytes), null);
    const stored = await log.read(7, 1 << 20, everything);
    assert.equal(readBatchHeader(stored.records!, 0).baseOffset, 7);
  });

  it('stamps LogAppendTime batches with the broker clock and a new CRC', async () => {
    const setup = memorySetup({ messageTimestampType: 'LogAppendTime' });
    const log = await openTestLog(setup);
    const batch = buildValueBatch('t', 3, 5);
    const result = await log.append(batch, { leaderEpoch: 0 });
    assert.equal(result.logAppendTimeMs, setup.clock.nowMs);
    const header = readBatchHeader(batch, 0);
    assert.equal(header.maxTimestamp, setup.clock.nowMs);
    assert.equal(header.attributes & 0x08, 0x08);
    assert.equal(checkBatch(batch, 0), null);
  });

  it('refuses bytes that are not whole batches', async () => {
    const log = await openTestLog(memorySetup());
    const batch = buildValueBatch('p', 2);
    await assert.rejects(log.append(batch.subarray(0, batch.length - 3), { leaderEpoch: 0 }), {
      errorName: 'CORRUPT_MESSAGE',
    });
    await assert.rejects(log.append(Buffer.alloc(0), { leaderEpoch: 0 }), {
      errorName: 'CORRUPT_MESSAGE',
    });
    assert.equal(log.logEndOffset, 0);
    await log.append(buildValueBatch('q', 1), { leaderEpoch: 0 });
    assert.equal(log.logEndOffset, 1);
  });

  it('applies concurrent appends in call order', async () => {
    const log = await openTestLog(memorySetup({ segmentBytes: 4096 }));
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        log.append(buildValueBatch(`v${i}-`, 1 + (i % 3)), { leaderEpoch: 0 }),
      ),
    );
    let expected = 0;
    for (const [i, r] of results.entries()) {
      assert.equal(r.baseOffset, expected, `append ${i}`);
      expected = r.lastOffset + 1;
    }
    const { values } = await readAll(log);
    const want = Array.from({ length: 200 }, (_, i) =>
      Array.from({ length: 1 + (i % 3) }, (_, j) => `v${i}-${j}`),
    ).flat();
    assert.deepEqual(values, want);
    assert.ok(log.segmentCount > 1);
  });

  it('appends replicated batches that continue the log and refuses ones that go back', async () => {
    const log = await openTestLog(memorySetup());
    await log.append(buildValueBatch('l', 3), { leaderEpoch: 0 });
    const follower = buildTestBatch({
      records: [
        { key: null, value: Buffer.from('f0') },
        { key: null, value: Buffer.from('f1') },
      ],
      baseOffset: 3,
      partitionLeaderEpoch: 4,
    });
    const result = await log.appendReplicated(follower);
    assert.deepEqual([result.baseOffset, result.lastOffset], [3, 4]);
    assert.equal(
      readBatchHeader((await log.read(3, 1000, everything)).records!, 0).partitionLeaderEpoch,
      4,
    );
    const stale = buildTestBatch({ records: [{ key: null, value: null }], baseOffset: 4 });
    await assert.rejects(log.appendReplicated(stale), { errorName: 'UNKNOWN_SERVER_ERROR' });
    const corrupt = buildTestBatch({
      records: [{ key: null, value: Buffer.from('c') }],
      baseOffset: 5,
    });
    corrupt[corrupt.length - 2]! ^= 0xff;
    await assert.rejects(log.appendReplicated(corrupt), { errorName: 'CORRUPT_MESSAGE' });
    assert.equal(log.logEndOffset, 5);
  });
});

describe('PartitionLog segment roll', () => {
  it('rolls before the active segment would pass segment.bytes', async () => {
    const setup = memorySetup({ segmentBytes: 1000 });
    const log = await openTestLog(setup);
    const batchBytes = buildValueBatch('r', 10).length;
    for (let i = 0; i < 8; i++) await log.append(buildValueBatch('r', 10), { leaderEpoch: 0 });
    const perSegment = Math.floor(1000 / batchBytes);
    const segments = log.describeSegments();
    assert.equal(segments.length, Math.ceil(8 / perSegment));
    for (const segment of segments) assert.ok(segment.sizeBytes <= 1000);
    assert.deepEqual(
      segments.map((s) => s.baseOffset),
      segments.map((_, i) => i * perSegment * 10),
    );
    const names = await setup.fs.readdir(partitionDir(setup));
    assert.ok(names.includes('00000000000000000000.log'));
    assert.ok(names.includes(`${String(perSegment * 10).padStart(20, '0')}.timeindex`));
    assert.equal((await readAll(log)).offsets.length, 80);
  });

  it('rolls once the active segment is older than segment.ms', async () => {
    const setup = memorySetup({ segmentMs: 60_000 });
    const log = await openTestLog(setup);
    await log.append(buildValueBatch('a', 1), { leaderEpoch: 0 });
    setup.clock.advance(60_000);
    await log.append(buildValueBatch('b', 1), { leaderEpoch: 0 });
    assert.equal(log.segmentCount, 1, 'not yet older than segment.ms');
    setup.clock.advance(1);
    await log.append(buildValueBatch('c', 1), { leaderEpoch: 0 });
    assert.deepEqual(
      log.describeSegments().map((s) => s.baseOffset),
      [0, 2],
    );
  });

  it('refuses an append larger than segment.bytes', async () => {
    const log = await openTestLog(memorySetup({ segmentBytes: 100 }));
    await assert.rejects(log.append(buildValueBatch('big', 20), { leaderEpoch: 0 }), {
      errorName: 'RECORD_LIST_TOO_LARGE',
    });
  });
});

describe('PartitionLog read limits', () => {
  async function logWithBatches(count: number) {
    const log = await openTestLog(memorySetup());
    const sizes: number[] = [];
    for (let i = 0; i < count; i++) {
      const batch = buildValueBatch(`b${i}-`, 4);
      sizes.push(batch.length);
      await log.append(batch, { leaderEpoch: 0 });
    }
    return { log, sizes };
  }

  it('returns only whole batches that fit in maxBytes', async () => {
    const { log, sizes } = await logWithBatches(5);
    const twoAndHalf = sizes[0]! + sizes[1]! + Math.floor(sizes[2]! / 2);
    const { records } = await log.read(0, twoAndHalf, everything);
    assert.equal(records?.length, sizes[0]! + sizes[1]!);
    assert.deepEqual(
      decodeTestRecords(records!).map((r) => r.offset),
      [0, 1, 2, 3, 4, 5, 6, 7],
    );
  });

  it('returns the first batch over maxBytes only with minOneBatch', async () => {
    const { log, sizes } = await logWithBatches(3);
    const small = await log.read(4, 10, { maxOffset: log.logEndOffset, minOneBatch: true });
    assert.equal(small.records?.length, sizes[1]);
    const none = await log.read(4, 10, { maxOffset: log.logEndOffset, minOneBatch: false });
    assert.equal(none.records, null);
  });

  it('starts at the batch holding fetchOffset and stops below maxOffset', async () => {
    const { log } = await logWithBatches(5);
    const { records, highWatermark, logEndOffset } = await log.read(6, 1 << 20, {
      maxOffset: 12,
      minOneBatch: true,
    });
    assert.deepEqual(
      decodeTestRecords(records!).map((r) => r.offset),
      [4, 5, 6, 7, 8, 9, 10, 11],
    );
    assert.equal(logEndOffset, 20);
    assert.equal(highWatermark, 0);
    const hidden = await log.read(12, 1 << 20, { maxOffset: 12, minOneBatch: true });
    assert.equal(hidden.records, null);
    const inside = await log.read(4, 1 << 20, { maxOffset: 6, minOneBatch: true });
    assert.equal(inside.records, null, 'a batch reaching past maxOffset is not returned');
  });

  it('answers an empty read at the log end and OFFSET_OUT_OF_RANGE outside the log', async () => {
    const { log } = await logWithBatches(2);
    assert.equal((await log.read(8, 1000, everything)).records, null);
    await assert.rejects(log.read(9, 1000, everything), (err: unknown) => {
      assert.ok(err instanceof OffsetOutOfRangeError);
      assert.equal(err.errorCode, 1);
      return true;
    });
    log.setHighWatermark(8);
    await log.deleteRecordsBefore(2);
    await assert.rejects(log.read(1, 1000, everything), { errorName: 'OFFSET_OUT_OF_RANGE' });
    const atStart = await log.read(2, 1000, everything);
    assert.equal(decodeTestRecords(atStart.records!)[0]!.offset, 0, 'whole batch holding offset 2');
  });

  it('finds any batch of a large log through the sparse index with few file reads', async () => {
    const setup = memorySetup({ indexIntervalBytes: 4096 });
    const log = await openTestLog(setup);
    for (let i = 0; i < 3000; i++) {
      await log.append(buildValueBatch(`n${i}-`, 1 + (i % 4)), { leaderEpoch: 0 });
    }
    const logEndOffset = log.logEndOffset;
    await log.close();
    const fs = setup.fs as MemoryFileSystem;
    const reopened = await openTestLog(setup);
    const indexBytes = fs.fileBytes(`${partitionDir(setup)}/00000000000000000000.index`).length;
    assert.ok(indexBytes > 8 * 20, `index holds ${indexBytes / 8} entries`);
    for (const target of [0, 1, 777, 4321, logEndOffset - 1, 2500, 3]) {
      const readsBefore = fs.counts.read;
      const { records } = await reopened.read(target, 1, everything);
      const found = decodeTestRecords(records!);
      assert.ok(found[0]!.offset <= target && found[found.length - 1]!.offset >= target);
      assert.ok(fs.counts.read - readsBefore <= 3, `${fs.counts.read - readsBefore} reads`);
    }
  });
});

describe('PartitionLog offsetForTimestamp', () => {
  async function timedLog(setup = memorySetup({ segmentBytes: 400 })) {
    const log = await openTestLog(setup);
    // Batches of three records at t, t+10, t+20 for t = 1000, 2000, ...
    for (let i = 0; i < 10; i++) {
      const t = 1000 * (i + 1);
      const records = [0, 10, 20].map((d) => ({
        key: null,
        value: Buffer.from(`${t + d}`),
        timestampMs: t + d,
      }));
      await log.append(buildTestBatch({ records }), { leaderEpoch: 0 });
    }
    return log;
  }

  it('finds the first record at or after a timestamp, record by record', async () => {
    const log = await timedLog();
    assert.ok(log.segmentCount > 2);
    assert.deepEqual(await log.offsetForTimestamp(0), { offset: 0, timestamp: 1000 });
    assert.deepEqual(await log.offsetForTimestamp(1000), { offset: 0, timestamp: 1000 });
    assert.deepEqual(await log.offsetForTimestamp(1001), { offset: 1, timestamp: 1010 });
    assert.deepEqual(await log.offsetForTimestamp(5015), { offset: 14, timestamp: 5020 });
    assert.deepEqual(await log.offsetForTimestamp(5021), { offset: 15, timestamp: 6000 });
    assert.deepEqual(await log.offsetForTimestamp(10_020), { offset: 29, timestamp: 10_020 });
    assert.equal(await log.offsetForTimestamp(10_021), null);
  });

  it('finds the same offsets after a restart from the time index files', async () => {
    const setup = memorySetup({ segmentBytes: 400, indexIntervalBytes: 0 });
    const before = await timedLog(setup);
    const expected = [];
    for (const t of [500, 2005, 7010, 9999]) expected.push(await before.offsetForTimestamp(t));
    await before.close();
    const after = await openTestLog(setup);
    const actual = [];
    for (const t of [500, 2005, 7010, 9999]) actual.push(await after.offsetForTimestamp(t));
    assert.deepEqual(actual, expected);
    assert.deepEqual(actual[1], { offset: 4, timestamp: 2010 });
  });

  it('never answers an offset below the log start offset', async () => {
    const log = await timedLog();
    log.setHighWatermark(log.logEndOffset);
    await log.deleteRecordsBefore(4);
    assert.deepEqual(await log.offsetForTimestamp(0), { offset: 4, timestamp: 2010 });
  });

  it('answers per batch for compressed and LogAppendTime batches', async () => {
    const log = await openTestLog(memorySetup());
    const records = [100, 200, 300].map((t) => ({
      key: null,
      value: Buffer.from('z'),
      timestampMs: t,
    }));
    await log.append(buildTestBatch({ records, compression: 'gzip' }), { leaderEpoch: 0 });
    assert.deepEqual(await log.offsetForTimestamp(150), { offset: 0, timestamp: 300 });
    const lat = await openTestLog(memorySetup({ messageTimestampType: 'LogAppendTime' }));
    const result = await lat.append(buildTestBatch({ records }), { leaderEpoch: 0 });
    assert.deepEqual(await lat.offsetForTimestamp(150), {
      offset: 0,
      timestamp: result.logAppendTimeMs,
    });
  });
});

describe('PartitionLog retention and DeleteRecords', () => {
  async function segmentedLog(setup: TestLogSetup) {
    const log = await openTestLog(setup);
    // Five segments of two batches; batch i carries timestamp 1000 * i.
    for (let i = 0; i < 10; i++) {
      if (i > 0 && i % 2 === 0) setup.clock.advance(setup.config.segmentMs + 1);
      await log.append(buildValueBatch(`s${i}-`, 3, 1000 * i), { leaderEpoch: 0 });
    }
    log.setHighWatermark(log.logEndOffset);
    return log;
  }

  it('deletes sealed segments older than retention.ms and advances the log start', async () => {
    const setup = memorySetup({ segmentMs: 10, retentionMs: 5000 });
    const log = await segmentedLog(setup);
    assert.equal(log.segmentCount, 5);
    // Newest timestamps per segment: 1000, 3000, 5000, 7000, 9000.
    const result = await log.applyRetention(8500);
    assert.deepEqual(result, { deletedSegments: 2, logStartOffset: 12 });
    assert.equal(log.logStartOffset, 12);
    assert.deepEqual(
      log.describeSegments().map((s) => s.baseOffset),
      [12, 18, 24],
    );
    await assert.rejects(log.read(11, 100, everything), { errorName: 'OFFSET_OUT_OF_RANGE' });
    const all = await log.applyRetention(1_000_000);
    assert.equal(all.deletedSegments, 2, 'the active segment stays');
    assert.equal(log.logStartOffset, 24);
  });

  it('deletes the oldest sealed segments beyond retention.bytes', async () => {
    const setup = memorySetup({ segmentMs: 10, retentionMs: -1, retentionBytes: 0 });
    const log = await segmentedLog(setup);
    const segmentBytes = log.describeSegments()[0]!.sizeBytes;
    log.setConfig({ ...setup.config, retentionBytes: segmentBytes * 3 });
    const result = await log.applyRetention(setup.clock.nowMs);
    assert.equal(result.deletedSegments, 2);
    assert.ok(log.sizeBytes <= segmentBytes * 3);
    assert.equal(log.logStartOffset, 12);
  });

  it('keeps segments at or above the high watermark', async () => {
    const setup = memorySetup({ segmentMs: 10, retentionMs: 1 });
    const log = await segmentedLog(setup);
    log.setHighWatermark(7);
    const result = await log.applyRetention(1_000_000);
    assert.equal(result.deletedSegments, 1, 'only [0, 6) lies wholly below the high watermark');
  });

  it('moves the log start with DeleteRecords and deletes whole segments below it', async () => {
    const setup = memorySetup({ segmentMs: 10 });
    const log = await segmentedLog(setup);
    assert.equal(await log.deleteRecordsBefore(13), 13);
    assert.deepEqual(
      log.describeSegments().map((s) => s.baseOffset),
      [12, 18, 24],
    );
    assert.equal(await log.deleteRecordsBefore(5), 13, 'never moves back');
    await assert.rejects(log.deleteRecordsBefore(31), { errorName: 'OFFSET_OUT_OF_RANGE' });
    await log.close();
    const reopened = await openTestLog(setup);
    assert.equal(reopened.logStartOffset, 13);
    assert.equal(reopened.highWatermark, 30);
    const { records } = await reopened.read(13, 1000, everything);
    assert.equal(decodeTestRecords(records!)[0]!.offset, 12);
  });

  it('deletes the active segment too when DeleteRecords reaches the log end', async () => {
    const setup = memorySetup({ segmentMs: 10 });
    const log = await segmentedLog(setup);
    await log.deleteRecordsBefore(30);
    assert.deepEqual(
      log.describeSegments().map((s) => [s.baseOffset, s.sizeBytes]),
      [[30, 0]],
    );
    const next = await log.append(buildValueBatch('after', 1), { leaderEpoch: 0 });
    assert.equal(next.baseOffset, 30);
  });
});

describe('PartitionLog truncateTo', () => {
  async function tenBatches() {
    const setup = memorySetup({ segmentBytes: 300 });
    const log = await openTestLog(setup);
    for (let i = 0; i < 10; i++) await log.append(buildValueBatch(`t${i}-`, 2), { leaderEpoch: 0 });
    log.setHighWatermark(log.logEndOffset);
    return { setup, log };
  }

  it('drops every record at and above the offset across segments', async () => {
    const { setup, log } = await tenBatches();
    assert.ok(log.segmentCount >= 3);
    await log.truncateTo(6);
    assert.equal(log.logEndOffset, 6);
    assert.equal(log.highWatermark, 6);
    assert.deepEqual((await readAll(log)).offsets, [0, 1, 2, 3, 4, 5]);
    const next = await log.append(buildValueBatch('new', 2), { leaderEpoch: 1 });
    assert.equal(next.baseOffset, 6);
    await log.close();
    const reopened = await openTestLog(setup);
    assert.equal(reopened.logEndOffset, 8);
    assert.deepEqual((await readAll(reopened)).values.slice(5), ['t2-1', 'new0', 'new1']);
  });

  it('removes a whole batch when the offset falls inside it', async () => {
    const { log } = await tenBatches();
    await log.truncateTo(7);
    assert.equal(log.logEndOffset, 6);
  });

  it('starts an empty log at the offset when it is below the first segment', async () => {
    const { log } = await tenBatches();
    await log.deleteRecordsBefore(12);
    const first = log.describeSegments()[0]!.baseOffset;
    await log.truncateTo(first - 2);
    assert.equal(log.segmentCount, 1);
    assert.equal(log.logStartOffset, first - 2);
    assert.equal(log.logEndOffset, first - 2);
  });
});

describe('PartitionLog lifetime', () => {
  it('rolls when an index is full (segment.index.bytes)', async () => {
    const config = { segmentIndexBytes: 24, indexIntervalBytes: 0 };
    // Three 8-byte offset entries fit; the first batch of a segment gets none.
    const sameTime = await openTestLog(memorySetup(config));
    for (let i = 0; i < 10; i++)
      await sameTime.append(buildValueBatch(`x${i}`, 1, 5), { leaderEpoch: 0 });
    assert.deepEqual(
      sameTime.describeSegments().map((s) => s.baseOffset),
      [0, 4, 8],
    );
    // Two 12-byte time entries fit, and each newer timestamp takes one.
    const newerTimes = await openTestLog(memorySetup(config));
    for (let i = 0; i < 10; i++)
      await newerTimes.append(buildValueBatch(`x${i}`, 1, i), { leaderEpoch: 0 });
    assert.deepEqual(
      newerTimes.describeSegments().map((s) => s.baseOffset),
      [0, 3, 6, 9],
    );
  });

  it('restores the high watermark and log start offset after a clean restart', async () => {
    const setup = memorySetup();
    const log = await openTestLog(setup);
    await log.append(buildValueBatch('h', 10), { leaderEpoch: 0 });
    assert.equal(log.setHighWatermark(50), 10, 'clamped to the log end offset');
    await log.close();
    await assert.rejects(log.read(0, 10, everything), { errorName: 'KAFKA_STORAGE_ERROR' });
    await assert.rejects(log.append(buildValueBatch('late', 1), { leaderEpoch: 0 }), {
      errorName: 'KAFKA_STORAGE_ERROR',
    });
    const reopened = await openTestLog(setup);
    assert.equal(reopened.highWatermark, 10);
    assert.equal(reopened.recoveryPoint, 10);
    assert.deepEqual(setup.logger.warnings, []);
  });

  it('checkpointHighWatermark writes the high watermark only when it moved, and survives a process crash', async () => {
    const setup = memorySetup();
    const log = await openTestLog(setup);
    await log.append(buildValueBatch('h', 10), { leaderEpoch: 0 });
    assert.equal(await log.checkpointHighWatermark(), false, 'still the value written at open');
    log.setHighWatermark(6);
    assert.equal(await log.checkpointHighWatermark(), true);
    assert.equal(await log.checkpointHighWatermark(), false, 'unchanged since');
    log.setHighWatermark(8);
    (setup.fs as MemoryFileSystem).processCrash();
    const reopened = await openTestLog(setup);
    assert.equal(reopened.logEndOffset, 10);
    assert.equal(reopened.highWatermark, 6, 'the last checkpoint, not the value at the crash');
    await reopened.close();
    assert.equal(await reopened.checkpointHighWatermark(), false, 'a closed log writes nothing');
  });

  it('finishes a read that started before retention deleted its segment', async () => {
    const setup = memorySetup({ segmentBytes: 300, retentionMs: 0 });
    const log = await openTestLog(setup);
    for (let i = 0; i < 6; i++)
      await log.append(buildValueBatch(`d${i}-`, 2, 1), { leaderEpoch: 0 });
    log.setHighWatermark(log.logEndOffset);
    const reading = log.read(0, 1 << 20, everything);
    const retention = log.applyRetention(setup.clock.nowMs);
    const [result, deleted] = await Promise.all([reading, retention]);
    assert.ok(deleted.deletedSegments > 0);
    assert.equal(decodeTestRecords(result.records!)[0]!.value?.toString(), 'd0-0');
    await assert.rejects(log.read(0, 1 << 20, everything), { errorName: 'OFFSET_OUT_OF_RANGE' });
  });

  it('removes its whole directory on delete', async () => {
    const setup = memorySetup();
    const log = await openTestLog(setup);
    await log.append(buildValueBatch('gone', 2), { leaderEpoch: 0 });
    await log.delete();
    assert.equal((setup.fs as MemoryFileSystem).exists(partitionDir(setup)), false);
    const fresh = await openTestLog(setup);
    assert.equal(fresh.logEndOffset, 0);
  });
});

describe('PartitionLog buffer ownership', () => {
  /** A batch of `count` records of `valueBytes` bytes each, values starting with `${prefix}${i}`. */
  function bigBatch(prefix: string, count: number, valueBytes: number): Buffer {
    const records = Array.from({ length: count }, (_, i) => ({
      key: null,
      value: Buffer.alloc(valueBytes, `${prefix}${i}-`),
    }));
    return buildTestBatch({ records });
  }

  it('keeps no reference to an appended buffer once the append settles', async () => {
    const setup = memorySetup();
    const log = await openTestLog(setup);
    const first = bigBatch('a', 4, 1000);
    const expected = Buffer.from(first);
    await log.append(first, { leaderEpoch: 0 });
    const assigned = Buffer.from(first); // as stored: offsets patched in place
    first.fill(0x55); // the caller (a recycled Produce frame) reuses the buffer
    await log.append(bigBatch('b', 2, 1000), { leaderEpoch: 0 });
    const fromTail = await log.read(0, 1 << 20, everything);
    assert.deepEqual(fromTail.records!.subarray(0, assigned.length), assigned);
    assert.equal(decodeTestRecords(fromTail.records!).length, 6);
    await log.close();
    const reopened = await openTestLog(setup);
    const fromDisk = await reopened.read(0, 1 << 20, everything);
    assert.deepEqual(fromDisk.records!.subarray(0, assigned.length), assigned);
    assert.deepEqual(
      decodeTestRecords(fromDisk.records!)[3]!.value,
      decodeTestRecords(expected)[3]!.value,
    );
  });

  it('reads into leased buffers from a pool, which the reader hands back', async () => {
    const setup = memorySetup();
    const log = await openTestLog(setup);
    for (let i = 0; i < 4; i++) await log.append(bigBatch(`p${i}`, 10, 4000), { leaderEpoch: 0 });
    await log.close();
    const reopened = await openTestLog(setup); // empty tail cache: reads go to the file
    const pool = new BufferPool();
    const options = { ...everything, pool };
    const whole = await reopened.read(0, 1 << 20, options);
    assert.ok(isLeased(whole.records!), 'read from disk into a leased buffer');
    assert.equal(decodeTestRecords(whole.records!).length, 40);
    const firstMemory = whole.records!.buffer;
    releaseLease(whole.records!);
    assert.ok(pool.pooledBytes > 0);
    // The same size of read again, now cut short of the last batch by maxOffset.
    const below = await reopened.read(0, 1 << 20, { ...options, maxOffset: 30 });
    assert.ok(below.records!.buffer === firstMemory, 'the buffer was reused');
    assert.ok(isLeased(below.records!), 'a shortened read still carries the lease');
    assert.deepEqual(
      decodeTestRecords(below.records!).map((r) => r.offset),
      Array.from({ length: 30 }, (_, i) => i),
    );
    releaseLease(below.records!);
    assert.equal(isLeased(below.records!), false);
  });

  it('copies tail-cache reads into the pool too, and leaves reads without a pool alone', async () => {
    const log = await openTestLog(memorySetup());
    await log.append(bigBatch('t', 20, 4000), { leaderEpoch: 0 });
    const pool = new BufferPool();
    const pooled = await log.read(0, 1 << 20, { ...everything, pool });
    assert.ok(isLeased(pooled.records!));
    assert.equal(decodeTestRecords(pooled.records!).length, 20);
    const plain = await log.read(0, 1 << 20, everything);
    assert.equal(isLeased(plain.records!), false);
    assert.deepEqual(plain.records, pooled.records);
  });
});
