// Rewrites one stored batch for the log cleaner: keeps the records the caller
// chooses and leaves the batch's offsets as they were (baseOffset and
// lastOffsetDelta unchanged, so producer sequences still line up and offsets
// may have gaps). Kept records are copied as bytes; a compressed batch is
// decompressed and recompressed with its own codec. A batch with tombstones or
// a transaction marker gets its delete horizon (KIP-534: attribute bit 6 with
// the horizon in baseTimestamp, record timestamp deltas shifted to match) the
// first time a clean keeps it, so a later clean knows when it may drop them.

import { compress, decompress } from '../protocol/compression.ts';
import {
  BATCH_HEADER_BYTES,
  BATCH_LOG_OVERHEAD_BYTES,
  COMPRESSION_MASK,
  CompressionType,
  computeBatchCrc,
  OFFSET_ATTRIBUTES,
  OFFSET_BASE_TIMESTAMP,
  OFFSET_CRC,
  OFFSET_LENGTH,
  OFFSET_MAX_TIMESTAMP,
  OFFSET_RECORD_COUNT,
  TIMESTAMP_TYPE_LOG_APPEND,
} from '../protocol/record-batch.ts';
import { batchAttributes, batchBaseOffset, batchBaseTimestamp, readInt64 } from './batch-fields.ts';
import { type RecordSpan, recordWithTimestampDelta, walkRecordSpans } from './record-spans.ts';

/** Kafka's attribute bit saying baseTimestamp holds the batch's delete horizon (KIP-534). */
export const ATTR_DELETE_HORIZON = 0x40;

/** The delete horizon a batch carries, or null when none has been set. */
export function batchDeleteHorizonMs(buf: Buffer, at: number): number | null {
  return (batchAttributes(buf, at) & ATTR_DELETE_HORIZON) !== 0
    ? batchBaseTimestamp(buf, at)
    : null;
}

/** A record as the cleaner's retention decision sees it. */
export interface CleanerRecord {
  readonly offset: number;
  /** The section the key lies in: key bytes are section[keyStart, keyStart + keyLength). */
  readonly section: Buffer;
  readonly keyStart: number;
  /** -1 for a null key. */
  readonly keyLength: number;
  readonly isTombstone: boolean;
}

export interface RewriteOptions {
  /** Whether a record stays. */
  readonly retain: (record: CleanerRecord) => boolean;
  /** Keep the header as an empty batch when no record stays (a producer's last batch). */
  readonly keepEmpty: boolean;
  /**
   * The horizon to stamp when a kept record needs one (a tombstone, or any record of
   * a marker batch with `horizonForAll`) and the batch has none yet; null stamps nothing.
   */
  readonly horizonMs: number | null;
  /** Every kept record needs a horizon (transaction markers). */
  readonly horizonForAll?: boolean;
  /** Largest decompressed records section accepted. */
  readonly maxBytes: number;
}

export interface RewriteCounts {
  /** Records the batch held. */
  readonly records: number;
  /** Records kept. */
  readonly kept: number;
  /** Kept records that need a delete horizon (tombstones, or all with horizonForAll). */
  readonly awaitingHorizon: number;
  /** The delete horizon the kept batch carries, null when none. */
  readonly horizonMs: number | null;
}

export type RewriteResult =
  | ({ readonly kind: 'unchanged' } & RewriteCounts)
  | ({ readonly kind: 'dropped' } & RewriteCounts)
  | ({ readonly kind: 'rewritten'; readonly bytes: Buffer } & RewriteCounts);

interface Kept {
  readonly start: number;
  readonly end: number;
  readonly timestampDelta: number;
}

/**
 * Applies `options.retain` to each record of the batch `batch[at, at + size)` (CRC
 * already checked by the caller). Returns 'unchanged' when every record stays and
 * no horizon is to be stamped, so the caller can copy the stored bytes.
 */
