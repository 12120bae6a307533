// Record batches: build -> checkBatch -> decode for every codec, interop with
// kafkajs's own batch encoder and decoder (a second, independent
// implementation of the format), batch walking, record validation, and a
// mutation fuzz that must only ever produce our typed errors.

import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import {
  BATCH_HEADER_BYTES,
  CompressionType,
  checkBatch,
  computeBatchCrc,
  OFFSET_CRC,
  OFFSET_LAST_OFFSET_DELTA,
  OFFSET_LENGTH,
  OFFSET_RECORD_COUNT,
  readBatchHeader,
  setBaseOffset,
  setLogAppendTime,
} from './record-batch.ts';
import {
  type BatchRecord,
  buildRecordBatch,
  buildRecordBatchSync,
  CorruptRecordError,
  compressionOf,
  decodeRecordBatch,
  decodeRecordBatches,
  encodeRecords,
  type RecordInput,
  type RecordProblem,
  readRecordsSection,
  validateBatchRecords,
  validateRecords,
  validateUncompressedBatchRecords,
} from './records.ts';

const MAX_BYTES = 16 * 1024 * 1024;
const CODECS = [
  CompressionType.None,
  CompressionType.Gzip,
  CompressionType.Snappy,
  CompressionType.Lz4,
  CompressionType.Zstd,
];
const T0 = 1_700_000_000_000;

const SAMPLE: RecordInput[] = [
  { key: Buffer.from('k0'), value: Buffer.from('v0'), timestampMs: T0 },
  { key: null, value: Buffer.from('no key'), timestampMs: T0 + 5 },
  { key: Buffer.from('tombstone'), value: null, timestampMs: T0 - 3 }, // negative delta
  {
    key: Buffer.alloc(0),
    value: Buffer.alloc(300, 7), // a length needing a two-byte varint
    headers: [
      { key: 'trace', value: Buffer.from('abc') },
      { key: 'empty', value: Buffer.alloc(0) },
      { key: 'null', value: null },
      { key: 'ключ', value: Buffer.from([0, 1, 2]) },
    ],
    timestampMs: T0 + 1000,
  },
];

function assertSameRecords(
  decoded: Awaited<ReturnType<typeof decodeRecordBatch>>,
  inputs: RecordInput[],
  baseOffset: number,
): void {
  assert.equal(decoded.records.length, inputs.length);
  decoded.records.forEach((record, i) => {
    const input = inputs[i]!;
    assert.equal(record.offset, baseOffset + i);
    assert.equal(record.timestampMs, input.timestampMs);
    assert.deepEqual(record.key, input.key);
    assert.deepEqual(record.value, input.value);
    assert.deepEqual(record.headers, input.headers ?? []);
  });
}

/** Rewrites the batch's records section and fixes length and CRC, as a client could. */
function withSection(batch: Buffer, section: Buffer, recordCount?: number): Buffer {
  const out = Buffer.concat([batch.subarray(0, BATCH_HEADER_BYTES), section]);
  out.writeInt32BE(out.length - 12, OFFSET_LENGTH);
  if (recordCount !== undefined) out.writeInt32BE(recordCount, OFFSET_RECORD_COUNT);
  return withCrc(out);
}

function withCrc(batch: Buffer): Buffer {
  batch.writeUInt32BE(computeBatchCrc(batch, 0, batch.length), OFFSET_CRC);
  return batch;
}

async function rejectsWith(p: Promise<unknown>, problem: RecordProblem): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof CorruptRecordError, `expected CorruptRecordError, got ${String(err)}`);
    assert.equal(err.problem, problem, err.message);
    return true;
  });
}

