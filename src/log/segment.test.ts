// Segment on its own: file naming, batch lookup through the sparse index,
// index rebuilds that reproduce what appends wrote, truncation, and index
// files reloaded on demand after a sealed segment's indexes were dropped.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setBaseOffset } from '../protocol/record-batch.ts';
import { parseSegmentFileName, Segment, type SegmentOptions, segmentFileName } from './segment.ts';
import { MemoryFileSystem } from './testing/memory-file-system.ts';
import { buildValueBatch } from './testing/test-batch.ts';

async function newSegment(baseOffset = 1000, indexIntervalBytes = 200) {
  const fs = new MemoryFileSystem();
  await fs.mkdir('/p');
  const options: SegmentOptions = {
    fs,
    dir: '/p',
    baseOffset,
    indexIntervalBytes,
    segmentIndexBytes: 1 << 20,
    tailCacheBytes: 0,
  };
  return { fs, options, segment: await Segment.create(options, 0) };
}

/** Appends `count` batches of `records` records each; batch i has timestamp 100 * i. */
async function fill(segment: Segment, count: number, records = 3): Promise<void> {
  let next = segment.baseOffset;
  for (let i = 0; i < count; i++) {
    const batch = buildValueBatch(`s${i}-`, records, 100 * i);
    setBaseOffset(batch, 0, next);
    next += records;
    await segment.append(batch, 0);
  }
}

describe('Segment', () => {
  it('names files by the zero-padded base offset and parses them back', () => {
    assert.equal(segmentFileName(368_769, '.index'), '00000000000000368769.index');
    assert.deepEqual(parseSegmentFileName('00000000000000368769.timeindex'), {
      baseOffset: 368_769,
      suffix: '.timeindex',
    });
    assert.equal(parseSegmentFileName('368769.log'), null);
    assert.equal(parseSegmentFileName('00000000000000368769.log.deleted'), null);
  });

  it('finds the batch holding any offset, and null past its end', async () => {
    const { segment } = await newSegment();
    await fill(segment, 50);
    assert.equal(segment.nextOffset, 1150);
    for (const offset of [0, 1000, 1001, 1002, 1003, 1077, 1149]) {
      const batch = await segment.findBatch(offset);
      const expectedBase = Math.max(1000, offset - ((offset - 1000) % 3));
      assert.equal(batch?.baseOffset, expectedBase, `offset ${offset}`);
    }
    assert.equal(await segment.findBatch(1150), null);
  });

  it('rebuilds index files byte for byte the same as appends wrote them', async () => {
    const { fs, segment } = await newSegment();
    await fill(segment, 80);
    await segment.seal();
    await segment.flush();
    const index = fs.fileBytes(segment.indexPath);
    const timeIndex = fs.fileBytes(segment.timeIndexPath);
    assert.ok(index.length >= 8 * 10);
    const result = await segment.rebuild({ truncateInvalid: true, sealed: true });
    assert.deepEqual(result, { validBytes: segment.sizeBytes, truncatedBytes: 0, problem: null });
    assert.deepEqual(fs.fileBytes(segment.indexPath), index);
    assert.deepEqual(fs.fileBytes(segment.timeIndexPath), timeIndex);
  });

  it('truncates whole batches and carries on appending from there', async () => {
    const { segment } = await newSegment();
    await fill(segment, 20);
    assert.equal(await segment.truncateTo(1031), 1030);
    assert.equal(segment.nextOffset, 1030);
    assert.equal(segment.maxTimestampMs, 900);
    assert.equal(await segment.truncateTo(5000), null);
    const batch = buildValueBatch('after', 1, 50);
    setBaseOffset(batch, 0, 1030);
    await segment.append(batch, 0);
    assert.equal((await segment.findBatch(1030))?.maxTimestampMs, 50);
  });

  it('reloads the indexes of a sealed segment from its files after unloading them', async () => {
    const { fs, options, segment } = await newSegment();
    await fill(segment, 40);
    await segment.seal();
    await segment.flush();
    assert.equal(segment.unloadIndexes(), true);
    const readsBefore = fs.counts.read;
    assert.equal((await segment.findBatch(1100))?.baseOffset, 1099);
    assert.ok(fs.counts.read > readsBefore);
    assert.equal(segment.indexesLoaded, true);
    const reopened = await Segment.open(options);
    assert.equal(await reopened.restoreSealedState(), null);
    assert.equal(reopened.nextOffset, 1120);
    assert.equal(reopened.maxTimestampMs, 3900);
    assert.deepEqual(await reopened.findTimestamp(2050, 0), { offset: 1063, timestampMs: 2100 });
  });
});