export async function rewriteBatch(
  batch: Buffer,
  at: number,
  options: RewriteOptions,
): Promise<RewriteResult> {
  const sizeBytes = batch.readInt32BE(at + OFFSET_LENGTH) + BATCH_LOG_OVERHEAD_BYTES;
  const attributes = batchAttributes(batch, at);
  const codec = (attributes & COMPRESSION_MASK) as CompressionType;
  const stored = batch.subarray(at + BATCH_HEADER_BYTES, at + sizeBytes);
  const section =
    codec === CompressionType.None
      ? stored
      : await decompress(codec, stored, { maxBytes: options.maxBytes });
  const baseOffset = batchBaseOffset(batch, at);
  const hasHorizon = (attributes & ATTR_DELETE_HORIZON) !== 0;
  const kept: Kept[] = [];
  let awaitingHorizon = 0;
  let total = 0;
  const view = {
    offset: 0,
    section,
    keyStart: 0,
    keyLength: -1,
    isTombstone: false,
  };
  walkRecordSpans(section, (span: RecordSpan) => {
    total += 1;
    view.offset = baseOffset + span.offsetDelta;
    view.keyStart = span.keyStart;
    view.keyLength = span.keyLength;
    view.isTombstone = span.valueLength < 0;
    if (!options.retain(view)) return;
    kept.push({ start: span.start, end: span.end, timestampDelta: span.timestampDelta });
    if (view.isTombstone || options.horizonForAll === true) awaitingHorizon += 1;
  });
  const stampHorizon = awaitingHorizon > 0 && !hasHorizon && options.horizonMs !== null;
  const oldBase = batchBaseTimestamp(batch, at);
  const counts = {
    records: total,
    kept: kept.length,
    awaitingHorizon,
    horizonMs: stampHorizon ? options.horizonMs : hasHorizon ? oldBase : null,
  };
  if (kept.length === total && !stampHorizon) return { kind: 'unchanged', ...counts };
  if (kept.length === 0) {
    if (!options.keepEmpty) return { kind: 'dropped', ...counts };
    return { kind: 'rewritten', bytes: emptyBatch(batch, at), ...counts, horizonMs: null };
  }
  const newBase = stampHorizon ? options.horizonMs! : oldBase;
  const parts: Buffer[] = [];
  let maxTimestamp = -1;
  for (const k of kept) {
    const timestamp = oldBase + k.timestampDelta;
    if (timestamp > maxTimestamp) maxTimestamp = timestamp;
    if (newBase === oldBase) {
      parts.push(section.subarray(k.start, k.end));
    } else {
      const span = { start: k.start, end: k.end } as RecordSpan;
      parts.push(recordWithTimestampDelta(section, span, timestamp - newBase));
    }
  }
  const plain = Buffer.concat(parts);
  const body = codec === CompressionType.None ? plain : await compress(codec, plain);
  const out = Buffer.allocUnsafe(BATCH_HEADER_BYTES + body.length);
  batch.copy(out, 0, at, at + BATCH_HEADER_BYTES);
  body.copy(out, BATCH_HEADER_BYTES);
  out.writeInt32BE(out.length - BATCH_LOG_OVERHEAD_BYTES, OFFSET_LENGTH);
  const newAttributes = stampHorizon ? attributes | ATTR_DELETE_HORIZON : attributes;
  out.writeInt16BE(newAttributes, OFFSET_ATTRIBUTES);
  writeInt64(out, OFFSET_BASE_TIMESTAMP, newBase);
  // LogAppendTime batches keep the broker's stamp; CreateTime ones the newest record kept.
  if ((attributes & TIMESTAMP_TYPE_LOG_APPEND) === 0) {
    writeInt64(out, OFFSET_MAX_TIMESTAMP, maxTimestamp);
  }
  out.writeInt32BE(kept.length, OFFSET_RECORD_COUNT);
  out.writeUInt32BE(computeBatchCrc(out, 0, out.length), OFFSET_CRC);
  return { kind: 'rewritten', bytes: out, ...counts };
}

/** The batch's header with no records: offsets, producer fields and flags as they were. */
function emptyBatch(batch: Buffer, at: number): Buffer {
  const out = Buffer.allocUnsafe(BATCH_HEADER_BYTES);
  batch.copy(out, 0, at, at + BATCH_HEADER_BYTES);
  out.writeInt32BE(BATCH_HEADER_BYTES - BATCH_LOG_OVERHEAD_BYTES, OFFSET_LENGTH);
  const attributes = batchAttributes(batch, at) & ~COMPRESSION_MASK & ~ATTR_DELETE_HORIZON;
  out.writeInt16BE(attributes, OFFSET_ATTRIBUTES);
  const maxTimestamp = readInt64(batch, at + OFFSET_MAX_TIMESTAMP);
  writeInt64(out, OFFSET_BASE_TIMESTAMP, maxTimestamp);
  out.writeInt32BE(0, OFFSET_RECORD_COUNT);
  out.writeUInt32BE(computeBatchCrc(out, 0, out.length), OFFSET_CRC);
  return out;
}

function writeInt64(buf: Buffer, at: number, v: number): void {
  buf.writeBigInt64BE(BigInt(v), at);
}
