// The log cleaner against a model: random keyed writes and tombstones (some
// compressed, some transactional, aborted or committed), cleaning interleaved
// with appends and with readers starting at random offsets. After every clean
// each key's latest value is there at its original offset, older values of keys
// cleaned past are gone, tombstones vanish once delete.retention.ms has passed
// since the clean that first saw them, offsets only rise (gaps allowed), and no
// reader ever sees a key's older value after its newer one.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CompressionType } from '../protocol/record-batch.ts';
import { buildRecordBatchSync, decodeRecordBatches } from '../protocol/records.ts';
import { type CleanableLog, LogCleaner, type LogCleanerSettings } from './log-cleaner.ts';
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

const DELETE_RETENTION_MS = 10 * 60_000;

const settings: LogCleanerSettings = {
  enabled: true,
  dedupeBufferBytes: 1 << 20,
  ioBufferBytes: 8192,
  loadFactor: 0.9,
  ioMaxBytesPerSecond: Number.POSITIVE_INFINITY,
  backoffMs: 50,
};

const compaction = {
  minCleanableDirtyRatio: 0.5,
  minCompactionLagMs: 0,
  maxCompactionLagMs: Number.MAX_SAFE_INTEGER,
  deleteRetentionMs: DELETE_RETENTION_MS,
  maxMessageBytes: 1 << 20,
};

const quiet = { info() {}, warn() {}, debug() {} };

/** A deterministic PRNG (mulberry32), so a failure can be replayed from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface ReadRecord {
  readonly offset: number;
  readonly key: string | null;
  readonly value: string | null;
  readonly control: boolean;
}

/** Every record from `from` to the high watermark, batch by batch, as a consumer reads. */
async function readFrom(
  log: PartitionLog,
  from: number,
  maxBytes = 1 << 20,
): Promise<ReadRecord[]> {
  const out: ReadRecord[] = [];
  let offset = Math.max(from, log.logStartOffset);
  for (;;) {
    const read = await log.read(offset, maxBytes, {
      maxOffset: log.highWatermark,
      minOneBatch: true,
    });
    if (read.records === null) break;
    const batches = await decodeRecordBatches(read.records, { maxBytes: 1 << 24 });
    assert.ok(batches.length > 0, `no whole batch at ${offset}`);
    // Give the cleaner a turn between reads, so swaps land in the middle of a reader's scan.
    if (maxBytes < 1 << 20) await new Promise((resolve) => setImmediate(resolve));
    for (const b of batches) {
      const control = (b.header.attributes & 0x20) !== 0;
      for (const r of b.records) {
        if (r.offset < offset) continue;
        out.push({
          offset: r.offset,
          key: r.key?.toString() ?? null,
          value: r.value?.toString() ?? null,
          control,
        });
      }
      offset = Math.max(offset, b.header.baseOffset + b.header.lastOffsetDelta + 1);
    }
  }
  return out;
}

interface ModelRecord {
  readonly key: string;
  readonly value: string | null;
  /** False for records of an aborted transaction. */
  readonly committed: boolean;
}

class Model {
  /** Offset -> what was appended there (data records only). */
  readonly byOffset = new Map<number, ModelRecord>();
  /** Key -> offset of its latest committed record. */
  readonly latest = new Map<string, number>();
  /** Tombstone offset -> bounds of the start of the first clean that covered it. */
  readonly tombstoneCovered = new Map<number, { startedMs: number; now: number }>();
  /** Tombstones seen kept by a clean and later gone, and aborted records appended. */
  tombstonesVanished = 0;
  readonly vanished = new Set<number>();
  abortedAppended = 0;
}

function setupMemory(): TestLogSetup {
  const clock = new TestClock();
  return {
    fs: new MemoryFileSystem({ now: clock.now }),
    dir: '/data',
    clock,
    logger: new RecordingLogger(),
    config: testConfig({ segmentBytes: 2048, retentionMs: -1 }),
  };
}

function cleanerFor(setup: TestLogSetup, target: CleanableLog): LogCleaner {
  return new LogCleaner({ settings, logs: () => [target], now: setup.clock.now, logger: quiet });
}

