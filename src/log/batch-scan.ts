// Walks the batches stored in a byte range of a segment file. The header scan
// reads only headers (in chunks, so small batches cost one read per chunk) and
// serves index lookups; the full scan reads whole batches and checks each CRC,
// for recovery. Both stop at the first batch that is torn or malformed.

import {
  BATCH_HEADER_BYTES,
  BATCH_LOG_OVERHEAD_BYTES,
  type BatchProblem,
  checkBatch,
} from '../protocol/record-batch.ts';
import {
  BATCH_MAGIC_V2,
  batchAttributes,
  batchBaseOffset,
  batchLastOffsetDelta,
  batchMagic,
  batchMaxTimestamp,
  batchSizeBytes,
} from './batch-fields.ts';

/** What one header says, without reading the batch's records. */
export interface BatchSummary {
  readonly position: number;
  readonly sizeBytes: number;
  readonly baseOffset: number;
  readonly lastOffset: number;
  /**
   * The header's maxTimestamp, or -1 (no timestamp) when it is beyond what a
   * number holds exactly (|t| >= 2^53): such a value, stored before produce
   * validation refused it, must never reach an index.
   */
  readonly maxTimestampMs: number;
  /** True when the header's maxTimestamp was such a value and is ignored. */
  readonly maxTimestampIgnored: boolean;
  readonly attributes: number;
}

/** Reads up to `length` bytes at `position`; fewer only at the end of the data. */
export type ByteReader = (position: number, length: number) => Promise<Buffer>;

export type ScanEnd = 'complete' | 'stopped' | BatchProblem;

export interface ScanResult {
  /** Where the scan ended: after the last visited batch, or at the stopping batch. */
  readonly position: number;
  readonly end: ScanEnd;
}

export const HEADER_SCAN_CHUNK_BYTES = 16 * 1024;
export const FULL_SCAN_CHUNK_BYTES = 1024 * 1024;

export function summarize(buf: Buffer, at: number, position: number): BatchSummary {
  const baseOffset = batchBaseOffset(buf, at);
  const maxTimestampMs = batchMaxTimestamp(buf, at);
  const maxTimestampIgnored = !Number.isSafeInteger(maxTimestampMs);
  return {
    position,
    sizeBytes: batchSizeBytes(buf, at),
    baseOffset,
    lastOffset: baseOffset + batchLastOffsetDelta(buf, at),
    maxTimestampMs: maxTimestampIgnored ? -1 : maxTimestampMs,
    maxTimestampIgnored,
    attributes: batchAttributes(buf, at),
  };
}

/** Checks what a header scan can check without the records: length and magic. */
function headerProblem(buf: Buffer, at: number, remainingBytes: number): BatchProblem | null {
  if (remainingBytes < BATCH_HEADER_BYTES) return 'truncated';
  const sizeBytes = batchSizeBytes(buf, at);
  if (sizeBytes < BATCH_HEADER_BYTES) return 'bad-length';
  if (sizeBytes > remainingBytes) return 'truncated';
  if (batchMagic(buf, at) !== BATCH_MAGIC_V2) return 'bad-magic';
  if (batchLastOffsetDelta(buf, at) < 0) return 'bad-offset-delta';
  return null;
}

/**
 * Visits batch headers in [from, to); `visit` returns true to stop at that batch.
 */
export async function scanBatchHeaders(
  read: ByteReader,
  range: { from: number; to: number },
  visit: (batch: BatchSummary) => boolean,
): Promise<ScanResult> {
  let chunk: Buffer = Buffer.alloc(0);
  let chunkPosition = range.from;
  let position = range.from;
  while (position < range.to) {
    if (position + BATCH_HEADER_BYTES > chunkPosition + chunk.length) {
      const length = Math.min(HEADER_SCAN_CHUNK_BYTES, range.to - position);
      chunk = await read(position, length);
      chunkPosition = position;
    }
    const at = position - chunkPosition;
    const available = Math.min(chunk.length - at, range.to - position);
    const problem =
      available < BATCH_HEADER_BYTES ? 'truncated' : headerProblem(chunk, at, range.to - position);
    if (problem) return { position, end: problem };
    const batch = summarize(chunk, at, position);
    if (visit(batch)) return { position, end: 'stopped' };
    position += batch.sizeBytes;
  }
  return { position, end: 'complete' };
}

/**
 * Visits whole, CRC-checked batches in [from, to): `visit` gets the bytes and may
 * return a problem of its own (offsets going backwards) to end the scan there.
 */
export async function scanFullBatches(
  read: ByteReader,
  range: { from: number; to: number },
  visit: (buf: Buffer, at: number, batch: BatchSummary) => string | null,
): Promise<{ position: number; problem: string | null }> {
  let chunk: Buffer = Buffer.alloc(0);
  let chunkPosition = range.from;
  let position = range.from;
  while (position < range.to) {
    let at = position - chunkPosition;
    if (at + BATCH_LOG_OVERHEAD_BYTES > chunk.length) {
      chunk = await read(position, Math.min(FULL_SCAN_CHUNK_BYTES, range.to - position));
      chunkPosition = position;
      at = 0;
    }
    if (chunk.length - at < BATCH_LOG_OVERHEAD_BYTES) return { position, problem: 'truncated' };
    const sizeBytes = batchSizeBytes(chunk, at);
    const magicKnown = chunk.length - at > BATCH_LOG_OVERHEAD_BYTES + 4;
    if (magicKnown && batchMagic(chunk, at) !== BATCH_MAGIC_V2)
      return { position, problem: 'bad-magic' };
    if (sizeBytes >= BATCH_HEADER_BYTES && at + sizeBytes > chunk.length) {
      // The batch runs past this chunk: read it (and what follows) from its start.
      const length = Math.min(Math.max(FULL_SCAN_CHUNK_BYTES, sizeBytes), range.to - position);
      chunk = await read(position, length);
      chunkPosition = position;
      at = 0;
    }
    const problem = checkBatch(chunk, at, Math.min(chunk.length, range.to - chunkPosition));
    if (problem) return { position, problem };
    const visitProblem = visit(chunk, at, summarize(chunk, at, position));
    if (visitProblem) return { position, problem: visitProblem };
    position += sizeBytes;
  }
  return { position, problem: null };
}
