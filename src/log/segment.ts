// One log segment: `<20-digit base offset>.log` with its sparse `.index`
// (relative offset -> position) and `.timeindex` (timestamp -> relative offset).
// It appends already offset-assigned batch bytes, finds batches by offset and by
// time, truncates, rebuilds its indexes from the log, and flushes. It knows
// nothing of its neighbours: PartitionLog decides when to roll, recover or delete.

import { posix } from 'node:path';
import { type BufferPool, releaseLease, shareLease } from '../util/buffer-pool.ts';
import { isCompressed, isLogAppendTime } from './batch-fields.ts';
import {
  type BatchSummary,
  type ByteReader,
  scanBatchHeaders,
  scanFullBatches,
  summarize,
} from './batch-scan.ts';
import { FsyncFailedError } from './errors.ts';
import { isNotFoundError, type LogFile, type LogFileSystem, readFully } from './file-system.ts';
import {
  createEmptyIndexFile,
  fsyncIndexFile,
  INDEX_FILE_UNKNOWN,
  readIndexFile,
  readLastIndexEntry,
  writeIndexFile,
} from './index-file.ts';
import { OFFSET_INDEX_ENTRY_BYTES, OffsetIndex } from './offset-index.ts';
import { findRecordAtTimestamp, type RecordTimestamp } from './record-timestamps.ts';
import { TailCache } from './tail-cache.ts';
import { TIME_INDEX_ENTRY_BYTES, TimeIndex } from './time-index.ts';

export const LOG_FILE_SUFFIX = '.log';
export const INDEX_FILE_SUFFIX = '.index';
export const TIME_INDEX_FILE_SUFFIX = '.timeindex';
export type SegmentFileSuffix =
  | typeof LOG_FILE_SUFFIX
  | typeof INDEX_FILE_SUFFIX
  | typeof TIME_INDEX_FILE_SUFFIX;

const INT32_MAX = 0x7fff_ffff;
const BASE_OFFSET_DIGITS = 20;

export function segmentFileName(baseOffset: number, suffix: SegmentFileSuffix): string {
  return String(baseOffset).padStart(BASE_OFFSET_DIGITS, '0') + suffix;
}

/** The base offset and suffix of a segment file name, or null for any other name. */
export function parseSegmentFileName(
  name: string,
): { baseOffset: number; suffix: SegmentFileSuffix } | null {
  const match = /^(\d{20})(\.log|\.index|\.timeindex)$/.exec(name);
  if (!match) return null;
  const baseOffset = Number(match[1]);
  if (!Number.isSafeInteger(baseOffset)) return null;
  return { baseOffset, suffix: match[2] as SegmentFileSuffix };
}

export interface SegmentOptions {
  readonly fs: LogFileSystem;
  readonly dir: string;
  readonly baseOffset: number;
  readonly indexIntervalBytes: number;
  readonly segmentIndexBytes: number;
  /** Bytes of recent appends kept in memory while this is the active segment. */
  readonly tailCacheBytes: number;
  readonly warn?: (fields: object, message: string) => void;
  /**
   * Appended to all three file names: the log cleaner writes a segment as
   * `.cleaned`, renames it `.swap`, then to its final name (renameFiles).
   */
  readonly fileSuffix?: string;
}

export interface RebuildResult {
  /** Bytes of valid batches from the start of the file. */
  readonly validBytes: number;
  /** Bytes cut off the end (0 unless invalid bytes were found and truncation was asked for). */
  readonly truncatedBytes: number;
  /** What was wrong at validBytes, or null when the whole file was valid. */
  readonly problem: string | null;
}

function segmentPaths(options: { dir: string; baseOffset: number; fileSuffix?: string }) {
  const at = (suffix: SegmentFileSuffix) =>
    posix.join(
      options.dir,
      segmentFileName(options.baseOffset, suffix) + (options.fileSuffix ?? ''),
    );
  return {
    logPath: at(LOG_FILE_SUFFIX),
    indexPath: at(INDEX_FILE_SUFFIX),
    timeIndexPath: at(TIME_INDEX_FILE_SUFFIX),
  };
}

/**
 * What a segment knows about the batches it holds. Procedures that rebuild it
 * work on a copy and swap it in whole, so a concurrent reader never sees half.
 */
