// Builds valid record batch v2 bytes for tests: the 61-byte header with its
// CRC32C and simple records (zigzag varint fields, no headers), uncompressed or
// gzip-compressed. Written from the format description so tests of the log, the
// protocol and the API handlers can make batches without a client library.

import { gzipSync } from 'node:zlib';
import { crc32c } from '@node-rs/crc32';
import {
  ATTR_TRANSACTIONAL,
  BATCH_HEADER_BYTES,
  BATCH_LOG_OVERHEAD_BYTES,
  CompressionType,
  OFFSET_ATTRIBUTES,
  OFFSET_CRC,
} from '../../protocol/record-batch.ts';

export interface TestRecord {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  /** Defaults to the batch's base timestamp. */
  readonly timestampMs?: number;
}

export interface TestBatchOptions {
  readonly records: readonly TestRecord[];
  /** Defaults to the first record's timestamp, else 0. */
  readonly baseTimestampMs?: number;
  readonly baseOffset?: number;
  readonly partitionLeaderEpoch?: number;
  readonly compression?: 'none' | 'gzip';
  readonly producerId?: number;
  readonly producerEpoch?: number;
  readonly baseSequence?: number;
  /** Sets the transactional attribute (a producer's batch inside a transaction). */
  readonly transactional?: boolean;
}

function zigzag(value: number): number {
  return value >= 0 ? value * 2 : -value * 2 - 1;
}

/** Unsigned LEB128 of a zigzag-encoded value, exact up to 2^53. */
function varint(value: number): Buffer {
  let rest = zigzag(value);
  const bytes: number[] = [];
  while (rest >= 0x80) {
    bytes.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

function encodeRecord(record: TestRecord, index: number, baseTimestampMs: number): Buffer {
  const timestampMs = record.timestampMs ?? baseTimestampMs;
  const body = Buffer.concat([
    Buffer.from([0]), // attributes
    varint(timestampMs - baseTimestampMs),
    varint(index),
    varint(record.key === null ? -1 : record.key.length),
    record.key ?? Buffer.alloc(0),
    varint(record.value === null ? -1 : record.value.length),
    record.value ?? Buffer.alloc(0),
    varint(0), // header count
  ]);
  return Buffer.concat([varint(body.length), body]);
}

/** One complete v2 batch holding `records` (at least one). */
export function buildTestBatch(options: TestBatchOptions): Buffer {
  const { records } = options;
  if (records.length === 0) throw new RangeError('a test batch needs at least one record');
  const baseTimestampMs = options.baseTimestampMs ?? records[0]?.timestampMs ?? 0;
  const maxTimestampMs = Math.max(...records.map((r) => r.timestampMs ?? baseTimestampMs));
  const plain = Buffer.concat(records.map((r, i) => encodeRecord(r, i, baseTimestampMs)));
  const gzip = options.compression === 'gzip';
  const body = gzip ? gzipSync(plain) : plain;
  const batch = Buffer.alloc(BATCH_HEADER_BYTES + body.length);
  batch.writeBigInt64BE(BigInt(options.baseOffset ?? 0), 0);
  batch.writeInt32BE(batch.length - BATCH_LOG_OVERHEAD_BYTES, 8);
  batch.writeInt32BE(options.partitionLeaderEpoch ?? -1, 12);
  batch.writeInt8(2, 16);
  const codec = gzip ? CompressionType.Gzip : CompressionType.None;
  batch.writeInt16BE(
    codec | (options.transactional === true ? ATTR_TRANSACTIONAL : 0),
    OFFSET_ATTRIBUTES,
  );
  batch.writeInt32BE(records.length - 1, 23);
  batch.writeBigInt64BE(BigInt(baseTimestampMs), 27);
  batch.writeBigInt64BE(BigInt(maxTimestampMs), 35);
  batch.writeBigInt64BE(BigInt(options.producerId ?? -1), 43);
  batch.writeInt16BE(options.producerEpoch ?? -1, 51);
  batch.writeInt32BE(options.baseSequence ?? -1, 53);
  batch.writeInt32BE(records.length, 57);
  body.copy(batch, BATCH_HEADER_BYTES);
  batch.writeUInt32BE(crc32c(batch.subarray(OFFSET_ATTRIBUTES)) >>> 0, OFFSET_CRC);
  return batch;
}

/** A batch of `count` records whose values are `${prefix}${i}`, all at `timestampMs`. */
export function buildValueBatch(prefix: string, count: number, timestampMs = 0): Buffer {
  const records = Array.from({ length: count }, (_, i) => ({
    key: null,
    value: Buffer.from(`${prefix}${i}`),
    timestampMs,
  }));
  return buildTestBatch({ records, baseTimestampMs: timestampMs });
}

export interface DecodedTestRecord {
  readonly offset: number;
  readonly timestampMs: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
}

/** Decodes every record of the uncompressed v2 batches in `bytes`, for assertions. */
export function decodeTestRecords(bytes: Buffer): DecodedTestRecord[] {
  const out: DecodedTestRecord[] = [];
  let at = 0;
  while (at < bytes.length) {
    const sizeBytes = bytes.readInt32BE(at + 8) + BATCH_LOG_OVERHEAD_BYTES;
    const baseOffset = Number(bytes.readBigInt64BE(at));
    const baseTimestampMs = Number(bytes.readBigInt64BE(at + 27));
    const count = bytes.readInt32BE(at + 57);
    if ((bytes.readInt16BE(at + OFFSET_ATTRIBUTES) & 0x07) !== 0) {
      throw new Error('decodeTestRecords handles uncompressed batches only');
    }
    const cursor = { pos: at + BATCH_HEADER_BYTES };
    for (let i = 0; i < count; i++) {
      readVarint(bytes, cursor); // record length
      cursor.pos += 1; // attributes
      const timestampMs = baseTimestampMs + readVarint(bytes, cursor);
      const offset = baseOffset + readVarint(bytes, cursor);
      const key = readBytes(bytes, cursor);
      const value = readBytes(bytes, cursor);
      const headers = readVarint(bytes, cursor);
      if (headers !== 0) throw new Error('decodeTestRecords does not read record headers');
      out.push({ offset, timestampMs, key, value });
    }
    at += sizeBytes;
  }
  return out;
}

function readVarint(bytes: Buffer, cursor: { pos: number }): number {
  let raw = 0;
  let scale = 1;
  for (;;) {
    const byte = bytes[cursor.pos++];
    if (byte === undefined) throw new RangeError('varint past the end');
    raw += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) break;
    scale *= 128;
  }
  return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
}

function readBytes(bytes: Buffer, cursor: { pos: number }): Buffer | null {
  const length = readVarint(bytes, cursor);
  if (length < 0) return null;
  const out = bytes.subarray(cursor.pos, cursor.pos + length);
  cursor.pos += length;
  return out;
}
