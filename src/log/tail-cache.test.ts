import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TailCache } from './tail-cache.ts';

function bytes(from: number, length: number): Buffer {
  return Buffer.from(Array.from({ length }, (_, i) => (from + i) % 251));
}

describe('TailCache', () => {
  it('serves ranges as copies, across appends and across the wrap of its ring', () => {
    const cache = new TailCache(128);
    const first = bytes(100, 50);
    cache.add(100, first);
    first.fill(0); // the caller may reuse its buffer: the cache copied it
    cache.add(150, bytes(150, 50));
    const inside = cache.slice(110, 20)!;
    assert.deepEqual(inside, bytes(110, 20));
    inside.fill(0); // and a reader may write to what it got
    assert.deepEqual(cache.slice(110, 20), bytes(110, 20));
    assert.deepEqual(cache.slice(140, 30), bytes(140, 30));
    cache.add(200, bytes(200, 60)); // positions 256.. wrap to the start of the ring
    assert.deepEqual(cache.slice(140, 120), bytes(140, 120));
    assert.equal(cache.slice(90, 20), null, 'starts before the cache');
    assert.equal(cache.slice(250, 20), null, 'runs past the end');
  });

  it('copies into the buffer the reader allocates, and allocates nothing on a miss', () => {
    const cache = new TailCache(100);
    cache.add(0, bytes(0, 60));
    const asked: number[] = [];
    const target = Buffer.alloc(64);
    const allocate = (length: number) => {
      asked.push(length);
      return target.subarray(0, length);
    };
    const got = cache.slice(10, 40, allocate)!;
    assert.equal(got.buffer, target.buffer);
    assert.deepEqual(got, bytes(10, 40));
    assert.equal(cache.slice(50, 20, allocate), null);
    assert.deepEqual(asked, [40]);
  });

  it('keeps exactly the newest capacity bytes', () => {
    const cache = new TailCache(100);
    for (let i = 0; i < 10; i++) cache.add(i * 40, bytes(i * 40, 40));
    assert.equal(cache.sizeBytes, 100);
    assert.equal(cache.startPosition, 300);
    assert.equal(cache.endPosition, 400);
    assert.equal(cache.slice(290, 20), null);
    assert.deepEqual(cache.slice(300, 100), bytes(300, 100));
    cache.add(400, bytes(400, 500));
    assert.equal(cache.startPosition, 800);
    assert.equal(cache.slice(790, 20), null);
    assert.deepEqual(cache.slice(800, 100), bytes(800, 100));
  });

  it('restarts on a gap and forgets truncated bytes', () => {
    const cache = new TailCache(1000);
    cache.add(0, bytes(0, 100));
    cache.add(100, bytes(100, 100));
    cache.truncate(150);
    assert.equal(cache.endPosition, 150);
    assert.equal(cache.slice(140, 20), null);
    assert.deepEqual(cache.slice(120, 30), bytes(120, 30));
    cache.add(500, bytes(500, 10));
    assert.equal(cache.slice(0, 10), null);
    assert.deepEqual(cache.slice(500, 10), bytes(500, 10));
  });
});