interface SegmentState {
  /** One past the last offset stored; the base offset while empty. */
  nextOffset: number;
  /** Largest batch maxTimestamp seen, -1 when none. */
  maxTimestampMs: number;
  /** Base offset of the first batch that reached maxTimestampMs. */
  offsetOfMaxTimestamp: number;
  /** Bytes appended since the last offset-index entry. */
  bytesSinceIndexEntry: number;
}

interface SegmentIndexes {
  readonly offsetIndex: OffsetIndex;
  readonly timeIndex: TimeIndex;
}

export class Segment {
  readonly baseOffset: number;
  private paths: { logPath: string; indexPath: string; timeIndexPath: string };
  /** When segment.ms starts counting: creation, or on reopen the first batch's timestamp. */
  rollBaseMs = 0;
  lastModifiedMs = 0;
  private sealedValue = false;
  private sizeBytesValue: number;
  private indexes: SegmentIndexes | null = null;
  private indexesLoading: Promise<SegmentIndexes> | null = null;
  /** Entries each index file holds on disk, and whether that differs from the last fsync. */
  private offsetIndexOnDisk = 0;
  private timeIndexOnDisk = 0;
  private indexesUnsynced = false;
  private state: SegmentState;
  private unflushed = false;
  private tail: TailCache | null = null;
  private refs = 0;
  private drainWaiter: (() => void) | null = null;
  private closed = false;
  private readonly reader: ByteReader = (position, length) => this.readBytes(position, length);

  private constructor(
    private readonly options: SegmentOptions,
    private readonly file: LogFile,
    sizeBytes: number,
  ) {
    this.baseOffset = options.baseOffset;
    this.state = this.emptyState();
    this.sizeBytesValue = sizeBytes;
    this.paths = segmentPaths(options);
  }

  get logPath(): string {
    return this.paths.logPath;
  }

  get indexPath(): string {
    return this.paths.indexPath;
  }

  get timeIndexPath(): string {
    return this.paths.timeIndexPath;
  }

  /**
   * Renames the segment's three files to carry `fileSuffix` ('' for the plain
   * names); open handles stay valid. The log cleaner's swap uses it: cleaned
   * files become `.swap`, then the live names, while replaced ones become
   * `.deleted`. The caller fsyncs the directory.
   */
  async renameFiles(fileSuffix: string): Promise<void> {
    const next = segmentPaths({ dir: this.options.dir, baseOffset: this.baseOffset, fileSuffix });
    const pairs: Array<[string, string]> = [
      [this.paths.logPath, next.logPath],
      [this.paths.indexPath, next.indexPath],
      [this.paths.timeIndexPath, next.timeIndexPath],
    ];
    for (const [from, to] of pairs) {
      if (from === to) continue;
      try {
        await this.options.fs.rename(from, to);
      } catch (err) {
        // Index files may be absent (never written); the log file must move.
        if (from === this.paths.logPath || !isNotFoundError(err)) throw err;
      }
    }
    this.paths = next;
  }

  /**
   * Creates an empty active segment, replacing any stale files of the same name.
   * On failure (no space for a new file) it leaves none of its files behind.
   */
  static async create(options: SegmentOptions, nowMs: number): Promise<Segment> {
    const paths = segmentPaths(options);
    let file: LogFile | null = null;
    try {
      await createEmptyIndexFile(options.fs, paths.indexPath);
      await createEmptyIndexFile(options.fs, paths.timeIndexPath);
      file = await options.fs.open(paths.logPath, { create: true });
      await file.truncate(0);
    } catch (err) {
      await file?.close().catch(() => {});
      for (const path of [paths.logPath, paths.indexPath, paths.timeIndexPath]) {
        await options.fs.unlink(path).catch(() => {});
      }
      throw err;
    }
    const segment = new Segment(options, file, 0);
    segment.indexes = segment.emptyIndexes();
    segment.rollBaseMs = nowMs;
    segment.lastModifiedMs = nowMs;
    segment.tail = new TailCache(options.tailCacheBytes);
    return segment;
  }

  /** Opens an existing segment's log file; indexes stay unloaded until needed. */
  static async open(options: SegmentOptions): Promise<Segment> {
    const file = await options.fs.open(segmentPaths(options).logPath, { create: false });
    const stat = await file.stat();
    const segment = new Segment(options, file, stat.sizeBytes);
    segment.lastModifiedMs = stat.modifiedMs;
    return segment;
  }

