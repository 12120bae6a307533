// An in-memory LogFileSystem for tests that simulate crashes and disk faults.
// Every file remembers the contents it had at its last fsync; crash() throws
// away everything written since (optionally keeping a torn prefix of appended
// bytes) and invalidates open handles. Directory changes (create, rename,
// unlink) are treated as durable at once, which is kinder than a real disk.
// A space limit makes it a small disk: a write that does not fit stores the
// bytes that do, then fails with ENOSPC, as write(2) does on a full file system.

import { posix } from 'node:path';
import type { LogFile, LogFileOpenOptions, LogFileStat, LogFileSystem } from '../file-system.ts';

export type MemoryFileOp = 'open' | 'read' | 'write' | 'fsync' | 'truncate' | 'rename' | 'unlink';

export interface CrashOptions {
  /** Keep this many unfsynced bytes past each file's durable end: a torn append. */
  readonly keepUnsyncedBytes?: number;
}

interface Inode {
  data: Buffer;
  sizeBytes: number;
  durable: Buffer;
  modifiedMs: number;
}

interface Fault {
  readonly op: MemoryFileOp;
  readonly pathSuffix: string;
  readonly error: Error;
}

function fsError(code: string, message: string): Error {
  return Object.assign(new Error(`${code}: ${message}`), { code });
}

export class MemoryFileSystem implements LogFileSystem {
  private readonly files = new Map<string, Inode>();
  private readonly dirs = new Set<string>(['/']);
  private readonly handles = new Set<MemoryFile>();
  private readonly faults: Fault[] = [];
  private readonly now: () => number;
  private spaceBytesMax: number | null = null;
  /** Counts of operations done, for tests that check how often the log touches the disk. */
  readonly counts: Record<MemoryFileOp, number> = {
    open: 0,
    read: 0,
    write: 0,
    fsync: 0,
    truncate: 0,
    rename: 0,
    unlink: 0,
  };

  constructor(options: { now?: () => number } = {}) {
    this.now = options.now ?? (() => 0);
  }

  /** The next `op` on a path ending in `pathSuffix` fails with `error` (default EIO). */
  failNext(op: MemoryFileOp, options: { pathSuffix?: string; error?: Error } = {}): void {
    const error = options.error ?? fsError('EIO', `injected ${op} failure`);
    this.faults.push({ op, pathSuffix: options.pathSuffix ?? '', error });
  }

  /** Forgets every failure injected with failNext that has not happened yet. */
  clearFaults(): void {
    this.faults.length = 0;
  }

  /** Limits the bytes all files together may hold; null removes the limit. */
  setSpaceLimit(bytes: number | null): void {
    this.spaceBytesMax = bytes;
  }

  /** Bytes all files hold now. */
  usedBytes(): number {
    let total = 0;
    for (const inode of this.files.values()) total += inode.sizeBytes;
    return total;
  }

  /** @internal Bytes a file may still grow by, or Infinity without a limit. */
  freeBytes(): number {
    return this.spaceBytesMax === null
      ? Number.POSITIVE_INFINITY
      : Math.max(0, this.spaceBytesMax - this.usedBytes());
  }

  /** Loses every unfsynced byte and closes every handle, as a power cut would. */
  crash(options: CrashOptions = {}): void {
    const keep = options.keepUnsyncedBytes ?? 0;
    for (const inode of this.files.values()) {
      const durable = inode.durable;
      const extra = Math.max(0, Math.min(keep, inode.sizeBytes - durable.length));
      const tornTail = inode.data.subarray(durable.length, durable.length + extra);
      const survived = Buffer.concat([durable, tornTail]);
      inode.data = survived;
      inode.sizeBytes = survived.length;
      inode.durable = Buffer.from(durable);
    }
    for (const handle of this.handles) handle.invalidate();
    this.handles.clear();
  }

  /**
   * The process dies but the machine does not: the page cache survives, so
   * every write and truncation stays as it was; only the handles go.
   */
  processCrash(): void {
    for (const handle of this.handles) handle.invalidate();
    this.handles.clear();
  }

  exists(path: string): boolean {
    const p = normalize(path);
    return this.files.has(p) || this.dirs.has(p);
  }

