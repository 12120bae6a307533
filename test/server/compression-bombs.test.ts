// Issue 12 finding 3, memory: compressed batches whose payload decompresses
// to far more than the broker's decompressed-size limit (a bomb), or whose
// frame headers lie about sizes, for all four codecs, sent at once to a
// broker in its own process. Every one must be refused (MESSAGE_TOO_LARGE or
// CORRUPT_MESSAGE) and the broker's peak resident memory (VmHWM) must grow
// by much less than one bomb's output: validation decodes as a stream and
// refuses output past the limit before it is produced.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { compressFrameSync as lz4Frame } from 'lz4-napi';
import { compressSync as snappyCompress } from 'snappy';
import { ErrorCode } from '../../src/protocol/error-codes.ts';
import { CompressionType } from '../../src/protocol/record-batch.ts';
import { frameXerialSnappy } from '../../src/protocol/xerial-snappy.ts';
import { freePort, spawnBroker } from '../harness/broker-process.ts';
import {
  assembleBatch,
  bigRecordPrefix,
  snappyLyingPreamble,
  validBatch,
  zstdRleBomb,
} from '../harness/hostile-batches.ts';
import { createTopic, fetchRaw, produceRaw } from '../harness/partition-wire.ts';
import { RawClient } from '../harness/raw-client.ts';

const MIB = 1024 * 1024;
/** socket.request.max.bytes, and so the decompressed-size limit of one batch. */
const LIMIT_BYTES = 4 * MIB;
const COPIES = 4;

async function peakRssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const m = /VmHWM:\s+(\d+) kB/.exec(status);
  assert.ok(m !== null, 'VmHWM in /proc status');
  return Number(m[1]) * 1024;
}

/**
 * Each decompresses (or claims to) to far more than the limit: zeros, which
 * fail as records at once, and one well-formed record with a 128 MiB value,
 * which only its size gives away.
 */
function bombs(): Array<[string, Buffer, readonly number[]]> {
  const zeros = Buffer.alloc(8 * MIB);
  const gzipZeros = gzipSync(zeros);
  const lz4Zeros = lz4Frame(zeros);
  const prefix = bigRecordPrefix(128 * MIB);
  const gzip = Buffer.concat(Array.from({ length: 16 }, () => gzipZeros));
  const gzipRecord = Buffer.concat([gzipSync(prefix), gzip]);
  const lz4 = Buffer.concat(Array.from({ length: 16 }, () => lz4Zeros));
  const lz4Record = Buffer.concat([lz4Frame(prefix), lz4]);
  const snappyBlock = snappyCompress(Buffer.alloc(64 * 1024));
  const snappy = frameXerialSnappy([
    snappyCompress(prefix),
    ...Array.from({ length: 256 }, () => snappyBlock),
  ]);
  const tooLarge = [ErrorCode.MESSAGE_TOO_LARGE];
  const refused = [ErrorCode.MESSAGE_TOO_LARGE, ErrorCode.INVALID_RECORD];
  const batch = (section: Buffer, codec: CompressionType) =>
    assembleBatch(section, { attributes: codec });
  return [
    ['gzip, 128 MiB of zeros', batch(gzip, CompressionType.Gzip), refused],
    ['gzip, one record of 128 MiB', batch(gzipRecord, CompressionType.Gzip), tooLarge],
    ['lz4, 128 MiB of zeros', batch(lz4, CompressionType.Lz4), tooLarge],
    ['lz4, one record of 128 MiB', batch(lz4Record, CompressionType.Lz4), tooLarge],
    ['zstd, 1024 RLE blocks (128 MiB)', batch(zstdRleBomb(1024), CompressionType.Zstd), tooLarge],
    ['snappy, one record of 16 MiB', batch(snappy, CompressionType.Snappy), tooLarge],
    [
      'snappy preamble claims 4 GiB',
      batch(snappyLyingPreamble(0xffff_ffff), CompressionType.Snappy),
      tooLarge,
    ],
    ['zstd frame claims 2^40 bytes', batch(ZSTD_CLAIMS_2_40, CompressionType.Zstd), tooLarge],
    [
      'lz4 block claims 2 GiB',
      batch(LZ4_BLOCK_CLAIMS_2_GIB, CompressionType.Lz4),
      [ErrorCode.CORRUPT_MESSAGE],
    ],
  ];
}

/** A zstd frame header with an 8-byte content size of 2^40, then a truncated block. */
const ZSTD_CLAIMS_2_40 = Buffer.from([
  0x28, 0xb5, 0x2f, 0xfd, 0xc0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0,
]);
/** An lz4 frame (4 MiB blocks) whose first block claims 2^31-1 compressed bytes and holds 2. */
const LZ4_BLOCK_CLAIMS_2_GIB = Buffer.from([
  0x04, 0x22, 0x4d, 0x18, 0x60, 0x70, 0x73, 0xff, 0xff, 0xff, 0x7f, 1, 2,
]);

test('compression bombs and lying frame headers are refused without the broker growing past the limit', {
  timeout: 240_000,
}, async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'gregor-bombs-'));
  const broker = await spawnBroker({
    dataDir,
    port: await freePort(),
    overrides: { 'num.partitions': '1', 'socket.request.max.bytes': String(LIMIT_BYTES) },
  });
  const clients: RawClient[] = [];
  try {
    const topic = 'bombs';
    const setup = await RawClient.connect(broker.bootstrap);
    clients.push(setup);
    await createTopic(setup, topic);
    // Warm up every codec (native modules load on first use) with a valid batch.
    const codecs = [
      CompressionType.Gzip,
      CompressionType.Snappy,
      CompressionType.Lz4,
      CompressionType.Zstd,
    ];
    for (const codec of codecs) {
      const r = await produceRaw(setup, topic, await validBatch(100, { codec, valueBytes: 1000 }));
      assert.equal(r.errorCode, ErrorCode.NONE, `${CompressionType[codec]}: ${r.errorMessage}`);
    }
    const pid = broker.child.pid!;
    const before = await peakRssBytes(pid);
    const cases = bombs();
    for (let i = 0; i < COPIES; i++) clients.push(await RawClient.connect(broker.bootstrap));
    const answers = await Promise.all(
      clients.slice(1).map(async (c) => {
        const out: Array<[string, number, readonly number[]]> = [];
        for (const [what, batch, expected] of cases) {
          out.push([what, (await produceRaw(c, topic, batch)).errorCode, expected]);
        }
        return out;
      }),
    );
    for (const [what, got, expected] of answers.flat())
      assert.ok(expected.includes(got), `${what}: ${got}`);
    const growth = (await peakRssBytes(pid)) - before;
    console.log(`broker peak RSS before ${before >> 20} MiB, grew by ${growth >> 20} MiB`);
    // One bomb alone would add 128 MiB; COPIES of each at once many times that.
    assert.ok(growth < 64 * MIB, `peak RSS grew by ${growth >> 20} MiB`);
    const [f] = await fetchRaw(setup, topic, 0);
    assert.equal(f?.highWatermark, 400, 'only the warm-up batches were stored');
  } finally {
    for (const c of clients) c.close();
    broker.child.kill('SIGKILL');
    await broker.exited;
    await rm(dataDir, { recursive: true, force: true });
  }
});