  get sizeBytes(): number {
    return this.sizeBytesValue;
  }

  /** One past the last offset stored; the base offset while empty. */
  get nextOffset(): number {
    return this.state.nextOffset;
  }

  /** Largest batch maxTimestamp seen, -1 when none. */
  get maxTimestampMs(): number {
    return this.state.maxTimestampMs;
  }

  /**
   * Moves the end past a gap: after a truncation inside a gap the log end offset
   * is the truncation offset, beyond the last batch.
   */
  setNextOffset(offset: number): void {
    if (offset < this.state.nextOffset && this.sizeBytes > 0) {
      throw new Error(`segment ${this.baseOffset}: next offset ${offset} before its last batch`);
    }
    this.state = { ...this.state, nextOffset: offset };
  }

  /** A sealed segment is no longer the active one and takes no appends. */
  get sealed(): boolean {
    return this.sealedValue;
  }

  /** True when either in-memory index has no room left, so the next append must roll. */
  get indexesFull(): boolean {
    const idx = this.indexes;
    return idx !== null && (idx.offsetIndex.isFull || idx.timeIndex.isFull);
  }

  // ---- loading and rebuilding -------------------------------------------------------------

  /**
   * Loads both index files and checks them against the log's size. Returns what is
   * wrong (missing, torn, out of order) or null when they can be used.
   */
  async loadIndexes(): Promise<string | null> {
    const offsetBytes = await readIndexFile(this.options.fs, this.indexPath);
    const timeBytes = await readIndexFile(this.options.fs, this.timeIndexPath);
    if (offsetBytes === null) return 'offset index file is missing';
    if (timeBytes === null) return 'time index file is missing';
    const offsetIndex = OffsetIndex.decode(offsetBytes, this.maxOffsetEntries(), this.sizeBytes);
    if (typeof offsetIndex === 'string') return `offset index: ${offsetIndex}`;
    const timeIndex = TimeIndex.decode(timeBytes, this.maxTimeEntries());
    if (typeof timeIndex === 'string') return `time index: ${timeIndex}`;
    this.indexes = { offsetIndex, timeIndex };
    this.offsetIndexOnDisk = offsetIndex.entryCount;
    this.timeIndexOnDisk = timeIndex.entryCount;
    return null;
  }

  /**
   * For the last segment after loadIndexes: reads and CRC-checks the batches after
   * the last index entry, restoring nextOffset and the maximum timestamp. False when
   * the tail is torn or corrupt, or the indexes disagree with it: recovery is needed.
   */
  async restoreActiveTail(nowMs: number): Promise<boolean> {
    const idx = this.requireIndexes();
    const from = idx.offsetIndex.lastPosition;
    const lastRelOffset = idx.offsetIndex.lastRelOffset;
    const state = this.stateFromTimeIndex(idx);
    const ignored = new IgnoredTimestamps();
    const scan = await scanFullBatches(this.reader, { from, to: this.sizeBytes }, (_b, _a, b) => {
      ignored.note(b);
      if (
        b.position === from &&
        lastRelOffset >= 0 &&
        b.baseOffset !== this.baseOffset + lastRelOffset
      ) {
        return `offset index names ${lastRelOffset} but the batch holds ${b.baseOffset}`;
      }
      if (b.baseOffset < state.nextOffset)
        return `offset ${b.baseOffset} after ${state.nextOffset - 1}`;
      noteTailBatch(state, b);
      return null;
    });
    state.bytesSinceIndexEntry = this.sizeBytes - from;
    this.state = state;
    ignored.report(this.options.warn, this.logPath);
    await this.activate(nowMs);
    const lastTime = idx.timeIndex.last;
    const timeIndexAhead =
      lastTime !== null && lastTime.relOffset >= state.nextOffset - this.baseOffset;
    return scan.problem === null && !timeIndexAhead;
  }

  /**
   * Makes the next flush fsync the log and index files even though this
   * process wrote nothing to them: for files a crashed process may have
   * changed without fsyncing (the page cache outlives the process).
   */
  markUnsynced(): void {
    this.unflushed = true;
    this.indexesUnsynced = true;
  }

