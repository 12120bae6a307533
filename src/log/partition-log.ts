// One topic-partition's log: an ordered list of segments in
// `<log dir>/<topic>-<partition>/`, the log start and end offsets, the high
// watermark and the checkpoints that survive a restart. It assigns offsets by
// patching batch headers in place and stores producers' bytes as they came;
// mutations run one at a time through a queue, reads run beside them. A write
// refused for want of space leaves the log as it was and fails only that call;
// any other disk failure takes the log offline.

import { join } from 'node:path';
import {
  BATCH_HEADER_BYTES,
  checkBatch,
  forEachBatch,
  setBaseOffset,
  setLogAppendTime,
  setPartitionLeaderEpoch,
} from '../protocol/record-batch.ts';
import { type BufferPool, releaseLease, shareLease } from '../util/buffer-pool.ts';
import {
  BATCH_MAGIC_V2,
  batchBaseOffset,
  batchLastOffsetDelta,
  batchMagic,
  batchSizeBytes,
} from './batch-fields.ts';
import {
  HIGH_WATERMARK_CHECKPOINT,
  LOG_START_OFFSET_CHECKPOINT,
  RECOVERY_POINT_CHECKPOINT,
  writeCheckpointFile,
} from './checkpoint-file.ts';
import {
  CorruptRecordError,
  InvalidAppendOffsetError,
  isNoSpaceError,
  LogClosedError,
  LogError,
  LogStorageError,
  OffsetOutOfRangeError,
  RecordListTooLargeError,
} from './errors.ts';
import { type LogFileSystem, nodeFileSystem } from './file-system.ts';
import { type LogConfig, validateLogConfig } from './log-config.ts';
import { type LoadContext, loadPartition, segmentOptionsFor } from './partition-log-loader.ts';
import { Segment } from './segment.ts';
import { DELETED_SUFFIX, SWAP_SUFFIX } from './segment-swap.ts';

export interface PartitionLogLogger {
  warn(fields: object, message: string): void;
  info(fields: object, message: string): void;
}

export interface PartitionLogOptions {
  /** The log directory (`log.dirs` entry); the partition lives in `<dir>/<topic>-<partition>`. */
  readonly dir: string;
  readonly topic: string;
  readonly partition: number;
  readonly config: LogConfig;
  readonly now: () => number;
  readonly logger?: PartitionLogLogger;
  /** The file layer; the real disk by default. */
  readonly fs?: LogFileSystem;
  /** Bytes of recent appends served from memory; default TAIL_CACHE_BYTES_DEFAULT. */
  readonly tailCacheBytes?: number;
  /** Called whenever a write is refused for want of space (for the log dir's health). */
  readonly onNoSpace?: () => void;
  /**
   * The partition directory's name when not `<topic>-<partition>`: a future replica
   * being copied to another log directory (AlterReplicaLogDirs) lives beside it.
   */
  readonly dirName?: string;
}

export interface AppendResult {
  readonly baseOffset: number;
  readonly lastOffset: number;
  /** The broker time stamped on LogAppendTime batches; -1 for CreateTime. */
  readonly logAppendTimeMs: number;
  readonly logStartOffset: number;
}

export interface ReadOptions {
  /** Exclusive upper bound on offsets returned, normally the high watermark. */
  readonly maxOffset: number;
  /** Return the first batch even when it is larger than maxBytes (KIP-74). */
  readonly minOneBatch: boolean;
  /**
   * Read from disk into a buffer leased from this pool; the caller ends the lease
   * (releaseLease(records)) once nothing uses the bytes, or lets it be collected.
   */
  readonly pool?: BufferPool;
}

export interface ReadResult {
  /** Stored bytes of whole batches from the one holding fetchOffset; null when none. */
  readonly records: Buffer | null;
  readonly highWatermark: number;
  readonly logStartOffset: number;
  readonly logEndOffset: number;
}

export interface TimestampOffset {
  readonly offset: number;
  readonly timestamp: number;
}

export interface RetentionResult {
  readonly deletedSegments: number;
  readonly logStartOffset: number;
}

export interface SegmentInfo {
  readonly baseOffset: number;
  readonly nextOffset: number;
  readonly sizeBytes: number;
  readonly maxTimestampMs: number;
  /** When the segment was last appended to (the file's mtime when opened). */
  readonly lastModifiedMs: number;
}

export const TAIL_CACHE_BYTES_DEFAULT = 512 * 1024;
/** Sealed segments whose indexes stay in memory after a lookup (most recently used). */
export const SEALED_INDEXES_LOADED_MAX = 2;
const INT32_MAX = 0x7fff_ffff;
/** At most one "log dir is full" line per partition in this time. */
const NO_SPACE_LOG_INTERVAL_MS = 10_000;

const silentLogger: PartitionLogLogger = { warn() {}, info() {} };

function ignore(): void {}

interface OffsetCheckpoints {
  recoveryPoint: number;
  highWatermark: number;
  logStartOffset: number;
}

