// One clean of one compacted partition log, as Kafka's Cleaner does it:
//
// 1. The cleanable range: closed segments wholly below the first offset that
//    may not be cleaned yet (the active segment, the last stable offset, and
//    the first segment younger than min.compaction.lag.ms). Everything below
//    the cleaner checkpoint (the first dirty offset) was cleaned before.
// 2. The offset map: every keyed record of the dirty part, key -> latest offset,
//    in bounded memory. When the map fills, the clean covers only what it
//    mapped. Transactional records wait for their marker: an aborted
//    transaction's keys never enter the map.
// 3. The clean: every segment from the log start up to where the map ends is
//    rewritten in groups of at most segment.bytes, keeping a record unless a
//    later one has its key, it belongs to an aborted transaction, or it is a
//    tombstone (or a marker of a transaction with nothing left) whose delete
//    horizon has passed. Each group is written to `.cleaned` files and swapped
//    in atomically by PartitionLog.replaceSegments; offsets never change.

import { decompress } from '../protocol/compression.ts';
import {
  ATTR_CONTROL,
  ATTR_TRANSACTIONAL,
  BATCH_HEADER_BYTES,
  COMPRESSION_MASK,
  CompressionType,
  checkBatch,
} from '../protocol/record-batch.ts';
import {
  batchAttributes,
  batchBaseOffset,
  batchLastOffsetDelta,
  batchSizeBytes,
  readInt64,
} from './batch-fields.ts';
import { batchDeleteHorizonMs, type CleanerRecord, rewriteBatch } from './cleaner-batch.ts';
import { type CleanerTransactions, MarkerTransactions } from './cleaner-transactions.ts';
import type { IoThrottle } from './io-throttle.ts';
import type { OffsetMap } from './offset-map.ts';
import type { PartitionLog } from './partition-log.ts';
import { walkRecordSpans } from './record-spans.ts';
import { Segment } from './segment.ts';
import { CLEANED_SUFFIX } from './segment-swap.ts';

/** A compacted topic's settings the cleaner reads (Kafka's topic configs). */
export interface CompactionConfig {
  /** `min.cleanable.dirty.ratio`. */
  readonly minCleanableDirtyRatio: number;
  /** `min.compaction.lag.ms`: records younger than this are not compacted. */
  readonly minCompactionLagMs: number;
  /** `max.compaction.lag.ms`: a dirty record older than this makes the log due. */
  readonly maxCompactionLagMs: number;
  /** `delete.retention.ms`: how long tombstones and markers stay after their first clean. */
  readonly deleteRetentionMs: number;
  /** `max.message.bytes`: bounds what one batch may decompress to. */
  readonly maxMessageBytes: number;
}

/** What the cleaner learns from outside the log (replication, transactions). */
export interface CleanerHooks {
  /** Offsets at or above it are not cleaned: the last stable offset. Default: the high watermark. */
  readonly firstUnstableOffset?: () => number;
  /** True when this is its producer's newest batch: kept (empty if need be) for producer state. */
  readonly isLastBatchOfProducer?: (producerId: number, baseOffset: number) => boolean;
  /** Transactions for one clean; default: learnt from the markers in the log. */
  readonly transactions?: () => CleanerTransactions;
}

export interface SegmentView {
  readonly baseOffset: number;
  readonly nextOffset: number;
  readonly sizeBytes: number;
  readonly maxTimestampMs: number;
}

export interface CleanableRange {
  readonly firstDirtyOffset: number;
  /** A segment boundary: offsets at or above it are not cleaned now. */
  readonly firstUncleanableOffset: number;
  readonly cleanBytes: number;
  readonly dirtyBytes: number;
  /** dirty / (clean + dirty); 0 when the log is empty. */
  readonly ratio: number;
  /** Index (in the segment list) of the first segment not cleaned. */
  readonly uncleanableIndex: number;
}

/**
 * The cleanable range of a log given its segments (the last is the active one),
 * the cleaner checkpoint and the stable offset. Pure.
 */
