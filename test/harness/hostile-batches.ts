// Record batches a hostile or broken producer might send: valid-looking v2
// batches (correct CRC, plausible header) whose contents lie — timestamps
// far away or beyond 2^53, counts that do not match, record lengths and
// header counts of 2^31-1, garbage records, invalid or lying compressed
// payloads and decompression bombs. Used by the validation regression tests
// and by the request fuzzer; every builder returns a complete, CRC-correct
// batch unless it says otherwise.

import { crc32c } from '@node-rs/crc32';
import { compress } from '../../src/protocol/compression.ts';
import {
  BATCH_HEADER_BYTES,
  BATCH_LOG_OVERHEAD_BYTES,
  CompressionType,
  OFFSET_ATTRIBUTES,
  OFFSET_BASE_TIMESTAMP,
  OFFSET_CRC,
  OFFSET_LAST_OFFSET_DELTA,
  OFFSET_LENGTH,
  OFFSET_MAX_TIMESTAMP,
  OFFSET_RECORD_COUNT,
} from '../../src/protocol/record-batch.ts';
import { type BatchRecord, encodeRecords } from '../../src/protocol/records.ts';

export interface HeaderFields {
  readonly attributes?: number;
  readonly baseOffset?: bigint;
  readonly lastOffsetDelta?: number;
  readonly baseTimestamp?: bigint;
  readonly maxTimestamp?: bigint;
  readonly producerId?: bigint;
  readonly recordCount?: number;
  readonly magic?: number;
}

/** A batch around an arbitrary records section, header fields as given, CRC correct. */
export function assembleBatch(section: Buffer, fields: HeaderFields = {}): Buffer {
  const sizeBytes = BATCH_HEADER_BYTES + section.length;
  const b = Buffer.alloc(sizeBytes);
  const count = fields.recordCount ?? 1;
  b.writeBigInt64BE(fields.baseOffset ?? 0n, 0);
  b.writeInt32BE(sizeBytes - BATCH_LOG_OVERHEAD_BYTES, OFFSET_LENGTH);
  b.writeInt32BE(-1, 12);
  b.writeInt8(fields.magic ?? 2, 16);
  b.writeInt16BE(fields.attributes ?? 0, OFFSET_ATTRIBUTES);
  b.writeInt32BE(fields.lastOffsetDelta ?? count - 1, OFFSET_LAST_OFFSET_DELTA);
  const now = BigInt(Date.now());
  b.writeBigInt64BE(fields.baseTimestamp ?? now, OFFSET_BASE_TIMESTAMP);
  b.writeBigInt64BE(fields.maxTimestamp ?? fields.baseTimestamp ?? now, OFFSET_MAX_TIMESTAMP);
  b.writeBigInt64BE(fields.producerId ?? -1n, 43);
  b.writeInt16BE(-1, 51);
  b.writeInt32BE(-1, 53);
  b.writeInt32BE(count, OFFSET_RECORD_COUNT);
  section.copy(b, BATCH_HEADER_BYTES);
  return withCrc(b);
}

/** Recomputes the CRC after a header or records patch. */
export function withCrc(batch: Buffer): Buffer {
  batch.writeUInt32BE(crc32c(batch.subarray(OFFSET_ATTRIBUTES)) >>> 0, OFFSET_CRC);
  return batch;
}

/** `n` ordinary records with keys `k<i>` and values `v<i>`, timestamps base + deltas. */
export function plainRecords(
  n: number,
  opts: { valueBytes?: number; timestampDelta?: (i: number) => number; keyless?: boolean } = {},
): Buffer {
  const list: BatchRecord[] = [];
  for (let i = 0; i < n; i++) {
    const value =
      opts.valueBytes === undefined
        ? Buffer.from(`v${i}`)
        : Buffer.alloc(opts.valueBytes, 0x61 + (i % 26));
    list.push({
      offsetDelta: i,
      timestampDelta: opts.timestampDelta?.(i) ?? 0,
      key: opts.keyless ? null : Buffer.from(`k${i}`),
      value,
      headers: [],
    });
  }
  return encodeRecords(list);
}