  /** Makes a loaded or recovered segment the active one: appends allowed, tail cache on. */
  async activate(nowMs: number): Promise<void> {
    this.requireIndexes();
    this.sealedValue = false;
    this.tail = new TailCache(this.options.tailCacheBytes);
    await this.initRollBase(nowMs);
  }

  /**
   * For a sealed segment trusted as flushed: restores nextOffset and the maximum
   * timestamp from the last entry of each index file plus a header scan of the
   * batches after the last offset-index entry (a crash may have lost the final
   * time-index entry written at roll). Indexes stay unloaded. Returns a problem
   * when an index file is missing or torn, or the scan finds a torn batch.
   */
  async restoreSealedState(): Promise<string | null> {
    this.sealedValue = true;
    const fs = this.options.fs;
    const lastTime = await readLastIndexEntry(fs, this.timeIndexPath, TIME_INDEX_ENTRY_BYTES);
    if (typeof lastTime === 'string') return `time index: ${lastTime}`;
    const lastOffset = await readLastIndexEntry(fs, this.indexPath, OFFSET_INDEX_ENTRY_BYTES);
    if (typeof lastOffset === 'string') return `offset index: ${lastOffset}`;
    const from = lastOffset ? lastOffset.readInt32BE(4) : 0;
    if (from >= this.sizeBytes && from > 0) return `offset index points past the log end`;
    if (from < 0) return `offset index names position ${from}`;
    const timeEntry = lastTime ? TimeIndex.decodeLast(lastTime) : null;
    if (timeEntry && !Number.isSafeInteger(timeEntry.timestampMs)) {
      return `time index ends with timestamp ${timeEntry.timestampMs}, beyond 2^53`;
    }
    if (timeEntry && timeEntry.relOffset < 0) {
      return `time index ends with offset ${timeEntry.relOffset}`;
    }
    const state = this.emptyState();
    if (timeEntry) {
      state.maxTimestampMs = timeEntry.timestampMs;
      state.offsetOfMaxTimestamp = this.baseOffset + timeEntry.relOffset;
    }
    const indexedOffset = lastOffset
      ? this.baseOffset + lastOffset.readInt32BE(0)
      : this.baseOffset;
    let misplaced = false;
    const ignored = new IgnoredTimestamps();
    const scan = await scanBatchHeaders(this.reader, { from, to: this.sizeBytes }, (b) => {
      misplaced ||= b.position === from && lastOffset !== null && b.baseOffset !== indexedOffset;
      ignored.note(b);
      noteTailBatch(state, b);
      return false;
    });
    ignored.report(this.options.warn, this.logPath);
    if (scan.end !== 'complete') return `batch at ${scan.position}: ${scan.end}`;
    if (misplaced) return `offset index entry for ${indexedOffset} names another batch`;
    if (timeEntry && timeEntry.relOffset >= state.nextOffset - this.baseOffset) {
      return 'time index points past the last batch';
    }
    this.state = state;
    return null;
  }

  /**
   * Rebuilds both indexes by reading every batch and checking its CRC and offsets.
   * With `truncateInvalid`, cuts the file at the first invalid batch (crash
   * recovery); without, keeps the bytes and indexes only the valid prefix. Index
   * files are rewritten and everything is fsynced.
   */
  async rebuild(options: { truncateInvalid: boolean; sealed: boolean }): Promise<RebuildResult> {
    const idx = this.emptyIndexes();
    const state = this.emptyState();
    const fileSizeBytes = (await this.file.stat()).sizeBytes;
    const ignored = new IgnoredTimestamps();
    const scan = await scanFullBatches(this.reader, { from: 0, to: fileSizeBytes }, (_b, _a, b) => {
      if (b.baseOffset < state.nextOffset)
        return `offset ${b.baseOffset} after ${state.nextOffset - 1}`;
      if (b.lastOffset - this.baseOffset > INT32_MAX) return `offset ${b.lastOffset} out of range`;
      ignored.note(b);
      this.trackBatch(state, idx, b);
      return null;
    });
    ignored.report(this.options.warn, this.logPath);
    let truncatedBytes = 0;
    if (scan.problem !== null && options.truncateInvalid) {
      truncatedBytes = fileSizeBytes - scan.position;
      await this.file.truncate(scan.position);
      this.tail?.truncate(scan.position);
    } else if (scan.problem !== null) {
      // A flushed segment keeps its bytes; what follows the bad batch is not
      // indexed, so reads skip from here to the next segment.
      this.options.warn?.(
        {
          segment: this.logPath,
          problem: scan.problem,
          position: scan.position,
          skippedBytes: fileSizeBytes - scan.position,
          nextOffset: state.nextOffset,
        },
        'log segment holds an invalid batch: the bytes after it are not served',
      );
    }
    this.sizeBytesValue = fileSizeBytes - truncatedBytes;
    this.state = state;
    this.indexes = idx;
    this.sealedValue = options.sealed;
    if (options.sealed) this.appendFinalTimeEntry(idx);
    // Recovered bytes may exist only in the page cache; what recovery vouches for must be durable.
    await this.file.fsync();
    this.unflushed = false;
    // Index files are rewritten from scratch: whatever they held is not trusted.
    this.offsetIndexOnDisk = INDEX_FILE_UNKNOWN;
    this.timeIndexOnDisk = INDEX_FILE_UNKNOWN;
    await this.writeIndexes({ sync: true });
    return { validBytes: scan.position, truncatedBytes, problem: scan.problem };
  }

