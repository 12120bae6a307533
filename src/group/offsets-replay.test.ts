// The byte-level replay a __consumer_offsets load runs, against a model of what
// it must leave: the last record of each key in the order of those last
// records, transactional records counted from their commit marker, aborted ones
// not at all, open ones apart by producer id, keyless ones only counted, and
// records before the read's start offset skipped.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildMarkerBatch } from '../protocol/control-batch.ts';
import { setBaseOffset } from '../protocol/record-batch.ts';
import { buildRecordBatchSync } from '../protocol/records.ts';
import { OffsetsReplay, replayBatches } from './offsets-topic-log.ts';

function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface ModelRecord {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly offset: number;
}

type Entry =
  | { kind: 'data'; producerId: number | null; records: Array<Omit<ModelRecord, 'offset'>> }
  | { kind: 'marker'; producerId: number; commit: boolean };

/** The log as bytes, each batch at its offset, and the model's view of a replay from `from`. */
function build(entries: readonly Entry[], from: number) {
  const batches: Buffer[] = [];
  const last = new Map<string, ModelRecord>();
  const pending = new Map<number, ModelRecord[]>();
  let keyless = 0;
  let read = 0;
  let offset = 0;
  const apply = (r: ModelRecord) => {
    const text = r.key!.toString('latin1');
    last.delete(text);
    last.set(text, r);
  };
  for (const e of entries) {
    if (e.kind === 'marker') {
      const batch = buildMarkerBatch(
        { producerId: e.producerId, producerEpoch: 0, commit: e.commit, coordinatorEpoch: 0 },
        1000,
      );
      setBaseOffset(batch, 0, offset);
      batches.push(batch);
      const staged = pending.get(e.producerId) ?? [];
      pending.delete(e.producerId);
      if (offset >= from && e.commit) for (const r of staged) apply(r);
      offset += 1;
      continue;
    }
    const batch = buildRecordBatchSync({
      records: e.records,
      timestampMs: 1000,
      baseOffset: offset,
      ...(e.producerId === null
        ? {}
        : { producerId: e.producerId, producerEpoch: 0, baseSequence: -1, transactional: true }),
    });
    batches.push(batch);
    for (const r of e.records) {
      const at = offset++;
      if (at < from) continue;
      read += 1;
      if (r.key === null) {
        keyless += 1;
        continue;
      }
      const record = { ...r, offset: at };
      if (e.producerId === null) apply(record);
      else pending.set(e.producerId, [...(pending.get(e.producerId) ?? []), record]);
    }
  }
  return {
    bytes: Buffer.concat(batches),
    last: [...last.values()],
    pending,
    keyless,
    read,
    end: offset,
  };
}

/** Random data batches (some transactional, some keyless records, tombstones) and markers. */
function randomEntries(seed: number): Entry[] {
  const next = random(seed);
  const entries: Entry[] = [];
  const open = new Set<number>();
  for (let i = 0; i < 300; i++) {
    const roll = next();
    if (roll < 0.1 && open.size > 0) {
      const producerId = [...open][Math.floor(next() * open.size)]!;
      open.delete(producerId);
      entries.push({ kind: 'marker', producerId, commit: next() < 0.7 });
      continue;
    }
    const producerId = roll < 0.3 ? 1 + Math.floor(next() * 3) : null;
    if (producerId !== null) open.add(producerId);
    const records = Array.from({ length: 1 + Math.floor(next() * 20) }, () => {
      const keyless = next() < 0.03;
      const key = keyless
        ? null
        : Buffer.from(`group-${Math.floor(next() * 60)}/t/${Math.floor(next() * 4)}`);
      const value =
        next() < 0.1 ? null : Buffer.alloc(Math.floor(next() * 40), Math.floor(next() * 256));
      return { key, value };
    });
    entries.push({ kind: 'data', producerId, records });
  }
  return entries;
}

async function replayAll(bytes: Buffer, from: number, chunkBatches: boolean) {
  const replay = new OffsetsReplay();
  if (!chunkBatches) {
    await replayBatches(bytes, from, replay);
    return replay;
  }
  // As a log read returning a few batches at a time, the buffer reused after each.
  let at = 0;
  let offset = from;
  while (at < bytes.length) {
    const size = bytes.readInt32BE(at + 8) + 12;
    const chunk = Buffer.from(bytes.subarray(at, at + size));
    offset = await replayBatches(chunk, offset, replay);
    chunk.fill(0xee);
    at += size;
  }
  return replay;
}

describe('OffsetsReplay', () => {
  for (const seed of [11, 12, 13, 14]) {
    for (const chunked of [false, true]) {
      it(`keeps what a replay from the start would (seed ${seed}${chunked ? ', batch by batch' : ''})`, async () => {
        const entries = randomEntries(seed);
        const model = build(entries, 0);
        const replay = await replayAll(model.bytes, 0, chunked);
        assert.deepEqual(replay.last.entries(), model.last);
        assert.deepEqual(replay.pending, model.pending);
        assert.equal(replay.keyless, model.keyless);
        assert.equal(replay.recordsRead, model.read);
      });
    }
  }

  it('skips the records before the offset the read starts at, inside a batch too', async () => {
    const entries = randomEntries(21);
    const whole = build(entries, 0);
    const from = Math.floor(whole.end / 2);
    const model = build(entries, from);
    const replay = new OffsetsReplay();
    const next = await replayBatches(model.bytes, from, replay);
    assert.equal(next, whole.end);
    assert.deepEqual(replay.last.entries(), model.last);
    assert.equal(replay.recordsRead, model.read);
  });
});
