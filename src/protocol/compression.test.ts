// Codec round trips, the framings other clients write (xerial snappy, lz4
// frames), and refusal of decompression bombs. Bomb memory is measured in a
// child process, whose peak resident size shows any large allocation.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import zlib from 'node:zlib';
import { compress as zstdCompress } from '@mongodb-js/zstd';
import { compressFrame } from 'lz4-napi';
import { compressSync as snappyCompressSync } from 'snappy';
import {
  CompressionError,
  type CompressionProblem,
  compress,
  compressSync,
  decompress,
  decompressSync,
  hasSyncCodec,
  ZSTD_BLOCK_MAX_BYTES,
  ZSTD_BOUND_FACTOR,
} from './compression.ts';
import { CompressionType } from './record-batch.ts';
import {
  frameXerialSnappy,
  isXerialSnappy,
  rawSnappyLength,
  XERIAL_MAGIC,
} from './xerial-snappy.ts';

const MiB = 1024 * 1024;
const CODECS = [
  CompressionType.None,
  CompressionType.Gzip,
  CompressionType.Snappy,
  CompressionType.Lz4,
  CompressionType.Zstd,
];

/** 1 MiB that compresses somewhat: random runs mixed with repeated text. */
function mixedMiB(): Buffer {
  const parts: Buffer[] = [];
  let size = 0;
  while (size < MiB) {
    const part =
      parts.length % 2 === 0 ? randomBytes(4096) : Buffer.from('kafka record '.repeat(400));
    parts.push(part);
    size += part.length;
  }
  return Buffer.concat(parts).subarray(0, MiB);
}

const INPUTS: Array<[string, Buffer]> = [
  ['empty', Buffer.alloc(0)],
  ['small', Buffer.from('hello, gregor')],
  ['1 MiB', mixedMiB()],
];

async function rejectsWith(p: Promise<unknown>, problem: CompressionProblem): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof CompressionError, `expected CompressionError, got ${String(err)}`);
    assert.equal(err.problem, problem, err.message);
    return true;
  });
}

describe('compress and decompress', () => {
  for (const type of CODECS) {
    for (const [name, input] of INPUTS) {
      it(`round-trips ${name} input with ${CompressionType[type]}`, async () => {
        const packed = await compress(type, input);
        if (type !== CompressionType.None && input.length === MiB) {
          assert.ok(packed.length < input.length, 'compressible input got smaller');
        }
        const out = await decompress(type, packed, { maxBytes: input.length });
        assert.ok(out.equals(input));
        if (hasSyncCodec(type)) {
          const outSync = decompressSync(type, compressSync(type, input), {
            maxBytes: input.length,
          });
          assert.ok(outSync.equals(input));
        }
      });
    }
  }

  it('has no synchronous zstd, and says so', () => {
    assert.equal(hasSyncCodec(CompressionType.Zstd), false);
    assert.throws(() => compressSync(CompressionType.Zstd, Buffer.from('x')), RangeError);
  });

  it('writes each codec in the format Kafka clients expect', async () => {
    const data = Buffer.from('a'.repeat(1000));
    const gzip = await compress(CompressionType.Gzip, data);
    assert.deepEqual([...gzip.subarray(0, 2)], [0x1f, 0x8b]);
    const zstd = await compress(CompressionType.Zstd, data);
    assert.equal(zstd.readUInt32LE(0), 0xfd2fb528);
    // Raw snappy, not xerial: a varint preamble with the uncompressed length.
    const snappy = await compress(CompressionType.Snappy, data);
    assert.equal(isXerialSnappy(snappy), false);
    assert.equal(rawSnappyLength(snappy), 1000);
  });

  it('writes lz4 frames with magic 04 22 4d 18, version 01 and independent blocks', async () => {
    const lz4 = await compress(CompressionType.Lz4, Buffer.from('record '.repeat(100)));
    assert.deepEqual([...lz4.subarray(0, 4)], [0x04, 0x22, 0x4d, 0x18]);
    const flg = lz4[4]!;
    assert.equal(flg >> 6, 1, 'frame version 01');
    // Kafka's Java reader decompresses each block on its own.
    assert.equal(flg & 0x20, 0x20, 'block independence flag');
  });

  it('refuses an unknown compression id', async () => {
    await rejectsWith(
      decompress(5 as CompressionType, Buffer.from('x'), { maxBytes: 10 }),
      'unknown-compression',
    );
  });

  for (const type of CODECS.filter((t) => t !== CompressionType.None)) {
    it(`reports garbage as corrupt ${CompressionType[type]}, not as a library error`, async () => {
      const garbage = Buffer.from('this is not compressed data at all, not even close');
      await rejectsWith(decompress(type, garbage, { maxBytes: MiB }), 'corrupt-compression');
    });

    it(`accepts ${CompressionType[type]} output of maxBytes, refuses one more`, async () => {
      // 300 KB makes lz4_flex pick 4 MiB blocks, so lz4 needs the exact size walk here.
      const input = Buffer.alloc(300_000, 'abc');
      const packed = await compress(type, input);
      const out = await decompress(type, packed, { maxBytes: input.length });
      assert.ok(out.equals(input));
      await rejectsWith(decompress(type, packed, { maxBytes: input.length - 1 }), 'too-large');
    });
  }
});