export class PartitionLog {
  readonly topic: string;
  readonly partition: number;
  /** The partition's own directory. */
  readonly dir: string;
  private config: LogConfig;
  private readonly fs: LogFileSystem;
  private readonly now: () => number;
  private readonly logger: PartitionLogLogger;
  private readonly tailCacheBytes: number;
  private segments: Segment[];
  private logStartOffsetValue: number;
  private logEndOffsetValue: number;
  private highWatermarkValue: number;
  private recoveryPointValue: number;
  private written: OffsetCheckpoints = { recoveryPoint: -1, highWatermark: -1, logStartOffset: -1 };
  private unflushedMessages = 0;
  private lastFlushMs: number;
  private queueTail: Promise<unknown> = Promise.resolve();
  private sealedIndexesLoaded: Segment[] = [];
  private closed = false;
  private failure: Error | null = null;
  /**
   * Set while writes are refused for want of space. The change of state is
   * logged, not each refusal, and at most once per NO_SPACE_LOG_INTERVAL_MS (a
   * disk at the edge lets small appends through between refusals): `noSpaceAnnounced`
   * says the current episode was logged, so its end is logged too.
   */
  private noSpace = false;
  private noSpaceAnnounced = false;
  private noSpaceLoggedMs = Number.NEGATIVE_INFINITY;
  private noSpaceRefusals = 0;
  private readonly onNoSpace: () => void;
  private readonly logStartListeners = new Set<(logStartOffset: number) => void>();
  private readonly failureListeners = new Set<(err: Error) => void>();

  private constructor(options: PartitionLogOptions, dir: string, fs: LogFileSystem) {
    this.topic = options.topic;
    this.partition = options.partition;
    this.dir = dir;
    this.config = options.config;
    this.fs = fs;
    this.now = options.now;
    this.logger = options.logger ?? silentLogger;
    this.tailCacheBytes = options.tailCacheBytes ?? TAIL_CACHE_BYTES_DEFAULT;
    this.onNoSpace = options.onNoSpace ?? ignore;
    this.segments = [];
    this.logStartOffsetValue = 0;
    this.logEndOffsetValue = 0;
    this.highWatermarkValue = 0;
    this.recoveryPointValue = 0;
    this.lastFlushMs = options.now();
  }

  /** Opens (creating, or recovering after a crash) the partition's directory. */
  static async open(options: PartitionLogOptions): Promise<PartitionLog> {
    validateLogConfig(options.config);
    // The directory is `<topic>-<partition>`: every legal topic name gives a
    // plain entry of the log dir, one with a leading '.' included ('.x-0').
    // Only what could leave the log dir or cut the path short is refused.
    const topic = options.topic;
    if (topic === '' || /[/\\]/.test(topic) || topic.includes('\u0000')) {
      throw new RangeError(`not a usable topic name for a directory: '${options.topic}'`);
    }
    if (!Number.isInteger(options.partition) || options.partition < 0) {
      throw new RangeError(`partition must be a non-negative integer: ${options.partition}`);
    }
    const fs = options.fs ?? nodeFileSystem;
    const dir = join(options.dir, options.dirName ?? `${options.topic}-${options.partition}`);
    const log = new PartitionLog(options, dir, fs);
    const loaded = await loadPartition(log.loadContext(options.now()));
    log.segments = loaded.segments;
    log.logStartOffsetValue = loaded.logStartOffset;
    log.logEndOffsetValue = loaded.segments[loaded.segments.length - 1]!.nextOffset;
    log.highWatermarkValue = loaded.highWatermark;
    log.recoveryPointValue = loaded.recoveryPoint;
    // A checkpoint already holding the loaded value is not rewritten: after a
    // clean shutdown that spares three durable file replacements per partition.
    log.written = {
      recoveryPoint: loaded.onDisk.recoveryPoint ?? -1,
      highWatermark: loaded.onDisk.highWatermark ?? -1,
      logStartOffset: loaded.onDisk.logStartOffset ?? -1,
    };
    for (const segment of loaded.segments) if (segment.sealed) segment.unloadIndexes();
    try {
      await log.writeCheckpoints();
    } catch (err) {
      await Promise.allSettled(loaded.segments.map((s) => s.close({ flush: false })));
      throw err;
    }
    return log;
  }

  get logStartOffset(): number {
    return this.logStartOffsetValue;
  }

  /** The file layer this log uses, for files that live beside it (the leader-epoch checkpoint). */
  get fileSystem(): LogFileSystem {
    return this.fs;
  }

  /**
   * Calls `listener` whenever DeleteRecords or retention moves the log start
   * offset up, so state kept beside the log can drop what lies below it.
   * Returns a function that unsubscribes.
   */
  onLogStartOffsetAdvance(listener: (logStartOffset: number) => void): () => void {
    this.logStartListeners.add(listener);
    return () => this.logStartListeners.delete(listener);
  }

  /**
   * Calls `listener` once when a disk operation fails and the log goes offline, so
   * the broker can take the whole log directory offline, as Kafka does.
   */
  onFailure(listener: (err: Error) => void): () => void {
    this.failureListeners.add(listener);
    return () => this.failureListeners.delete(listener);
  }