export function cleanableRange(
  segments: readonly SegmentView[],
  o: {
    readonly logStartOffset: number;
    readonly checkpoint: number | null;
    readonly stableOffset: number;
    readonly minCompactionLagMs: number;
    readonly nowMs: number;
  },
): CleanableRange {
  const activeIndex = segments.length - 1;
  let limit = Math.min(segments[activeIndex]!.baseOffset, o.stableOffset);
  let uncleanableIndex = activeIndex;
  for (let i = 0; i < activeIndex; i++) {
    const s = segments[i]!;
    const tooYoung = o.minCompactionLagMs > 0 && s.maxTimestampMs > o.nowMs - o.minCompactionLagMs;
    if (s.nextOffset > limit || tooYoung) {
      uncleanableIndex = i;
      limit = Math.min(limit, s.baseOffset);
      break;
    }
  }
  const firstUncleanableOffset = segments[uncleanableIndex]!.baseOffset;
  const start = Math.max(o.logStartOffset, segments[0]!.baseOffset);
  let firstDirtyOffset = o.checkpoint ?? start;
  if (firstDirtyOffset < start || firstDirtyOffset > segments[activeIndex]!.nextOffset) {
    firstDirtyOffset = start;
  }
  firstDirtyOffset = Math.min(firstDirtyOffset, firstUncleanableOffset);
  let cleanBytes = 0;
  let dirtyBytes = 0;
  for (let i = 0; i < uncleanableIndex; i++) {
    const s = segments[i]!;
    if (s.nextOffset <= firstDirtyOffset) cleanBytes += s.sizeBytes;
    else dirtyBytes += s.sizeBytes;
  }
  const total = cleanBytes + dirtyBytes;
  return {
    firstDirtyOffset,
    firstUncleanableOffset,
    cleanBytes,
    dirtyBytes,
    ratio: total === 0 ? 0 : dirtyBytes / total,
    uncleanableIndex,
  };
}

export interface CleanPassContext {
  readonly log: PartitionLog;
  readonly config: CompactionConfig;
  readonly hooks: CleanerHooks;
  /** Cleared by the pass before use. */
  readonly map: OffsetMap;
  readonly throttle: IoThrottle;
  /** Bytes read per chunk and written per append (half of log.cleaner.io.buffer.size each). */
  readonly ioChunkBytes: number;
  readonly nowMs: number;
  readonly checkpoint: number | null;
  /** Throws when the cleaner is stopping, to end the pass between steps. */
  readonly checkRunning: () => void;
}

export interface CleanPassStats {
  readonly bytesRead: number;
  readonly bytesWritten: number;
  readonly recordsRead: number;
  readonly recordsKept: number;
  readonly segmentsBefore: number;
  readonly segmentsAfter: number;
  readonly mapEntries: number;
  /** Cleaned size of the rewritten segments over their size before. */
  readonly bytesBefore: number;
  readonly bytesAfter: number;
}

export interface CleanPassResult {
  /** The new cleaner checkpoint: the first offset the next clean maps from. */
  readonly firstDirtyOffset: number;
  /** The earliest delete horizon still pending in the log; Infinity when none. */
  readonly nextHorizonMs: number;
  /** False when the log changed under the clean and a group was not swapped in. */
  readonly complete: boolean;
  readonly stats: CleanPassStats;
}

/** The pass found the log changed under it (segment deleted or truncated). */
export class CleanAbortedError extends Error {
  override readonly name = 'CleanAbortedError';
}

interface StoredBatch {
  readonly buf: Buffer;
  readonly at: number;
  readonly sizeBytes: number;
  readonly position: number;
  readonly baseOffset: number;
  readonly lastOffset: number;
  readonly attributes: number;
  readonly producerId: number;
}

interface BatchLocation {
  readonly segment: Segment;
  readonly position: number;
  readonly sizeBytes: number;
  readonly baseOffset: number;
}

/** Counters shared by the steps of one pass. */
class PassCounters {
  bytesRead = 0;
  bytesWritten = 0;
  recordsRead = 0;
  recordsKept = 0;
  bytesBefore = 0;
  bytesAfter = 0;
}