  /** A copy of a file's current contents. */
  fileBytes(path: string): Buffer {
    const inode = this.inode(path);
    return Buffer.from(inode.data.subarray(0, inode.sizeBytes));
  }

  /** Names in `dir` at once, for checkers that read a disk between simulated events. */
  listDirectory(dir: string): string[] {
    const d = normalize(dir);
    if (!this.dirs.has(d)) return [];
    const names: string[] = [];
    for (const p of [...this.files.keys(), ...this.dirs]) {
      if (p !== d && posix.dirname(p) === d) names.push(posix.basename(p));
    }
    return names.sort();
  }

  /** A view (not a copy) of a file's bytes from `position` on; empty when it is absent. */
  peekBytes(path: string, position = 0): Buffer {
    const inode = this.files.get(normalize(path));
    if (inode === undefined || position >= inode.sizeBytes) return Buffer.alloc(0);
    return inode.data.subarray(position, inode.sizeBytes);
  }

  /** Replaces a file's contents, durably: test set-up such as corrupting an index. */
  writeFileBytes(path: string, bytes: Buffer): void {
    const p = normalize(path);
    this.requireDir(posix.dirname(p));
    const data = Buffer.from(bytes);
    this.files.set(p, { data, sizeBytes: data.length, durable: Buffer.from(data), modifiedMs: 0 });
  }

  async open(path: string, options: LogFileOpenOptions): Promise<LogFile> {
    const p = normalize(path);
    this.maybeFail('open', p);
    let inode = this.files.get(p);
    if (!inode) {
      if (!options.create) throw fsError('ENOENT', `no such file, open '${p}'`);
      this.requireDir(posix.dirname(p));
      inode = { data: Buffer.alloc(0), sizeBytes: 0, durable: Buffer.alloc(0), modifiedMs: 0 };
      inode.modifiedMs = this.now();
      this.files.set(p, inode);
    }
    const handle = new MemoryFile(this, p, inode);
    this.handles.add(handle);
    return handle;
  }

  async readdir(dir: string): Promise<string[]> {
    const d = normalize(dir);
    this.requireDir(d);
    const names: string[] = [];
    for (const p of [...this.files.keys(), ...this.dirs]) {
      if (p !== d && posix.dirname(p) === d) names.push(posix.basename(p));
    }
    return names.sort();
  }

  async mkdir(dir: string): Promise<void> {
    let d = normalize(dir);
    while (!this.dirs.has(d)) {
      if (this.files.has(d)) throw fsError('EEXIST', `file exists, mkdir '${d}'`);
      this.dirs.add(d);
      d = posix.dirname(d);
    }
  }

  async unlink(path: string): Promise<void> {
    const p = normalize(path);
    this.maybeFail('unlink', p);
    if (!this.files.delete(p)) throw fsError('ENOENT', `no such file, unlink '${p}'`);
  }

  async rename(source: string, target: string): Promise<void> {
    const s = normalize(source);
    const t = normalize(target);
    this.maybeFail('rename', s);
    if (this.dirs.has(s)) return this.renameDirectory(s, t);
    const inode = this.files.get(s);
    if (!inode) throw fsError('ENOENT', `no such file, rename '${s}'`);
    this.requireDir(posix.dirname(t));
    this.files.delete(s);
    this.files.set(t, inode);
  }

  /** rename(2) of a directory: everything under it moves; the target must not hold anything. */
  private renameDirectory(s: string, t: string): void {
    if (this.files.has(t)) throw fsError('ENOTDIR', `not a directory, rename '${s}' -> '${t}'`);
    const under = (p: string, d: string) => p === d || p.startsWith(`${d}/`);
    for (const p of [...this.files.keys(), ...this.dirs]) {
      if (p !== t && under(p, t)) throw fsError('ENOTEMPTY', `directory not empty '${t}'`);
    }
    this.requireDir(posix.dirname(t));
    const moved = (p: string) => t + p.slice(s.length);
    for (const [p, inode] of [...this.files]) {
      if (!under(p, s)) continue;
      this.files.delete(p);
      this.files.set(moved(p), inode);
    }
    for (const p of [...this.dirs]) {
      if (!under(p, s)) continue;
      this.dirs.delete(p);
      this.dirs.add(moved(p));
    }
  }