describe('buildRecordBatch and decodeRecordBatch', () => {
  for (const compression of CODECS) {
    it(`round-trips records and timestamps with ${CompressionType[compression]}`, async () => {
      const batch = await buildRecordBatch({ records: SAMPLE, compression, baseOffset: 42 });
      assert.equal(checkBatch(batch, 0), null);
      const decoded = await decodeRecordBatch(batch, { maxBytes: MAX_BYTES });
      const h = decoded.header;
      assert.equal(h.magic, 2);
      assert.equal(compressionOf(h.attributes), compression);
      assert.equal(h.recordCount, SAMPLE.length);
      assert.equal(h.lastOffsetDelta, SAMPLE.length - 1);
      assert.equal(h.baseTimestamp, T0);
      assert.equal(h.maxTimestamp, T0 + 1000);
      assert.equal(h.producerId, -1);
      assert.equal(h.producerEpoch, -1);
      assert.equal(h.baseSequence, -1);
      assertSameRecords(decoded, SAMPLE, 42);
    });
  }

  it('sets producer fields, leader epoch and the transactional and control bits', async () => {
    const batch = await buildRecordBatch({
      records: [{ key: Buffer.from([0, 0, 0, 1]), value: Buffer.from([0, 0, 0, 0, 0, 0]) }],
      producerId: 9_007_199_254_740_000,
      producerEpoch: 7,
      baseSequence: 123,
      partitionLeaderEpoch: 5,
      transactional: true,
      isControl: true,
      timestampMs: T0,
    });
    assert.equal(checkBatch(batch, 0), null);
    const { header, records } = await decodeRecordBatch(batch, { maxBytes: MAX_BYTES });
    assert.equal(header.producerId, 9_007_199_254_740_000);
    assert.equal(header.producerEpoch, 7);
    assert.equal(header.baseSequence, 123);
    assert.equal(header.partitionLeaderEpoch, 5);
    assert.equal(header.attributes & 0x10, 0x10);
    assert.equal(header.attributes & 0x20, 0x20);
    assert.equal(records[0]!.timestampMs, T0);
  });

  it('gives records without a timestamp the batch timestamp', async () => {
    const batch = await buildRecordBatch({
      records: [
        { key: null, value: Buffer.from('a') },
        { key: null, value: Buffer.from('b') },
      ],
      timestampMs: T0 + 77,
    });
    const { records } = await decodeRecordBatch(batch, { maxBytes: MAX_BYTES });
    assert.deepEqual(
      records.map((r) => r.timestampMs),
      [T0 + 77, T0 + 77],
    );
  });

  it('builds the same bytes synchronously', async () => {
    for (const compression of CODECS.filter((c) => c !== CompressionType.Zstd)) {
      const opts = { records: SAMPLE, compression, timestampMs: T0 };
      const sync = buildRecordBatchSync(opts);
      assert.equal(checkBatch(sync, 0), null);
      const decoded = await decodeRecordBatch(sync, { maxBytes: MAX_BYTES });
      assertSameRecords(decoded, SAMPLE, 0);
    }
  });

  it('decodes a batch of 1 MiB of values for every codec', async () => {
    const records = Array.from({ length: 64 }, (_, i) => ({
      key: Buffer.from(`key-${i}`),
      value: Buffer.alloc(16 * 1024, i),
      timestampMs: T0 + i,
    }));
    for (const compression of CODECS) {
      const batch = await buildRecordBatch({ records, compression });
      const decoded = await decodeRecordBatch(batch, { maxBytes: 2 * 1024 * 1024 });
      assertSameRecords(decoded, records, 0);
    }
  });

  it('uses LogAppendTime for every record once the broker sets it', async () => {
    const batch = await buildRecordBatch({ records: SAMPLE, timestampMs: T0 });
    setLogAppendTime(batch, 0, batch.length, T0 + 99_999);
    const { records } = await decodeRecordBatch(batch, { maxBytes: MAX_BYTES });
    for (const r of records) assert.equal(r.timestampMs, T0 + 99_999);
  });

  it('refuses to build an empty batch or out-of-range fields', async () => {
    await assert.rejects(buildRecordBatch({ records: [] }), RangeError);
    const one = [{ key: null, value: null }];
    await assert.rejects(buildRecordBatch({ records: one, producerEpoch: 40_000 }), RangeError);
    await assert.rejects(buildRecordBatch({ records: one, baseSequence: 2 ** 31 }), RangeError);
    await assert.rejects(buildRecordBatch({ records: one, baseOffset: 2 ** 60 }), RangeError);
  });

  it('refuses a bad CRC, a truncated batch and a compressed section over maxBytes', async () => {
    const batch = await buildRecordBatch({ records: SAMPLE, compression: CompressionType.Gzip });
    const flipped = Buffer.from(batch);
    flipped[flipped.length - 1]! ^= 1;
    await rejectsWith(decodeRecordBatch(flipped, { maxBytes: MAX_BYTES }), 'bad-crc');
    await rejectsWith(
      decodeRecordBatch(batch.subarray(0, 70), { maxBytes: MAX_BYTES }),
      'truncated',
    );
    await rejectsWith(decodeRecordBatch(batch, { maxBytes: 100 }), 'too-large');
  });

  it('refuses the unassigned compression ids 5 to 7', async () => {
    const batch = await buildRecordBatch({ records: SAMPLE });
    batch.writeInt16BE(batch.readInt16BE(21) | 5, 21);
    await rejectsWith(
      decodeRecordBatch(withCrc(batch), { maxBytes: MAX_BYTES }),
      'unknown-compression',
    );
  });
});

