import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hashBytes, LastValueByKey } from './last-value-by-key.ts';

/** A small seeded generator (mulberry32), so a failure can be replayed. */
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

/** What the table must equal: a Map re-inserted on each set, so its order is the last sets'. */
function modelEntries(model: Map<string, { value: Buffer | null; offset: number }>) {
  return [...model].map(([key, v]) => ({
    key: Buffer.from(key, 'latin1'),
    value: v.value,
    offset: v.offset,
  }));
}

describe('LastValueByKey', () => {
  it('keeps the last value of each key in the order of the last sets, tombstones included', () => {
    const table = new LastValueByKey();
    const source = Buffer.from('..a..b..v1..v2..v3');
    table.set(source, 2, 1, source, 8, 2, 10); // a = v1
    table.set(source, 5, 1, source, 12, 2, 11); // b = v2
    table.set(source, 2, 1, source, 16, 2, 12); // a = v3
    table.set(source, 5, 1, source, 0, -1, 13); // b = tombstone
    source.fill(0); // the table holds copies
    assert.deepEqual(table.entries(), [
      { key: Buffer.from('a'), value: Buffer.from('v3'), offset: 12 },
      { key: Buffer.from('b'), value: null, offset: 13 },
    ]);
    assert.equal(table.size, 2);
  });

  it('matches a map over many random keys, values of changing sizes and tombstones', () => {
    for (const seed of [1, 2, 3]) {
      const next = random(seed);
      const table = new LastValueByKey();
      const model = new Map<string, { value: Buffer | null; offset: number }>();
      // 3,000 keys grow the table past its first capacity; 60,000 sets of values
      // up to 120 bytes overwrite enough to compact the value arena.
      for (let offset = 0; offset < 60_000; offset++) {
        const id = Math.floor(next() * 3000);
        // Each id has its own key, 2 to 41 bytes long.
        const keyLength = 2 + (id % 40);
        const key = Buffer.alloc(keyLength, 0x61);
        key.writeUInt16BE(id, 0);
        const tombstone = next() < 0.05;
        const value = tombstone ? null : Buffer.alloc(Math.floor(next() * 120), offset & 0xff);
        const text = key.toString('latin1');
        const frame = Buffer.concat([Buffer.from([7]), key, value ?? Buffer.alloc(0)]);
        table.set(
          frame,
          1,
          keyLength,
          frame,
          1 + keyLength,
          value === null ? -1 : value.length,
          offset,
        );
        model.delete(text);
        model.set(text, { value, offset });
      }
      assert.equal(table.size, model.size);
      assert.deepEqual(table.entries(), modelEntries(model), `seed ${seed}`);
    }
  });

  it('compacts overwritten values: the arenas stay near the live bytes', () => {
    const table = new LastValueByKey();
    const key = Buffer.from('grows');
    const other = Buffer.from('stays');
    table.set(other, 0, other.length, Buffer.from('kept'), 0, 4, 0);
    // Each value is longer than the last: none fits where the previous one was,
    // so 8 MB of values are written for a few KB live.
    let written = 0;
    for (let length = 1; length <= 4000; length++) {
      table.set(key, 0, key.length, Buffer.alloc(length, length & 0xff), 0, length, length);
      written += length;
    }
    assert.ok(written > 8_000_000);
    assert.ok(table.arenaBytes < 2_200_000, `arenas hold ${table.arenaBytes} bytes`);
    assert.deepEqual(table.entries(), [
      { key: other, value: Buffer.from('kept'), offset: 0 },
      { key, value: Buffer.alloc(4000, 4000 & 0xff), offset: 4000 },
    ]);
  });

  it('tells apart keys that share a hash slot or a prefix', () => {
    const table = new LastValueByKey();
    const keys = ['k', 'k\u0000', 'k\u0000\u0000', '', 'kk'].map((k) => Buffer.from(k, 'latin1'));
    keys.forEach((key, i) => {
      table.set(key, 0, key.length, Buffer.from([i]), 0, 1, i);
    });
    assert.deepEqual(
      table.entries().map((e) => [e.key.toString('latin1'), e.value?.[0]]),
      keys.map((k, i) => [k.toString('latin1'), i]),
    );
  });

  it('hashes the bytes of the range given, not the buffer around them', () => {
    const a = Buffer.from('xxgroup-1yy');
    const b = Buffer.from('group-1');
    assert.equal(hashBytes(a, 2, 7), hashBytes(b, 0, 7));
    assert.notEqual(hashBytes(b, 0, 7), hashBytes(Buffer.from('group-2'), 0, 7));
  });
});
