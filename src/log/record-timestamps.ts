// Finds a record by timestamp inside one uncompressed v2 batch, for ListOffsets
// by time. It decodes only each record's length, timestamp delta and offset
// delta (zigzag varints) and skips the rest; keys, values and headers are never
// touched. Compressed batches are the caller's to handle (it answers per batch).

import { BATCH_HEADER_BYTES } from '../protocol/record-batch.ts';
import { batchBaseOffset, batchBaseTimestamp, batchRecordCount } from './batch-fields.ts';

export interface RecordTimestamp {
  readonly offset: number;
  readonly timestampMs: number;
}

class VarintCursor {
  constructor(
    private readonly buf: Buffer,
    public position: number,
    private readonly end: number,
  ) {}

  /** A zigzag varint or varlong of up to 10 bytes, exact up to 2^53. */
  readZigzag(): number {
    let raw = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.position >= this.end) throw new RangeError('varint runs past the batch');
      const byte = this.buf[this.position++]!;
      raw += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
      scale *= 128;
    }
    throw new RangeError('varint longer than 10 bytes');
  }
}

/**
 * The first record with timestamp >= targetMs and offset >= minOffset in the
 * batch at `at`, or null when none (or when the records are malformed).
 */
export function findRecordAtTimestamp(
  batch: Buffer,
  at: number,
  sizeBytes: number,
  target: { timestampMs: number; minOffset: number },
): RecordTimestamp | null {
  const baseOffset = batchBaseOffset(batch, at);
  const baseTimestamp = batchBaseTimestamp(batch, at);
  const count = batchRecordCount(batch, at);
  const cursor = new VarintCursor(batch, at + BATCH_HEADER_BYTES, at + sizeBytes);
  try {
    for (let i = 0; i < count; i++) {
      const length = cursor.readZigzag();
      if (length < 1) return null;
      const recordStart = cursor.position;
      cursor.position += 1; // attributes
      const timestampMs = baseTimestamp + cursor.readZigzag();
      const offset = baseOffset + cursor.readZigzag();
      if (timestampMs >= target.timestampMs && offset >= target.minOffset) {
        return { offset, timestampMs };
      }
      cursor.position = recordStart + length;
    }
  } catch (err) {
    if (err instanceof RangeError) return null;
    throw err;
  }
  return null;
}
