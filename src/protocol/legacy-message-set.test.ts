// Down-conversion of record batches v2 to message sets v0/v1 for old fetch
// versions: bytes pinned against an independent CRC-32 (Python's zlib), every
// record of plain and compressed batches kept with its offset, timestamp, key
// and value, records before the fetch offset and control batches left out, and
// the size limit applied in whole messages after the first batch.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { downConvert, encodeMessage, parseMessageSet } from './legacy-message-set.ts';
import { CompressionType, computeBatchCrc, TIMESTAMP_TYPE_LOG_APPEND } from './record-batch.ts';
import { buildRecordBatch } from './records.ts';

const T0 = 1_700_000_000_000;
const LIMITS = { decompressedBytesMax: 1 << 20 };

function records(prefix: string, n: number) {
  return Array.from({ length: n }, (_, i) => ({
    key: i % 2 === 0 ? Buffer.from(`${prefix}-k${i}`) : null,
    value: Buffer.from(`${prefix}-v${i}`),
    headers: [{ key: 'h', value: Buffer.from('dropped') }],
    timestampMs: T0 + i,
  }));
}

describe('message sets v0/v1', () => {
  test('encodes a message byte for byte (CRC-32 checked against Python zlib)', () => {
    const v0 = encodeMessage(0, 7, T0, false, null, Buffer.from('hello'));
    assert.equal(
      v0.toString('hex'),
      '00000000000000070000001387a77ab20000ffffffff0000000568656c6c6f',
    );
    const v1 = encodeMessage(1, 9, T0, true, Buffer.from('k'), Buffer.from('v'));
    assert.equal(
      v1.toString('hex'),
      '000000000000000900000018308791b601080000018bcfe56800000000016b0000000176',
    );
  });

  for (const magic of [0, 1] as const) {
    for (const compression of [CompressionType.None, CompressionType.Gzip, CompressionType.Lz4]) {
      test(`magic ${magic} from ${CompressionType[compression]} batches keeps every record`, async () => {
        const a = await buildRecordBatch({ records: records('a', 3), compression, baseOffset: 10 });
        const b = await buildRecordBatch({ records: records('b', 2), compression, baseOffset: 13 });
        const out = await downConvert(Buffer.concat([a, b]), magic, {
          fromOffset: 10,
          maxBytes: 1 << 20,
          ...LIMITS,
        });
        const messages = parseMessageSet(out);
        assert.deepEqual(
          messages.map((m) => m.offset),
          [10, 11, 12, 13, 14],
        );
        assert.ok(messages.every((m) => m.crcValid && m.magic === magic && m.attributes === 0));
        assert.deepEqual(
          messages.map((m) => m.value?.toString()),
          ['a-v0', 'a-v1', 'a-v2', 'b-v0', 'b-v1'],
        );
        assert.deepEqual(
          messages.map((m) => m.key?.toString() ?? null),
          ['a-k0', null, 'a-k2', 'b-k0', null],
        );
        assert.deepEqual(
          messages.map((m) => m.timestampMs),
          magic === 0 ? [-1, -1, -1, -1, -1] : [T0, T0 + 1, T0 + 2, T0, T0 + 1],
        );
      });
    }
  }

  test('LogAppendTime batches: magic 1 carries the append time and the timestamp-type bit', async () => {
    const batch = await buildRecordBatch({ records: records('a', 2), baseOffset: 0 });
    // Stamp it as the broker does for LogAppendTime topics: attribute bit and max timestamp.
    batch.writeInt16BE(batch.readInt16BE(21) | TIMESTAMP_TYPE_LOG_APPEND, 21);
    batch.writeBigInt64BE(BigInt(T0 + 500), 35);
    batch.writeUInt32BE(computeBatchCrc(batch, 0, batch.length), 17);
    const messages = parseMessageSet(
      await downConvert(batch, 1, { fromOffset: 0, maxBytes: 1 << 20, ...LIMITS }),
    );
    assert.deepEqual(
      messages.map((m) => [m.timestampMs, m.attributes]),
      [
        [T0 + 500, TIMESTAMP_TYPE_LOG_APPEND],
        [T0 + 500, TIMESTAMP_TYPE_LOG_APPEND],
      ],
    );
  });

  test('records before the fetch offset and control batches are left out', async () => {
    const a = await buildRecordBatch({ records: records('a', 4), baseOffset: 0 });
    const marker = await buildRecordBatch({
      records: [{ key: Buffer.from([0, 0, 0, 0]), value: Buffer.alloc(6) }],
      baseOffset: 4,
      isControl: true,
      transactional: true,
      producerId: 1,
      producerEpoch: 0,
    });
    const b = await buildRecordBatch({ records: records('b', 1), baseOffset: 5 });
    const messages = parseMessageSet(
      await downConvert(Buffer.concat([a, marker, b]), 1, {
        fromOffset: 2,
        maxBytes: 1 << 20,
        ...LIMITS,
      }),
    );
    assert.deepEqual(
      messages.map((m) => m.offset),
      [2, 3, 5],
    );
  });

  test('the size limit cuts between messages, but never inside the first batch', async () => {
    const a = await buildRecordBatch({ records: records('a', 3), baseOffset: 0 });
    const b = await buildRecordBatch({ records: records('b', 3), baseOffset: 3 });
    const both = Buffer.concat([a, b]);
    const tiny = parseMessageSet(
      await downConvert(both, 1, { fromOffset: 0, maxBytes: 1, ...LIMITS }),
    );
    assert.deepEqual(
      tiny.map((m) => m.offset),
      [0, 1, 2],
    );
    // Where each whole message ends in the full conversion.
    const full = await downConvert(both, 1, { fromOffset: 0, maxBytes: 1 << 20, ...LIMITS });
    const ends: number[] = [];
    for (let at = 0; at < full.length; at += 12 + full.readInt32BE(at + 8)) {
      ends.push(at + 12 + full.readInt32BE(at + 8));
    }
    const upTo = async (maxBytes: number) =>
      parseMessageSet(await downConvert(both, 1, { fromOffset: 0, maxBytes, ...LIMITS })).map(
        (m) => m.offset,
      );
    assert.deepEqual(await upTo(ends[3]!), [0, 1, 2, 3]);
    assert.deepEqual(await upTo(ends[3]! - 1), [0, 1, 2]);
    assert.deepEqual(await upTo(ends[5]!), [0, 1, 2, 3, 4, 5]);
  });

  test('a partial message at the end of a set is left out when parsing', () => {
    const m = encodeMessage(1, 0, T0, false, null, Buffer.from('x'));
    assert.equal(parseMessageSet(Buffer.concat([m, m.subarray(0, 20)])).length, 1);
  });
});