  private advanceLogStartOffset(offset: number): void {
    if (offset <= this.logStartOffsetValue) return;
    this.logStartOffsetValue = offset;
    for (const listener of this.logStartListeners) listener(offset);
  }

  get logEndOffset(): number {
    return this.logEndOffsetValue;
  }

  get highWatermark(): number {
    return this.highWatermarkValue;
  }

  /** Offsets below this are known to be on disk (fsynced). */
  get recoveryPoint(): number {
    return this.recoveryPointValue;
  }

  get sizeBytes(): number {
    let total = 0;
    for (const segment of this.segments) total += segment.sizeBytes;
    return total;
  }

  get segmentCount(): number {
    return this.segments.length;
  }

  /** Base offset of the segment appends go to: it changes when the log rolls. */
  get activeSegmentBaseOffset(): number {
    return this.segments[this.segments.length - 1]?.baseOffset ?? this.logStartOffsetValue;
  }

  get logConfig(): LogConfig {
    return this.config;
  }

  describeSegments(): SegmentInfo[] {
    return this.segments.map((s) => ({
      baseOffset: s.baseOffset,
      nextOffset: s.nextOffset,
      sizeBytes: s.sizeBytes,
      maxTimestampMs: s.maxTimestampMs,
      lastModifiedMs: s.lastModifiedMs,
    }));
  }

  /** Applies changed topic configs; segment sizes and index settings affect new segments. */
  setConfig(config: LogConfig): void {
    validateLogConfig(config);
    this.config = config;
  }

  /**
   * Moves the high watermark, clamped to [logStartOffset, logEndOffset] as Kafka
   * does; returns the value set. It reaches disk with the next flush, close or
   * checkpointHighWatermark.
   */
  setHighWatermark(offset: number): number {
    const clamped = Math.min(Math.max(offset, this.logStartOffsetValue), this.logEndOffsetValue);
    this.highWatermarkValue = clamped;
    return clamped;
  }

  private get active(): Segment {
    return this.segments[this.segments.length - 1]!;
  }

  private loadContext(nowMs: number): LoadContext {
    return {
      fs: this.fs,
      dir: this.dir,
      topic: this.topic,
      partition: this.partition,
      config: this.config,
      nowMs,
      tailCacheBytes: this.tailCacheBytes,
      logger: this.logger,
    };
  }

  // ---- appends ----------------------------------------------------------------------------

  /**
   * Appends one or more complete, validated v2 batches from a producer, assigning
   * offsets by patching each batch's baseOffset and partitionLeaderEpoch in place
   * (and, for LogAppendTime topics, its timestamp and CRC). Appends are queued and
   * applied in call order. The log modifies `batches` until the returned promise
   * settles and keeps no reference after it: the caller may then reuse the buffer.
   */
  append(batches: Buffer, options: { leaderEpoch: number }): Promise<AppendResult> {
    return this.enqueue(() => this.appendNow(batches, options.leaderEpoch));
  }

  /**
   * Appends batches whose offsets were assigned by a leader (a follower's fetch).
   * Each batch's CRC is checked, and offsets must continue from the log end offset.
   */
  appendReplicated(batches: Buffer): Promise<AppendResult> {
    return this.enqueue(() => this.appendReplicatedNow(batches));
  }

  private async appendNow(batches: Buffer, leaderEpoch: number): Promise<AppendResult> {
    this.checkAppendSize(batches);
    const nowMs = this.now();
    const logAppendTime = this.config.messageTimestampType === 'LogAppendTime';
    const baseOffset = this.logEndOffsetValue;
    let nextOffset = baseOffset;
    const consumed = forEachBatch(batches, (at, sizeBytes) => {
      if (batchMagic(batches, at) !== BATCH_MAGIC_V2)
        throw new CorruptRecordError('not a v2 batch');
      const lastOffsetDelta = batchLastOffsetDelta(batches, at);
      if (lastOffsetDelta < 0) throw new CorruptRecordError(`lastOffsetDelta ${lastOffsetDelta}`);
      setBaseOffset(batches, at, nextOffset);
      setPartitionLeaderEpoch(batches, at, leaderEpoch);
      if (logAppendTime) setLogAppendTime(batches, at, sizeBytes, nowMs);
      nextOffset += lastOffsetDelta + 1;
    });
    if (consumed !== batches.length) {
      throw new CorruptRecordError(`${batches.length - consumed} bytes after the last whole batch`);
    }
    const lastOffset = nextOffset - 1;
    await this.writeBatches(batches, { firstOffset: baseOffset, lastOffset, nowMs });
    return {
      baseOffset,
      lastOffset,
      logAppendTimeMs: logAppendTime ? nowMs : -1,
      logStartOffset: this.logStartOffsetValue,
    };
  }