/** Runs one clean of `ctx.log`; null when there was nothing to clean. */
export async function runCleanPass(ctx: CleanPassContext): Promise<CleanPassResult | null> {
  const { log } = ctx;
  const segments = log.segmentsForCleaning();
  const stableOffset = ctx.hooks.firstUnstableOffset?.() ?? log.highWatermark;
  const range = cleanableRange(segments, {
    logStartOffset: log.logStartOffset,
    checkpoint: ctx.checkpoint,
    stableOffset,
    minCompactionLagMs: ctx.config.minCompactionLagMs,
    nowMs: ctx.nowMs,
  });
  if (range.uncleanableIndex === 0) return null;
  // What the map supersedes must be durable before older copies are dropped.
  if (log.recoveryPoint < range.firstUncleanableOffset) await log.flush();
  const counters = new PassCounters();
  const txn = ctx.hooks.transactions?.() ?? new MarkerTransactions();
  const mapEnd = await buildOffsetMap(ctx, segments, range, txn, counters);
  ctx.checkRunning();
  const cleaning = segments.slice(0, range.uncleanableIndex).filter((s) => s.baseOffset < mapEnd);
  if (cleaning.length === 0) return null;
  const groups = groupSegments(cleaning, log.logConfig);
  const horizon = { next: Number.POSITIVE_INFINITY };
  let complete = true;
  let segmentsAfter = segments.length;
  for (const group of groups) {
    ctx.checkRunning();
    const ok = await cleanGroup(ctx, group, { mapEnd, txn, counters, horizon });
    if (!ok) {
      complete = false;
      break;
    }
    segmentsAfter -= group.length - 1;
  }
  return {
    firstDirtyOffset: complete ? mapEnd : range.firstDirtyOffset,
    nextHorizonMs: horizon.next,
    complete,
    stats: {
      bytesRead: counters.bytesRead,
      bytesWritten: counters.bytesWritten,
      recordsRead: counters.recordsRead,
      recordsKept: counters.recordsKept,
      segmentsBefore: segments.length,
      segmentsAfter,
      mapEntries: ctx.map.size,
      bytesBefore: counters.bytesBefore,
      bytesAfter: counters.bytesAfter,
    },
  };
}

// ---- the offset map -----------------------------------------------------------------------

/**
 * Maps the dirty part; returns the offset below which the map covers every keyed
 * record of it (the range's end unless the map filled or a transaction's outcome
 * is still unknown).
 */
async function buildOffsetMap(
  ctx: CleanPassContext,
  segments: readonly Segment[],
  range: CleanableRange,
  txn: CleanerTransactions,
  counters: PassCounters,
): Promise<number> {
  const { map } = ctx;
  map.clear();
  const firstDirty = range.firstDirtyOffset;
  const pending = new Map<number, BatchLocation[]>();
  let mapEnd = range.firstUncleanableOffset;
  let full = false;
  const putKeys = async (b: StoredBatch): Promise<number | null> => {
    let stoppedAt: number | null = null;
    const section = await recordsOf(b, ctx.config.maxMessageBytes);
    walkRecordSpans(section, (span) => {
      if (stoppedAt !== null) return;
      const offset = b.baseOffset + span.offsetDelta;
      counters.recordsRead += 1;
      if (span.keyLength < 0 || offset < firstDirty) return;
      if (!map.put(section, span.keyStart, span.keyStart + span.keyLength, offset)) {
        stoppedAt = offset;
      }
    });
    return stoppedAt;
  };
  const commit = async (producerId: number): Promise<void> => {
    const located = pending.get(producerId) ?? [];
    pending.delete(producerId);
    for (const loc of located) {
      if (full) return;
      const b = await readBatchAt(ctx, loc, counters);
      const stoppedAt = await putKeys(b);
      if (stoppedAt !== null) {
        full = true;
        mapEnd = Math.min(mapEnd, b.baseOffset);
      }
    }
  };
  for (let i = 0; i < range.uncleanableIndex && !full; i++) {
    const segment = segments[i]!;
    if (segment.nextOffset <= firstDirty) continue;
    await forEachStoredBatch(ctx, segment, firstDirty, counters, async (b) => {
      if (full) return true;
      const transactional = (b.attributes & ATTR_TRANSACTIONAL) !== 0 && b.producerId >= 0;
      if ((b.attributes & ATTR_CONTROL) !== 0) {
        const controlType = await controlTypeOf(b, ctx.config.maxMessageBytes);
        txn.noteBatch({
          producerId: b.producerId,
          baseOffset: b.baseOffset,
          transactional,
          controlType,
        });
        if (controlType === CONTROL_COMMIT) await commit(b.producerId);
        else pending.delete(b.producerId);
        return full;
      }
      if (transactional) {
        txn.noteBatch({
          producerId: b.producerId,
          baseOffset: b.baseOffset,
          transactional,
          controlType: null,
        });
        const list = pending.get(b.producerId) ?? [];
        list.push({
          segment,
          position: b.position,
          sizeBytes: b.sizeBytes,
          baseOffset: b.baseOffset,
        });
        pending.set(b.producerId, list);
        return false;
      }
      const stoppedAt = await putKeys(b);
      if (stoppedAt !== null) {
        full = true;
        mapEnd = stoppedAt;
      }
      return full;
    });
  }
  if (pending.size > 0) {
    // Transactions still open where mapping stopped: find their markers further on.
    const isOpen = (producerId: number) => pending.has(producerId);
    await scanMarkersAfter(ctx, mapEnd, txn, counters, isOpen, async (producerId, type) => {
      if (!pending.has(producerId)) return;
      if (type === CONTROL_COMMIT) await commit(producerId);
      else pending.delete(producerId);
    });
    for (const located of pending.values()) {
      const first = located[0];
      if (first !== undefined) mapEnd = Math.min(mapEnd, first.baseOffset);
    }
  }
  return Math.max(mapEnd, firstDirty);
}

