// Produce record sets for the batch fuzzer: mostly valid-looking v2 batches
// (CRC recomputed after every change) whose contents are hostile — extreme
// or lying timestamps, counts and offset deltas that disagree, record
// lengths, key lengths and header counts of 2^31-1 or garbage, every codec
// id with valid, foreign, truncated, random or bomb payloads, lying frame
// headers, control and transactional bits, odd magics and base offsets,
// several batches or trailing bytes — and a share of valid batches in every
// codec so the partitions grow, roll and index. Seeded and deterministic.

import { gzipSync } from 'node:zlib';
import { compress } from '../../src/protocol/compression.ts';
import {
  BATCH_HEADER_BYTES,
  CompressionType,
  OFFSET_ATTRIBUTES,
  OFFSET_BASE_TIMESTAMP,
  OFFSET_LAST_OFFSET_DELTA,
  OFFSET_LENGTH,
  OFFSET_MAGIC,
  OFFSET_MAX_TIMESTAMP,
  OFFSET_RECORD_COUNT,
} from '../../src/protocol/record-batch.ts';
import { type BatchRecord, encodeRecords } from '../../src/protocol/records.ts';
import type { SeededRandom } from '../../src/protocol/testing/sample-values.ts';
import {
  assembleBatch,
  bigRecordPrefix,
  snappyLyingPreamble,
  VARINT_INT32_MAX,
  withCrc,
  zstdRleBomb,
} from '../harness/hostile-batches.ts';

const CODECS = [
  CompressionType.None,
  CompressionType.Gzip,
  CompressionType.Snappy,
  CompressionType.Lz4,
  CompressionType.Zstd,
] as const;
const YEAR_MS = 365 * 24 * 3_600_000;
/** Producer ids come from a small pool, so producer state stays what a real cluster sees. */
const PRODUCER_IDS = 64;

/** What one generated record set is, for the campaign's tally. */
export type HostileKind =
  | 'valid'
  | 'timestamps'
  | 'counts'
  | 'record-bytes'
  | 'codec'
  | 'header'
  | 'framing';

export interface HostileRecords {
  readonly kind: HostileKind;
  readonly records: Buffer | null;
}

/** Payloads that are expensive to make, made once per generator. */
interface Bombs {
  readonly gzipZeros: Buffer;
  readonly gzipRecord: Buffer;
}

export class HostileProduceGenerator {
  private readonly bombs: Bombs;

  constructor(private readonly rnd: SeededRandom) {
    const zeros = gzipSync(Buffer.alloc(4 << 20));
    const members = Buffer.concat(Array.from({ length: 8 }, () => zeros));
    this.bombs = {
      gzipZeros: members,
      gzipRecord: Buffer.concat([gzipSync(bigRecordPrefix(32 << 20)), members]),
    };
  }

  async next(nowMs: number): Promise<HostileRecords> {
    const r = this.rnd.next();
    if (r < 0.25) return { kind: 'valid', records: await this.valid(nowMs) };
    if (r < 0.4) return { kind: 'timestamps', records: await this.timestamps(nowMs) };
    if (r < 0.5) return { kind: 'counts', records: await this.counts(nowMs) };
    if (r < 0.65) return { kind: 'record-bytes', records: await this.recordBytes(nowMs) };
    if (r < 0.83) return { kind: 'codec', records: await this.codec(nowMs) };
    if (r < 0.95) return { kind: 'header', records: await this.header(nowMs) };
    return { kind: 'framing', records: await this.framing(nowMs) };
  }

  // ---- building blocks ----------------------------------------------------

  private recordList(nowMs: number, n: number, deltas?: (i: number) => number): BatchRecord[] {
    const rnd = this.rnd;
    const list: BatchRecord[] = [];
    for (let i = 0; i < n; i++) {
      list.push({
        offsetDelta: i,
        timestampDelta: deltas?.(i) ?? rnd.int(2000) - 1000,
        key: rnd.next() < 0.15 ? null : rnd.bytes(rnd.int(16)),
        value: rnd.next() < 0.05 ? null : rnd.bytes(rnd.int(300)),
        headers:
          rnd.next() < 0.7
            ? []
            : [{ key: 'h', value: rnd.next() < 0.3 ? null : rnd.bytes(rnd.int(8)) }],
      });
    }
    void nowMs;
    return list;
  }