  /** segment.ms counts from the first batch's timestamp when it is plausible, else from now. */
  private async initRollBase(nowMs: number): Promise<void> {
    this.rollBaseMs = nowMs;
    const first = await this.scanFor({ from: 0, to: this.sizeBytes }, () => true);
    const firstTimestampMs = first ? first.maxTimestampMs : -1;
    if (firstTimestampMs >= 0 && firstTimestampMs <= nowMs) this.rollBaseMs = firstTimestampMs;
  }

  private emptyState(): SegmentState {
    return {
      nextOffset: this.baseOffset,
      maxTimestampMs: -1,
      offsetOfMaxTimestamp: this.baseOffset,
      bytesSinceIndexEntry: 0,
    };
  }

  /** The state the time index vouches for; batches after its last entry are scanned next. */
  private stateFromTimeIndex(idx: SegmentIndexes): SegmentState {
    const state = this.emptyState();
    const last = idx.timeIndex.last;
    if (last) {
      state.maxTimestampMs = last.timestampMs;
      state.offsetOfMaxTimestamp = this.baseOffset + last.relOffset;
    }
    return state;
  }

  /** Index maintenance for one batch appended (or re-read in order) at b.position. */
  private trackBatch(state: SegmentState, idx: SegmentIndexes, b: BatchSummary): void {
    if (b.maxTimestampMs > state.maxTimestampMs) {
      state.maxTimestampMs = b.maxTimestampMs;
      state.offsetOfMaxTimestamp = b.baseOffset;
    }
    // As Kafka: an entry goes to the first batch after more than index.interval.bytes.
    if (state.bytesSinceIndexEntry > this.options.indexIntervalBytes) {
      idx.offsetIndex.append(b.baseOffset - this.baseOffset, b.position);
      if (state.maxTimestampMs >= 0) {
        idx.timeIndex.maybeAppend(
          state.maxTimestampMs,
          state.offsetOfMaxTimestamp - this.baseOffset,
        );
      }
      state.bytesSinceIndexEntry = 0;
    }
    state.bytesSinceIndexEntry += b.sizeBytes;
    state.nextOffset = b.lastOffset + 1;
  }

  private appendFinalTimeEntry(idx: SegmentIndexes): void {
    const { maxTimestampMs, offsetOfMaxTimestamp } = this.state;
    if (maxTimestampMs < 0) return;
    idx.timeIndex.maybeAppend(maxTimestampMs, offsetOfMaxTimestamp - this.baseOffset);
  }

  // ---- appends ----------------------------------------------------------------------------

  /**
   * Writes offset-assigned batches at the end with one write, then indexes them.
   * Nothing keeps `bytes` once this returns (the tail cache copies), so the
   * caller may reuse the buffer.
   */
  async append(bytes: Buffer, nowMs: number): Promise<void> {
    if (this.sealedValue || this.closed)
      throw new Error(`segment ${this.baseOffset} is not active`);
    const idx = this.requireIndexes();
    const position = this.sizeBytesValue;
    try {
      await this.file.write(bytes, position);
    } catch (err) {
      await this.cutPartialWrite(position, err);
      throw err;
    }
    // Index, cache and size change together after the write, so no reader sees a half state.
    let at = 0;
    while (at < bytes.length) {
      const batch = summarize(bytes, at, position + at);
      this.trackBatch(this.state, idx, batch);
      at += batch.sizeBytes;
    }
    this.tail?.add(position, bytes);
    this.sizeBytesValue = position + bytes.length;
    this.lastModifiedMs = nowMs;
    this.unflushed = true;
  }