const CONTROL_COMMIT = 1;

/**
 * Reads the control batches of [from, log end) for markers, header by header
 * (only control batches are read whole).
 */
async function scanMarkersAfter(
  ctx: CleanPassContext,
  from: number,
  txn: CleanerTransactions,
  counters: PassCounters,
  isOpen: (producerId: number) => boolean,
  onMarker: (producerId: number, type: number) => Promise<void>,
): Promise<void> {
  for (const segment of ctx.log.segmentsForCleaning()) {
    if (segment.nextOffset <= from) continue;
    await forEachStoredBatch(ctx, segment, from, counters, async (b) => {
      if ((b.attributes & ATTR_CONTROL) === 0) return false;
      const controlType = await controlTypeOf(b, ctx.config.maxMessageBytes);
      // Only the markers of transactions the map pass saw open: their data was noted.
      if (controlType === null || !isOpen(b.producerId)) return false;
      txn.noteBatch({
        producerId: b.producerId,
        baseOffset: b.baseOffset,
        transactional: true,
        controlType,
      });
      await onMarker(b.producerId, controlType);
      return false;
    });
  }
}

// ---- cleaning a group ---------------------------------------------------------------------

interface GroupContext {
  readonly mapEnd: number;
  readonly txn: CleanerTransactions;
  readonly counters: PassCounters;
  readonly horizon: { next: number };
}

/** Writes the group's kept batches to a `.cleaned` segment and swaps it in. */
async function cleanGroup(
  ctx: CleanPassContext,
  group: readonly Segment[],
  g: GroupContext,
): Promise<boolean> {
  const { log, config, map, nowMs } = ctx;
  const first = group[0]!;
  const cleaned = await Segment.create(
    log.cleanedSegmentOptions(first.baseOffset, CLEANED_SUFFIX),
    nowMs,
  );
  let swapped = false;
  try {
    const out: Buffer[] = [];
    let outBytes = 0;
    const flushOut = async () => {
      if (outBytes === 0) return;
      const bytes = out.length === 1 ? out[0]! : Buffer.concat(out, outBytes);
      await cleaned.append(bytes, nowMs);
      g.counters.bytesWritten += bytes.length;
      await ctx.throttle.account(bytes.length);
      out.length = 0;
      outBytes = 0;
    };
    const horizonMs = nowMs + config.deleteRetentionMs;
    const lastOfProducer = ctx.hooks.isLastBatchOfProducer;
    for (const segment of group) {
      g.counters.bytesBefore += segment.sizeBytes;
      await forEachStoredBatch(ctx, segment, segment.baseOffset, g.counters, async (b) => {
        const keepEmpty =
          b.producerId >= 0 &&
          lastOfProducer !== undefined &&
          lastOfProducer(b.producerId, b.baseOffset);
        const kept = await cleanBatch(b, { ctx, g, horizonMs, keepEmpty, map });
        if (kept !== null) {
          out.push(kept);
          outBytes += kept.length;
          if (outBytes >= ctx.ioChunkBytes) await flushOut();
        }
        return false;
      });
    }
    await flushOut();
    await cleaned.seal();
    await cleaned.flush();
    g.counters.bytesAfter += cleaned.sizeBytes;
    swapped = await log.replaceSegments(group, cleaned);
    return swapped;
  } finally {
    // Once renamed `.swap` the cleaned files are the log's: the loader completes the swap.
    if (!swapped && cleaned.logPath.endsWith(CLEANED_SUFFIX)) {
      await cleaned.delete().catch(() => undefined);
    }
  }
}

