// Opens a partition directory as it was left by a clean shutdown or a crash.
// Segments wholly below the recovery point are trusted and only their index
// files are checked; later ones are re-read batch by batch (CRC and offsets),
// cut at the first torn or corrupt batch, and their indexes rebuilt, as Kafka's
// log recovery does. It also restores the checkpointed offsets.

import { join } from 'node:path';
import {
  CHECKPOINT_TMP_SUFFIX,
  CheckpointFormatError,
  HIGH_WATERMARK_CHECKPOINT,
  LOG_START_OFFSET_CHECKPOINT,
  RECOVERY_POINT_CHECKPOINT,
  readCheckpointFile,
} from './checkpoint-file.ts';
import type { LogFileSystem } from './file-system.ts';
import type { LogConfig } from './log-config.ts';
import {
  INDEX_FILE_SUFFIX,
  LOG_FILE_SUFFIX,
  parseSegmentFileName,
  Segment,
  type SegmentOptions,
  segmentFileName,
  TIME_INDEX_FILE_SUFFIX,
} from './segment.ts';
import {
  CLEANED_SUFFIX,
  completeInterruptedSwaps,
  DELETED_SUFFIX,
  SWAP_SUFFIX,
} from './segment-swap.ts';

export interface LoadLogger {
  warn(fields: object, message: string): void;
  info(fields: object, message: string): void;
}

export interface LoadContext {
  readonly fs: LogFileSystem;
  /** The partition's own directory, `<log dir>/<topic>-<partition>`. */
  readonly dir: string;
  readonly topic: string;
  readonly partition: number;
  readonly config: LogConfig;
  readonly nowMs: number;
  readonly tailCacheBytes: number;
  readonly logger: LoadLogger;
}

export interface LoadedPartition {
  /** Ordered by base offset; the last is the active segment. Never empty. */
  readonly segments: Segment[];
  readonly logStartOffset: number;
  readonly highWatermark: number;
  /** Everything below it is on disk; after loading, the log end offset. */
  readonly recoveryPoint: number;
  /**
   * What each checkpoint file durably holds for this partition as its only
   * entry (null when missing, malformed or holding other entries): a value
   * equal to the loaded one needs no rewrite.
   */
  readonly onDisk: Checkpoints;
}

export interface Checkpoints {
  readonly recoveryPoint: number | null;
  readonly highWatermark: number | null;
  readonly logStartOffset: number | null;
}

const NOTHING_ON_DISK: Checkpoints = {
  recoveryPoint: null,
  highWatermark: null,
  logStartOffset: null,
};

/** Leftovers of interrupted deletes, compactions and checkpoint writes (swaps are completed first). */
const STRAY_SUFFIXES = [DELETED_SUFFIX, SWAP_SUFFIX, CLEANED_SUFFIX, CHECKPOINT_TMP_SUFFIX];

export function segmentOptionsFor(ctx: LoadContext, baseOffset: number): SegmentOptions {
  const options: SegmentOptions = {
    fs: ctx.fs,
    dir: ctx.dir,
    baseOffset,
    indexIntervalBytes: ctx.config.indexIntervalBytes,
    segmentIndexBytes: ctx.config.segmentIndexBytes,
    tailCacheBytes: ctx.tailCacheBytes,
    warn: (fields, message) => ctx.logger.warn(fields, message),
  };
  return options;
}

