// Issue 12, findings 1-4, against a live broker with raw Produce frames: a
// batch whose header lies (maxTimestamp 2^56), corrupt records inside a
// CRC-valid batch, invalid or lying compressed payloads, and timestamps
// outside the topic's bounds were all acknowledged and stored; one of them
// took the partition offline for good. Each must now get Kafka's error
// (INVALID_TIMESTAMP, INVALID_RECORD with record errors, CORRUPT_MESSAGE,
// MESSAGE_TOO_LARGE) and leave the partition serving. Also Kafka's other
// client-batch rules (magic, one batch, base offset, control batches), keys
// on compacted topics, LogAppendTime and the topic's compression.type.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { ErrorCode } from '../../src/protocol/error-codes.ts';
import {
  ATTR_CONTROL,
  CompressionType,
  OFFSET_ATTRIBUTES,
  OFFSET_MAX_TIMESTAMP,
  readBatchHeader,
  TIMESTAMP_TYPE_LOG_APPEND,
} from '../../src/protocol/record-batch.ts';
import { decodeRecordBatches, encodeRecords } from '../../src/protocol/records.ts';
import { SeededRandom } from '../../src/protocol/testing/sample-values.ts';
import { startTestBroker, type TestBroker, uniqueTopic } from '../harness/broker.ts';
import {
  assembleBatch,
  headerCountMaxSection,
  plainRecords,
  recordLengthMaxSection,
  snappyLyingPreamble,
  validBatch,
  withCount,
  withCrc,
  withMaxTimestamp,
} from '../harness/hostile-batches.ts';
import { createTopic, fetchRaw, produceRaw } from '../harness/partition-wire.ts';
import { run } from '../harness/processes.ts';
import { RawClient } from '../harness/raw-client.ts';

const HOUR_MS = 3_600_000;
const YEAR_MS = 365 * 24 * HOUR_MS;
const LONG_MAX = '9223372036854775807';
const CODECS = [
  CompressionType.Gzip,
  CompressionType.Snappy,
  CompressionType.Lz4,
  CompressionType.Zstd,
] as const;

let b: TestBroker;
let c: RawClient;

before(async () => {
  b = await startTestBroker({ 'num.partitions': '1' });
  c = await RawClient.connect(b.bootstrap);
});
after(async () => {
  c?.close();
  await b?.stop();
});

async function topic(configs: Record<string, string> = {}): Promise<string> {
  const name = uniqueTopic('val');
  await createTopic(c, name, configs);
  return name;
}

/** Records whose offset deltas are `deltas` (a producer must number them 0, 1, 2, ...). */
function offsetDeltas(deltas: readonly number[]): Buffer {
  return encodeRecords(
    deltas.map((offsetDelta) => ({
      offsetDelta,
      timestampDelta: 0,
      key: null,
      value: Buffer.from('v'),
      headers: [],
    })),
  );
}

async function storedValues(name: string): Promise<string[]> {
  const [f] = await fetchRaw(c, name, 0);
  assert.equal(f?.errorCode, ErrorCode.NONE);
  const batches = await decodeRecordBatches(f!.records, { maxBytes: 64 << 20 });
  return batches.flatMap((x) => x.records.map((r) => r.value?.toString() ?? 'null'));
}

test('finding 1: a batch whose maxTimestamp is 2^56 is refused; the partition keeps serving, also after a restart', {
  timeout: 120_000,
}, async () => {
  const name = await topic();
  const lying = withMaxTimestamp(await validBatch(1), 2n ** 56n);
  const refused = await produceRaw(c, name, lying);
  assert.equal(refused.errorCode, ErrorCode.INVALID_TIMESTAMP, refused.errorMessage ?? '');
  // A few KiB of ordinary produce: enough for offset- and time-index entries.
  for (let i = 0; i < 40; i++) {
    const ok = await produceRaw(c, name, await validBatch(10, { valueBytes: 100 }));
    assert.equal(ok.errorCode, ErrorCode.NONE, ok.errorMessage ?? '');
    assert.equal(ok.baseOffset, i * 10);
  }
  assert.equal((await storedValues(name)).length, 400);
  c.close();
  b = await b.restart();
  c = await RawClient.connect(b.bootstrap);
  const again = await produceRaw(c, name, await validBatch(1));
  assert.equal(again.errorCode, ErrorCode.NONE, again.errorMessage ?? '');
  assert.equal(again.baseOffset, 400);
  assert.equal((await storedValues(name)).length, 401);
});

test('finding 1: a maxTimestamp that only disagrees with the records is corrected, as Kafka does', async () => {
  const name = await topic();
  const now = Date.now();
  const batch = withMaxTimestamp(await validBatch(2, { timestampMs: now }), BigInt(now - 5000));
  const r = await produceRaw(c, name, batch);
  assert.equal(r.errorCode, ErrorCode.NONE, r.errorMessage ?? '');
  const [f] = await fetchRaw(c, name, 0);
  assert.equal(readBatchHeader(f!.records).maxTimestamp, now);
  await decodeRecordBatches(f!.records, { maxBytes: 1 << 20 }); // CRC checked
});

