import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OffsetIndex } from './offset-index.ts';

describe('OffsetIndex', () => {
  function sample(): OffsetIndex {
    const index = new OffsetIndex(100);
    for (const [offset, position] of [
      [5, 400],
      [12, 900],
      [30, 2000],
    ] as const) {
      index.append(offset, position);
    }
    return index;
  }

  it('finds the position of the last entry at or below an offset, else 0', () => {
    const index = sample();
    assert.deepEqual(
      [0, 4, 5, 11, 12, 29, 30, 1000].map((o) => index.floorPosition(o)),
      [0, 0, 400, 400, 900, 900, 2000, 2000],
    );
  });

  it('round-trips through its file encoding', () => {
    const index = sample();
    const decoded = OffsetIndex.decode(index.encode(0, 3), 100, 5000);
    assert.ok(decoded instanceof OffsetIndex);
    assert.equal(decoded.entryCount, 3);
    assert.equal(decoded.floorPosition(13), 900);
  });

  it('refuses torn, out-of-order or out-of-file index bytes', () => {
    const bytes = sample().encode(0, 3);
    assert.match(String(OffsetIndex.decode(bytes.subarray(0, 20), 100, 5000)), /whole entries/);
    assert.match(String(OffsetIndex.decode(bytes, 100, 1500)), /past the log end/);
    const swapped = Buffer.concat([bytes.subarray(8, 16), bytes.subarray(0, 8)]);
    assert.match(String(OffsetIndex.decode(swapped, 100, 5000)), /after/);
    assert.throws(() => sample().append(30, 3000), /offset 30 after 30/);
  });

  it('truncates the entries at or after a position and reports fullness', () => {
    const index = sample();
    index.truncateToPosition(900);
    assert.equal(index.entryCount, 1);
    assert.equal(index.floorPosition(50), 400);
    const small = new OffsetIndex(2);
    small.append(1, 10);
    assert.equal(small.isFull, false);
    small.append(2, 20);
    assert.equal(small.isFull, true);
  });
});