describe('log cleaner against a model', () => {
  for (const seed of [1, 2, 3]) {
    it(`keeps the latest value per key through interleaved cleans and reads (seed ${seed})`, async () => {
      const random = prng(seed);
      const setup = setupMemory();
      const log = await openTestLog(setup);
      const target: CleanableLog = { log, config: compaction };
      const cleaner = cleanerFor(setup, target);
      const model = new Model();
      const keys = Array.from({ length: 80 }, (_, i) => `key-${i}`);
      // Writes go to a window of keys that slides each round, so older keys fall quiet
      // and their last record (a value or a tombstone) stays the latest for good.
      let window = 0;
      let seq = 0;
      let producerSeq = 0;
      const appendRandom = async () => {
        const count = 1 + Math.floor(random() * 6);
        const records = Array.from({ length: count }, () => {
          const key = keys[window + Math.floor(random() * 20)]!;
          const value = random() < 0.15 ? null : `v${seq++}-${key}`;
          return { key, value };
        });
        const compression =
          random() < 0.3
            ? [CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4][
                Math.floor(random() * 3)
              ]!
            : CompressionType.None;
        const txn = random() < 0.15;
        const aborted = txn && random() < 0.5;
        const producerId = txn ? 1000 + (producerSeq++ % 3) : -1;
        const batch = buildRecordBatchSync({
          records: records.map((r) => ({
            key: Buffer.from(r.key),
            value: r.value === null ? null : Buffer.from(r.value),
          })),
          compression,
          timestampMs: setup.clock.nowMs,
          producerId,
          producerEpoch: txn ? 0 : -1,
          baseSequence: txn ? 0 : -1,
          transactional: txn,
        });
        const appended = await log.append(batch, { leaderEpoch: 0 });
        records.forEach((r, i) => {
          model.byOffset.set(appended.baseOffset + i, {
            key: r.key,
            value: r.value,
            committed: !aborted,
          });
        });
        if (txn) {
          const marker = buildRecordBatchSync({
            records: [{ key: controlKey(aborted ? 0 : 1), value: Buffer.from([0, 0, 0, 0, 0, 0]) }],
            timestampMs: setup.clock.nowMs,
            producerId,
            producerEpoch: 0,
            transactional: true,
            isControl: true,
          });
          await log.append(marker, { leaderEpoch: 0 });
        }
        if (!aborted) {
          for (const [i, r] of records.entries()) model.latest.set(r.key, appended.baseOffset + i);
        }
        if (aborted) model.abortedAppended += records.length;
        log.setHighWatermark(log.logEndOffset);
        setup.clock.advance(1000);
      };

      for (let round = 0; round < 12; round++) {
        window = round * 5;
        for (let i = 0; i < 60; i++) await appendRandom();
        // Readers from random offsets, running while the cleaner and appends go on.
        const readers = Array.from({ length: 4 }, () => {
          const span = log.highWatermark - log.logStartOffset;
          const from = log.logStartOffset + Math.floor(random() * span);
          const until = log.highWatermark;
          const records = readFrom(log, from, 100 + Math.floor(random() * 1000));
          return { from, until, records };
        });
        const startedMs = setup.clock.nowMs;
        const appending = (async () => {
          for (let i = 0; i < 5; i++) await appendRandom();
        })();
        const outcome = await cleaner.cleanLog(target);
        await appending;
        for (const reader of readers) {
          const records = await reader.records;
          checkOneReader(records, model);
          checkReaderSawLatest(records, model, reader);
        }
        if (outcome === null) continue;
        const cleanedTo = outcome.result.firstDirtyOffset;
        const now = setup.clock.nowMs;
        const all = await readFrom(log, 0);
        checkOneReader(all, model);
        checkAgainstModel(all, model, { cleanedTo, now, startedMs });
        if (round === 8) setup.clock.advance(DELETE_RETENTION_MS + 1);
      }
      assert.ok(log.segmentCount > 1);
      // The run exercised what it checks: tombstones went, aborted data was there to go.
      assert.ok(model.tombstonesVanished > 0, 'no tombstone was seen to vanish');
      assert.ok(model.abortedAppended > 0, 'no aborted transaction was written');
      const final = await readFrom(log, 0);
      assert.ok(
        final.length < model.byOffset.size / 2,
        `${final.length} of ${model.byOffset.size} kept`,
      );
      await cleaner.close();
      await log.close();
    });
  }

  it('a clean swapped in survives a restart, and a crash mid-swap is completed or rolled back', async () => {
    // The rename that fails, by its source: cleaned -> swap, an old segment -> deleted, swap -> live.
    for (const failAt of ['.log.cleaned', '.log', '.log.swap', 'none'] as const) {
      const setup = setupMemory();
      const fs = setup.fs as MemoryFileSystem;
      let log = await openTestLog(setup);
      const target: CleanableLog = { log, config: compaction };
      const cleaner = cleanerFor(setup, target);
      const latest = new Map<string, string>();
      for (let i = 0; i < 300; i++) {
        const key = `k${i % 17}`;
        const value = `v${i}`;
        latest.set(key, value);
        await log.append(
          buildRecordBatchSync({
            records: [{ key: Buffer.from(key), value: Buffer.from(value) }],
            timestampMs: 1,
          }),
          { leaderEpoch: 0 },
        );
      }
      log.setHighWatermark(log.logEndOffset);
      await log.flush();
      const before = await readFrom(log, 0);
      if (failAt !== 'none') fs.failNext('rename', { pathSuffix: failAt });
      await cleaner.cleanLog(target).catch(() => null);
      fs.crash();
      log = await openTestLog(setup);
      log.setHighWatermark(log.logEndOffset);
      const after = await readFrom(log, 0);
      checkOneReader(after, new Model());
      const byOffset = new Map(before.map((r) => [r.offset, r]));
      for (const r of after) assert.deepEqual(r, byOffset.get(r.offset), `record at ${r.offset}`);
      const lastByKey = new Map<string, string | null>();
      for (const r of after) if (r.key !== null) lastByKey.set(r.key, r.value);
      for (const [key, value] of latest)
        assert.equal(lastByKey.get(key), value, `${failAt}: ${key}`);
      const names = await fs.readdir(partitionDir(setup));
      assert.deepEqual(
        names.filter((n) => /\.(cleaned|swap|deleted)$/.test(n)),
        [],
        `${failAt}: leftovers`,
      );
      if (failAt === 'none') assert.ok(after.length < before.length, 'the clean took effect');
      await cleaner.close();
      await log.close();
    }
  });
});