  /**
   * A write that failed part way (no space left after some bytes) leaves bytes
   * past the segment's end: cut them, so the file holds whole batches only and
   * the next append starts where this one did. When even that fails, nothing is
   * known about the file's tail any more.
   */
  private async cutPartialWrite(position: number, cause: unknown): Promise<void> {
    try {
      await this.file.truncate(position);
    } catch (err) {
      throw new Error(
        `segment ${this.logPath}: cutting a failed write (${String(cause)}) back to ${position} failed: ${String(err)}`,
        { cause: err },
      );
    }
  }

  /**
   * Seals the segment on roll: final time-index entry, index files written, cache
   * dropped. When the index files cannot be written (no space) it stays the active
   * segment, whole, and the roll can be tried again.
   */
  async seal(): Promise<void> {
    const idx = this.requireIndexes();
    this.appendFinalTimeEntry(idx);
    await this.writeIndexes({ sync: false });
    this.sealedValue = true;
    this.tail = null;
    this.unflushed = true;
  }

  // ---- reads ------------------------------------------------------------------------------

  /**
   * Bytes at [position, position + length), from the tail cache when it has them;
   * else read into a buffer leased from `pool` when one is given.
   */
  async readBytes(position: number, length: number, pool?: BufferPool): Promise<Buffer> {
    const cached = this.tail?.slice(position, length, pool?.acquireView.bind(pool));
    if (cached) return cached;
    if (pool === undefined) return readFully(this.file, position, length);
    const target = pool.acquireView(length);
    try {
      const bytes = await readFully(this.file, position, length, () => target);
      if (bytes !== target) shareLease(target, bytes);
      return bytes;
    } catch (err) {
      releaseLease(target);
      throw err;
    }
  }

  /** The first batch whose last offset is >= offset, or null when this segment has none. */
  async findBatch(offset: number): Promise<BatchSummary | null> {
    const idx = await this.ensureIndexes();
    const from = idx.offsetIndex.floorPosition(offset - this.baseOffset);
    return this.scanFor({ from, to: this.sizeBytes }, (b) => b.lastOffset >= offset);
  }

  /**
   * The first record at or after `minOffset` whose timestamp is >= timestampMs.
   * Uncompressed CreateTime batches are searched record by record; for
   * LogAppendTime batches every record has the batch's timestamp; for compressed
   * batches the answer is per batch (its first offset and its max timestamp).
   */
  async findTimestamp(timestampMs: number, minOffset: number): Promise<RecordTimestamp | null> {
    const idx = await this.ensureIndexes();
    const relOffset = idx.timeIndex.floorRelOffset(timestampMs);
    const startOffset = Math.max(this.baseOffset + Math.max(relOffset, 0), minOffset);
    let from = idx.offsetIndex.floorPosition(startOffset - this.baseOffset);
    for (;;) {
      const batch = await this.scanFor(
        { from, to: this.sizeBytes },
        (b) => b.lastOffset >= startOffset && b.maxTimestampMs >= timestampMs,
      );
      if (!batch) return null;
      const found = await this.findRecordInBatch(batch, timestampMs, minOffset);
      if (found) return found;
      from = batch.position + batch.sizeBytes;
    }
  }

  private async findRecordInBatch(
    batch: BatchSummary,
    timestampMs: number,
    minOffset: number,
  ): Promise<RecordTimestamp | null> {
    if (isLogAppendTime(batch.attributes) || isCompressed(batch.attributes)) {
      return { offset: Math.max(batch.baseOffset, minOffset), timestampMs: batch.maxTimestampMs };
    }
    const bytes = await this.readBytes(batch.position, batch.sizeBytes);
    if (bytes.length < batch.sizeBytes) return null;
    return findRecordAtTimestamp(bytes, 0, batch.sizeBytes, { timestampMs, minOffset });
  }