describe('output of the C libraries librdkafka links (lz4, zstd, gzip command-line tools)', () => {
  // librdkafka compresses with liblz4's frame API and libzstd; their command-line
  // tools write the same formats, including variants lz4_flex never writes
  // (linked blocks, block and content checksums, stated content size).
  const text = Buffer.from(
    Array.from({ length: 20_000 }, (_, i) => `offset ${i} value ${i * 7919}\n`).join(''),
  );

  function tool(cmd: string, args: string[], input: Buffer): Buffer | null {
    const run = spawnSync(cmd, args, { input, maxBuffer: 64 * MiB });
    if (run.error !== undefined) return null; // not installed
    assert.equal(run.status, 0, run.stderr.toString());
    return run.stdout;
  }

  const variants: Array<[CompressionType, string, string[]]> = [
    [CompressionType.Lz4, 'lz4', ['-c', '-B4']],
    [CompressionType.Lz4, 'lz4', ['-c', '-B4', '-BD']], // linked blocks, as LZ4F's default
    [CompressionType.Lz4, 'lz4', ['-c', '-B7', '-BX', '--content-size']],
    [CompressionType.Lz4, 'lz4', ['-c', '-B5', '--no-frame-crc']],
    [CompressionType.Zstd, 'zstd', ['-c', '-q']],
    [CompressionType.Zstd, 'zstd', ['-c', '-q', '--no-check', '-19']],
    [CompressionType.Gzip, 'gzip', ['-c']],
  ];
  for (const [type, cmd, args] of variants) {
    const packed = tool(cmd, args, text);
    it(`decodes ${cmd} ${args.join(' ')}`, {
      skip: packed === null && `${cmd} missing`,
    }, async () => {
      assert.ok(packed !== null && packed.length < text.length / 2, 'really compressed');
      const out = await decompress(type, packed, { maxBytes: text.length });
      assert.ok(out.equals(text));
      await rejectsWith(decompress(type, packed, { maxBytes: text.length - 1 }), 'too-large');
    });
  }

  it('decodes zstd with a stated content size and refuses it early when too large', async () => {
    const packed = tool('zstd', ['-c', '-q', '--content-size'], text);
    if (packed === null) return;
    const out = await decompress(CompressionType.Zstd, packed, { maxBytes: text.length });
    assert.ok(out.equals(text));
    await rejectsWith(decompress(CompressionType.Zstd, packed, { maxBytes: 1000 }), 'too-large');
  });
});

describe('zstd output bound', () => {
  // A frame with a 128 KiB window and 200 one-byte compressed blocks: each may
  // produce up to 128 KiB, 25.6 MB in all. The check must refuse it before the
  // decoder runs when that exceeds ZSTD_BOUND_FACTOR x maxBytes, and otherwise
  // leave it to the decoder (which finds the blocks corrupt).
  function manyBlocks(count: number): Buffer {
    const header = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, (17 - 10) << 3]);
    const blocks = Array.from({ length: count }, (_, i) => {
      const last = i === count - 1 ? 1 : 0;
      const word = (1 << 3) | (2 << 1) | last; // Block_Size 1, Compressed_Block
      return Buffer.from([word & 0xff, (word >> 8) & 0xff, word >> 16, 0x00]);
    });
    return Buffer.concat([header, ...blocks]);
  }

  it('refuses before decoding when the per-block bound passes the factor', async () => {
    const frame = manyBlocks(200);
    assert.ok(200 * ZSTD_BLOCK_MAX_BYTES > ZSTD_BOUND_FACTOR * MiB + ZSTD_BLOCK_MAX_BYTES);
    await rejectsWith(decompress(CompressionType.Zstd, frame, { maxBytes: MiB }), 'too-large');
    await rejectsWith(
      decompress(CompressionType.Zstd, frame, { maxBytes: 2 * MiB }),
      'corrupt-compression',
    );
  });
});

