import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TailCache } from './tail-cache.ts';

function bytes(from: number, length: number): Buffer {
  return Buffer.from(Array.from({ length }, (_, i) => (from + i) % 251));
}

describe('TailCache', () => {
  it('serves ranges inside one chunk without copying and across chunks with one copy', () => {
    const cache = new TailCache(1000);
    const first = bytes(100, 50);
    cache.add(100, first);
    cache.add(150, bytes(150, 50));
    const inside = cache.slice(110, 20)!;
    assert.equal(inside.buffer, first.buffer);
    assert.deepEqual(inside, bytes(110, 20));
    assert.deepEqual(cache.slice(140, 30), bytes(140, 30));
    assert.equal(cache.slice(90, 20), null, 'starts before the cache');
    assert.equal(cache.slice(190, 20), null, 'runs past the end');
  });

  it('evicts the oldest chunks beyond its capacity but keeps the newest', () => {
    const cache = new TailCache(100);
    for (let i = 0; i < 10; i++) cache.add(i * 40, bytes(i * 40, 40));
    assert.ok(cache.sizeBytes <= 100);
    assert.equal(cache.endPosition, 400);
    assert.equal(cache.slice(300, 20), null);
    assert.deepEqual(cache.slice(360, 40), bytes(360, 40));
    cache.add(400, bytes(400, 500));
    assert.deepEqual(cache.slice(400, 500), bytes(400, 500));
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
