import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TimeIndex } from './time-index.ts';

describe('TimeIndex', () => {
  it('keeps only increasing timestamps and finds the last entry at or below a time', () => {
    const index = new TimeIndex(100);
    index.maybeAppend(1000, 0);
    index.maybeAppend(1000, 3); // not newer: ignored
    index.maybeAppend(900, 4); // older: ignored
    index.maybeAppend(2000, 5);
    assert.equal(index.entryCount, 2);
    assert.deepEqual(
      [999, 1000, 1500, 2000, 9999].map((t) => index.floorRelOffset(t)),
      [-1, 0, 0, 5, 5],
    );
    const decoded = TimeIndex.decode(index.encode(0, 2), 100);
    assert.ok(decoded instanceof TimeIndex);
    assert.deepEqual(decoded.last, { timestampMs: 2000, relOffset: 5 });
    assert.deepEqual(TimeIndex.decodeLast(index.encode(0, 2)), { timestampMs: 2000, relOffset: 5 });
  });

  it('refuses decreasing timestamps in a file and truncates by offset', () => {
    const index = new TimeIndex(100);
    index.maybeAppend(1000, 0);
    index.maybeAppend(2000, 5);
    const bytes = index.encode(0, 2);
    const swapped = Buffer.concat([bytes.subarray(12), bytes.subarray(0, 12)]);
    assert.match(String(TimeIndex.decode(swapped, 100)), /after/);
    index.truncateToOffset(5);
    assert.deepEqual(index.last, { timestampMs: 1000, relOffset: 0 });
  });
});