describe('kafkajs interop', () => {
  // kafkajs's internal v2 batch encoder and decoder, used only in this test.
  const require = createRequire(import.meta.url);
  interface KafkajsEncoder {
    readonly buffer: Buffer;
  }
  interface KafkajsRecord {
    offset: string;
    timestamp: string;
    key: Buffer | null;
    value: Buffer | null;
    headers: Record<string, Buffer>;
  }
  const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js') as {
    RecordBatch: (opts: Record<string, unknown>) => Promise<KafkajsEncoder>;
  };
  const Record = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (
    opts: Record<string, unknown>,
  ) => KafkajsEncoder;
  const decodeKafkajs = require('kafkajs/src/protocol/recordBatch/v0/decoder.js') as (
    decoder: unknown,
  ) => Promise<{ records: KafkajsRecord[]; firstOffset: string }>;
  const Decoder = require('kafkajs/src/protocol/decoder.js') as new (buf: Buffer) => unknown;

  const rows = [
    { key: Buffer.from('user-1'), value: Buffer.from('{"a":1}'), delta: 0, headers: {} },
    { key: null, value: Buffer.from('no key'), delta: 4, headers: { h: Buffer.from('x') } },
    {
      key: Buffer.from('gone'),
      value: null,
      delta: 9,
      headers: { a: Buffer.from('1'), b: Buffer.alloc(0) },
    },
  ];

  for (const compression of [CompressionType.None, CompressionType.Gzip]) {
    it(`decodes a batch kafkajs encoded with ${CompressionType[compression]}`, async () => {
      const encoded = await RecordBatch({
        compression,
        firstOffset: 100,
        firstTimestamp: T0,
        maxTimestamp: T0 + 9,
        lastOffsetDelta: rows.length - 1,
        records: rows.map((row, i) =>
          Record({
            offsetDelta: i,
            timestampDelta: row.delta,
            key: row.key,
            value: row.value,
            headers: row.headers,
          }),
        ),
      });
      const batch = encoded.buffer;
      assert.equal(checkBatch(batch, 0), null, 'kafkajs CRC and framing are valid for us');
      const { header, records } = await decodeRecordBatch(batch, { maxBytes: MAX_BYTES });
      assert.equal(header.baseOffset, 100);
      assert.equal(compressionOf(header.attributes), compression);
      records.forEach((record, i) => {
        const row = rows[i]!;
        assert.equal(record.offset, 100 + i);
        assert.equal(record.timestampMs, T0 + row.delta);
        assert.deepEqual(record.key, row.key);
        assert.deepEqual(record.value, row.value);
        assert.deepEqual(
          record.headers,
          Object.entries(row.headers).map(([key, value]) => ({ key, value })),
        );
      });
    });

    it(`builds a ${CompressionType[compression]} batch kafkajs decodes`, async () => {
      const batch = await buildRecordBatch({
        compression,
        baseOffset: 7,
        records: rows.map((row) => ({
          key: row.key,
          value: row.value,
          headers: Object.entries(row.headers).map(([key, value]) => ({ key, value })),
          timestampMs: T0 + row.delta,
        })),
      });
      const decoded = await decodeKafkajs(new Decoder(batch));
      assert.equal(decoded.firstOffset, '7');
      decoded.records.forEach((record, i) => {
        const row = rows[i]!;
        assert.equal(record.offset, String(7 + i));
        assert.equal(record.timestamp, String(T0 + row.delta));
        assert.deepEqual(record.key, row.key);
        assert.deepEqual(record.value, row.value);
        assert.deepEqual(record.headers, row.headers);
      });
    });
  }
});

