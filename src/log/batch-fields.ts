// Single-field readers for a stored v2 batch header. The log reads two or three
// header fields per batch on its hot paths, so it avoids building the full
// BatchHeader object that protocol/record-batch.ts returns.

import {
  BATCH_LOG_OVERHEAD_BYTES,
  COMPRESSION_MASK,
  OFFSET_ATTRIBUTES,
  OFFSET_BASE,
  OFFSET_BASE_TIMESTAMP,
  OFFSET_LAST_OFFSET_DELTA,
  OFFSET_LENGTH,
  OFFSET_MAGIC,
  OFFSET_MAX_TIMESTAMP,
  OFFSET_RECORD_COUNT,
  TIMESTAMP_TYPE_LOG_APPEND,
} from '../protocol/record-batch.ts';

/** The magic byte of the only batch format the log stores. */
export const BATCH_MAGIC_V2 = 2;

export function readInt64(buf: Buffer, at: number): number {
  return buf.readInt32BE(at) * 0x1_0000_0000 + buf.readUInt32BE(at + 4);
}

export function batchBaseOffset(buf: Buffer, at: number): number {
  return readInt64(buf, at + OFFSET_BASE);
}

/** Whole batch size: batchLength plus the 12 bytes before it counts from. */
export function batchSizeBytes(buf: Buffer, at: number): number {
  return buf.readInt32BE(at + OFFSET_LENGTH) + BATCH_LOG_OVERHEAD_BYTES;
}

export function batchMagic(buf: Buffer, at: number): number {
  return buf.readInt8(at + OFFSET_MAGIC);
}

export function batchAttributes(buf: Buffer, at: number): number {
  return buf.readInt16BE(at + OFFSET_ATTRIBUTES);
}

export function batchLastOffsetDelta(buf: Buffer, at: number): number {
  return buf.readInt32BE(at + OFFSET_LAST_OFFSET_DELTA);
}

export function batchBaseTimestamp(buf: Buffer, at: number): number {
  return readInt64(buf, at + OFFSET_BASE_TIMESTAMP);
}

export function batchMaxTimestamp(buf: Buffer, at: number): number {
  return readInt64(buf, at + OFFSET_MAX_TIMESTAMP);
}

export function batchRecordCount(buf: Buffer, at: number): number {
  return buf.readInt32BE(at + OFFSET_RECORD_COUNT);
}

export function isCompressed(attributes: number): boolean {
  return (attributes & COMPRESSION_MASK) !== 0;
}

export function isLogAppendTime(attributes: number): boolean {
  return (attributes & TIMESTAMP_TYPE_LOG_APPEND) !== 0;
}
