// validateProduceRecords without a broker: what it stores (maxTimestamp set
// to the records' maximum, the topic's codec applied, CRC right) and the
// errors it answers for a few representative bad batches. The live tests in
// test/server/produce-validation.test.ts cover the findings end to end.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ProduceValidationPolicy, validateProduceRecords } from './batch-validation.ts';
import { ErrorCode } from './error-codes.ts';
import {
  CompressionType,
  checkBatch,
  computeBatchCrc,
  OFFSET_CRC,
  OFFSET_MAX_TIMESTAMP,
  readBatchHeader,
} from './record-batch.ts';
import { buildRecordBatchSync, decodeRecordBatch } from './records.ts';

const NOW = 1_700_000_000_000;

function policy(overrides: Partial<ProduceValidationPolicy> = {}): ProduceValidationPolicy {
  return {
    nowMs: NOW,
    apiVersion: 9,
    timestampType: 'CreateTime',
    timestampBeforeMaxMs: Number.MAX_SAFE_INTEGER,
    timestampAfterMaxMs: 3_600_000,
    keysRequired: false,
    compression: 'producer',
    gzipLevel: -1,
    zstdLevel: 3,
    messageBytesMax: 1 << 20,
    decompressedBytesMax: 1 << 20,
    ...overrides,
  };
}

function batch(compression = CompressionType.None, timestamps = [NOW, NOW + 5, NOW - 5]): Buffer {
  return buildRecordBatchSync({
    records: timestamps.map((timestampMs, i) => ({
      key: Buffer.from(`k${i}`),
      value: Buffer.from(`v${i}`),
      timestampMs,
    })),
    compression,
  });
}

test('a valid batch is stored as sent, an understated maxTimestamp corrected as Kafka does', async () => {
  const good = batch();
  const v = await validateProduceRecords(good, policy());
  assert.ok(v.ok);
  assert.equal(v.records, good, 'the request bytes themselves');
  assert.equal(readBatchHeader(v.records).maxTimestamp, NOW + 5);
  const understated = batch();
  understated.writeBigInt64BE(BigInt(NOW - 1000), OFFSET_MAX_TIMESTAMP);
  understated.writeUInt32BE(computeBatchCrc(understated, 0, understated.length), OFFSET_CRC);
  const w = await validateProduceRecords(understated, policy());
  assert.ok(w.ok);
  assert.equal(readBatchHeader(w.records).maxTimestamp, NOW + 5);
  assert.equal(checkBatch(w.records, 0), null, 'CRC recomputed');
});

test("the topic's codec is applied and the rebuilt batch decodes with the same records", async () => {
  const v = await validateProduceRecords(
    batch(CompressionType.Gzip),
    policy({ compression: 'lz4' }),
  );
  assert.ok(v.ok && v.recompressed);
  const decoded = await decodeRecordBatch(v.records, { maxBytes: 1 << 20 });
  assert.equal(decoded.header.attributes & 7, CompressionType.Lz4);
  assert.deepEqual(
    decoded.records.map((r) => [r.offset, r.timestampMs, r.value?.toString()]),
    [
      [0, NOW, 'v0'],
      [1, NOW + 5, 'v1'],
      [2, NOW - 5, 'v2'],
    ],
  );
  assert.equal(decoded.header.maxTimestamp, NOW + 5);
});

test('a gzip batch decompressing past the limit is MESSAGE_TOO_LARGE', async () => {
  const big = buildRecordBatchSync({
    records: [{ key: null, value: Buffer.alloc(4 << 20), timestampMs: NOW }],
    compression: CompressionType.Gzip,
  });
  assert.ok(big.length < 64 * 1024, 'small on the wire');
  const v = await validateProduceRecords(big, policy());
  assert.ok(!v.ok);
  assert.equal(v.errorCode, ErrorCode.MESSAGE_TOO_LARGE);
});

test('a future record is INVALID_TIMESTAMP with its index; one beyond 2^53 even when unbounded', async () => {
  const v = await validateProduceRecords(
    batch(CompressionType.None, [NOW, NOW + 7_200_000]),
    policy(),
  );
  assert.ok(!v.ok);
  assert.equal(v.errorCode, ErrorCode.INVALID_TIMESTAMP);
  assert.deepEqual(
    v.recordErrors.map((e) => e.batchIndex),
    [1],
  );
  const unbounded = policy({ timestampAfterMaxMs: Number.MAX_SAFE_INTEGER });
  assert.ok(
    (await validateProduceRecords(batch(CompressionType.None, [NOW, NOW + 7_200_000]), unbounded))
      .ok,
  );
});
