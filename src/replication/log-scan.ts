// Walks the batch headers of a partition log through its public read API,
// for the state a partition rebuilds on open (idempotent producers, leader
// epochs) and for rare lookups (the offset of the largest timestamp). Reads
// go in bounded chunks; records are never decoded.

import type { PartitionLog } from '../log/partition-log.ts';
import { type BatchHeader, forEachBatch, readBatchHeader } from '../protocol/record-batch.ts';

const SCAN_CHUNK_BYTES = 1024 * 1024;

/** Calls visit for each batch header with offsets in [fromOffset, logEndOffset). */
export async function scanBatchHeaders(
  log: PartitionLog,
  fromOffset: number,
  visit: (h: BatchHeader) => void,
): Promise<void> {
  let next = Math.max(fromOffset, log.logStartOffset);
  while (next < log.logEndOffset) {
    const r = await log.read(next, SCAN_CHUNK_BYTES, { maxOffset: log.logEndOffset, minOneBatch: true });
    if (r.records === null || r.records.length === 0) return;
    const records = r.records;
    let last = next;
    forEachBatch(records, (at) => {
      const h = readBatchHeader(records, at);
      last = h.baseOffset + h.lastOffsetDelta + 1;
      if (last > next) visit(h);
    });
    if (last <= next) return;
    next = last;
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
export async function maxTimestampOffset(log: PartitionLog): Promise<{ offset: number; timestamp: number } | null> {
  const segments = log.describeSegments();
  let best: (typeof segments)[number] | undefined;
  for (const s of segments) if (s.nextOffset > s.baseOffset && (best === undefined || s.maxTimestampMs > best.maxTimestampMs)) best = s;
  if (best === undefined) return null;
  let found: { offset: number; timestamp: number } | null = null;
  const end = best.nextOffset;
  await scanBatchHeaders(log, best.baseOffset, (h) => {
    if (h.baseOffset >= end) return;
    if (found === null || h.maxTimestamp > found.timestamp) found = { offset: h.baseOffset + h.lastOffsetDelta, timestamp: h.maxTimestamp };
  });
  return found;
}
