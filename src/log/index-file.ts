// File I/O for a segment's index files (`.index`, `.timeindex`), which hold
// whole fixed-size entries: bring a file up to the in-memory entries by
// appending new ones or cutting dropped ones, rewrite it whole, or read it back.
// What the entries mean is offset-index.ts's and time-index.ts's business.

import { isNotFoundError, type LogFile, type LogFileSystem, readFully } from './file-system.ts';

/** An index file's entry count when its contents are not trusted: rewrite it whole. */
export const INDEX_FILE_UNKNOWN = -1;

export interface IndexFileWrite {
  readonly path: string;
  /** Entries the file holds now, or INDEX_FILE_UNKNOWN. */
  readonly onDisk: number;
  /** Entries it must hold. */
  readonly count: number;
  readonly entryBytes: number;
  readonly encode: (from: number, to: number) => Buffer;
  /** fsync after writing; with `fsyncUnchanged`, even when nothing had to be written. */
  readonly fsync: boolean;
  readonly fsyncUnchanged: boolean;
}

/** Brings one index file up to `count` entries; returns whether its contents changed. */
export async function writeIndexFile(fs: LogFileSystem, plan: IndexFileWrite): Promise<boolean> {
  const rewrite = plan.onDisk === INDEX_FILE_UNKNOWN;
  const kept = rewrite ? 0 : Math.min(plan.onDisk, plan.count);
  const changed = rewrite || plan.onDisk !== plan.count;
  if (!changed && !(plan.fsync && plan.fsyncUnchanged)) return false;
  const file = await fs.open(plan.path, { create: true });
  try {
    if (rewrite || plan.onDisk > plan.count) await file.truncate(kept * plan.entryBytes);
    if (plan.count > kept) {
      try {
        await file.write(plan.encode(kept, plan.count), kept * plan.entryBytes);
      } catch (err) {
        // No space part way: leave whole entries only, so the file still loads.
        await file.truncate(kept * plan.entryBytes).catch(() => {});
        throw err;
      }
    }
    if (plan.fsync) await file.fsync();
  } finally {
    await file.close();
  }
  return changed;
}

/** A whole index file, or null when it does not exist. */
export async function readIndexFile(fs: LogFileSystem, path: string): Promise<Buffer | null> {
  const file = await openIfExists(fs, path);
  if (!file) return null;
  try {
    const { sizeBytes } = await file.stat();
    return await readFully(file, 0, sizeBytes);
  } finally {
    await file.close();
  }
}

/** The last entry of an index file: null when it is empty, a problem when missing or torn. */
export async function readLastIndexEntry(
  fs: LogFileSystem,
  path: string,
  entryBytes: number,
): Promise<Buffer | null | string> {
  const file = await openIfExists(fs, path);
  if (!file) return 'file is missing';
  try {
    const { sizeBytes } = await file.stat();
    if (sizeBytes % entryBytes !== 0) return `size ${sizeBytes} is not whole entries`;
    if (sizeBytes === 0) return null;
    return await readFully(file, sizeBytes - entryBytes, entryBytes);
  } finally {
    await file.close();
  }
}

/** Creates (or empties) an index file. */
export async function createEmptyIndexFile(fs: LogFileSystem, path: string): Promise<void> {
  const file = await fs.open(path, { create: true });
  try {
    await file.truncate(0);
  } finally {
    await file.close();
  }
}

export async function fsyncIndexFile(fs: LogFileSystem, path: string): Promise<void> {
  const file = await fs.open(path, { create: true });
  try {
    await file.fsync();
  } finally {
    await file.close();
  }
}

async function openIfExists(fs: LogFileSystem, path: string): Promise<LogFile | null> {
  try {
    return await fs.open(path, { create: false });
  } catch (err) {
    if (isNotFoundError(err)) return null;
    throw err;
  }
}