test('finding 2: corrupt records inside a CRC-valid batch are refused with INVALID_RECORD', {
  timeout: 60_000,
}, async () => {
  const name = await topic();
  const rnd = new SeededRandom(12);
  const cases: Array<[string, Buffer]> = [
    ['garbage records section', assembleBatch(rnd.bytes(300), { recordCount: 3 })],
    ['record length 2^31-1', assembleBatch(recordLengthMaxSection())],
    ['header count 2^31-1', assembleBatch(headerCountMaxSection())],
    ['claims 2 records, holds 1', withCount(await validBatch(1), 2)],
    ['claims 2 records, holds 3', withCount(await validBatch(3), 2)],
    ['offset deltas 0, 2', assembleBatch(offsetDeltas([0, 2]), { recordCount: 2 })],
  ];
  for (const [what, batch] of cases) {
    const r = await produceRaw(c, name, batch);
    assert.equal(r.errorCode, ErrorCode.INVALID_RECORD, `${what}: ${r.errorMessage}`);
  }
  const [f] = await fetchRaw(c, name, 0);
  assert.equal(f?.highWatermark, 0, 'nothing was stored');
  const ok = await produceRaw(c, name, await validBatch(2));
  assert.equal(ok.errorCode, ErrorCode.NONE);
  // A real consumer reads the partition to its end and stops.
  const k = await run('kcat', ['-b', b.bootstrap, '-C', '-t', name, '-o', 'beginning', '-e'], {
    timeoutMs: 30_000,
  });
  assert.equal(k.code, 0, k.stderr);
  assert.deepEqual(k.stdout.trim().split('\n'), ['v0', 'v1']);
});

test('finding 3: invalid compressed payloads are refused with CORRUPT_MESSAGE, for every codec', async () => {
  const name = await topic();
  const rnd = new SeededRandom(3);
  for (const codec of CODECS) {
    const batch = assembleBatch(rnd.bytes(200), { attributes: codec, recordCount: 2 });
    const r = await produceRaw(c, name, batch);
    assert.equal(
      r.errorCode,
      ErrorCode.CORRUPT_MESSAGE,
      `${CompressionType[codec]}: ${r.errorMessage}`,
    );
  }
  const [f] = await fetchRaw(c, name, 0);
  assert.equal(f?.highWatermark, 0);
});

test('finding 3: compressed batches whose headers lie are refused', async () => {
  const name = await topic();
  // Batch header: says 5 records, the (valid) compressed section holds 3.
  for (const codec of CODECS) {
    const r = await produceRaw(c, name, withCount(await validBatch(3, { codec }), 5));
    assert.equal(
      r.errorCode,
      ErrorCode.INVALID_RECORD,
      `${CompressionType[codec]}: ${r.errorMessage}`,
    );
  }
  // gzip trailer: the stored length (ISIZE) is wrong.
  const gz = gzipSync(plainRecords(2));
  gz.writeUInt32LE(gz.readUInt32LE(gz.length - 4) + 1, gz.length - 4);
  const gzLie = assembleBatch(gz, { attributes: CompressionType.Gzip, recordCount: 2 });
  assert.equal((await produceRaw(c, name, gzLie)).errorCode, ErrorCode.CORRUPT_MESSAGE);
  // snappy: the block's preamble claims 2^32-1 bytes; refused before anything that size exists.
  const snappyHuge = assembleBatch(snappyLyingPreamble(0xffff_ffff), {
    attributes: CompressionType.Snappy,
  });
  assert.equal((await produceRaw(c, name, snappyHuge)).errorCode, ErrorCode.MESSAGE_TOO_LARGE);
  const snappySmall = assembleBatch(snappyLyingPreamble(3), { attributes: CompressionType.Snappy });
  assert.equal((await produceRaw(c, name, snappySmall)).errorCode, ErrorCode.CORRUPT_MESSAGE);
  // lz4: a block claims more bytes than the frame holds.
  const lz4Frame = Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0x82, 0xff, 0xff, 0x00, 0x00]);
  const lz4Lie = assembleBatch(lz4Frame, { attributes: CompressionType.Lz4 });
  assert.equal((await produceRaw(c, name, lz4Lie)).errorCode, ErrorCode.CORRUPT_MESSAGE);
  // zstd: the frame header states a content size of 2^40 bytes.
  const zstdLie = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0xc0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0]);
  const zstdBatch = assembleBatch(zstdLie, { attributes: CompressionType.Zstd });
  assert.equal((await produceRaw(c, name, zstdBatch)).errorCode, ErrorCode.MESSAGE_TOO_LARGE);
  const [f] = await fetchRaw(c, name, 0);
  assert.equal(f?.highWatermark, 0);
});

