// Record batch v2 (magic 2) headers, read and patched in place. The broker
// never decodes records on the hot path: it reads this fixed 61-byte header,
// checks the CRC32C (which covers everything from `attributes` on), and
// patches `baseOffset` and `partitionLeaderEpoch`, which lie outside the CRC.
//
// Layout: baseOffset int64 | batchLength int32 | partitionLeaderEpoch int32 |
// magic int8 | crc uint32 | attributes int16 | lastOffsetDelta int32 |
// baseTimestamp int64 | maxTimestamp int64 | producerId int64 |
// producerEpoch int16 | baseSequence int32 | recordCount int32 | records...

import { crc32c } from '@node-rs/crc32';

export const BATCH_HEADER_BYTES = 61;
/** Bytes before `batchLength` counts: baseOffset + batchLength itself. */
export const BATCH_LOG_OVERHEAD_BYTES = 12;

export const OFFSET_BASE = 0;
export const OFFSET_LENGTH = 8;
export const OFFSET_LEADER_EPOCH = 12;
export const OFFSET_MAGIC = 16;
export const OFFSET_CRC = 17;
export const OFFSET_ATTRIBUTES = 21;
export const OFFSET_LAST_OFFSET_DELTA = 23;
export const OFFSET_BASE_TIMESTAMP = 27;
export const OFFSET_MAX_TIMESTAMP = 35;
export const OFFSET_PRODUCER_ID = 43;
export const OFFSET_PRODUCER_EPOCH = 51;
export const OFFSET_BASE_SEQUENCE = 53;
export const OFFSET_RECORD_COUNT = 57;

export const COMPRESSION_MASK = 0x07;
export const TIMESTAMP_TYPE_LOG_APPEND = 0x08;
export const ATTR_TRANSACTIONAL = 0x10;
export const ATTR_CONTROL = 0x20;

export enum CompressionType {
  None = 0,
  Gzip = 1,
  Snappy = 2,
  Lz4 = 3,
  Zstd = 4,
}

function readInt64(buf: Buffer, at: number): number {
  return buf.readInt32BE(at) * 0x1_0000_0000 + buf.readUInt32BE(at + 4);
}

function writeInt64(buf: Buffer, at: number, v: number): void {
  buf.writeBigInt64BE(BigInt(v), at);
}

/** A view of one batch's header fields at `at` within `buf`. */
export interface BatchHeader {
  readonly baseOffset: number;
  /** Total bytes of the batch including baseOffset and batchLength. */
  readonly sizeBytes: number;
  readonly partitionLeaderEpoch: number;
  readonly magic: number;
  readonly crc: number;
  readonly attributes: number;
  readonly lastOffsetDelta: number;
  readonly baseTimestamp: number;
  readonly maxTimestamp: number;
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly baseSequence: number;
  readonly recordCount: number;
}

export function readBatchHeader(buf: Buffer, at = 0): BatchHeader {
  return {
    baseOffset: readInt64(buf, at + OFFSET_BASE),
    sizeBytes: buf.readInt32BE(at + OFFSET_LENGTH) + BATCH_LOG_OVERHEAD_BYTES,
    partitionLeaderEpoch: buf.readInt32BE(at + OFFSET_LEADER_EPOCH),
    magic: buf.readInt8(at + OFFSET_MAGIC),
    crc: buf.readUInt32BE(at + OFFSET_CRC),
    attributes: buf.readInt16BE(at + OFFSET_ATTRIBUTES),
    lastOffsetDelta: buf.readInt32BE(at + OFFSET_LAST_OFFSET_DELTA),
    baseTimestamp: readInt64(buf, at + OFFSET_BASE_TIMESTAMP),
    maxTimestamp: readInt64(buf, at + OFFSET_MAX_TIMESTAMP),
    producerId: readInt64(buf, at + OFFSET_PRODUCER_ID),
    producerEpoch: buf.readInt16BE(at + OFFSET_PRODUCER_EPOCH),
    baseSequence: buf.readInt32BE(at + OFFSET_BASE_SEQUENCE),
    recordCount: buf.readInt32BE(at + OFFSET_RECORD_COUNT),
  };
}

/** CRC32C over attributes..end of the batch, as stored in the header. */
export function computeBatchCrc(buf: Buffer, at: number, sizeBytes: number): number {
  return crc32c(buf.subarray(at + OFFSET_ATTRIBUTES, at + sizeBytes)) >>> 0;
}

export function setBaseOffset(buf: Buffer, at: number, baseOffset: number): void {
  writeInt64(buf, at + OFFSET_BASE, baseOffset);
}

export function setPartitionLeaderEpoch(buf: Buffer, at: number, leaderEpoch: number): void {
  buf.writeInt32BE(leaderEpoch, at + OFFSET_LEADER_EPOCH);
}

/** Sets maxTimestamp and the LogAppendTime flag; the CRC must be recomputed afterwards. */
export function setLogAppendTime(
  buf: Buffer,
  at: number,
  sizeBytes: number,
  timestampMs: number,
): void {
  const attrs = buf.readInt16BE(at + OFFSET_ATTRIBUTES) | TIMESTAMP_TYPE_LOG_APPEND;
  buf.writeInt16BE(attrs, at + OFFSET_ATTRIBUTES);
  writeInt64(buf, at + OFFSET_MAX_TIMESTAMP, timestampMs);
  buf.writeUInt32BE(computeBatchCrc(buf, at, sizeBytes), at + OFFSET_CRC);
}

export type BatchProblem =
  | 'truncated'
  | 'bad-length'
  | 'bad-magic'
  | 'bad-crc'
  | 'bad-record-count'
  | 'bad-offset-delta';

/**
 * Checks the batch starting at `at`: enough bytes for its header and stated
 * length, magic 2, CRC, and counts that agree. Returns null when valid.
 */
export function checkBatch(buf: Buffer, at: number, end = buf.length): BatchProblem | null {
  if (end - at < BATCH_HEADER_BYTES) return 'truncated';
  const length = buf.readInt32BE(at + OFFSET_LENGTH);
  if (length < BATCH_HEADER_BYTES - BATCH_LOG_OVERHEAD_BYTES) return 'bad-length';
  const sizeBytes = length + BATCH_LOG_OVERHEAD_BYTES;
  if (end - at < sizeBytes) return 'truncated';
  if (buf.readInt8(at + OFFSET_MAGIC) !== 2) return 'bad-magic';
  const count = buf.readInt32BE(at + OFFSET_RECORD_COUNT);
  const lastDelta = buf.readInt32BE(at + OFFSET_LAST_OFFSET_DELTA);
  if (count < 0) return 'bad-record-count';
  if (lastDelta < 0 || (count > 0 && lastDelta < count - 1)) return 'bad-offset-delta';
  if (computeBatchCrc(buf, at, sizeBytes) !== buf.readUInt32BE(at + OFFSET_CRC)) return 'bad-crc';
  return null;
}

/** Walks the batches in `buf`, calling `visit(at, sizeBytes)`; stops at the first incomplete one. */
export function forEachBatch(buf: Buffer, visit: (at: number, sizeBytes: number) => void): number {
  let at = 0;
  while (buf.length - at >= BATCH_LOG_OVERHEAD_BYTES) {
    const sizeBytes = buf.readInt32BE(at + OFFSET_LENGTH) + BATCH_LOG_OVERHEAD_BYTES;
    if (sizeBytes < BATCH_HEADER_BYTES || at + sizeBytes > buf.length) break;
    visit(at, sizeBytes);
    at += sizeBytes;
  }
  return at;
}