  private async appendReplicatedNow(batches: Buffer): Promise<AppendResult> {
    this.checkAppendSize(batches);
    let firstOffset = -1;
    let expected = this.logEndOffsetValue;
    const consumed = forEachBatch(batches, (at, sizeBytes) => {
      const problem = checkBatch(batches, at, at + sizeBytes);
      if (problem) throw new CorruptRecordError(`replicated batch: ${problem}`);
      const base = batchBaseOffset(batches, at);
      if (base < expected) {
        throw new InvalidAppendOffsetError(
          `batch at ${base} does not follow offset ${expected - 1}`,
        );
      }
      if (firstOffset < 0) firstOffset = base;
      expected = base + batchLastOffsetDelta(batches, at) + 1;
    });
    if (consumed !== batches.length) {
      throw new CorruptRecordError(`${batches.length - consumed} bytes after the last whole batch`);
    }
    const lastOffset = expected - 1;
    await this.writeBatches(batches, { firstOffset, lastOffset, nowMs: this.now() });
    return {
      baseOffset: firstOffset,
      lastOffset,
      logAppendTimeMs: -1,
      logStartOffset: this.logStartOffset,
    };
  }

  private checkAppendSize(batches: Buffer): void {
    if (batches.length === 0) throw new CorruptRecordError('no batches to append');
    if (batches.length > this.config.segmentBytes) {
      throw new RecordListTooLargeError(
        `${batches.length} bytes exceed segment.bytes ${this.config.segmentBytes}`,
      );
    }
  }

  /** Rolls when needed, writes with one write, then moves the log end offset. */
  private async writeBatches(
    batches: Buffer,
    range: { firstOffset: number; lastOffset: number; nowMs: number },
  ): Promise<void> {
    await this.io(async () => {
      const reason = this.rollReason(batches.length, range);
      if (reason) await this.roll(range.firstOffset, reason, range.nowMs);
      await this.active.append(batches, range.nowMs);
    });
    const nextOffset = this.active.nextOffset;
    if (nextOffset !== range.lastOffset + 1) {
      throw new Error(`segment ends at ${nextOffset} after appending up to ${range.lastOffset}`);
    }
    this.logEndOffsetValue = nextOffset;
    if (this.noSpace) {
      this.noSpace = false;
      if (this.noSpaceAnnounced) {
        this.noSpaceAnnounced = false;
        this.logger.info(
          { topic: this.topic, partition: this.partition },
          'log dir has space again; appends to the partition log resumed',
        );
      }
    }
    this.unflushedMessages += range.lastOffset - range.firstOffset + 1;
    const flushDue =
      this.unflushedMessages >= this.config.flushMessages ||
      range.nowMs - this.lastFlushMs >= this.config.flushMs;
    if (!flushDue) return;
    try {
      await this.io(() => this.flushNow());
    } catch (err) {
      // The batches are in the log: a flush that ran out of space for an index or
      // checkpoint file is redone by the next one, and the append stands (failing
      // it would invite a retry that stores the batches twice).
      if (this.failure !== null || !(err instanceof LogStorageError)) throw err;
    }
  }

  private rollReason(
    appendBytes: number,
    range: { firstOffset: number; lastOffset: number; nowMs: number },
  ): string | null {
    const active = this.active;
    // Relative offsets in the indexes are int32: a segment spans at most 2^31 offsets.
    if (range.lastOffset - active.baseOffset > INT32_MAX) return 'offsets beyond int32 range';
    if (active.sizeBytes === 0) return null;
    if (active.sizeBytes + appendBytes > this.config.segmentBytes) return 'segment.bytes';
    if (range.nowMs - active.rollBaseMs > this.config.segmentMs) return 'segment.ms';
    if (active.indexesFull) return 'segment.index.bytes';
    return null;
  }

  /**
   * Creates the next segment, then seals the active one: if either runs out of
   * space the active segment stays active and whole, and the next append rolls again.
   */
  private async roll(baseOffset: number, reason: string, nowMs: number): Promise<void> {
    const previous = this.active;
    const segment = await Segment.create(this.segmentOptions(baseOffset), nowMs);
    try {
      await previous.seal();
    } catch (err) {
      await segment.delete().catch(ignore);
      throw err;
    }
    this.noteSealedIndexesUsed(previous);
    this.segments.push(segment);
    this.logger.info(
      { topic: this.topic, partition: this.partition, baseOffset, reason },
      'rolled a new log segment',
    );
  }

  private segmentOptions(baseOffset: number) {
    return segmentOptionsFor(this.loadContext(this.now()), baseOffset);
  }

  // ---- reads ------------------------------------------------------------------------------