export async function loadPartition(ctx: LoadContext): Promise<LoadedPartition> {
  await ctx.fs.mkdir(ctx.dir);
  const listing = await completeInterruptedSwaps(ctx, await ctx.fs.readdir(ctx.dir));
  const names = new Set(await removeStrayFiles(ctx, listing));
  const { checkpoints, onDisk } = await readCheckpoints(ctx);
  const bases = [...names]
    .map(parseSegmentFileName)
    .filter((parsed) => parsed?.suffix === LOG_FILE_SUFFIX)
    .map((parsed) => parsed!.baseOffset)
    .sort((a, b) => a - b);
  const opened: Segment[] = [];
  let segments: Segment[];
  try {
    for (const base of bases) opened.push(await Segment.open(segmentOptionsFor(ctx, base)));
    if (opened.length === 0) {
      const base = checkpoints.logStartOffset ?? 0;
      opened.push(await Segment.create(segmentOptionsFor(ctx, base), ctx.nowMs));
      segments = opened;
    } else {
      segments = await recoverSegments(ctx, opened, names, checkpoints.recoveryPoint ?? 0);
    }
  } catch (err) {
    // Release what was opened; the files stay as they are for the next attempt.
    await Promise.allSettled(opened.map((s) => s.close({ flush: false })));
    throw err;
  }
  const logEndOffset = segments[segments.length - 1]!.nextOffset;
  const logStartOffset = Math.max(checkpoints.logStartOffset ?? 0, segments[0]!.baseOffset);
  if (logStartOffset > logEndOffset) {
    // Records up to the log start offset were deleted before the crash lost the tail.
    ctx.logger.warn({ logStartOffset, logEndOffset }, 'log start offset past the end; emptying');
    for (const segment of segments) await segment.delete();
    const fresh = await Segment.create(segmentOptionsFor(ctx, logStartOffset), ctx.nowMs);
    return {
      segments: [fresh],
      logStartOffset,
      highWatermark: logStartOffset,
      recoveryPoint: logStartOffset,
      onDisk: NOTHING_ON_DISK,
    };
  }
  const hw = checkpoints.highWatermark ?? logStartOffset;
  const highWatermark = Math.min(Math.max(hw, logStartOffset), logEndOffset);
  return { segments, logStartOffset, highWatermark, recoveryPoint: logEndOffset, onDisk };
}

/**
 * Trusts, restores or recovers each segment in order. A segment cut short by
 * recovery ends the log: any later segments are deleted, as their offsets no
 * longer follow on.
 */
async function recoverSegments(
  ctx: LoadContext,
  segments: Segment[],
  names: ReadonlySet<string>,
  recoveryPoint: number,
): Promise<Segment[]> {
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    const next = segments[i + 1];
    const hasIndexes =
      names.has(segmentFileName(segment.baseOffset, INDEX_FILE_SUFFIX)) &&
      names.has(segmentFileName(segment.baseOffset, TIME_INDEX_FILE_SUFFIX));
    if (next && next.baseOffset <= recoveryPoint) {
      await restoreTrustedSegment(ctx, segment, hasIndexes);
      continue;
    }
    if (!next && hasIndexes && (await restoreActiveSegment(ctx, segment, recoveryPoint))) {
      await syncInheritedActiveSegment(ctx, segment, recoveryPoint);
      break;
    }
    const result = await segment.rebuild({ truncateInvalid: true, sealed: next !== undefined });
    // An unflushed segment that now ends before the next begins lost its tail in
    // the crash; the later segments cannot be trusted to follow on.
    const endsShort = next !== undefined && segment.nextOffset < next.baseOffset;
    if (result.problem === null && !endsShort) {
      if (!next) await segment.activate(ctx.nowMs);
      continue;
    }
    ctx.logger.warn(
      {
        segment: segment.logPath,
        problem: result.problem ?? `ends at ${segment.nextOffset}, before ${next?.baseOffset}`,
        truncatedBytes: result.truncatedBytes,
      },
      'recovery ended the log at the last valid batch',
    );
    await segment.activate(ctx.nowMs);
    for (const later of segments.slice(i + 1)) await later.delete();
    // Segments come back after a power cut unless their removal is durable.
    if (next) await ctx.fs.fsyncDirectory(ctx.dir);
    return segments.slice(0, i + 1);
  }
  return segments;
}

/** A flushed, sealed segment: read its last time entry; rebuild indexes only if they are bad. */
async function restoreTrustedSegment(
  ctx: LoadContext,
  segment: Segment,
  hasIndexes: boolean,
): Promise<void> {
  const problem = hasIndexes ? await segment.restoreSealedState() : 'index files are missing';
  if (problem === null) return;
  ctx.logger.warn({ segment: segment.logPath, problem }, 'rebuilding the indexes of a log segment');
  await segment.rebuild({ truncateInvalid: false, sealed: true });
}

