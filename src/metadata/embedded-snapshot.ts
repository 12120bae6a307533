// The embedded store's file: a JSON snapshot of the persistent keys and the revision,
// replaced atomically (write a temporary file, fsync, rename, fsync the directory) so a
// crash leaves either the old or the new snapshot, never a torn one. Writes are batched:
// changes committed while a write is in flight are saved together by the next write. A
// failed write (a full disk) leaves the last good snapshot in place and is retried, with
// backoff, until one succeeds; the changes it carried wait for it.

import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { MetaStoreError } from './meta-store.ts';

export const snapshotFormatVersion = 1;

export interface SnapshotKeyValue {
  readonly key: string;
  readonly value: string;
  readonly createRevision: number;
  readonly modRevision: number;
  readonly version: number;
}

export interface Snapshot {
  readonly revision: number;
  readonly kvs: readonly SnapshotKeyValue[];
}

/** Writes `data` to `path` so that a crash leaves the old or the new content. */
export type SnapshotFileWriter = (path: string, data: string) => Promise<void>;

export function encodeSnapshot(snapshot: Snapshot): string {
  return JSON.stringify({
    formatVersion: snapshotFormatVersion,
    revision: snapshot.revision,
    kvs: snapshot.kvs,
  });
}

function corrupt(path: string, why: string): MetaStoreError {
  return new MetaStoreError('GREGOR_ERR_METADATA_CORRUPT', `${path}: ${why}`);
}

function isRevision(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1;
}

function decodeKeyValue(item: unknown, revision: number): SnapshotKeyValue | string {
  if (typeof item !== 'object' || item === null) return 'a key is not an object';
  const { key, value, createRevision, modRevision, version } = item as Record<string, unknown>;
  if (typeof key !== 'string' || key === '' || typeof value !== 'string') {
    return 'a key or value is not a string';
  }
  if (!isRevision(createRevision) || !isRevision(modRevision) || !isRevision(version)) {
    return `key ${JSON.stringify(key)} has a bad revision or version`;
  }
  if (createRevision > modRevision || modRevision > revision) {
    return `key ${JSON.stringify(key)} has revisions out of order`;
  }
  return { key, value, createRevision, modRevision, version };
}