  /**
   * Reads stored batches from the one holding `fetchOffset`, whole batches only,
   * within one segment, below `maxOffset`, up to `maxBytes` (but at least one batch
   * with `minOneBatch`). Throws OffsetOutOfRangeError outside [logStart, logEnd].
   */
  async read(fetchOffset: number, maxBytes: number, options: ReadOptions): Promise<ReadResult> {
    this.checkOpen();
    const state = {
      highWatermark: this.highWatermarkValue,
      logStartOffset: this.logStartOffsetValue,
      logEndOffset: this.logEndOffsetValue,
    };
    if (fetchOffset < state.logStartOffset || fetchOffset > state.logEndOffset) {
      throw new OffsetOutOfRangeError(fetchOffset, state.logStartOffset, state.logEndOffset);
    }
    if (fetchOffset >= options.maxOffset || fetchOffset === state.logEndOffset) {
      return { records: null, ...state };
    }
    // A segment may end before fetchOffset (a gap left by compaction); then try the next.
    // The cleaner may replace segments meanwhile: each step looks up the current list,
    // from an offset below which the segments already read held nothing.
    let from = fetchOffset;
    for (let s = this.segmentFor(from); s; s = this.nextSegmentToRead(s, from)) {
      const records = await this.withSegment(s, async (segment) => {
        const batch = await segment.findBatch(fetchOffset);
        if (!batch) return undefined;
        if (batch.lastOffset >= options.maxOffset) return null;
        const limit = Math.max(maxBytes, options.minOneBatch ? batch.sizeBytes : 0);
        const length = Math.min(limit, segment.sizeBytes - batch.position);
        if (length < batch.sizeBytes) return null;
        const bytes = await segment.readBytes(batch.position, length, options.pool);
        const wholeBytes = wholeBatchesBelow(bytes, options.maxOffset);
        if (wholeBytes === bytes.length) return bytes;
        if (wholeBytes === 0) {
          releaseLease(bytes);
          return null;
        }
        const records = bytes.subarray(0, wholeBytes);
        shareLease(bytes, records);
        return records;
      });
      if (records !== undefined) return { records, ...state };
      if (!s.isClosed) from = Math.max(from, s.nextOffset);
    }
    return { records: null, ...state };
  }

  /**
   * The segment a read goes on with after `done` held nothing at or after `from`:
   * the one now holding `from` (a cleaned replacement of `done`, say), else the next.
   */
  private nextSegmentToRead(done: Segment, from: number): Segment | undefined {
    const holding = this.segmentFor(from);
    if (holding !== undefined && holding !== done && !holding.isClosed) {
      if (holding.baseOffset >= done.baseOffset || holding.nextOffset > from) return holding;
    }
    return this.segmentAfter(done.baseOffset);
  }

  /**
   * The first offset at or after the log start whose record timestamp is >=
   * timestampMs, with that timestamp (ListOffsets by time). Record-level for
   * uncompressed batches; per batch for compressed ones (see Segment.findTimestamp).
   */
  async offsetForTimestamp(timestampMs: number): Promise<TimestampOffset | null> {
    this.checkOpen();
    const logStartOffset = this.logStartOffsetValue;
    for (let s = this.segments[0]; s; s = this.segmentAfter(s.baseOffset)) {
      if (s.nextOffset <= logStartOffset || s.maxTimestampMs < timestampMs) continue;
      const found = await this.withSegment(s, (segment) =>
        segment.findTimestamp(timestampMs, logStartOffset),
      );
      if (found) return { offset: found.offset, timestamp: found.timestampMs };
    }
    return null;
  }

  /** Runs a read on a segment kept open for its duration; undefined if it was deleted. */
  private async withSegment<T>(
    segment: Segment,
    read: (segment: Segment) => Promise<T>,
  ): Promise<T | undefined> {
    if (!segment.acquire()) return undefined;
    try {
      return await read(segment);
    } catch (err) {
      if (err instanceof LogError) throw err;
      throw new LogStorageError(`reading ${segment.logPath}: ${String(err)}`, { cause: err });
    } finally {
      if (segment.sealed && !segment.isClosed) this.noteSealedIndexesUsed(segment);
      segment.release();
    }
  }

  /** Keeps the indexes of the few most recently used sealed segments in memory. */
  private noteSealedIndexesUsed(segment: Segment): void {
    const list = this.sealedIndexesLoaded.filter((s) => s !== segment);
    list.push(segment);
    while (list.length > SEALED_INDEXES_LOADED_MAX) list.shift()!.unloadIndexes();
    this.sealedIndexesLoaded = list;
  }

