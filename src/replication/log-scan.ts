// Walks the batch headers of a partition log through its public read API,
// for the state a partition rebuilds on open (idempotent producers, leader
// epochs) and for rare lookups (the offset of the largest timestamp). Reads
// go in bounded chunks; records are never decoded.

import type { PartitionLog } from '../log/partition-log.ts';
import { type BatchHeader, forEachBatch, readBatchHeader } from '../protocol/record-batch.ts';

const SCAN_CHUNK_BYTES = 1024 * 1024;

/** Calls visit for each batch header with offsets in [fromOffset, toOffset), at most the log end. */
export function scanBatchHeaders(
  log: PartitionLog,
  fromOffset: number,
  visit: (h: BatchHeader) => void,
  toOffset = log.logEndOffset,
): Promise<void> {
  return scanBatches(log, fromOffset, (h) => visit(h), toOffset);
}

/**
 * As scanBatchHeaders, also giving the bytes the batch sits in and where, for
 * the few batches a caller must look into (transaction markers).
 */
export async function scanBatches(
  log: PartitionLog,
  fromOffset: number,
  visit: (h: BatchHeader, bytes: Buffer, at: number) => void,
  toOffset = log.logEndOffset,
): Promise<void> {
  let next = Math.max(fromOffset, log.logStartOffset);
  const end = Math.min(toOffset, log.logEndOffset);
  while (next < end) {
    const r = await log.read(next, SCAN_CHUNK_BYTES, { maxOffset: end, minOneBatch: true });
    if (r.records === null || r.records.length === 0) return;
    const records = r.records;
    let last = next;
    forEachBatch(records, (at) => {
      const h = readBatchHeader(records, at);
      last = h.baseOffset + h.lastOffsetDelta + 1;
      if (last > next) visit(h, records, at);
    });
    if (last <= next) return;
    next = last;
  }
}

/** The header of the batch holding `offset` (one batch read), or null past the log end. */
async function batchHeaderAt(log: PartitionLog, offset: number): Promise<BatchHeader | null> {
  const r = await log.read(offset, 1, { maxOffset: log.logEndOffset, minOneBatch: true });
  return r.records === null || r.records.length === 0 ? null : readBatchHeader(r.records, 0);
}

/**
 * Visits (leader epoch, base offset) of batches across the whole log, oldest
 * first, enough to rebuild the leader-epoch history: every epoch is visited at
 * its first batch. Epochs never decrease along a log, so a segment whose first
 * and last batches carry the same epoch holds only that one and costs two
 * one-batch reads; only segments where the epoch changes are scanned batch by
 * batch. A log of many segments is thus rebuilt without reading all its bytes.
 */
export async function scanLeaderEpochs(
  log: PartitionLog,
  visit: (leaderEpoch: number, baseOffset: number) => void,
): Promise<void> {
  for (const s of log.describeSegments()) {
    const from = Math.max(s.baseOffset, log.logStartOffset);
    if (s.nextOffset <= from) continue;
    const first = await batchHeaderAt(log, from);
    const last = await batchHeaderAt(log, s.nextOffset - 1);
    if (first === null || last === null) continue;
    visit(first.partitionLeaderEpoch, first.baseOffset);
    if (last.partitionLeaderEpoch === first.partitionLeaderEpoch) continue;
    const visitBatch = (h: BatchHeader) => visit(h.partitionLeaderEpoch, h.baseOffset);
    await scanBatchHeaders(log, from, visitBatch, s.nextOffset);
  }
}

/** Base offset of the segment `segmentsBack` from the end: where a tail scan starts. */
export function tailScanStart(log: PartitionLog, segmentsBack: number): number {
  const segments = log.describeSegments();
  const s = segments[Math.max(0, segments.length - segmentsBack)];
  return s === undefined ? log.logStartOffset : s.baseOffset;
}

/**
 * The offset and timestamp of the batch with the largest timestamp (ListOffsets
 * -3, KIP-734), at batch granularity: the batch's last offset stands for its
 * newest record.
 */
export async function maxTimestampOffset(
  log: PartitionLog,
): Promise<{ offset: number; timestamp: number } | null> {
  const segments = log.describeSegments();
  let best: (typeof segments)[number] | undefined;
  for (const s of segments)
    if (
      s.nextOffset > s.baseOffset &&
      (best === undefined || s.maxTimestampMs > best.maxTimestampMs)
    )
      best = s;
  if (best === undefined) return null;
  let found: { offset: number; timestamp: number } | null = null;
  const end = best.nextOffset;
  await scanBatchHeaders(log, best.baseOffset, (h) => {
    if (h.baseOffset >= end) return;
    if (found === null || h.maxTimestamp > found.timestamp)
      found = { offset: h.baseOffset + h.lastOffsetDelta, timestamp: h.maxTimestamp };
  });
  return found;
}