test("finding 3: the topic's compression.type is applied, offsets assigned as usual", async () => {
  const cases: Array<[string, CompressionType, CompressionType]> = [
    ['gzip', CompressionType.None, CompressionType.Gzip],
    ['uncompressed', CompressionType.Lz4, CompressionType.None],
    ['zstd', CompressionType.Snappy, CompressionType.Zstd],
    ['snappy', CompressionType.Gzip, CompressionType.Snappy],
    ['lz4', CompressionType.Zstd, CompressionType.Lz4],
    ['producer', CompressionType.Gzip, CompressionType.Gzip],
  ];
  for (const [type, sent, stored] of cases) {
    const name = await topic({ 'compression.type': type });
    for (let i = 0; i < 2; i++) {
      const r = await produceRaw(c, name, await validBatch(3, { codec: sent, valueBytes: 50 }));
      assert.equal(r.errorCode, ErrorCode.NONE, `${type}: ${r.errorMessage}`);
      assert.equal(r.baseOffset, i * 3);
    }
    const [f] = await fetchRaw(c, name, 0);
    const batches = await decodeRecordBatches(f!.records, { maxBytes: 1 << 20 });
    assert.equal(batches.length, 2, type);
    for (const [i, x] of batches.entries()) {
      assert.equal(x.header.attributes & 0x07, stored, `${type}: codec of the stored batch`);
      assert.equal(x.header.baseOffset, i * 3);
      assert.deepEqual(
        x.records.map((r) => r.offset),
        [i * 3, i * 3 + 1, i * 3 + 2],
      );
      assert.equal(x.records[2]?.value?.toString(), 'c'.repeat(50));
    }
  }
});

test('finding 4: timestamps beyond message.timestamp.after.max.ms (1 h by default) are refused per record', async () => {
  const name = await topic();
  const now = Date.now();
  const records = plainRecords(3, { timestampDelta: (i) => (i === 1 ? YEAR_MS : 0) });
  const batch = assembleBatch(records, {
    recordCount: 3,
    baseTimestamp: BigInt(now),
    maxTimestamp: BigInt(now + YEAR_MS),
  });
  const r = await produceRaw(c, name, batch);
  assert.equal(r.errorCode, ErrorCode.INVALID_TIMESTAMP, r.errorMessage ?? '');
  assert.deepEqual(
    r.recordErrors.map((e) => e.batchIndex),
    [1],
  );
  // Produce v7 has no record errors; the partition error is the same.
  const v7 = await produceRaw(c, name, batch, { version: 7 });
  assert.equal(v7.errorCode, ErrorCode.INVALID_TIMESTAMP);
  // Within the hour, and records without a timestamp (-1), are accepted.
  const soon = await validBatch(1, { timestampMs: now + HOUR_MS / 2 });
  assert.equal((await produceRaw(c, name, soon)).errorCode, ErrorCode.NONE);
  const none = await validBatch(1, { timestampMs: -1 });
  assert.equal((await produceRaw(c, name, none)).errorCode, ErrorCode.NONE);
});

test('finding 4: message.timestamp.before.max.ms and the deprecated difference.max.ms bound timestamps', async () => {
  const before = await topic({ 'message.timestamp.before.max.ms': String(HOUR_MS) });
  const old = await validBatch(1, { timestampMs: Date.now() - 2 * HOUR_MS });
  const r = await produceRaw(c, before, old);
  assert.equal(r.errorCode, ErrorCode.INVALID_TIMESTAMP, r.errorMessage ?? '');
  assert.equal(r.recordErrors[0]?.batchIndex, 0);
  // after.max.ms at Long.MAX_VALUE hands the bound to difference.max.ms (Kafka 3.6+).
  const diff = await topic({
    'message.timestamp.after.max.ms': LONG_MAX,
    'message.timestamp.difference.max.ms': '60000',
  });
  const ahead = await validBatch(1, { timestampMs: Date.now() + 120_000 });
  assert.equal((await produceRaw(c, diff, ahead)).errorCode, ErrorCode.INVALID_TIMESTAMP);
  // Unbounded: anything a number holds exactly is accepted, 2^55 is not.
  const unbounded = await topic({ 'message.timestamp.after.max.ms': LONG_MAX });
  const far = await validBatch(1, { timestampMs: Date.now() + 100 * YEAR_MS });
  assert.equal((await produceRaw(c, unbounded, far)).errorCode, ErrorCode.NONE);
  const huge = assembleBatch(plainRecords(1), { baseTimestamp: 2n ** 55n });
  assert.equal((await produceRaw(c, unbounded, huge)).errorCode, ErrorCode.INVALID_TIMESTAMP);
});

