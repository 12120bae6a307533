import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { murmur3x86x128, OffsetMap } from './offset-map.ts';

const key = (s: string) => Buffer.from(s);

describe('OffsetMap', () => {
  it('keeps the largest offset per key and answers -1 for keys it never saw', () => {
    const map = new OffsetMap(64);
    assert.ok(map.put(key('a'), 0, 1, 5));
    assert.ok(map.put(key('a'), 0, 1, 3));
    assert.ok(map.put(key('bb'), 0, 2, 9));
    assert.equal(map.get(key('a'), 0, 1), 5);
    assert.equal(map.get(key('bb'), 0, 2), 9);
    assert.equal(map.get(key('c'), 0, 1), -1);
    assert.equal(map.size, 2);
    assert.equal(map.latestOffset, 9);
    // A key inside a larger buffer is the same key.
    assert.equal(map.get(key('xbbx'), 1, 3), 9);
    map.clear();
    assert.equal(map.get(key('a'), 0, 1), -1);
    assert.equal(map.size, 0);
  });

  it('refuses a new key once the load factor is reached, still updating known ones', () => {
    const map = new OffsetMap(10, 0.5);
    for (let i = 0; i < 5; i++) assert.ok(map.put(key(`k${i}`), 0, 2, i));
    assert.ok(map.isFull);
    assert.equal(map.put(key('new'), 0, 3, 100), false);
    assert.equal(map.get(key('new'), 0, 3), -1);
    assert.ok(map.put(key('k0'), 0, 2, 50));
    assert.equal(map.get(key('k0'), 0, 2), 50);
  });

  it('tells 300,000 keys apart, of every length up to 40 bytes', () => {
    const map = new OffsetMap(400_000);
    const keys: Buffer[] = [];
    for (let i = 0; i < 300_000; i++) keys.push(key(`${'g'.repeat(i % 33)}-${i}`));
    for (const [i, k] of keys.entries()) assert.ok(map.put(k, 0, k.length, i));
    assert.equal(map.size, keys.length);
    for (const [i, k] of keys.entries()) assert.equal(map.get(k, 0, k.length), i);
  });

  it('hashes deterministically, with every output word depending on the input', () => {
    const a = new Uint32Array(4);
    const b = new Uint32Array(4);
    murmur3x86x128(key('hello world!'), 0, 12, a);
    murmur3x86x128(key('hello world!'), 0, 12, b);
    assert.deepEqual(a, b);
    murmur3x86x128(key('hello world?'), 0, 12, b);
    for (let w = 0; w < 4; w++) assert.notEqual(a[w], b[w], `word ${w}`);
    murmur3x86x128(key(''), 0, 0, a);
    assert.deepEqual([...a], [0, 0, 0, 0]);
  });
});
