// The file names of the log cleaner's segment swap, and how a log opened after
// a crash finishes one. The cleaner writes `<base>.log.cleaned` (with its index
// files), fsyncs it, renames it `.swap`, renames the segments it replaces to
// `.deleted`, and renames the swap to `<base>.log`. A crash before the `.swap`
// rename leaves `.cleaned` files: the old segments are whole, the cleaned ones
// are discarded. After it, the swap is completed on open as Kafka's log loader
// does: every segment whose base offset lies in the swap's range is deleted and
// the swap takes its place; its indexes are rebuilt from the log.

import { join } from 'node:path';
import { type ByteReader, scanFullBatches } from './batch-scan.ts';
import { isNotFoundError, type LogFileSystem, readFully } from './file-system.ts';
import {
  INDEX_FILE_SUFFIX,
  LOG_FILE_SUFFIX,
  parseSegmentFileName,
  segmentFileName,
  TIME_INDEX_FILE_SUFFIX,
} from './segment.ts';

export const CLEANED_SUFFIX = '.cleaned';
export const SWAP_SUFFIX = '.swap';
export const DELETED_SUFFIX = '.deleted';

export interface SwapContext {
  readonly fs: LogFileSystem;
  /** The partition's directory. */
  readonly dir: string;
  readonly logger: { warn(fields: object, message: string): void };
}

const SWAP_LOG = /^(\d{20})\.log\.swap$/;

/**
 * Completes every interrupted swap among `names` (a directory listing) and
 * returns the listing as it is afterwards.
 */
export async function completeInterruptedSwaps(
  ctx: SwapContext,
  names: readonly string[],
): Promise<string[]> {
  const swaps = names
    .map((name) => SWAP_LOG.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]));
  if (swaps.length === 0) return [...names];
  const remaining = new Set(names);
  for (const base of swaps.sort((a, b) => a - b)) {
    const swapName = segmentFileName(base, LOG_FILE_SUFFIX) + SWAP_SUFFIX;
    const nextOffset = await swapNextOffset(ctx, join(ctx.dir, swapName), base);
    for (const name of [...remaining]) {
      const parsed = parseSegmentFileName(name);
      if (parsed === null) continue;
      const replaced =
        parsed.baseOffset === base || (parsed.baseOffset > base && parsed.baseOffset < nextOffset);
      if (!replaced) continue;
      await unlinkIfPresent(ctx.fs, join(ctx.dir, name));
      remaining.delete(name);
    }
    for (const suffix of [INDEX_FILE_SUFFIX, TIME_INDEX_FILE_SUFFIX] as const) {
      const name = segmentFileName(base, suffix) + SWAP_SUFFIX;
      await unlinkIfPresent(ctx.fs, join(ctx.dir, name));
      remaining.delete(name);
    }
    const logName = segmentFileName(base, LOG_FILE_SUFFIX);
    await ctx.fs.rename(join(ctx.dir, swapName), join(ctx.dir, logName));
    remaining.delete(swapName);
    remaining.add(logName);
    ctx.logger.warn(
      { dir: ctx.dir, baseOffset: base, nextOffset },
      'completed a log cleaner segment swap interrupted by a crash',
    );
  }
  await ctx.fs.fsyncDirectory(ctx.dir);
  return [...remaining];
}

/** One past the last offset the swap file holds (its base when it holds none). */
async function swapNextOffset(ctx: SwapContext, path: string, base: number): Promise<number> {
  const file = await ctx.fs.open(path, { create: false });
  try {
    const { sizeBytes } = await file.stat();
    const read: ByteReader = (position, length) => readFully(file, position, length);
    let next = base;
    await scanFullBatches(read, { from: 0, to: sizeBytes }, (_buf, _at, batch) => {
      next = batch.lastOffset + 1;
      return null;
    });
    return next;
  } finally {
    await file.close();
  }
}

async function unlinkIfPresent(fs: LogFileSystem, path: string): Promise<void> {
  try {
    await fs.unlink(path);
  } catch (err) {
    if (!isNotFoundError(err)) throw err;
  }
}