test('LogAppendTime topics overwrite the producer timestamp; a producer may not claim LogAppendTime', async () => {
  const name = await topic({ 'message.timestamp.type': 'LogAppendTime' });
  const t0 = Date.now();
  const r = await produceRaw(c, name, await validBatch(2, { timestampMs: t0 + YEAR_MS }));
  assert.equal(r.errorCode, ErrorCode.NONE, r.errorMessage ?? '');
  const [f] = await fetchRaw(c, name, 0);
  const h = readBatchHeader(f!.records);
  assert.ok((h.attributes & TIMESTAMP_TYPE_LOG_APPEND) !== 0);
  assert.ok(h.maxTimestamp >= t0 && h.maxTimestamp <= Date.now(), `${h.maxTimestamp}`);
  const claimed = Buffer.from(await validBatch(1));
  claimed.writeInt16BE(TIMESTAMP_TYPE_LOG_APPEND, OFFSET_ATTRIBUTES);
  claimed.writeBigInt64BE(BigInt(t0), OFFSET_MAX_TIMESTAMP);
  const refused = await produceRaw(c, name, withCrc(claimed));
  assert.equal(refused.errorCode, ErrorCode.INVALID_TIMESTAMP);
});

test('a record without a key is refused on a compacted topic (INVALID_RECORD, record errors)', async () => {
  const name = await topic({ 'cleanup.policy': 'compact' });
  const keyless = await validBatch(2, { keyless: true });
  const r = await produceRaw(c, name, keyless);
  assert.equal(r.errorCode, ErrorCode.INVALID_RECORD, r.errorMessage ?? '');
  assert.deepEqual(
    r.recordErrors.map((e) => e.batchIndex),
    [0, 1],
  );
  assert.equal((await produceRaw(c, name, await validBatch(2))).errorCode, ErrorCode.NONE);
  const plain = await topic();
  assert.equal((await produceRaw(c, plain, keyless)).errorCode, ErrorCode.NONE);
});

test("Kafka's client-batch rules: magic 2, one batch, base offset 0, no control batches, zstd from v7", async () => {
  const name = await topic();
  const one = await validBatch(1);
  const magic1 = Buffer.from(one);
  magic1.writeInt8(1, 16);
  const cases: Array<[string, Buffer, number, number?]> = [
    ['magic 1', withCrc(magic1), ErrorCode.INVALID_RECORD],
    ['two batches', Buffer.concat([one, one]), ErrorCode.INVALID_RECORD],
    ['base offset 5', assembleBatch(plainRecords(1), { baseOffset: 5n }), ErrorCode.INVALID_RECORD],
    [
      'control batch',
      assembleBatch(plainRecords(1), { attributes: ATTR_CONTROL }),
      ErrorCode.INVALID_RECORD,
    ],
    ['count 0', withCount(one, 0, -1), ErrorCode.INVALID_RECORD],
    ['lastOffsetDelta 3, count 1', withCount(one, 1, 3), ErrorCode.INVALID_RECORD],
    ['codec id 6', assembleBatch(plainRecords(1), { attributes: 6 }), ErrorCode.CORRUPT_MESSAGE],
    [
      'zstd on Produce v6',
      await validBatch(1, { codec: CompressionType.Zstd }),
      ErrorCode.UNSUPPORTED_COMPRESSION_TYPE,
      6,
    ],
  ];
  const badCrc = Buffer.from(one);
  badCrc[70] = (badCrc[70]! + 1) & 0xff;
  cases.push(['bad CRC', badCrc, ErrorCode.CORRUPT_MESSAGE]);
  for (const [what, batch, code, version] of cases) {
    const r = await produceRaw(c, name, batch, version === undefined ? {} : { version });
    assert.equal(r.errorCode, code, `${what}: ${r.errorMessage}`);
  }
  const [f] = await fetchRaw(c, name, 0);
  assert.equal(f?.highWatermark, 0);
});

test('pipelined produces to one partition are stored in request order, whatever their codecs', async () => {
  const name = await topic();
  const codecs = [
    CompressionType.Zstd,
    CompressionType.None,
    CompressionType.Gzip,
    CompressionType.Lz4,
  ];
  const batches = await Promise.all(
    Array.from({ length: 24 }, (_, i) =>
      validBatch(i % 2 === 0 ? 400 : 1, { codec: codecs[i % codecs.length]!, valueBytes: 200 }),
    ),
  );
  // All sent before any answer: the broker validates them side by side.
  const answers = await Promise.all(batches.map((batch) => produceRaw(c, name, batch)));
  let expected = 0;
  for (const [i, a] of answers.entries()) {
    assert.equal(a.errorCode, ErrorCode.NONE, a.errorMessage ?? '');
    assert.equal(a.baseOffset, expected, `request ${i}`);
    expected += i % 2 === 0 ? 400 : 1;
  }
});