  async removeDirectory(dir: string): Promise<void> {
    const d = normalize(dir);
    const under = (p: string) => p === d || p.startsWith(`${d}/`);
    for (const p of [...this.files.keys()]) if (under(p)) this.files.delete(p);
    for (const p of [...this.dirs]) if (under(p) && p !== '/') this.dirs.delete(p);
  }

  async fsyncDirectory(dir: string): Promise<void> {
    this.requireDir(normalize(dir));
  }

  /** @internal Called by handles before each operation. */
  maybeFail(op: MemoryFileOp, path: string): void {
    this.counts[op] += 1;
    const i = this.faults.findIndex((f) => f.op === op && path.endsWith(f.pathSuffix));
    if (i < 0) return;
    const [fault] = this.faults.splice(i, 1);
    if (fault) throw fault.error;
  }

  /** @internal */
  release(handle: MemoryFile): void {
    this.handles.delete(handle);
  }

  /** @internal */
  nowMs(): number {
    return this.now();
  }

  private inode(path: string): Inode {
    const inode = this.files.get(normalize(path));
    if (!inode) throw fsError('ENOENT', `no such file '${path}'`);
    return inode;
  }

  private requireDir(dir: string): void {
    if (!this.dirs.has(dir)) throw fsError('ENOENT', `no such directory '${dir}'`);
  }
}

function normalize(path: string): string {
  return posix.resolve('/', path);
}

/** A handle keeps its inode even after unlink, as POSIX file descriptors do. */
class MemoryFile implements LogFile {
  private valid = true;

  constructor(
    private readonly fs: MemoryFileSystem,
    private readonly path: string,
    private readonly inode: Inode,
  ) {}

  invalidate(): void {
    this.valid = false;
  }

  async read(target: Buffer, targetOffset: number, length: number, position: number) {
    this.check('read');
    const end = Math.min(this.inode.sizeBytes, position + length);
    if (end <= position) return 0;
    return this.inode.data.copy(target, targetOffset, position, end);
  }

  async write(source: Buffer, position: number): Promise<void> {
    this.check('write');
    const fitEnd = this.inode.sizeBytes + this.fs.freeBytes();
    if (position + source.length > fitEnd) {
      // A full disk: what fits is written, then ENOSPC.
      const fits = Math.max(0, fitEnd - position);
      if (fits > 0) this.store(source.subarray(0, fits), position);
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), {
        code: 'ENOSPC',
      });
    }
    this.store(source, position);
  }

  private store(source: Buffer, position: number): void {
    const inode = this.inode;
    const end = position + source.length;
    if (end > inode.data.length) {
      const grown = Buffer.alloc(Math.max(end, inode.data.length * 2, 4096));
      inode.data.copy(grown, 0, 0, inode.sizeBytes);
      inode.data = grown;
    }
    // A write past the end leaves a hole of zeros, as on a real file system.
    if (position > inode.sizeBytes) inode.data.fill(0, inode.sizeBytes, position);
    source.copy(inode.data, position);
    inode.sizeBytes = Math.max(inode.sizeBytes, end);
    inode.modifiedMs = this.fs.nowMs();
  }

  async fsync(): Promise<void> {
    this.check('fsync');
    this.inode.durable = Buffer.from(this.inode.data.subarray(0, this.inode.sizeBytes));
  }

  async truncate(sizeBytes: number): Promise<void> {
    this.check('truncate');
    const inode = this.inode;
    if (sizeBytes > inode.sizeBytes) {
      await this.write(Buffer.alloc(sizeBytes - inode.sizeBytes), inode.sizeBytes);
      return;
    }
    inode.sizeBytes = sizeBytes;
    inode.modifiedMs = this.fs.nowMs();
  }

  async stat(): Promise<LogFileStat> {
    this.check('read');
    return { sizeBytes: this.inode.sizeBytes, modifiedMs: this.inode.modifiedMs };
  }

  async close(): Promise<void> {
    this.valid = false;
    this.fs.release(this);
  }

  private check(op: MemoryFileOp): void {
    if (!this.valid)
      throw Object.assign(new Error('EBADF: bad file descriptor'), { code: 'EBADF' });
    this.fs.maybeFail(op, this.path);
  }
}
