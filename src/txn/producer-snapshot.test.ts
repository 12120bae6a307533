// The producer-state snapshot format: what is written reads back the same; a
// damaged, truncated, foreign or over-claiming file reads as no snapshot, never as
// a wrong one and never as an allocation of what a count claims.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { crc32c } from '@node-rs/crc32';
import { MemoryFileSystem } from '../log/testing/memory-file-system.ts';
import {
  decodeProducerSnapshot,
  encodeProducerSnapshot,
  type ProducerSnapshot,
  ProducerSnapshotFiles,
  parseSnapshotFileName,
  snapshotFileName,
} from './producer-snapshot.ts';

const sample: ProducerSnapshot = {
  offset: 4_000_000_123,
  producers: [
    {
      producerId: 2 ** 40 + 7,
      entry: {
        epoch: 12,
        lastTimestampMs: 1_796_668_255_120,
        coordinatorEpoch: 3,
        batches: [
          { firstSequence: 0, lastSequence: 4, firstOffset: 100 },
          { firstSequence: 5, lastSequence: 2_147_483_647, firstOffset: 4_000_000_000 },
        ],
      },
    },
    { producerId: 8, entry: { epoch: 0, lastTimestampMs: -1, coordinatorEpoch: -1, batches: [] } },
  ],
  open: [{ producerId: 2 ** 40 + 7, firstOffset: 3_999_999_000, startTimestampMs: 17 }],
  unreplicated: [{ producerId: 8, firstOffset: 50, lastOffset: 4_000_000_100 }],
};

/** Sets the CRC again after a test changed the bytes behind it, so only the change is judged. */
function recrc(buf: Buffer): Buffer {
  if (buf.length < 6) return buf;
  buf.writeInt32BE(crc32c(buf.subarray(6)) | 0, 2);
  return buf;
}

describe('producer snapshot format', () => {
  test('round trip, 64-bit offsets and ids included', () => {
    assert.deepEqual(decodeProducerSnapshot(encodeProducerSnapshot(sample)), sample);
    const empty = { offset: 0, producers: [], open: [], unreplicated: [] };
    assert.deepEqual(decodeProducerSnapshot(encodeProducerSnapshot(empty)), empty);
  });

  test('any flipped byte is caught by the CRC or the version', () => {
    const good = encodeProducerSnapshot(sample);
    for (let i = 0; i < good.length; i++) {
      const bad = Buffer.from(good);
      bad[i] = bad[i]! ^ 0x01;
      assert.equal(decodeProducerSnapshot(bad), null, `byte ${i}`);
    }
  });

  test('a truncated file, trailing bytes or another version is no snapshot', () => {
    const good = encodeProducerSnapshot(sample);
    for (let n = 0; n < good.length; n++)
      assert.equal(decodeProducerSnapshot(recrc(Buffer.from(good.subarray(0, n)))), null, `${n}`);
    assert.equal(decodeProducerSnapshot(recrc(Buffer.concat([good, Buffer.alloc(1)]))), null);
    const v2 = Buffer.from(good);
    v2.writeInt16BE(2, 0);
    assert.equal(decodeProducerSnapshot(recrc(v2)), null);
  });

  test('counts claiming more entries than the bytes hold are refused before any is read', () => {
    const good = encodeProducerSnapshot({ offset: 1, producers: [], open: [], unreplicated: [] });
    for (const at of [14, 18, 22]) {
      for (const claim of [1, 0x7fffffff, -1]) {
        const bad = Buffer.from(good);
        bad.writeInt32BE(claim, at);
        assert.equal(decodeProducerSnapshot(recrc(bad)), null, `count at ${at} = ${claim}`);
      }
    }
  });

  test('file names carry the offset in 20 digits; other names are not snapshots', () => {
    assert.equal(snapshotFileName(42), '00000000000000000042.snapshot');
    assert.equal(parseSnapshotFileName('00000000000000000042.snapshot'), 42);
    assert.equal(parseSnapshotFileName('00000000000000000042.snapshot.tmp'), null);
    assert.equal(parseSnapshotFileName('00000000000000000042.log'), null);
    assert.equal(parseSnapshotFileName('99999999999999999999.snapshot'), null);
  });
});

describe('snapshot files', () => {
  const at = (offset: number) => ({ ...sample, offset });

  test('writes keep the newest two; the latest in range is loaded', async () => {
    const fs = new MemoryFileSystem();
    await fs.mkdir('/p');
    const files = new ProducerSnapshotFiles(fs, '/p');
    const flushed: number[] = [];
    for (const o of [10, 20, 30]) await files.write(at(o), async () => void flushed.push(o));
    assert.deepEqual(flushed, [10, 20, 30], 'the log is flushed before each write');
    assert.deepEqual((await fs.readdir('/p')).sort(), [snapshotFileName(20), snapshotFileName(30)]);
    assert.equal((await files.loadLatest(0, 30)).snapshot?.offset, 30);
    assert.equal((await files.loadLatest(0, 29)).snapshot?.offset, 20, '30 is above the log end');
    assert.deepEqual(await fs.readdir('/p'), [snapshotFileName(20)], 'and is removed');
    assert.equal((await files.loadLatest(21, 29)).snapshot, null, 'none at or above the log start');
  });

  test('a failed flush writes no snapshot', async () => {
    const fs = new MemoryFileSystem();
    await fs.mkdir('/p');
    const files = new ProducerSnapshotFiles(fs, '/p');
    await assert.rejects(
      files.write(at(10), async () => {
        throw new Error('EIO');
      }),
      /EIO/,
    );
    assert.deepEqual(await fs.readdir('/p'), []);
  });

  test('removeAbove keeps what is at or below the offset', async () => {
    const fs = new MemoryFileSystem();
    await fs.mkdir('/p');
    const files = new ProducerSnapshotFiles(fs, '/p');
    await files.write(at(10), async () => {});
    await files.write(at(20), async () => {});
    await files.removeAbove(10);
    assert.deepEqual(await fs.readdir('/p'), [snapshotFileName(10)]);
  });
});
