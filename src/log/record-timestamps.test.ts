import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findRecordAtTimestamp } from './record-timestamps.ts';
import { buildTestBatch } from './testing/test-batch.ts';

describe('findRecordAtTimestamp', () => {
  const timestamps = [5000, 4000, 7000, 7000, 9000];
  const batch = buildTestBatch({
    records: timestamps.map((t) => ({
      key: Buffer.from('k'),
      value: Buffer.alloc(200),
      timestampMs: t,
    })),
    baseOffset: 100,
  });
  const find = (timestampMs: number, minOffset = 0) =>
    findRecordAtTimestamp(batch, 0, batch.length, { timestampMs, minOffset });

  it('returns the first record in offset order whose timestamp is >= the target', () => {
    assert.deepEqual(find(0), { offset: 100, timestampMs: 5000 });
    assert.deepEqual(find(5001), { offset: 102, timestampMs: 7000 });
    assert.deepEqual(find(8000), { offset: 104, timestampMs: 9000 });
    assert.equal(find(9001), null);
  });

  it('skips records below minOffset', () => {
    assert.deepEqual(find(0, 103), { offset: 103, timestampMs: 7000 });
  });

  it('returns null for records that run past the batch instead of throwing', () => {
    const cut = batch.subarray(0, 150);
    assert.equal(
      findRecordAtTimestamp(cut, 0, cut.length, { timestampMs: 9000, minOffset: 0 }),
      null,
    );
  });
});