/** A valid batch of `n` records at `timestampMs` (default now), in `codec`. */
export async function validBatch(
  n: number,
  opts: {
    codec?: CompressionType;
    timestampMs?: number;
    valueBytes?: number;
    keyless?: boolean;
  } = {},
): Promise<Buffer> {
  const codec = opts.codec ?? CompressionType.None;
  const section = await compress(codec, plainRecords(n, opts));
  const ts = BigInt(opts.timestampMs ?? Date.now());
  return assembleBatch(section, {
    attributes: codec,
    recordCount: n,
    baseTimestamp: ts,
    maxTimestamp: ts,
  });
}

/** Sets the header's maxTimestamp (any int64) and fixes the CRC. */
export function withMaxTimestamp(batch: Buffer, maxTimestamp: bigint): Buffer {
  const b = Buffer.from(batch);
  b.writeBigInt64BE(maxTimestamp, OFFSET_MAX_TIMESTAMP);
  return withCrc(b);
}

/** Sets recordCount and lastOffsetDelta (consistently, unless told) and fixes the CRC. */
export function withCount(batch: Buffer, count: number, lastOffsetDelta = count - 1): Buffer {
  const b = Buffer.from(batch);
  b.writeInt32BE(count, OFFSET_RECORD_COUNT);
  b.writeInt32BE(lastOffsetDelta, OFFSET_LAST_OFFSET_DELTA);
  return withCrc(b);
}

/** zigzag(2^31-1) as a 5-byte varint. */
export const VARINT_INT32_MAX = Buffer.from([0xfe, 0xff, 0xff, 0xff, 0x0f]);

/** One record whose length prefix says 2^31-1 bytes. */
export function recordLengthMaxSection(): Buffer {
  const one = plainRecords(1);
  return Buffer.concat([VARINT_INT32_MAX, one.subarray(1)]);
}

/** One record (no headers) whose header count says 2^31-1, its length adjusted to match. */
export function headerCountMaxSection(): Buffer {
  const one = plainRecords(1);
  const body = Buffer.concat([one.subarray(1, one.length - 1), VARINT_INT32_MAX]);
  return Buffer.concat([Buffer.from([body.length * 2]), body]);
}

/**
 * A zstd frame of `blocks` RLE blocks, each regenerating 128 KiB of one byte,
 * with no content size in its header: a few bytes per block, 128 KiB out each.
 */
export function zstdRleBomb(blocks: number): Buffer {
  const header = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x70]); // magic, FHD 0, window 2^24
  const parts: Buffer[] = [header];
  const blockBytes = 128 * 1024;
  for (let i = 0; i < blocks; i++) {
    const last = i === blocks - 1 ? 1 : 0;
    const word = (blockBytes << 3) | (1 << 1) | last; // RLE block
    parts.push(Buffer.from([word & 0xff, (word >> 8) & 0xff, (word >> 16) & 0xff, 0x00]));
  }
  return Buffer.concat(parts);
}

/** A raw snappy block whose preamble declares `declared` bytes but holds a few. */
export function snappyLyingPreamble(declared: number): Buffer {
  const pre: number[] = [];
  let rest = declared;
  while (rest >= 0x80) {
    pre.push((rest % 128) | 0x80);
    rest = Math.floor(rest / 128);
  }
  pre.push(rest);
  return Buffer.concat([Buffer.from(pre), Buffer.from([0x0c, 0x61, 0x62, 0x63, 0x64])]);
}

function unsignedVarint(u: number): Buffer {
  const out: number[] = [];
  let rest = u;
  while (rest >= 0x80) {
    out.push((rest % 128) | 0x80);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
  return Buffer.from(out);
}

/**
 * The start of a records section holding one well-formed record whose value
 * is `valueBytes` long: what precedes the value's bytes. Followed by that
 * many bytes (zeros compress best) and one 0 byte (no headers) it is valid;
 * a bomb made of it looks sound to a validator until its size gives it away.
 */
export function bigRecordPrefix(valueBytes: number): Buffer {
  const valueLength = unsignedVarint(valueBytes * 2); // zigzag
  const bodyBytes = 4 + valueLength.length + valueBytes + 1;
  // attributes, timestamp delta 0, offset delta 0, key null (zigzag -1 = 1)
  return Buffer.concat([unsignedVarint(bodyBytes * 2), Buffer.from([0, 0, 0, 1]), valueLength]);
}