  private async scanFor(
    range: { from: number; to: number },
    match: (b: BatchSummary) => boolean,
  ): Promise<BatchSummary | null> {
    const hit: { batch: BatchSummary | null } = { batch: null };
    await scanBatchHeaders(this.reader, range, (b) => {
      if (!match(b)) return false;
      hit.batch = b;
      return true;
    });
    return hit.batch;
  }

  // ---- truncation -------------------------------------------------------------------------

  /**
   * Removes every batch that holds an offset >= offset (a batch is removed whole).
   * Returns the base offset of the first batch removed, or null when none was.
   * The segment becomes the active one again.
   */
  async truncateTo(offset: number): Promise<number | null> {
    const idx = await this.ensureIndexes();
    const batch = await this.findBatch(offset);
    if (!batch) return null;
    await this.file.truncate(batch.position);
    this.sizeBytesValue = batch.position;
    this.tail?.truncate(batch.position);
    idx.offsetIndex.truncateToPosition(batch.position);
    idx.timeIndex.truncateToOffset(batch.baseOffset - this.baseOffset);
    this.sealedValue = false;
    this.tail ??= new TailCache(this.options.tailCacheBytes);
    this.unflushed = true;
    // What is left after the last index entry decides nextOffset and the max timestamp.
    const state = this.stateFromTimeIndex(idx);
    const from = idx.offsetIndex.lastPosition;
    await scanBatchHeaders(this.reader, { from, to: this.sizeBytes }, (b) => {
      noteTailBatch(state, b);
      return false;
    });
    state.bytesSinceIndexEntry = this.sizeBytes - from;
    this.state = state;
    await this.writeIndexes({ sync: false });
    return batch.baseOffset;
  }

  // ---- indexes in memory and on disk ------------------------------------------------------

  /** Loads (or, when the files are bad, rebuilds) the indexes of a sealed segment. */
  ensureIndexes(): Promise<SegmentIndexes> {
    if (this.indexes) return Promise.resolve(this.indexes);
    this.indexesLoading ??= this.loadOrRebuildIndexes().finally(() => {
      this.indexesLoading = null;
    });
    return this.indexesLoading;
  }

  /** True when the indexes are in memory. */
  get indexesLoaded(): boolean {
    return this.indexes !== null;
  }

  /** Frees a sealed segment's in-memory indexes; they reload from their files on demand. */
  unloadIndexes(): boolean {
    const idx = this.indexes;
    if (!idx || !this.sealedValue || this.indexesLoading) return false;
    if (this.offsetIndexOnDisk !== idx.offsetIndex.entryCount) return false;
    if (this.timeIndexOnDisk !== idx.timeIndex.entryCount) return false;
    this.indexes = null;
    return true;
  }

  private async loadOrRebuildIndexes(): Promise<SegmentIndexes> {
    const problem = await this.loadIndexes();
    if (problem !== null) {
      this.options.warn?.(
        { segment: this.logPath, problem },
        'rebuilding the indexes of a log segment',
      );
      await this.rebuild({ truncateInvalid: false, sealed: this.sealedValue });
    }
    return this.requireIndexes();
  }

  private requireIndexes(): SegmentIndexes {
    if (!this.indexes) throw new Error(`segment ${this.baseOffset}: indexes not loaded`);
    return this.indexes;
  }

  private emptyIndexes(): SegmentIndexes {
    return {
      offsetIndex: new OffsetIndex(this.maxOffsetEntries()),
      timeIndex: new TimeIndex(this.maxTimeEntries()),
    };
  }

  private maxOffsetEntries(): number {
    return Math.floor(this.options.segmentIndexBytes / OFFSET_INDEX_ENTRY_BYTES);
  }

  private maxTimeEntries(): number {
    return Math.floor(this.options.segmentIndexBytes / TIME_INDEX_ENTRY_BYTES);
  }