function controlKey(type: number): Buffer {
  const key = Buffer.alloc(4);
  key.writeInt16BE(0, 0);
  key.writeInt16BE(type, 2);
  return key;
}

/** Offsets only rise, and each record is the one appended at its offset. */
function checkOneReader(records: readonly ReadRecord[], model: Model): void {
  let last = -1;
  for (const r of records) {
    assert.ok(r.offset > last, `offset ${r.offset} after ${last}`);
    last = r.offset;
    if (r.control || model.byOffset.size === 0) continue;
    const appended = model.byOffset.get(r.offset);
    assert.ok(appended !== undefined, `nothing was appended at ${r.offset}`);
    assert.equal(r.key, appended.key, `key at ${r.offset}`);
    assert.equal(r.value, appended.value, `value at ${r.offset}`);
  }
}

/** A reader misses no record that is still its key's latest and lay in its range. */
function checkReaderSawLatest(
  records: readonly ReadRecord[],
  model: Model,
  range: { from: number; until: number },
): void {
  const seen = new Set(records.map((r) => r.offset));
  for (const [key, offset] of model.latest) {
    if (offset < range.from || offset >= range.until) continue;
    if (model.byOffset.get(offset)!.value === null) continue;
    assert.ok(seen.has(offset), `a reader from ${range.from} missed ${key} at ${offset}`);
  }
}

function checkAgainstModel(
  records: readonly ReadRecord[],
  model: Model,
  o: { cleanedTo: number; now: number; startedMs: number },
): void {
  const present = new Map<number, ReadRecord>();
  for (const r of records) if (!r.control) present.set(r.offset, r);
  for (const [key, offset] of model.latest) {
    const latest = model.byOffset.get(offset)!;
    const found = present.get(offset);
    if (latest.value !== null) {
      assert.ok(found !== undefined, `latest value of ${key} at ${offset} is missing`);
      continue;
    }
    // A tombstone: kept until delete.retention.ms after the clean that first saw it
    // (a clean covering its offset; it started within [startedMs, now]).
    if (offset >= o.cleanedTo) continue;
    let covered = model.tombstoneCovered.get(offset);
    if (covered === undefined) {
      covered = { startedMs: o.startedMs, now: o.now };
      model.tombstoneCovered.set(offset, covered);
    }
    if (o.now < covered.startedMs + DELETE_RETENTION_MS) {
      assert.ok(
        found !== undefined,
        `tombstone of ${key} at ${offset} went before delete.retention.ms`,
      );
    }
    if (o.startedMs >= covered.now + DELETE_RETENTION_MS) {
      assert.equal(
        found,
        undefined,
        `tombstone of ${key} at ${offset} outlived delete.retention.ms`,
      );
      if (!model.vanished.has(offset)) {
        model.vanished.add(offset);
        model.tombstonesVanished += 1;
      }
    }
    if (found === undefined) {
      for (const r of present.values()) {
        assert.ok(
          r.key !== key || r.offset > offset,
          `${key} came back at ${r.offset} after its tombstone vanished`,
        );
      }
    }
  }
  // Below the cleaned offset, only each key's latest committed record may remain.
  for (const r of present.values()) {
    if (r.offset >= o.cleanedTo || r.key === null) continue;
    const appended = model.byOffset.get(r.offset)!;
    assert.ok(appended.committed, `aborted record at ${r.offset} survived a clean`);
    const latest = model.latest.get(r.key)!;
    assert.ok(
      r.offset >= latest || latest >= o.cleanedTo,
      `older value of ${r.key} at ${r.offset} survived (latest ${latest})`,
    );
  }
}