describe('xerial snappy', () => {
  // A raw snappy block built by hand: varint length, then one literal tag
  // ((length - 1) << 2) and the bytes — no library involved.
  function literalBlock(text: string): Buffer {
    const bytes = Buffer.from(text);
    assert.ok(bytes.length > 0 && bytes.length <= 60);
    return Buffer.concat([Buffer.from([bytes.length, (bytes.length - 1) << 2]), bytes]);
  }

  function chunk(block: Buffer): Buffer {
    const length = Buffer.alloc(4);
    length.writeInt32BE(block.length);
    return Buffer.concat([length, block]);
  }

  const header = Buffer.concat([
    Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]),
    Buffer.from([0, 0, 0, 1, 0, 0, 0, 1]),
  ]);

  it('decodes a hand-built xerial stream of several chunks', async () => {
    const framed = Buffer.concat([
      header,
      chunk(literalBlock('first chunk, ')),
      chunk(literalBlock('second chunk')),
    ]);
    const out = await decompress(CompressionType.Snappy, framed, { maxBytes: 100 });
    assert.equal(out.toString(), 'first chunk, second chunk');
    const outSync = decompressSync(CompressionType.Snappy, framed, { maxBytes: 100 });
    assert.equal(outSync.toString(), 'first chunk, second chunk');
  });

  it('decodes a xerial stream whose chunks the snappy library compressed', async () => {
    const parts = [Buffer.alloc(40_000, 'x'), randomBytes(40_000)];
    const framed = Buffer.concat([header, ...parts.map((p) => chunk(snappyCompressSync(p)))]);
    const out = await decompress(CompressionType.Snappy, framed, { maxBytes: 80_000 });
    assert.ok(out.equals(Buffer.concat(parts)));
    await rejectsWith(
      decompress(CompressionType.Snappy, framed, { maxBytes: 79_999 }),
      'too-large',
    );
  });

  it('frames blocks the way it reads them', () => {
    const framed = frameXerialSnappy([literalBlock('abc')]);
    assert.ok(framed.subarray(0, 8).equals(XERIAL_MAGIC));
    assert.ok(framed.equals(Buffer.concat([header, chunk(literalBlock('abc'))])));
  });

  it('refuses chunks whose length overruns the stream, or is zero', async () => {
    const block = literalBlock('abc');
    const overrun = Buffer.concat([header, chunk(block)]).subarray(0, header.length + 4 + 2);
    await rejectsWith(
      decompress(CompressionType.Snappy, overrun, { maxBytes: 100 }),
      'corrupt-compression',
    );
    const zero = Buffer.concat([header, Buffer.alloc(4)]);
    await rejectsWith(
      decompress(CompressionType.Snappy, zero, { maxBytes: 100 }),
      'corrupt-compression',
    );
    const tornLength = Buffer.concat([header, Buffer.from([0, 0])]);
    await rejectsWith(
      decompress(CompressionType.Snappy, tornLength, { maxBytes: 100 }),
      'corrupt-compression',
    );
  });

  it('refuses a raw block that produces more than its preamble declares', async () => {
    const lying = literalBlock('abcdef');
    lying[0] = 3;
    await rejectsWith(
      decompress(CompressionType.Snappy, lying, { maxBytes: 100 }),
      'corrupt-compression',
    );
  });
});

describe('decompression bombs', () => {
  // 100 MB of zeros shrinks to ~100 KB (gzip), ~400 KB (lz4), ~5 MB (snappy)
  // or a few KB (zstd). Each must be refused at maxBytes = 1 MiB, and the
  // child process's peak RSS must not grow by anything near 100 MB.
  it('refuses 100 MB of zeros at maxBytes 1 MiB without allocating it', async () => {
    const zeros = Buffer.alloc(100 * 1000 * 1000);
    const bombs: Record<string, Buffer> = {
      Gzip: zlib.gzipSync(zeros),
      Snappy: snappyCompressSync(zeros),
      Lz4: await compressFrame(zeros),
      Zstd: await zstdCompress(zeros),
    };
    const dir = mkdtempSync(join(tmpdir(), 'gregor-bomb-'));
    try {
      for (const [name, bomb] of Object.entries(bombs)) writeFileSync(join(dir, name), bomb);
      const report = runBombChild(dir, Object.keys(bombs));
      for (const name of Object.keys(bombs)) assert.equal(report.problems[name], 'too-large', name);
      const growthMiB = report.peakGrowthKiB / 1024;
      assert.ok(growthMiB < 40, `peak RSS grew by ${growthMiB.toFixed(1)} MiB`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

interface BombReport {
  problems: Record<string, string>;
  peakGrowthKiB: number;
}

function runBombChild(dir: string, names: string[]): BombReport {
  const compressionUrl = new URL('./compression.ts', import.meta.url).href;
  const batchUrl = new URL('./record-batch.ts', import.meta.url).href;
  const script = `
    import { readFileSync } from 'node:fs';
    const { decompress } = await import(${JSON.stringify(compressionUrl)});
    const { CompressionType } = await import(${JSON.stringify(batchUrl)});
    const names = ${JSON.stringify(names)};
    const inputs = names.map((n) => [n, readFileSync(${JSON.stringify(dir)} + '/' + n)]);
    const before = process.resourceUsage().maxRSS;
    const problems = {};
    for (const [name, data] of inputs) {
      try {
        const out = await decompress(CompressionType[name], data, { maxBytes: 1024 * 1024 });
        problems[name] = 'accepted ' + out.length;
      } catch (err) {
        problems[name] = err.problem ?? String(err);
      }
    }
    const peakGrowthKiB = process.resourceUsage().maxRSS - before;
    console.log(JSON.stringify({ problems, peakGrowthKiB }));
  `;
  const child = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', script],
    { encoding: 'utf8', timeout: 60_000 },
  );
  assert.equal(child.status, 0, child.stderr);
  return JSON.parse(child.stdout.trim().split('\n').pop()!) as BombReport;
}