  /** The segment whose range holds `offset` (the last with baseOffset <= offset). */
  private segmentFor(offset: number): Segment | undefined {
    const segments = this.segments;
    let lo = 0;
    let hi = segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (segments[mid]!.baseOffset <= offset) lo = mid;
      else hi = mid - 1;
    }
    return segments[lo];
  }

  private segmentAfter(baseOffset: number): Segment | undefined {
    const segments = this.segments;
    let lo = 0;
    let hi = segments.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (segments[mid]!.baseOffset <= baseOffset) lo = mid + 1;
      else hi = mid;
    }
    return segments[lo];
  }

  // ---- the log cleaner's view and swap -----------------------------------------------------

  /** True until the log is closed, deleted or taken offline. */
  get isOpen(): boolean {
    return !this.closed && this.failure === null;
  }

  /** The segments as they are now, oldest first; the last is the active one. */
  segmentsForCleaning(): readonly Segment[] {
    return [...this.segments];
  }

  /** Options for a segment file the cleaner writes in this log's directory. */
  cleanedSegmentOptions(baseOffset: number, fileSuffix: string) {
    return { ...this.segmentOptions(baseOffset), tailCacheBytes: 0, fileSuffix };
  }

  /**
   * Replaces `replaced` (consecutive sealed segments) with `cleaned`, a sealed and
   * flushed segment holding what the cleaner kept of them under the `.cleaned`
   * suffix. Runs in the mutation queue: false (and nothing changed) when retention,
   * truncation or DeleteRecords changed those segments meanwhile. Otherwise the
   * cleaned files become `.swap`, the replaced ones `.deleted`, the swap takes the
   * live names, and readers already inside a replaced segment finish there before
   * its files go. A crash at any step leaves a log the loader completes or rolls back.
   */
  replaceSegments(replaced: readonly Segment[], cleaned: Segment): Promise<boolean> {
    return this.enqueue(() =>
      this.io(async () => {
        const first = this.segments.indexOf(replaced[0]!);
        const current = first < 0 ? [] : this.segments.slice(first, first + replaced.length);
        const unchanged =
          first >= 0 &&
          first + replaced.length < this.segments.length &&
          current.length === replaced.length &&
          current.every((s, i) => s === replaced[i] && s.sealed && !s.isClosed);
        if (!unchanged || cleaned.baseOffset !== replaced[0]!.baseOffset) return false;
        await cleaned.renameFiles(SWAP_SUFFIX);
        await this.fs.fsyncDirectory(this.dir);
        for (const old of replaced) await old.renameFiles(DELETED_SUFFIX);
        await cleaned.renameFiles('');
        await this.fs.fsyncDirectory(this.dir);
        this.segments.splice(first, replaced.length, cleaned);
        this.sealedIndexesLoaded = this.sealedIndexesLoaded.filter((s) => !replaced.includes(s));
        cleaned.unloadIndexes();
        for (const old of replaced) {
          old.delete().catch((err: unknown) => {
            this.logger.warn(
              { topic: this.topic, partition: this.partition, err: String(err) },
              'could not delete a segment the cleaner replaced',
            );
          });
        }
        return true;
      }),
    );
  }

  // ---- deletion and truncation ------------------------------------------------------------

  /**
   * DeleteRecords: moves the log start offset up to `offset` (at most the high
   * watermark) and deletes the segments wholly below it. Returns the log start offset.
   */
  deleteRecordsBefore(offset: number): Promise<number> {
    return this.enqueue(async () => {
      if (offset > this.highWatermarkValue) {
        throw new OffsetOutOfRangeError(offset, this.logStartOffsetValue, this.highWatermarkValue);
      }
      if (offset <= this.logStartOffsetValue) return this.logStartOffsetValue;
      this.advanceLogStartOffset(offset);
      await this.io(async () => {
        await this.deleteOldestSegments((s) => s.nextOffset <= offset, { includeActive: true });
        await this.writeCheckpoints();
      });
      return this.logStartOffsetValue;
    });
  }

  /**
   * Deletes sealed segments past retention.ms (by their newest timestamp, or file
   * time when they have none) or beyond retention.bytes, and any wholly below the
   * log start offset; never one holding offsets at or above the high watermark.
   */
  applyRetention(nowMs: number): Promise<RetentionResult> {
    return this.enqueue(() =>
      this.io(async () => {
        const { retentionMs, retentionBytes } = this.config;
        let deletedSegments = await this.deleteOldestSegments(
          (s) => retentionMs >= 0 && nowMs - retentionTimestampMs(s) > retentionMs,
          { includeActive: false },
        );
        let excessBytes = this.sizeBytes - retentionBytes;
        deletedSegments += await this.deleteOldestSegments(
          (s) => {
            if (retentionBytes < 0 || excessBytes - s.sizeBytes < 0) return false;
            excessBytes -= s.sizeBytes;
            return true;
          },
          { includeActive: false },
        );
        const logStartOffset = this.logStartOffsetValue;
        deletedSegments += await this.deleteOldestSegments((s) => s.nextOffset <= logStartOffset, {
          includeActive: false,
        });
        if (deletedSegments > 0) await this.writeCheckpoints();
        return { deletedSegments, logStartOffset: this.logStartOffsetValue };
      }),
    );
  }

  /**
   * Deletes segments from the oldest while `deletable` holds, stopping at the first
   * that does not, or that holds offsets at or above the high watermark. Deleting
   * the active segment first rolls an empty one at the log end offset.
   */
  private async deleteOldestSegments(
    deletable: (segment: Segment) => boolean,
    options: { includeActive: boolean },
  ): Promise<number> {
    let deleted = 0;
    for (;;) {
      const segment = this.segments[0]!;
      const isActive = this.segments.length === 1;
      if (isActive && (!options.includeActive || segment.sizeBytes === 0)) break;
      if (segment.nextOffset > this.highWatermarkValue || !deletable(segment)) break;
      if (isActive) await this.roll(this.logEndOffsetValue, 'log start offset', this.now());
      this.segments.shift();
      this.sealedIndexesLoaded = this.sealedIndexesLoaded.filter((s) => s !== segment);
      await segment.delete();
      deleted += 1;
    }
    const first = this.segments[0]!;
    this.advanceLogStartOffset(first.baseOffset);
    if (deleted > 0) {
      this.logger.info(
        {
          topic: this.topic,
          partition: this.partition,
          deleted,
          logStartOffset: this.logStartOffset,
        },
        'deleted old log segments',
      );
    }
    return deleted;
  }

  /**
   * Removes every record at or above `offset` (for a follower after a leader
   * change). Whole batches are removed, so the log end offset becomes `offset`,
   * or the base of the batch holding it if `offset` falls inside one.
   *
   * The truncation is durable when this returns: the cut segment and its
   * indexes are fsynced and so is the directory the dropped segments left.
   * Left to the next flush, it could be lost for good: the follower's next
   * write may go to a new segment and fail before that flush, and a process
   * restarted on the page cache trusts the cut file; a power cut then puts
   * the removed batches back below newer, acknowledged records. Truncation
   * is rare (leader changes), so the fsync costs little.
   */
  truncateTo(offset: number): Promise<void> {
    return this.enqueue(() =>
      this.io(async () => {
        if (offset >= this.logEndOffsetValue) return;
        if (offset < 0) throw new RangeError(`cannot truncate to ${offset}`);
        if (offset < this.segments[0]!.baseOffset) {
          await this.truncateFullyAndStartAt(offset);
          return;
        }
        let dropped = 0;
        while (this.active.baseOffset > offset) {
          const segment = this.segments.pop()!;
          this.sealedIndexesLoaded = this.sealedIndexesLoaded.filter((s) => s !== segment);
          await segment.delete();
          dropped += 1;
        }
        const active = this.active;
        const wasSealed = active.sealed;
        const removedFrom = await active.truncateTo(offset);
        if (wasSealed) await active.activate(this.now());
        this.sealedIndexesLoaded = this.sealedIndexesLoaded.filter((s) => s !== active);
        await active.flush();
        if (dropped > 0) await this.fs.fsyncDirectory(this.dir);
        const logEndOffset = removedFrom === null ? offset : Math.min(offset, removedFrom);
        active.setNextOffset(logEndOffset);
        this.logEndOffsetValue = logEndOffset;
        this.highWatermarkValue = Math.min(this.highWatermarkValue, logEndOffset);
        this.recoveryPointValue = Math.min(this.recoveryPointValue, logEndOffset);
        this.logStartOffsetValue = Math.min(this.logStartOffsetValue, logEndOffset);
        await this.writeCheckpoints();
      }),
    );
  }

  /**
   * Deletes every segment and starts an empty log at `offset`. The new segment
   * (below every old one, so no name is shared) is created first: without space
   * for it the log stays as it was.
   */
  private async truncateFullyAndStartAt(offset: number): Promise<void> {
    const fresh = await Segment.create(this.segmentOptions(offset), this.now());
    const old = this.segments;
    this.segments = [fresh];
    this.sealedIndexesLoaded = [];
    for (const segment of old) await segment.delete();
    // The new segment's files and the old ones' removal must outlive a power cut.
    await this.fs.fsyncDirectory(this.dir);
    this.logStartOffsetValue = offset;
    this.logEndOffsetValue = offset;
    this.highWatermarkValue = offset;
    this.recoveryPointValue = offset;
    await this.writeCheckpoints();
  }

  // ---- durability and lifetime ------------------------------------------------------------

  /** fsyncs every segment with unflushed data, then writes the checkpoints. */
  flush(): Promise<void> {
    return this.enqueue(() => this.io(() => this.flushNow()));
  }

  private async flushNow(): Promise<void> {
    const logEndOffset = this.logEndOffsetValue;
    for (const segment of this.segments) await segment.flush();
    this.recoveryPointValue = logEndOffset;
    this.unflushedMessages = 0;
    this.lastFlushMs = this.now();
    await this.writeCheckpoints();
  }

  /**
   * Writes replication-offset-checkpoint if the high watermark moved since it was
   * last written (the replica manager's replica.high.watermark.checkpoint.interval.ms
   * pass, so a restart does not fall back to the high watermark of the last flush);
   * resolves whether it wrote. A closed or failed log writes nothing.
   */
  checkpointHighWatermark(): Promise<boolean> {
    const unchanged = () => this.written.highWatermark === this.highWatermarkValue;
    if (this.closed || this.failure !== null || unchanged()) return Promise.resolve(false);
    return this.enqueue(async () => {
      if (this.closed || this.failure !== null || unchanged()) return false;
      // Only files whose value moved are replaced: the others were written when they moved.
      await this.io(() => this.writeCheckpoints());
      return true;
    }, true);
  }

  /** Flushes, writes the checkpoints and closes every file; the log then refuses all calls. */
  close(): Promise<void> {
    return this.enqueue(async () => {
      if (this.closed) return;
      this.closed = true;
      if (this.failure) {
        // Whatever is on disk is left to recovery; only release the files.
        for (const segment of this.segments) await segment.close({ flush: false });
        return;
      }
      await this.io(async () => {
        for (const segment of this.segments) await segment.close({ flush: true });
        this.recoveryPointValue = this.logEndOffsetValue;
        await this.writeCheckpoints();
      });
    }, true);
  }

  /** Closes the log and removes its directory with everything in it. */
  delete(): Promise<void> {
    return this.enqueue(async () => {
      this.closed = true;
      for (const segment of this.segments) await segment.close({ flush: false });
      await this.fs.removeDirectory(this.dir);
    }, true);
  }

  /**
   * Closes every file without flushing or writing checkpoints, after the mutations
   * already queued: the caller deletes the directory (or sets it aside first).
   */
  closeForDeletion(): Promise<void> {
    return this.enqueue(async () => {
      this.closed = true;
      for (const segment of this.segments) await segment.close({ flush: false });
    }, true);
  }

  private async writeCheckpoints(): Promise<void> {
    const values: OffsetCheckpoints = {
      recoveryPoint: this.recoveryPointValue,
      highWatermark: this.highWatermarkValue,
      logStartOffset: this.logStartOffsetValue,
    };
    const files: Array<[keyof OffsetCheckpoints, string]> = [
      ['recoveryPoint', RECOVERY_POINT_CHECKPOINT],
      ['highWatermark', HIGH_WATERMARK_CHECKPOINT],
      ['logStartOffset', LOG_START_OFFSET_CHECKPOINT],
    ];
    for (const [key, name] of files) {
      if (this.written[key] === values[key]) continue;
      const entry = { topic: this.topic, partition: this.partition, offset: values[key] };
      await writeCheckpointFile(this.fs, join(this.dir, name), [entry]);
      this.written[key] = values[key];
    }
  }

  // ---- the queue and failure handling -----------------------------------------------------

  /**
   * Runs `op` after every mutation queued before it; a failed op does not stop the
   * queue. Unless `evenIfClosed`, a closed or failed log refuses the op.
   */
  private enqueue<T>(op: () => Promise<T>, evenIfClosed = false): Promise<T> {
    const run = this.queueTail.then(() => {
      if (!evenIfClosed) this.checkOpen();
      return op();
    });
    this.queueTail = run.then(ignore, ignore);
    return run;
  }

  /**
   * Runs disk work. A write refused for want of space fails only this call: every
   * write path leaves the log whole when it fails (a partial append is cut off, a
   * roll keeps the active segment, checkpoints are replaced whole), so the next
   * call simply tries again. Any other failure takes the log offline, as Kafka
   * does a log dir.
   */
  private async io<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (err instanceof LogError || err instanceof RangeError) throw err;
      if (isNoSpaceError(err)) throw this.noSpaceFailure(err);
      const first = this.failure === null;
      this.failure ??= err instanceof Error ? err : new Error(String(err));
      if (first) for (const listener of this.failureListeners) listener(this.failure);
      this.logger.warn(
        { topic: this.topic, partition: this.partition, err: String(err) },
        'log storage failed; the partition log is offline',
      );
      throw new LogStorageError(`${this.dir}: ${String(err)}`, { cause: err });
    }
  }

  /**
   * A write refused for want of space, here or in a file kept beside the log (the
   * leader-epoch checkpoint): reported, logged when the state changes, and
   * answered KAFKA_STORAGE_ERROR. Other errors come back as they are.
   */
  storageFailure(err: unknown): unknown {
    return isNoSpaceError(err) ? this.noSpaceFailure(err) : err;
  }

  private noSpaceFailure(err: unknown): LogStorageError {
    this.onNoSpace();
    this.noSpaceRefusals += 1;
    const nowMs = this.now();
    if (!this.noSpace && nowMs - this.noSpaceLoggedMs >= NO_SPACE_LOG_INTERVAL_MS) {
      this.noSpaceAnnounced = true;
      this.noSpaceLoggedMs = nowMs;
      this.logger.warn(
        {
          topic: this.topic,
          partition: this.partition,
          reason: String(err),
          refusedSinceLastLine: this.noSpaceRefusals,
        },
        'log dir is full; writes to the partition log fail until space returns',
      );
      this.noSpaceRefusals = 0;
    }
    this.noSpace = true;
    return new LogStorageError(`${this.dir}: no space left (${String(err)})`, { cause: err });
  }

  private checkOpen(): void {
    if (this.closed) throw new LogClosedError(`${this.dir} is closed`);
    if (this.failure) {
      throw new LogStorageError(`${this.dir} is offline: ${this.failure.message}`, {
        cause: this.failure,
      });
    }
  }
}

/** The time retention.ms measures from: the newest record, else the file's mtime. */
function retentionTimestampMs(segment: Segment): number {
  return segment.maxTimestampMs >= 0 ? segment.maxTimestampMs : segment.lastModifiedMs;
}

/** Bytes of the whole batches at the start of `bytes` that end below `maxOffset`. */
function wholeBatchesBelow(bytes: Buffer, maxOffset: number): number {
  let at = 0;
  while (bytes.length - at >= BATCH_HEADER_BYTES) {
    const sizeBytes = batchSizeBytes(bytes, at);
    if (sizeBytes < BATCH_HEADER_BYTES || at + sizeBytes > bytes.length) break;
    if (batchBaseOffset(bytes, at) + batchLastOffsetDelta(bytes, at) >= maxOffset) break;
    at += sizeBytes;
  }
  return at;
}
