// A partition's leader-epoch history kept durable in its `leader-epoch-checkpoint`
// file. Changes apply in memory at once (readers never wait) and reach the
// file with flush(); callers flush before they append a batch of a new epoch,
// so the file never lags the log. On open it is read back, or rebuilt from the
// log's batch headers when missing or unreadable, then cut to the log's
// [start, end) range, which undoes whatever a crash left half done.

import type { LogFileSystem } from '../log/file-system.ts';
import type { PartitionLog } from '../log/partition-log.ts';
import {
  LeaderEpochCheckpointFormatError,
  readLeaderEpochCheckpoint,
  writeLeaderEpochCheckpoint,
} from './leader-epoch-checkpoint.ts';
import {
  type EpochEndOffset,
  type EpochEntry,
  LeaderEpochHistory,
} from './leader-epoch-history.ts';
import { scanLeaderEpochs } from './log-scan.ts';

export interface LeaderEpochCacheLogger {
  warn(fields: object, message: string): void;
}

export interface LeaderEpochCacheOptions {
  readonly fs: LogFileSystem;
  /** The partition's own directory, where the checkpoint lives. */
  readonly dir: string;
  readonly logger: LeaderEpochCacheLogger;
}

/** How load() found the history: for logs and tests. */
export type LeaderEpochLoadSource = 'checkpoint' | 'rebuilt-missing' | 'rebuilt-corrupt';

export class LeaderEpochCache {
  private history = new LeaderEpochHistory();
  /** The history differs from what the file last received. */
  private dirty = false;
  private flushTail: Promise<void> = Promise.resolve();

  constructor(private readonly o: LeaderEpochCacheOptions) {}

  /** Reads the checkpoint (or rebuilds it from `log`), fits it to the log and writes it back. */
  async load(log: PartitionLog): Promise<LeaderEpochLoadSource> {
    let source: LeaderEpochLoadSource = 'checkpoint';
    let entries: EpochEntry[] | null = null;
    try {
      entries = await readLeaderEpochCheckpoint(this.o.fs, this.o.dir);
      if (entries === null) source = 'rebuilt-missing';
    } catch (err) {
      if (!(err instanceof LeaderEpochCheckpointFormatError)) throw err;
      source = 'rebuilt-corrupt';
      this.o.logger.warn(
        { dir: this.o.dir, problem: err.message },
        'leader-epoch-checkpoint is unreadable; rebuilding it from the log',
      );
    }
    if (entries === null) {
      this.history = new LeaderEpochHistory();
      await scanLeaderEpochs(log, (epoch, startOffset) => this.history.assign(epoch, startOffset));
      this.dirty = true;
    } else {
      this.history = new LeaderEpochHistory(entries);
    }
    // A crash may have cut the log's unflushed tail after the file was written,
    // or moved the log start before the file caught up.
    if (this.history.truncateFromEnd(log.logEndOffset)) this.dirty = true;
    if (this.history.truncateFromStart(log.logStartOffset)) this.dirty = true;
    await this.flush();
    return source;
  }

  latestEpoch(): number {
    return this.history.latestEpoch();
  }

  entries(): readonly EpochEntry[] {
    return this.history.list();
  }

  endOffsetFor(requested: number, logEndOffset: number): EpochEndOffset {
    return this.history.endOffsetFor(requested, logEndOffset);
  }

  /** Notes that `epoch` starts at `startOffset`; flush() makes it durable. */
  assign(epoch: number, startOffset: number): void {
    if (this.history.assign(epoch, startOffset)) this.dirty = true;
  }

  /** The log was truncated to `endOffset`. */
  truncateFromEnd(endOffset: number): void {
    if (this.history.truncateFromEnd(endOffset)) this.dirty = true;
  }

  /** The log start offset moved up to `startOffset`. */
  truncateFromStart(startOffset: number): void {
    if (this.history.truncateFromStart(startOffset)) this.dirty = true;
  }

  /**
   * Writes the history if it changed since the last write; writes run one at a
   * time. A failed write leaves the history dirty, so the next flush retries.
   */
  flush(): Promise<void> {
    const run = this.flushTail.then(() => this.writeIfDirty());
    this.flushTail = run.catch(() => undefined);
    return run;
  }

  private async writeIfDirty(): Promise<void> {
    if (!this.dirty) return;
    const entries = [...this.history.list()];
    this.dirty = false;
    try {
      await writeLeaderEpochCheckpoint(this.o.fs, this.o.dir, entries);
    } catch (err) {
      this.dirty = true;
      throw err;
    }
  }
}
