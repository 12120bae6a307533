// The broker's log cleaner: one background loop (log.cleaner.threads = 1) that
// picks the compacted partition log most in need of cleaning and cleans it
// (log-clean-pass.ts), then backs off when none is. As Kafka's
// LogCleanerManager, a log is due when its dirty ratio reaches
// min.cleanable.dirty.ratio, when a dirty record is older than
// max.compaction.lag.ms, or when a delete horizon it carries has passed; among
// due logs the dirtiest goes first. Each log's first dirty offset survives a
// restart in `cleaner-offset-checkpoint` in its directory.
//
// It runs on the event loop in chunks: every read is one chunk of
// log.cleaner.io.buffer.size / 2, every step awaits I/O (and the throttle), so
// appends and fetches interleave with it; see bench/README.md for the cost.

import { join } from 'node:path';
import {
  CheckpointFormatError,
  readCheckpointFile,
  writeCheckpointFile,
} from './checkpoint-file.ts';
import { IoThrottle } from './io-throttle.ts';
import {
  CleanAbortedError,
  type CleanerHooks,
  type CleanPassResult,
  type CleanPassStats,
  type CompactionConfig,
  cleanableRange,
  runCleanPass,
} from './log-clean-pass.ts';
import { OffsetMap } from './offset-map.ts';
import type { PartitionLog } from './partition-log.ts';

export type { CleanerHooks, CompactionConfig } from './log-clean-pass.ts';

export const CLEANER_OFFSET_CHECKPOINT = 'cleaner-offset-checkpoint';

/** The broker's `log.cleaner.*` settings. */
export interface LogCleanerSettings {
  /** `log.cleaner.enable`. */
  readonly enabled: boolean;
  /** `log.cleaner.dedupe.buffer.size`: memory for the offset map. */
  readonly dedupeBufferBytes: number;
  /** `log.cleaner.io.buffer.size`: half for reads, half for writes. */
  readonly ioBufferBytes: number;
  /** `log.cleaner.io.buffer.load.factor`. */
  readonly loadFactor: number;
  /** `log.cleaner.io.max.bytes.per.second`; Infinity for no limit. */
  readonly ioMaxBytesPerSecond: number;
  /** `log.cleaner.backoff.ms`: sleep when no log needs cleaning. */
  readonly backoffMs: number;
}

/** A log the cleaner looks after, with its topic's settings. */
export interface CleanableLog {
  readonly log: PartitionLog;
  readonly config: CompactionConfig;
  readonly hooks?: CleanerHooks;
}

export interface CleanOutcome {
  readonly topic: string;
  readonly partition: number;
  readonly result: CleanPassResult;
  readonly durationMs: number;
}

export interface LogCleanerStats {
  passes: number;
  bytesRead: number;
  bytesWritten: number;
  /** Largest dirty ratio (0..1) among compacted logs at the last selection. */
  maxDirtyRatio: number;
  /** Longest pass, ms. */
  maxCleanTimeMs: number;
  /** Most of the offset map a pass used, 0..1. */
  maxBufferUtilization: number;
  /** Logs whose last pass failed, by `topic-partition`. */
  uncleanable: Set<string>;
}

export interface LogCleanerLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  debug?(fields: object, message: string): void;
}

interface LogState {
  /** undefined until read from the file; null when the file has no entry. */
  checkpoint: number | null | undefined;
  nextHorizonMs: number;
  failedUntilMs: number;
}

/** Not due, or due with its range and why. */
interface Candidate {
  readonly target: CleanableLog;
  readonly state: LogState;
  readonly ratio: number;
  readonly urgent: boolean;
}

class CleanerStopped extends Error {}

const FAILURE_BACKOFF_MS = 60_000;

export class LogCleaner {
  private settings: LogCleanerSettings;
  private readonly throttle: IoThrottle;
  private readonly states = new WeakMap<PartitionLog, LogState>();
  private map: OffsetMap | null = null;
  private running: Promise<void> | null = null;
  private stopping = false;
  private wake: (() => void) | null = null;
  private current: Promise<unknown> = Promise.resolve();
  /** First-batch timestamps of sealed segments, for max.compaction.lag.ms. */
  private readonly firstTimestamps = new WeakMap<object, number>();
  readonly stats: LogCleanerStats = {
    passes: 0,
    bytesRead: 0,
    bytesWritten: 0,
    maxDirtyRatio: 0,
    maxCleanTimeMs: 0,
    maxBufferUtilization: 0,
    uncleanable: new Set(),
  };

  constructor(
    private readonly o: {
      readonly settings: LogCleanerSettings;
      readonly logs: () => Iterable<CleanableLog>;
      readonly now: () => number;
      readonly logger: LogCleanerLogger;
    },
  ) {
    this.settings = o.settings;
    this.throttle = new IoThrottle({ bytesPerSecond: o.settings.ioMaxBytesPerSecond });
  }