/** The last segment: true when its indexes are sane and nothing lies past the recovery point. */
async function restoreActiveSegment(
  ctx: LoadContext,
  segment: Segment,
  recoveryPoint: number,
): Promise<boolean> {
  const problem = await segment.loadIndexes();
  if (problem !== null) {
    ctx.logger.warn({ segment: segment.logPath, problem }, 'active segment indexes are bad');
    return false;
  }
  const clean = await segment.restoreActiveTail(ctx.nowMs);
  return clean && segment.nextOffset <= recoveryPoint;
}

/**
 * The active segment restored without a rebuild (which would have fsynced it)
 * holds what the page cache shows, and the page cache outlives a process:
 * the previous one may have cut or written the file and died, or lost its
 * disk, before fsyncing it. A file ending before the recovery point was cut
 * since the last flush (a follower's truncation): that is made durable now,
 * with the directory its dropped segments left, before this process builds on
 * it, since what it writes next may go to another segment and a power cut
 * would bring the cut batches back below newer records. Otherwise the next
 * flush fsyncs the files once, whatever this process writes to them.
 */
async function syncInheritedActiveSegment(
  ctx: LoadContext,
  segment: Segment,
  recoveryPoint: number,
): Promise<void> {
  segment.markUnsynced();
  if (segment.nextOffset >= recoveryPoint) return;
  await segment.flush();
  await ctx.fs.fsyncDirectory(ctx.dir);
}

/** Deletes leftovers and index files without a log; returns the names that remain. */
async function removeStrayFiles(ctx: LoadContext, names: string[]): Promise<string[]> {
  const logs = new Set(
    names
      .filter((n) => parseSegmentFileName(n)?.suffix === LOG_FILE_SUFFIX)
      .map((n) => n.slice(0, 20)),
  );
  const kept: string[] = [];
  for (const name of names) {
    const parsed = parseSegmentFileName(name);
    const orphanIndex =
      parsed !== null && parsed.suffix !== LOG_FILE_SUFFIX && !logs.has(name.slice(0, 20));
    if (orphanIndex || STRAY_SUFFIXES.some((suffix) => name.endsWith(suffix))) {
      await ctx.fs.unlink(join(ctx.dir, name));
    } else {
      kept.push(name);
    }
  }
  return kept;
}

/** The offsets the checkpoints give, and which of them the files hold as their only entry. */
async function readCheckpoints(
  ctx: LoadContext,
): Promise<{ checkpoints: Checkpoints; onDisk: Checkpoints }> {
  const recoveryPoint = await readCheckpointOffset(ctx, RECOVERY_POINT_CHECKPOINT);
  const highWatermark = await readCheckpointOffset(ctx, HIGH_WATERMARK_CHECKPOINT);
  const logStartOffset = await readCheckpointOffset(ctx, LOG_START_OFFSET_CHECKPOINT);
  return {
    checkpoints: {
      recoveryPoint: recoveryPoint.offset,
      highWatermark: highWatermark.offset,
      logStartOffset: logStartOffset.offset,
    },
    onDisk: {
      recoveryPoint: recoveryPoint.sole,
      highWatermark: highWatermark.sole,
      logStartOffset: logStartOffset.sole,
    },
  };
}

async function readCheckpointOffset(
  ctx: LoadContext,
  name: string,
): Promise<{ offset: number | null; sole: number | null }> {
  try {
    const entries = await readCheckpointFile(ctx.fs, join(ctx.dir, name));
    const entry = entries?.find((e) => e.topic === ctx.topic && e.partition === ctx.partition);
    const offset = entry ? entry.offset : null;
    return { offset, sole: entries?.length === 1 ? offset : null };
  } catch (err) {
    if (err instanceof CheckpointFormatError) {
      ctx.logger.warn(
        { checkpoint: name, problem: err.message },
        'ignoring a malformed checkpoint',
      );
      return { offset: null, sole: null };
    }
    throw err;
  }
}