describe('decodeRecordBatches', () => {
  it('decodes consecutive batches and stops quietly at a partial one', async () => {
    const first = await buildRecordBatch({ records: SAMPLE.slice(0, 2), baseOffset: 0 });
    const second = await buildRecordBatch({
      records: SAMPLE.slice(2),
      baseOffset: 2,
      compression: CompressionType.Lz4,
    });
    const third = await buildRecordBatch({ records: SAMPLE, baseOffset: 4 });
    const buf = Buffer.concat([first, second, third.subarray(0, third.length - 1)]);
    const batches = await decodeRecordBatches(buf, { maxBytes: MAX_BYTES });
    assert.deepEqual(
      batches.map((b) => b.records.map((r) => r.offset)),
      [
        [0, 1],
        [2, 3],
      ],
    );
    const tail = await decodeRecordBatches(Buffer.concat([first, third.subarray(0, 5)]), {
      maxBytes: MAX_BYTES,
    });
    assert.equal(tail.length, 1);
  });

  it('refuses a length that cannot be a batch', async () => {
    const first = await buildRecordBatch({ records: SAMPLE });
    const bogus = Buffer.alloc(BATCH_HEADER_BYTES);
    bogus.writeInt32BE(10, OFFSET_LENGTH);
    await rejectsWith(
      decodeRecordBatches(Buffer.concat([first, bogus]), { maxBytes: MAX_BYTES }),
      'bad-length',
    );
  });

  it('reads a patched base offset', async () => {
    const batch = await buildRecordBatch({ records: SAMPLE });
    setBaseOffset(batch, 0, 1000);
    const [decoded] = await decodeRecordBatches(batch, { maxBytes: MAX_BYTES });
    assert.deepEqual(
      decoded!.records.map((r) => r.offset),
      [1000, 1001, 1002, 1003],
    );
  });
});

describe('record validation', () => {
  function sectionOf(records: BatchRecord[]): Buffer {
    return encodeRecords(records);
  }
  const plain = (offsetDelta: number): BatchRecord => ({
    offsetDelta,
    timestampDelta: offsetDelta * 10,
    key: null,
    value: Buffer.from('v'),
    headers: [],
  });

  it('accepts good batches and reports each offset and timestamp', async () => {
    for (const compression of CODECS) {
      const batch = await buildRecordBatch({ records: SAMPLE, compression, baseOffset: 10 });
      const seen: Array<[number, number]> = [];
      const problem = await validateBatchRecords(batch, {
        maxBytes: MAX_BYTES,
        onRecord: (offset, timestampMs) => seen.push([offset, timestampMs]),
      });
      assert.equal(problem, null);
      assert.deepEqual(
        seen,
        SAMPLE.map((r, i) => [10 + i, r.timestampMs]),
      );
    }
  });

  it('validates uncompressed batches synchronously, and only those', async () => {
    const batch = await buildRecordBatch({ records: SAMPLE });
    let count = 0;
    assert.equal(validateUncompressedBatchRecords(batch, { onRecord: () => count++ }), null);
    assert.equal(count, SAMPLE.length);
    const gz = await buildRecordBatch({ records: SAMPLE, compression: CompressionType.Gzip });
    assert.throws(() => validateUncompressedBatchRecords(gz), RangeError);
  });

  it('finds a record count that disagrees with the records', async () => {
    const batch = await buildRecordBatch({ records: SAMPLE });
    const section = batch.subarray(BATCH_HEADER_BYTES);
    for (const count of [SAMPLE.length - 1, SAMPLE.length + 1]) {
      const bad = withSection(batch, section, count);
      bad.writeInt32BE(Math.max(count - 1, SAMPLE.length - 1), OFFSET_LAST_OFFSET_DELTA);
      assert.equal(validateUncompressedBatchRecords(withCrc(bad)), 'record-count-mismatch');
      await rejectsWith(
        decodeRecordBatch(withCrc(bad), { maxBytes: MAX_BYTES }),
        'record-count-mismatch',
      );
    }
  });

  it('finds offset deltas that do not rise or pass lastOffsetDelta', async () => {
    const batch = await buildRecordBatch({ records: [plain(0), plain(1), plain(2)] });
    const cases: Array<[number[], RecordProblem | null]> = [
      [[0, 1, 2], null],
      [[0, 2, 1], 'bad-offset-delta'],
      [[0, 0, 2], 'bad-offset-delta'],
      [[0, 1, 3], 'bad-offset-delta'],
      [[1, 2, 2], 'bad-offset-delta'],
    ];
    for (const [deltas, expected] of cases) {
      const bad = withSection(batch, sectionOf(deltas.map(plain)));
      assert.equal(validateUncompressedBatchRecords(bad), expected, deltas.join(','));
    }
    // Compaction may leave gaps below lastOffsetDelta.
    const gapped = withSection(batch, sectionOf([0, 2].map(plain)), 2);
    assert.equal(validateUncompressedBatchRecords(gapped), null);
  });

  it('finds a record whose length disagrees with its fields', async () => {
    const batch = await buildRecordBatch({ records: [plain(0)] });
    const section = Buffer.from(sectionOf([plain(0)]));
    // The first byte is the zigzag length; claim one byte less than the body.
    section[0] = section[0]! - 2;
    const short = withSection(batch, Buffer.concat([section, Buffer.alloc(1)]));
    assert.equal(validateUncompressedBatchRecords(short), 'bad-record');
    await rejectsWith(decodeRecordBatch(short, { maxBytes: MAX_BYTES }), 'bad-record');
  });

  it('reports compression problems as record problems', async () => {
    const batch = await buildRecordBatch({ records: SAMPLE, compression: CompressionType.Zstd });
    assert.equal(await validateBatchRecords(batch, { maxBytes: 10 }), 'too-large');
    const garbage = withSection(batch, Buffer.from('definitely not zstd'));
    assert.equal(
      await validateBatchRecords(garbage, { maxBytes: MAX_BYTES }),
      'corrupt-compression',
    );
  });

  it('hands back the decompressed records section', async () => {
    const raw = await buildRecordBatch({ records: SAMPLE, timestampMs: T0 });
    const snappy = await buildRecordBatch({
      records: SAMPLE,
      timestampMs: T0,
      compression: CompressionType.Snappy,
    });
    const section = await readRecordsSection(snappy, { maxBytes: MAX_BYTES });
    assert.ok(section.equals(raw.subarray(BATCH_HEADER_BYTES)));
    assert.equal(validateRecords(section, readBatchHeader(snappy)), null);
  });
});