  private async batchOf(
    section: Buffer,
    opts: { codec: CompressionType; count: number; nowMs: number; idempotent?: boolean },
  ): Promise<Buffer> {
    const rnd = this.rnd;
    const stored = await compress(opts.codec, section);
    const idempotent = opts.idempotent ?? rnd.next() < 0.1;
    const batch = assembleBatch(stored, {
      attributes: opts.codec,
      recordCount: opts.count,
      baseTimestamp: BigInt(opts.nowMs),
      maxTimestamp: BigInt(opts.nowMs + 1000),
      producerId: idempotent ? BigInt(rnd.int(PRODUCER_IDS)) : -1n,
    });
    if (idempotent) {
      batch.writeInt16BE(0, 51);
      batch.writeInt32BE(rnd.int(4) === 0 ? rnd.int(1 << 30) : rnd.int(50), 53);
      withCrc(batch);
    }
    return batch;
  }

  private async valid(nowMs: number): Promise<Buffer> {
    const n = 1 + this.rnd.int(20);
    const codec = this.rnd.pick(CODECS);
    return this.batchOf(encodeRecords(this.recordList(nowMs, n)), { codec, count: n, nowMs });
  }

  // ---- hostile contents ---------------------------------------------------

  private async timestamps(nowMs: number): Promise<Buffer> {
    const rnd = this.rnd;
    const n = 1 + rnd.int(5);
    const extremes = [YEAR_MS, -YEAR_MS, 2 ** 50, -(2 ** 50), -1 - nowMs, 3_700_000, -3_700_000];
    const list = this.recordList(nowMs, n, () =>
      rnd.next() < 0.5 ? rnd.pick(extremes) : rnd.int(4000) - 2000,
    );
    const batch = await this.batchOf(encodeRecords(list), {
      codec: rnd.pick(CODECS),
      count: n,
      nowMs,
    });
    const wild = [2n ** 56n, -(2n ** 63n), 2n ** 63n - 1n, -1n, 0n, BigInt(nowMs + YEAR_MS)];
    if (rnd.next() < 0.5) batch.writeBigInt64BE(rnd.pick(wild), OFFSET_MAX_TIMESTAMP);
    if (rnd.next() < 0.3) batch.writeBigInt64BE(rnd.pick(wild), OFFSET_BASE_TIMESTAMP);
    return withCrc(batch);
  }

  private async counts(nowMs: number): Promise<Buffer> {
    const rnd = this.rnd;
    const n = 1 + rnd.int(5);
    const batch = await this.batchOf(encodeRecords(this.recordList(nowMs, n)), {
      codec: rnd.pick(CODECS),
      count: n,
      nowMs,
    });
    const values = [0, -1, 1, n - 1, n + 1, 2 ** 31 - 1, -(2 ** 31), rnd.int(1 << 20)];
    const count = rnd.pick(values);
    batch.writeInt32BE(count, OFFSET_RECORD_COUNT);
    const consistent = rnd.next() < 0.5;
    const lastOffsetDelta = consistent ? (count - 1) | 0 : rnd.pick(values); // wraps as an int32
    batch.writeInt32BE(lastOffsetDelta, OFFSET_LAST_OFFSET_DELTA);
    return withCrc(batch);
  }

  /** A records section with lying lengths, inside an uncompressed or compressed batch. */
  private async recordBytes(nowMs: number): Promise<Buffer> {
    const rnd = this.rnd;
    const n = 1 + rnd.int(5);
    let section: Buffer = Buffer.from(encodeRecords(this.recordList(nowMs, n)));
    switch (rnd.int(5)) {
      case 0: // first record's length
        section = Buffer.concat([VARINT_INT32_MAX, section.subarray(1)]);
        break;
      case 1: // a 5-byte varint somewhere
        section = spliceAt(section, rnd.int(section.length), VARINT_INT32_MAX, rnd.int(3));
        break;
      case 2: // random bytes replace part of it
        section = spliceAt(section, rnd.int(section.length), rnd.bytes(1 + rnd.int(8)), rnd.int(4));
        break;
      case 3: // truncated, or extended
        section =
          rnd.next() < 0.5
            ? section.subarray(0, rnd.int(section.length))
            : Buffer.concat([section, rnd.bytes(1 + rnd.int(20))]);
        break;
      default: // pure garbage
        section = rnd.bytes(rnd.int(400));
    }
    return this.batchOf(section, { codec: rnd.pick(CODECS), count: n, nowMs });
  }

