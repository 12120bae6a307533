// The test batch builder must produce what real producers send: batches that
// pass the broker's header and CRC checks and whose records decode back.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { BATCH_HEADER_BYTES, checkBatch, readBatchHeader } from '../../protocol/record-batch.ts';
import { buildTestBatch, decodeTestRecords } from './test-batch.ts';

describe('buildTestBatch', () => {
  it('writes a v2 batch that passes checkBatch and decodes back to its records', () => {
    const records = [
      { key: Buffer.from('k1'), value: Buffer.from('v1'), timestampMs: 1_700_000_000_000 },
      { key: null, value: Buffer.from('x'.repeat(300)), timestampMs: 1_700_000_000_500 },
      { key: Buffer.alloc(0), value: null, timestampMs: 1_699_999_999_000 },
    ];
    const batch = buildTestBatch({ records });
    assert.equal(checkBatch(batch, 0), null);
    const header = readBatchHeader(batch, 0);
    assert.equal(header.sizeBytes, batch.length);
    assert.equal(header.recordCount, 3);
    assert.equal(header.lastOffsetDelta, 2);
    assert.equal(header.baseTimestamp, 1_700_000_000_000);
    assert.equal(header.maxTimestamp, 1_700_000_000_500);
    const decoded = decodeTestRecords(batch);
    assert.deepEqual(
      decoded.map((r) => [
        r.offset,
        r.timestampMs,
        r.key?.toString() ?? null,
        r.value?.length ?? null,
      ]),
      [
        [0, 1_700_000_000_000, 'k1', 2],
        [1, 1_700_000_000_500, null, 300],
        [2, 1_699_999_999_000, '', null],
      ],
    );
  });

  it('gzips the records section when asked', () => {
    const records = [{ key: null, value: Buffer.from('compressible '.repeat(40)) }];
    const batch = buildTestBatch({ records, compression: 'gzip' });
    assert.equal(checkBatch(batch, 0), null);
    assert.equal(readBatchHeader(batch, 0).attributes & 0x07, 1);
    const plain = gunzipSync(batch.subarray(BATCH_HEADER_BYTES));
    assert.ok(plain.includes(Buffer.from('compressible compressible')));
  });
});