/** Parses and checks a snapshot; a bad file is refused, never silently emptied. */
export function decodeSnapshot(text: string, path: string): Snapshot {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw corrupt(path, `not JSON (${(error as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null) throw corrupt(path, 'not an object');
  const { formatVersion, revision, kvs } = parsed as Record<string, unknown>;
  if (formatVersion !== snapshotFormatVersion) {
    throw corrupt(path, `unknown formatVersion ${String(formatVersion)}`);
  }
  if (!isRevision(revision)) throw corrupt(path, 'bad revision');
  if (!Array.isArray(kvs)) throw corrupt(path, 'kvs is not an array');
  const seen = new Set<string>();
  const decoded: SnapshotKeyValue[] = [];
  for (const item of kvs) {
    const kv = decodeKeyValue(item, revision);
    if (typeof kv === 'string') throw corrupt(path, kv);
    if (seen.has(kv.key)) throw corrupt(path, `key ${JSON.stringify(kv.key)} appears twice`);
    seen.add(kv.key);
    decoded.push(kv);
  }
  return { revision, kvs: decoded };
}

/** Reads the snapshot at `path`, or null when there is none yet. */
export async function readSnapshotFile(path: string): Promise<Snapshot | null> {
  let text: string;
  try {
    text = await readFile(path, { encoding: 'utf8' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new MetaStoreError('GREGOR_ERR_METADATA_UNAVAILABLE', `cannot read ${path}`, {
      cause: error,
    });
  }
  return decodeSnapshot(text, path);
}

export function temporaryPath(path: string): string {
  return `${path}.tmp`;
}

/** Removes a temporary file a crash may have left; it was never the snapshot. */
export async function removeTemporaryFile(path: string): Promise<void> {
  await rm(temporaryPath(path), { force: true });
}

export const writeFileAtomic: SnapshotFileWriter = async (path, data) => {
  const directory = dirname(path);
  await mkdir(directory, { recursive: true });
  const temporary = temporaryPath(path);
  try {
    const file = await open(temporary, 'w', 0o600);
    try {
      await file.writeFile(data, { encoding: 'utf8' });
      await file.sync();
    } finally {
      await file.close();
    }
  } catch (error) {
    // A half-written temporary file (ENOSPC part way) only holds space the retry needs.
    await rm(temporary, { force: true }).catch(() => {});
    throw error;
  }
  await rename(temporary, path);
  // The rename is durable only once the directory entry is.
  const directoryHandle = await open(directory, 'r');
  try {
    await directoryHandle.sync();
  } finally {
    await directoryHandle.close();
  }
};

interface Waiter {
  readonly promise: Promise<number>;
  resolve(revision: number): void;
  reject(error: Error): void;
}

function makeWaiter(): Waiter {
  let resolve: (revision: number) => void = () => {};
  let reject: (error: Error) => void = () => {};
  const promise = new Promise<number>((onResolve, onReject) => {
    resolve = onResolve;
    reject = onReject;
  });
  // A waiter nobody awaits (a fire-and-forget internal write) must not crash the process.
  promise.catch(() => {});
  return { promise, resolve, reject };
}

export interface SnapshotWriterOptions {
  /** Takes the snapshot synchronously when called (so it holds every change so far) and writes it. */
  readonly persist: () => { revision: number; written: Promise<void> };
  /** Runs `run` after `delayMs`; returns a function that cancels it. */
  readonly setTimer: (delayMs: number, run: () => void) => () => void;
  /** A write failed; the next attempt comes after `retryInMs`. */
  readonly onWriteFailed?: (error: unknown, retryInMs: number) => void;
  /** A write succeeded after one or more had failed. */
  readonly onWriteRecovered?: () => void;
}

/** Backoff between attempts after a failed snapshot write. */
export const SNAPSHOT_RETRY_MS_MIN = 50;
export const SNAPSHOT_RETRY_MS_MAX = 2000;

/**
 * Group commit for snapshots. `flush()` resolves with the revision that is durable once a
 * snapshot taken after the call has been written. A failed write keeps its callers
 * waiting and is retried with backoff; each retry takes a fresh snapshot, so it also
 * carries whatever changed meanwhile. Only close() gives up on them.
 */
export class SnapshotWriter {
  private next: Waiter | null = null;
  private running = false;
  private closed = false;
  private failedAttempts = 0;
  private cancelRetry: (() => void) | null = null;
  private wakeRetry: (() => void) | null = null;

  constructor(private readonly o: SnapshotWriterOptions) {}

  /** True while the last attempt failed and a retry is pending. */
  get failing(): boolean {
    return this.failedAttempts > 0;
  }

  flush(): Promise<number> {
    if (this.closed) {
      return Promise.reject(
        new MetaStoreError('GREGOR_ERR_METADATA_CLOSED', 'the store is closed'),
      );
    }
    if (this.next === null) this.next = makeWaiter();
    const { promise } = this.next;
    if (!this.running) void this.run();
    return promise;
  }

  /**
   * Stops retrying: one last attempt is made at once if changes wait (or one is in
   * flight); callers still waiting after it are rejected with GREGOR_ERR_METADATA_CLOSED.
   */
  async close(): Promise<void> {
    this.closed = true;
    this.cancelRetry?.();
    this.cancelRetry = null;
    const wake = this.wakeRetry;
    this.wakeRetry = null;
    wake?.();
    while (this.running) await new Promise((resolve) => setImmediate(resolve));
    if (this.next !== null) {
      const waiting = this.next;
      this.next = null;
      waiting.reject(
        new MetaStoreError('GREGOR_ERR_METADATA_CLOSED', 'closed before the change was saved'),
      );
    }
  }

  private async run(): Promise<void> {
    this.running = true;
    // Yield once so that every change committed in this burst joins the first write.
    await Promise.resolve();
    while (this.next !== null) {
      const batch = this.next;
      this.next = null;
      try {
        const { revision, written } = this.o.persist();
        await written;
        batch.resolve(revision);
        if (this.failedAttempts > 0) {
          this.failedAttempts = 0;
          this.o.onWriteRecovered?.();
        }
      } catch (error) {
        // The last good snapshot is untouched (the file is replaced only whole): keep
        // the callers waiting and try again, unless closing.
        this.failedAttempts += 1;
        this.requeue(batch);
        if (this.closed) break;
        const delayMs = Math.min(
          SNAPSHOT_RETRY_MS_MIN * 2 ** (this.failedAttempts - 1),
          SNAPSHOT_RETRY_MS_MAX,
        );
        this.o.onWriteFailed?.(error, delayMs);
        await this.sleep(delayMs);
      }
    }
    this.running = false;
  }

  /** Puts a batch whose write failed back in front of the next write. */
  private requeue(batch: Waiter): void {
    const next = this.next;
    if (next === null) {
      this.next = batch;
      return;
    }
    next.promise.then(batch.resolve, batch.reject);
  }

  private sleep(delayMs: number): Promise<void> {
    return new Promise((resolve) => {
      this.wakeRetry = resolve;
      this.cancelRetry = this.o.setTimer(delayMs, () => {
        this.cancelRetry = null;
        this.wakeRetry = null;
        resolve();
      });
    });
  }
}