  get enabled(): boolean {
    return this.settings.enabled;
  }

  /** Applies changed settings (dynamic broker configs); the loop picks them up. */
  updateSettings(settings: LogCleanerSettings): void {
    const wasEnabled = this.settings.enabled;
    this.settings = settings;
    this.throttle.bytesPerSecond = settings.ioMaxBytesPerSecond;
    if (!wasEnabled && settings.enabled && this.running === null && !this.stopping) this.start();
    this.wake?.();
  }

  /** Starts the background loop (when log.cleaner.enable). */
  start(): void {
    if (!this.settings.enabled || this.running !== null) return;
    this.running = this.loop().finally(() => {
      this.running = null;
    });
  }

  /** Stops the loop, ending a pass in progress between two steps. */
  async close(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.running;
    await this.current.catch(() => undefined);
  }

  private async loop(): Promise<void> {
    while (!this.stopping && this.settings.enabled) {
      let outcome: CleanOutcome | null = null;
      try {
        outcome = await this.cleanOnce();
      } catch (err) {
        if (!(err instanceof CleanerStopped)) {
          this.o.logger.warn({ err: String(err) }, 'log cleaner pass failed');
        }
      }
      if (outcome === null && !this.stopping) await this.sleep(this.settings.backoffMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      timer.unref?.();
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = null;
        done();
      };
    });
  }

  /** Cleans the log most in need of it, if any is due; null when none is. */
  async cleanOnce(): Promise<CleanOutcome | null> {
    const chosen = await this.choose();
    if (chosen === null) return null;
    return this.run(chosen.target, chosen.state);
  }

  /** Cleans `target` now, due or not (tests, and a log that must shrink). */
  async cleanLog(target: CleanableLog): Promise<CleanOutcome | null> {
    const state = await this.stateOf(target.log);
    return this.run(target, state);
  }

  private run(target: CleanableLog, state: LogState): Promise<CleanOutcome | null> {
    const pass = this.current.then(() => this.runNow(target, state));
    this.current = pass.catch(() => undefined);
    return pass;
  }

  private async runNow(target: CleanableLog, state: LogState): Promise<CleanOutcome | null> {
    const { log } = target;
    const name = `${log.topic}-${log.partition}`;
    const started = performance.now();
    let result: CleanPassResult | null;
    try {
      result = await runCleanPass({
        log,
        config: target.config,
        hooks: target.hooks ?? {},
        map: this.mapFor(target, state),
        throttle: this.throttle,
        ioChunkBytes: Math.max(4096, Math.floor(this.settings.ioBufferBytes / 2)),
        nowMs: this.o.now(),
        checkpoint: state.checkpoint ?? null,
        checkRunning: () => {
          if (this.stopping) throw new CleanerStopped('the log cleaner is stopping');
          if (!log.isOpen) throw new CleanAbortedError(`${name} was closed`);
        },
      });
    } catch (err) {
      if (err instanceof CleanerStopped) throw err;
      if (err instanceof CleanAbortedError || !log.isOpen) {
        this.o.logger.debug?.({ partition: name, reason: String(err) }, 'log clean abandoned');
        return null;
      }
      state.failedUntilMs = this.o.now() + FAILURE_BACKOFF_MS;
      this.stats.uncleanable.add(name);
      this.o.logger.warn({ partition: name, err: String(err) }, 'log cleaner could not clean');
      return null;
    }
    this.stats.uncleanable.delete(name);
    if (result === null) return null;
    const durationMs = performance.now() - started;
    state.nextHorizonMs = result.nextHorizonMs;
    if (result.complete) {
      state.checkpoint = result.firstDirtyOffset;
      await writeCheckpointFile(log.fileSystem, join(log.dir, CLEANER_OFFSET_CHECKPOINT), [
        { topic: log.topic, partition: log.partition, offset: result.firstDirtyOffset },
      ]);
    }
    this.noteStats(result.stats, durationMs);
    this.o.logger.info(
      {
        partition: name,
        durationMs: Math.round(durationMs),
        bytesBefore: result.stats.bytesBefore,
        bytesAfter: result.stats.bytesAfter,
        recordsRead: result.stats.recordsRead,
        recordsKept: result.stats.recordsKept,
        segments: `${result.stats.segmentsBefore} -> ${result.stats.segmentsAfter}`,
        firstDirtyOffset: result.firstDirtyOffset,
      },
      'cleaned log',
    );
    return { topic: log.topic, partition: log.partition, result, durationMs };
  }

  private noteStats(stats: CleanPassStats, durationMs: number): void {
    this.stats.passes += 1;
    this.stats.bytesRead += stats.bytesRead;
    this.stats.bytesWritten += stats.bytesWritten;
    this.stats.maxCleanTimeMs = Math.max(this.stats.maxCleanTimeMs, durationMs);
    const map = this.map;
    if (map !== null) {
      const utilization = stats.mapEntries / map.slots;
      this.stats.maxBufferUtilization = Math.max(this.stats.maxBufferUtilization, utilization);
    }
  }

  /**
   * The offset map for a pass: as large as the dirty bytes could need (one entry per
   * 24 bytes of log), never more than log.cleaner.dedupe.buffer.size.
   */
  private mapFor(target: CleanableLog, state: LogState): OffsetMap {
    const range = this.rangeOf(target, state);
    const maxSlots = Math.max(1, OffsetMap.slotsFor(this.settings.dedupeBufferBytes));
    const wanted = Math.ceil(Math.max(range?.dirtyBytes ?? 0, 1) / 24 / this.settings.loadFactor);
    const slots = Math.min(maxSlots, Math.max(1024, wanted));
    const current = this.map;
    if (current !== null && current.slots >= slots && current.slots <= slots * 4) return current;
    if (current !== null && current.slots === maxSlots && slots === maxSlots) return current;
    this.map = new OffsetMap(slots, this.settings.loadFactor);
    return this.map;
  }

  private rangeOf(target: CleanableLog, state: LogState) {
    const { log } = target;
    const segments = log.segmentsForCleaning();
    if (segments.length === 0) return null;
    return cleanableRange(segments, {
      logStartOffset: log.logStartOffset,
      checkpoint: state.checkpoint ?? null,
      stableOffset: target.hooks?.firstUnstableOffset?.() ?? log.highWatermark,
      minCompactionLagMs: target.config.minCompactionLagMs,
      nowMs: this.o.now(),
    });
  }

  /** The due log with the highest dirty ratio (logs past max.compaction.lag.ms first). */
  private async choose(): Promise<Candidate | null> {
    const now = this.o.now();
    let best: Candidate | null = null;
    let maxRatio = 0;
    for (const target of this.o.logs()) {
      if (!target.log.isOpen) continue;
      const state = await this.stateOf(target.log);
      if (state.failedUntilMs > now) continue;
      const range = this.rangeOf(target, state);
      if (range === null) continue;
      maxRatio = Math.max(maxRatio, range.ratio);
      const dirty = range.dirtyBytes > 0;
      const urgent = dirty && (await this.pastMaxLag(target, range.firstDirtyOffset, now));
      const byRatio = dirty && range.ratio >= target.config.minCleanableDirtyRatio;
      const horizonDue = state.nextHorizonMs <= now && range.cleanBytes > 0;
      if (!urgent && !byRatio && !horizonDue) continue;
      const candidate = { target, state, ratio: range.ratio, urgent };
      if (best === null || better(candidate, best)) best = candidate;
    }
    this.stats.maxDirtyRatio = maxRatio;
    return best;
  }

  /** True when the first dirty batch is older than max.compaction.lag.ms. */
  private async pastMaxLag(
    target: CleanableLog,
    firstDirty: number,
    now: number,
  ): Promise<boolean> {
    const maxLag = target.config.maxCompactionLagMs;
    if (!(maxLag > 0) || maxLag >= Number.MAX_SAFE_INTEGER) return false;
    const segment = target.log.segmentsForCleaning().find((s) => s.nextOffset > firstDirty);
    if (segment === undefined || !segment.sealed) return false;
    let timestamp = this.firstTimestamps.get(segment);
    if (timestamp === undefined) {
      if (!segment.acquire()) return false;
      try {
        timestamp = (await segment.findBatch(firstDirty))?.maxTimestampMs ?? -1;
      } finally {
        segment.release();
      }
      this.firstTimestamps.set(segment, timestamp);
    }
    return timestamp >= 0 && now - timestamp > maxLag;
  }

  private async stateOf(log: PartitionLog): Promise<LogState> {
    let state = this.states.get(log);
    if (state === undefined) {
      state = { checkpoint: undefined, nextHorizonMs: 0, failedUntilMs: 0 };
      this.states.set(log, state);
    }
    if (state.checkpoint === undefined) state.checkpoint = await readCleanerCheckpoint(log);
    return state;
  }
}

function better(a: Candidate, b: Candidate): boolean {
  if (a.urgent !== b.urgent) return a.urgent;
  return a.ratio > b.ratio;
}

async function readCleanerCheckpoint(log: PartitionLog): Promise<number | null> {
  try {
    const entries = await readCheckpointFile(
      log.fileSystem,
      join(log.dir, CLEANER_OFFSET_CHECKPOINT),
    );
    const entry = entries?.find((e) => e.topic === log.topic && e.partition === log.partition);
    return entry?.offset ?? null;
  } catch (err) {
    if (err instanceof CheckpointFormatError) return null;
    throw err;
  }
}
