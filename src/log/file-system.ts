// The log's only door to the disk. Segments, indexes and checkpoints do all
// their file I/O through LogFileSystem, so a test can put an in-memory disk in
// its place that forgets unfsynced bytes on a simulated crash
// (testing/memory-file-system.ts); nodeFileSystem is the real one.

import { constants } from 'node:fs';
import * as fsp from 'node:fs/promises';
import { posix } from 'node:path';

export interface LogFileStat {
  readonly sizeBytes: number;
  readonly modifiedMs: number;
}

/** An open file. Reads and writes are positional; nothing depends on a file cursor. */
export interface LogFile {
  /** Reads up to `length` bytes at `position` into `target`; fewer only at the end of the file. */
  read(target: Buffer, targetOffset: number, length: number, position: number): Promise<number>;
  /** Writes all of `source` at `position`. */
  write(source: Buffer, position: number): Promise<void>;
  fsync(): Promise<void>;
  truncate(sizeBytes: number): Promise<void>;
  stat(): Promise<LogFileStat>;
  close(): Promise<void>;
}

export interface LogFileOpenOptions {
  /** Create the file when it does not exist; otherwise a missing file is ENOENT. */
  readonly create: boolean;
}

export interface LogFileSystem {
  open(path: string, options: LogFileOpenOptions): Promise<LogFile>;
  /** Names (not paths) of the entries in `dir`. */
  readdir(dir: string): Promise<string[]>;
  /** Creates `dir` and its parents; an existing directory is fine. */
  mkdir(dir: string): Promise<void>;
  unlink(path: string): Promise<void>;
  /** Atomically replaces `target` with `source`. */
  rename(source: string, target: string): Promise<void>;
  /** Removes `dir` and everything under it; a missing directory is fine. */
  removeDirectory(dir: string): Promise<void>;
  /** Makes creations, renames and unlinks in `dir` durable. */
  fsyncDirectory(dir: string): Promise<void>;
}

/** True for the "no such file or directory" error of either implementation. */
export function isNotFoundError(err: unknown): boolean {
  return err instanceof Error && (err as NodeJS.ErrnoException).code === 'ENOENT';
}

/**
 * Reads until `length` bytes or the end of the file; returns the bytes read, in
 * a buffer from `allocate` (a fresh one by default).
 */
export async function readFully(
  file: LogFile,
  position: number,
  length: number,
  allocate: (length: number) => Buffer = Buffer.allocUnsafe,
): Promise<Buffer> {
  const target = allocate(length);
  let done = 0;
  while (done < length) {
    const n = await file.read(target, done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done === length ? target : target.subarray(0, done);
}

/**
 * A small file's text (a checkpoint, partition.metadata); null when it does not
 * exist. A file over `sizeBytesMax` throws `tooLarge(size)` before it is read.
 */
export async function readSmallTextFile(
  fs: LogFileSystem,
  path: string,
  sizeBytesMax: number,
  tooLarge: (sizeBytes: number) => Error,
): Promise<string | null> {
  let file: LogFile;
  try {
    file = await fs.open(path, { create: false });
  } catch (err) {
    if (isNotFoundError(err)) return null;
    throw err;
  }
  try {
    const { sizeBytes } = await file.stat();
    if (sizeBytes > sizeBytesMax) throw tooLarge(sizeBytes);
    return (await readFully(file, 0, sizeBytes)).toString('utf8');
  } finally {
    await file.close();
  }
}

/**
 * Replaces `path` with `content` (text as UTF-8, or bytes) atomically and durably: `<path>.tmp` is written
 * and fsynced, renamed over `path`, then the directory is fsynced, so a crash
 * leaves the old or the new file, never a mix. (The partition loader deletes
 * `.tmp` files a crash left behind.)
 */
export async function replaceFileDurably(
  fs: LogFileSystem,
  path: string,
  content: string | Buffer,
): Promise<void> {
  const tmpPath = `${path}.tmp`;
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  try {
    const file = await fs.open(tmpPath, { create: true });
    try {
      await file.truncate(0);
      await file.write(bytes, 0);
      await file.fsync();
    } finally {
      await file.close();
    }
  } catch (err) {
    // The old file is untouched; a half-written `.tmp` only holds space (a full disk).
    await fs.unlink(tmpPath).catch(() => {});
    throw err;
  }
  await fs.rename(tmpPath, path);
  await fs.fsyncDirectory(posix.dirname(path));
}

class NodeLogFile implements LogFile {
  constructor(private readonly handle: fsp.FileHandle) {}

  async read(target: Buffer, targetOffset: number, length: number, position: number) {
    const { bytesRead } = await this.handle.read(target, targetOffset, length, position);
    return bytesRead;
  }

  async write(source: Buffer, position: number): Promise<void> {
    let done = 0;
    while (done < source.length) {
      const { bytesWritten } = await this.handle.write(
        source,
        done,
        source.length - done,
        position + done,
      );
      done += bytesWritten;
    }
  }

  fsync(): Promise<void> {
    return this.handle.sync();
  }

  truncate(sizeBytes: number): Promise<void> {
    return this.handle.truncate(sizeBytes);
  }

  async stat(): Promise<LogFileStat> {
    const stats = await this.handle.stat();
    return { sizeBytes: stats.size, modifiedMs: stats.mtimeMs };
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

const FILE_MODE = 0o644;

/** The real file system through node:fs/promises. */
export const nodeFileSystem: LogFileSystem = {
  async open(path, options) {
    // Never O_APPEND: positional writes must land where the segment says they do.
    const flags = options.create ? constants.O_RDWR | constants.O_CREAT : constants.O_RDWR;
    return new NodeLogFile(await fsp.open(path, flags, FILE_MODE));
  },
  readdir(dir) {
    return fsp.readdir(dir);
  },
  async mkdir(dir) {
    await fsp.mkdir(dir, { recursive: true });
  },
  unlink(path) {
    return fsp.unlink(path);
  },
  rename(source, target) {
    return fsp.rename(source, target);
  },
  removeDirectory(dir) {
    return fsp.rm(dir, { recursive: true, force: true });
  },
  async fsyncDirectory(dir) {
    const handle = await fsp.open(dir, constants.O_RDONLY);
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
};
