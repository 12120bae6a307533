// A partition log on a full disk (issue 12, item 8): a write refused for want of
// space fails that append with KAFKA_STORAGE_ERROR and leaves the log whole — no
// partial batch on disk, offsets unchanged, not offline — and appends work again
// once space returns, with every acknowledged record readable, also after a
// reopen. Other disk failures still take the log offline. Runs on the in-memory
// disk with a space limit, which stores what fits and then fails as write(2) does.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LogStorageError } from './errors.ts';
import type { PartitionLog } from './partition-log.ts';
import {
  openTestLog,
  partitionDir,
  RecordingLogger,
  TestClock,
  type TestLogSetup,
  testConfig,
} from './testing/log-fixture.ts';
import { MemoryFileSystem } from './testing/memory-file-system.ts';
import { buildValueBatch, decodeTestRecords } from './testing/test-batch.ts';

function smallDisk(overrides: Parameters<typeof testConfig>[0] = {}) {
  const clock = new TestClock();
  const fs = new MemoryFileSystem({ now: clock.now });
  const setup: TestLogSetup = {
    fs,
    dir: '/data',
    clock,
    logger: new RecordingLogger(),
    config: testConfig(overrides),
  };
  return { fs, setup };
}

const everything = { maxOffset: Number.MAX_SAFE_INTEGER, minOneBatch: true };

async function readValues(log: PartitionLog): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const { records } = await log.read(offset, 1 << 20, everything);
    assert.ok(records, `no records at ${offset}`);
    for (const r of decodeTestRecords(records)) {
      if (r.offset >= offset) out.set(r.offset, r.value?.toString() ?? '');
    }
    offset = Math.max(...out.keys()) + 1;
  }
  return out;
}

/** Appends one-record batches until the disk refuses one; returns what was acknowledged. */
async function appendUntilFull(log: PartitionLog, acked: Map<number, string>): Promise<unknown> {
  for (let i = 0; i < 10_000; i++) {
    const value = `v${acked.size}-${'x'.repeat(200)}`;
    try {
      const r = await log.append(buildValueBatch(value, 1), { leaderEpoch: 0 });
      acked.set(r.baseOffset, `${value}0`);
    } catch (err) {
      return err;
    }
  }
  throw new Error('the disk never filled');
}

describe('PartitionLog on a full disk', () => {
  it('refuses the append that does not fit, keeps the log whole, and appends again once space returns', async () => {
    const { fs, setup } = smallDisk();
    const log = await openTestLog(setup);
    fs.setSpaceLimit(fs.usedBytes() + 8 * 1024);
    const acked = new Map<number, string>();
    const refused = await appendUntilFull(log, acked);
    assert.ok(refused instanceof LogStorageError, `got ${String(refused)}`);
    assert.equal(refused.errorCode, 56);
    assert.ok(acked.size > 10, `only ${acked.size} appends fit`);
    const segmentPath = `${partitionDir(setup)}/00000000000000000000.log`;
    const sizeAfterRefusal = fs.fileBytes(segmentPath).length;
    assert.equal(log.logEndOffset, acked.size);
    // A second refusal: the partial write was cut, nothing accumulates.
    const again = buildValueBatch(`again-${'x'.repeat(200)}`, 1);
    await assert.rejects(log.append(again, { leaderEpoch: 0 }), {
      errorName: 'KAFKA_STORAGE_ERROR',
    });
    assert.equal(fs.fileBytes(segmentPath).length, sizeAfterRefusal, 'no partial batch kept');
    assert.deepEqual(await readValues(log), acked, 'the log is readable, not offline');
    assert.ok(
      setup.logger.warnings.filter((w) => w.message.includes('log dir is full')).length === 1,
      'one line for the state change, not one per refused append',
    );

    fs.setSpaceLimit(null);
    const r = await log.append(buildValueBatch('after', 1), { leaderEpoch: 0 });
    assert.equal(r.baseOffset, acked.size, 'the next offset follows the last acknowledged one');
    acked.set(r.baseOffset, 'after0');
    assert.deepEqual(await readValues(log), acked);
    await log.close();
    const reopened = await openTestLog(setup);
    assert.deepEqual(await readValues(reopened), acked, 'recovery finds every acknowledged record');
    assert.deepEqual(
      setup.logger.warnings.filter((w) => /truncat|rebuild/i.test(w.message)),
      [],
      'nothing torn for recovery to cut',
    );
    await reopened.close();
  });

  it('keeps the active segment when a roll has no room, and rolls once space returns', async () => {
    const { fs, setup } = smallDisk({ segmentBytes: 4096, indexIntervalBytes: 256 });
    const log = await openTestLog(setup);
    const acked = new Map<number, string>();
    const append = async (value: string) => {
      const r = await log.append(buildValueBatch(value, 1), { leaderEpoch: 0 });
      acked.set(r.baseOffset, `${value}0`);
    };
    const batchBytes = buildValueBatch(`v0-${'x'.repeat(200)}`, 1).length;
    while (log.sizeBytes + batchBytes <= 4096) await append(`v${acked.size}-${'x'.repeat(200)}`);
    // The next append rolls; sealing writes the index entries, and that write finds no room.
    fs.failNext('write', {
      pathSuffix: '.index',
      error: Object.assign(new Error('ENOSPC: injected'), { code: 'ENOSPC' }),
    });
    await assert.rejects(append(`v${acked.size}-${'x'.repeat(200)}`), {
      errorName: 'KAFKA_STORAGE_ERROR',
    });
    assert.equal(log.segmentCount, 1, 'the roll was undone: one segment, still active');
    assert.deepEqual(
      fs.fileBytes(`${partitionDir(setup)}/00000000000000000000.index`).length % 8,
      0,
    );
    assert.deepEqual(await readValues(log), acked);
    for (let i = 0; i < 5; i++) await append(`later${i}-${'x'.repeat(200)}`);
    assert.equal(log.segmentCount, 2, 'the roll went through once there was room');
    assert.deepEqual(await readValues(log), acked);
    await log.close();
    const reopened = await openTestLog(setup);
    assert.deepEqual(await readValues(reopened), acked);
    await reopened.close();
  });

  it('keeps an append whose flush ran out of room for a checkpoint', async () => {
    const { fs, setup } = smallDisk({ flushMessages: 1 });
    const log = await openTestLog(setup);
    await log.append(buildValueBatch('a', 1), { leaderEpoch: 0 });
    fs.failNext('write', {
      pathSuffix: '.tmp',
      error: Object.assign(new Error('ENOSPC: injected'), { code: 'ENOSPC' }),
    });
    const r = await log.append(buildValueBatch('b', 1), { leaderEpoch: 0 });
    assert.equal(r.baseOffset, 1, 'acknowledged: the batch is in the log');
    const r2 = await log.append(buildValueBatch('c', 1), { leaderEpoch: 0 });
    assert.equal(r2.baseOffset, 2);
    assert.equal(log.recoveryPoint, 3, 'the next flush caught up');
    await log.close();
  });

  it('still takes the log offline when an fsync fails, whatever the errno', async () => {
    const { fs, setup } = smallDisk();
    const log = await openTestLog(setup);
    await log.append(buildValueBatch('a', 1), { leaderEpoch: 0 });
    fs.failNext('fsync', {
      pathSuffix: '.log',
      error: Object.assign(new Error('ENOSPC: injected'), { code: 'ENOSPC' }),
    });
    await assert.rejects(log.flush(), { errorName: 'KAFKA_STORAGE_ERROR' });
    await assert.rejects(log.append(buildValueBatch('b', 1), { leaderEpoch: 0 }), /offline/);
    await log.close();
  });
});