describe('mutation fuzz', () => {
  // Flip bytes of the records section (CRC fixed up so the walk is reached);
  // decode and validate must end in a result or our typed error, never a crash.
  function prng(seed: number): () => number {
    let s = seed >>> 0;
    return () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return s;
    };
  }

  it('never throws anything but CorruptRecordError on mutated records', async () => {
    const next = prng(20240601);
    // Small fields, so that most flipped bytes are lengths, deltas or counts.
    const dense = Array.from({ length: 20 }, (_, i) => ({
      key: i % 3 === 0 ? null : Buffer.from([i]),
      value: Buffer.from([i, i]),
      headers: i % 2 === 0 ? [{ key: 'h', value: i % 4 === 0 ? null : Buffer.from([i]) }] : [],
      timestampMs: T0 + i * 1000,
    }));
    const base = await buildRecordBatch({ records: dense, timestampMs: T0 });
    let rejected = 0;
    for (let round = 0; round < 3000; round++) {
      const batch = Buffer.from(base);
      const flips = 1 + (next() % 4);
      for (let f = 0; f < flips; f++) {
        const at = BATCH_HEADER_BYTES + (next() % (batch.length - BATCH_HEADER_BYTES));
        batch[at] = next() & 0xff;
      }
      withCrc(batch);
      const problem = validateUncompressedBatchRecords(batch);
      try {
        await decodeRecordBatch(batch, { maxBytes: MAX_BYTES });
        assert.equal(problem, null, 'decode accepted what validation refused');
      } catch (err) {
        assert.ok(err instanceof CorruptRecordError, String(err));
        assert.equal(err.problem, problem, 'validation and decode agree');
        rejected++;
      }
    }
    assert.ok(rejected > 1000, `only ${rejected} mutations were refused`);
  });

  it('never throws anything but CorruptRecordError on mutated compressed batches', async () => {
    const next = prng(7);
    for (const compression of [CompressionType.Lz4, CompressionType.Zstd, CompressionType.Snappy]) {
      const base = await buildRecordBatch({ records: SAMPLE, compression, timestampMs: T0 });
      for (let round = 0; round < 300; round++) {
        const batch = Buffer.from(base);
        const at = BATCH_HEADER_BYTES + (next() % (batch.length - BATCH_HEADER_BYTES));
        batch[at] = next() & 0xff;
        withCrc(batch);
        try {
          await decodeRecordBatch(batch, { maxBytes: 64 * 1024 });
        } catch (err) {
          assert.ok(err instanceof CorruptRecordError, String(err));
        }
      }
    }
  });
});