/** The bytes to keep of one batch, or null to drop it whole. */
async function cleanBatch(
  b: StoredBatch,
  o: {
    ctx: CleanPassContext;
    g: GroupContext;
    horizonMs: number;
    keepEmpty: boolean;
    map: OffsetMap;
  },
): Promise<Buffer | null> {
  const { ctx, g, map } = o;
  const existingHorizon = batchDeleteHorizonMs(b.buf, b.at);
  const horizonPassed = existingHorizon !== null && ctx.nowMs >= existingHorizon;
  const transactional = (b.attributes & ATTR_TRANSACTIONAL) !== 0 && b.producerId >= 0;
  const stored = b.buf.subarray(b.at, b.at + b.sizeBytes);
  if ((b.attributes & ATTR_CONTROL) !== 0) {
    if (g.txn.markerHasData(b.producerId)) {
      g.counters.recordsKept += 1;
      return stored;
    }
    const result = await rewriteBatch(b.buf, b.at, {
      retain: () => !(horizonPassed && b.lastOffset < g.mapEnd),
      keepEmpty: o.keepEmpty,
      horizonMs: o.horizonMs,
      horizonForAll: true,
      maxBytes: ctx.config.maxMessageBytes,
    });
    return keptBytes(result, stored, g);
  }
  const aborted = transactional && g.txn.isAborted(b.producerId, b.baseOffset);
  const retain = (r: CleanerRecord): boolean => {
    if (aborted || r.keyLength < 0) return false;
    const latest = map.get(r.section, r.keyStart, r.keyStart + r.keyLength);
    if (r.offset < latest) return false;
    return !(r.isTombstone && horizonPassed && r.offset < g.mapEnd);
  };
  const result = await rewriteBatch(b.buf, b.at, {
    retain,
    keepEmpty: o.keepEmpty,
    horizonMs: o.horizonMs,
    maxBytes: ctx.config.maxMessageBytes,
  });
  if (transactional && result.kept > 0) g.txn.keptTransactionalData(b.producerId);
  return keptBytes(result, stored, g);
}

function keptBytes(
  result: Awaited<ReturnType<typeof rewriteBatch>>,
  stored: Buffer,
  g: GroupContext,
): Buffer | null {
  g.counters.recordsKept += result.kept;
  if (result.awaitingHorizon > 0 && result.horizonMs !== null) {
    g.horizon.next = Math.min(g.horizon.next, result.horizonMs);
  }
  switch (result.kind) {
    case 'unchanged':
      return stored;
    case 'dropped':
      return null;
    case 'rewritten':
      return result.bytes;
  }
}

/**
 * Consecutive segments in groups whose cleaned output fits one segment: at most
 * segment.bytes, offsets within int32 of the base, and index entries within
 * segment.index.bytes (an entry per index.interval.bytes of output at most).
 */