  /** Brings both index files up to the in-memory entries (appending, or truncating). */
  private async writeIndexes(options: { sync: boolean }): Promise<void> {
    const idx = this.indexes;
    if (!idx) {
      // Unloaded indexes match their files; they may still need the fsync.
      if (options.sync && this.indexesUnsynced) {
        await fsyncIndexFile(this.options.fs, this.indexPath);
        await fsyncIndexFile(this.options.fs, this.timeIndexPath);
        this.indexesUnsynced = false;
      }
      return;
    }
    const fsyncUnchanged = this.indexesUnsynced;
    const offsetChanged = await writeIndexFile(this.options.fs, {
      path: this.indexPath,
      onDisk: this.offsetIndexOnDisk,
      count: idx.offsetIndex.entryCount,
      entryBytes: OFFSET_INDEX_ENTRY_BYTES,
      encode: (from, to) => idx.offsetIndex.encode(from, to),
      fsync: options.sync,
      fsyncUnchanged,
    });
    this.offsetIndexOnDisk = idx.offsetIndex.entryCount;
    const timeChanged = await writeIndexFile(this.options.fs, {
      path: this.timeIndexPath,
      onDisk: this.timeIndexOnDisk,
      count: idx.timeIndex.entryCount,
      entryBytes: TIME_INDEX_ENTRY_BYTES,
      encode: (from, to) => idx.timeIndex.encode(from, to),
      fsync: options.sync,
      fsyncUnchanged,
    });
    this.timeIndexOnDisk = idx.timeIndex.entryCount;
    this.indexesUnsynced = options.sync ? false : fsyncUnchanged || offsetChanged || timeChanged;
  }

  // ---- durability and lifetime ------------------------------------------------------------

  /** fsyncs the log and brings the index files up to date and fsyncs them. */
  async flush(): Promise<void> {
    if (this.unflushed) {
      this.unflushed = false;
      try {
        await this.file.fsync();
      } catch (err) {
        this.unflushed = true;
        throw new FsyncFailedError(`fsync of ${this.logPath} failed: ${String(err)}`, {
          cause: err,
        });
      }
    }
    await this.writeIndexes({ sync: true });
  }

  /** True once closed or deleted: no new reads may start. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Takes a reference for a read; false when the segment is closed or deleted. */
  acquire(): boolean {
    if (this.closed) return false;
    this.refs += 1;
    return true;
  }

  release(): void {
    this.refs -= 1;
    if (this.refs === 0 && this.drainWaiter) {
      const wake = this.drainWaiter;
      this.drainWaiter = null;
      wake();
    }
  }

  /** Closes the segment once in-flight reads finish; with `flush`, makes it durable first. */
  async close(options: { flush: boolean }): Promise<void> {
    if (this.closed) return;
    await this.drain();
    if (options.flush) {
      if (this.indexes) this.appendFinalTimeEntry(this.indexes);
      await this.flush();
    }
    await this.file.close();
  }

  /** Removes the segment's files once in-flight reads finish. */
  async delete(): Promise<void> {
    if (!this.closed) {
      await this.drain();
      await this.file.close();
    }
    this.indexes = null;
    this.tail = null;
    for (const path of [this.logPath, this.indexPath, this.timeIndexPath]) {
      try {
        await this.options.fs.unlink(path);
      } catch (err) {
        if (!isNotFoundError(err)) throw err;
      }
    }
  }

  private async drain(): Promise<void> {
    this.closed = true;
    if (this.refs === 0) return;
    await new Promise<void>((resolve) => {
      this.drainWaiter = resolve;
    });
  }
}

/**
 * Batches whose maxTimestamp a scan had to ignore (beyond 2^53, see
 * BatchSummary), reported once per scan with the numbers, not once per batch.
 */
class IgnoredTimestamps {
  private count = 0;
  private firstOffset = -1;

  note(b: BatchSummary): void {
    if (!b.maxTimestampIgnored) return;
    if (this.count === 0) this.firstOffset = b.baseOffset;
    this.count += 1;
  }

  report(warn: SegmentOptions['warn'], segment: string): void {
    if (this.count === 0) return;
    warn?.(
      { segment, batches: this.count, firstOffset: this.firstOffset },
      'batches with a maxTimestamp beyond 2^53: indexed as having no timestamp',
    );
  }
}

/** Updates a state from a batch already covered by the indexes (no index entries added). */
function noteTailBatch(state: SegmentState, b: BatchSummary): void {
  if (b.maxTimestampMs > state.maxTimestampMs) {
    state.maxTimestampMs = b.maxTimestampMs;
    state.offsetOfMaxTimestamp = b.baseOffset;
  }
  state.nextOffset = b.lastOffset + 1;
}