  private async codec(nowMs: number): Promise<Buffer> {
    const rnd = this.rnd;
    const n = 1 + rnd.int(5);
    const plain = encodeRecords(this.recordList(nowMs, n));
    const claimed = rnd.int(8); // 5..7 are not codecs
    let section: Buffer;
    switch (rnd.int(7)) {
      case 0: // another codec's payload
        section = await compress(rnd.pick(CODECS), plain);
        break;
      case 1: // random bytes
        section = rnd.bytes(rnd.int(500));
        break;
      case 2: {
        // truncated or bit-flipped compressed payload
        const c = Buffer.from(await compress(rnd.pick(CODECS), plain));
        if (rnd.next() < 0.5) section = c.subarray(0, rnd.int(c.length));
        else {
          c[rnd.int(c.length)] = rnd.int(256);
          section = c;
        }
        break;
      }
      case 3: // zstd RLE bomb, small or large
        section = zstdRleBomb(1 + rnd.int(rnd.next() < 0.5 ? 16 : 1200));
        break;
      case 4: // gzip bombs: zeros, or one well-formed huge record
        section = rnd.next() < 0.5 ? this.bombs.gzipZeros : this.bombs.gzipRecord;
        break;
      case 5: // a lying snappy preamble
        section = snappyLyingPreamble(rnd.pick([0, 3, 1000, 0xffff_ffff, rnd.int(1 << 30)]));
        break;
      default:
        section = await compress(CompressionType.Gzip, plain);
    }
    const batch = assembleBatch(section, {
      attributes: claimed,
      recordCount: n,
      baseTimestamp: BigInt(nowMs),
      maxTimestamp: BigInt(nowMs),
    });
    return batch;
  }

  private async header(nowMs: number): Promise<Buffer> {
    const rnd = this.rnd;
    const n = 1 + rnd.int(5);
    const batch = await this.valid(nowMs);
    switch (rnd.int(6)) {
      case 0:
        batch.writeInt8(rnd.pick([0, 1, 3, -1, 127]), OFFSET_MAGIC);
        break;
      case 1: // control, transactional, LogAppendTime, unknown bits
        batch.writeInt16BE(
          batch.readInt16BE(OFFSET_ATTRIBUTES) | rnd.pick([0x08, 0x10, 0x20, 0x30, 0x40, 0x7ff0]),
          OFFSET_ATTRIBUTES,
        );
        break;
      case 2:
        batch.writeBigInt64BE(rnd.pick([1n, -1n, 2n ** 62n, BigInt(rnd.int(1 << 30))]), 0);
        break;
      case 3: // producer id, epoch and sequence
        batch.writeBigInt64BE(rnd.pick([-2n, 0n, BigInt(rnd.int(PRODUCER_IDS))]), 43);
        batch.writeInt16BE(rnd.pick([-1, 0, 1, 32767]), 51);
        batch.writeInt32BE(rnd.pick([-1, 0, 5, 2 ** 31 - 1]), 53);
        break;
      case 4: // partition leader epoch (outside the CRC)
        batch.writeInt32BE(rnd.int(1 << 30), 12);
        break;
      default:
        batch.writeInt32BE(n, OFFSET_RECORD_COUNT);
    }
    if (rnd.next() < 0.1) {
      const at = OFFSET_ATTRIBUTES + 2 + rnd.int(30); // any other header field
      batch[at] = batch[at]! ^ 1;
    }
    return rnd.next() < 0.9 ? withCrc(batch) : batch; // and now and then a wrong CRC
  }

  private async framing(nowMs: number): Promise<Buffer | null> {
    const rnd = this.rnd;
    const a = await this.valid(nowMs);
    switch (rnd.int(5)) {
      case 0:
        return Buffer.concat([a, await this.valid(nowMs)]);
      case 1:
        return Buffer.concat([a, rnd.bytes(1 + rnd.int(70))]);
      case 2: {
        // the length field lies (CRC over what it claims, where that exists)
        const b = Buffer.from(a);
        b.writeInt32BE(
          rnd.pick([0, 48, 49, a.length, a.length + 100, 2 ** 31 - 1, -1]),
          OFFSET_LENGTH,
        );
        return b;
      }
      case 3:
        return rnd.next() < 0.5 ? null : Buffer.alloc(0);
      default:
        return a.subarray(
          0,
          BATCH_HEADER_BYTES + rnd.int(Math.max(1, a.length - BATCH_HEADER_BYTES)),
        );
    }
  }
}

/** `section` with `insert` written at `at` in place of `remove` bytes. */
function spliceAt(section: Buffer, at: number, insert: Buffer, remove: number): Buffer {
  return Buffer.concat([section.subarray(0, at), insert, section.subarray(at + remove)]);
}