export function groupSegments<T extends SegmentView>(
  segments: readonly T[],
  config: { segmentBytes: number; segmentIndexBytes: number; indexIntervalBytes: number },
): T[][] {
  const entriesMax = Math.floor(config.segmentIndexBytes / 12) - 2;
  const indexBound = entriesMax > 0 ? entriesMax * (config.indexIntervalBytes + 1) : 0;
  const maxBytes = Math.max(1, Math.min(config.segmentBytes, indexBound || config.segmentBytes));
  const groups: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const s of segments) {
    const base = current[0]?.baseOffset ?? s.baseOffset;
    const fits =
      current.length === 0 ||
      (bytes + s.sizeBytes <= maxBytes && s.nextOffset - 1 - base <= 0x7fff_ffff);
    if (!fits) {
      groups.push(current);
      current = [];
      bytes = 0;
    }
    current.push(s);
    bytes += s.sizeBytes;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

// ---- reading stored batches ---------------------------------------------------------------

/**
 * Visits the CRC-checked batches of a sealed segment from the one holding
 * `fromOffset`, reading ctx.ioChunkBytes at a time; `visit` returns true to stop.
 */
async function forEachStoredBatch(
  ctx: CleanPassContext,
  segment: Segment,
  fromOffset: number,
  counters: PassCounters,
  visit: (b: StoredBatch) => Promise<boolean>,
): Promise<void> {
  if (!segment.acquire()) throw new CleanAbortedError(`segment ${segment.baseOffset} is gone`);
  try {
    let position = 0;
    if (fromOffset > segment.baseOffset) {
      const found = await segment.findBatch(fromOffset);
      if (found === null) return;
      position = found.position;
    }
    const end = segment.sizeBytes;
    while (position < end) {
      ctx.checkRunning();
      const length = Math.min(ctx.ioChunkBytes, end - position);
      let chunk = await segment.readBytes(position, length);
      counters.bytesRead += chunk.length;
      await ctx.throttle.account(chunk.length);
      let at = 0;
      while (at < chunk.length) {
        if (chunk.length - at < BATCH_HEADER_BYTES) break;
        const sizeBytes = batchSizeBytes(chunk, at);
        if (sizeBytes < BATCH_HEADER_BYTES) {
          throw new CleanAbortedError(`bad batch length at ${position + at} in ${segment.logPath}`);
        }
        if (at + sizeBytes > chunk.length) {
          if (at > 0) break;
          // One batch larger than the chunk: read it whole.
          chunk = await segment.readBytes(position, sizeBytes);
          counters.bytesRead += chunk.length;
          if (chunk.length < sizeBytes) {
            throw new CleanAbortedError(`segment ${segment.logPath} ends inside a batch`);
          }
        }
        const problem = checkBatch(chunk, at, at + sizeBytes);
        if (problem !== null) {
          throw new CleanAbortedError(`${problem} batch at ${position + at} in ${segment.logPath}`);
        }
        const baseOffset = batchBaseOffset(chunk, at);
        const b: StoredBatch = {
          buf: chunk,
          at,
          sizeBytes,
          position: position + at,
          baseOffset,
          lastOffset: baseOffset + batchLastOffsetDelta(chunk, at),
          attributes: batchAttributes(chunk, at),
          producerId: readInt64(chunk, at + 43),
        };
        if (b.lastOffset >= fromOffset && (await visit(b))) return;
        at += sizeBytes;
      }
      if (at === 0) throw new CleanAbortedError(`segment ${segment.logPath} ends inside a batch`);
      position += at;
    }
  } finally {
    segment.release();
  }
}

async function readBatchAt(
  ctx: CleanPassContext,
  loc: BatchLocation,
  counters: PassCounters,
): Promise<StoredBatch> {
  if (!loc.segment.acquire()) throw new CleanAbortedError('segment gone');
  try {
    const buf = await loc.segment.readBytes(loc.position, loc.sizeBytes);
    counters.bytesRead += buf.length;
    await ctx.throttle.account(buf.length);
    const problem = checkBatch(buf, 0);
    if (problem !== null) throw new CleanAbortedError(`${problem} batch at ${loc.position}`);
    const baseOffset = batchBaseOffset(buf, 0);
    return {
      buf,
      at: 0,
      sizeBytes: buf.length,
      position: loc.position,
      baseOffset,
      lastOffset: baseOffset + batchLastOffsetDelta(buf, 0),
      attributes: batchAttributes(buf, 0),
      producerId: readInt64(buf, 43),
    };
  } finally {
    loc.segment.release();
  }
}

/** The records section of a batch, decompressed if need be. */
async function recordsOf(b: StoredBatch, maxBytes: number): Promise<Buffer> {
  const stored = b.buf.subarray(b.at + BATCH_HEADER_BYTES, b.at + b.sizeBytes);
  const codec = (b.attributes & COMPRESSION_MASK) as CompressionType;
  if (codec === CompressionType.None) return stored;
  return decompress(codec, stored, { maxBytes });
}

/** A control batch's type (0 ABORT, 1 COMMIT) from its record's key; null when unreadable. */
async function controlTypeOf(b: StoredBatch, maxBytes: number): Promise<number | null> {
  const section = await recordsOf(b, maxBytes);
  let type: number | null = null;
  walkRecordSpans(section, (span) => {
    if (type === null && span.keyLength >= 4) type = section.readInt16BE(span.keyStart + 2);
  });
  return type;
}
