// How full a log directory is: its available and total bytes (statfs, sampled
// now and then), and whether a write in it was refused for want of space
// lately. Partition logs (and the embedded metadata store, whose file lives
// there by default) report refused writes here; the metrics and the readiness
// probe read it. It decides nothing: a full directory keeps serving reads and
// its writes are retried by whoever makes them.

import { statfs } from 'node:fs/promises';

export interface SpaceSample {
  /** Bytes an unprivileged writer may still use (statfs f_bavail). */
  readonly availableBytes: number;
  readonly capacityBytes: number;
}

export interface LogDirHealthOptions {
  readonly dir: string;
  readonly now?: () => number;
  /** Reads the file system's space; statfs by default. */
  readonly readSpace?: (dir: string) => Promise<SpaceSample>;
  /** How long a refused write keeps the directory reported full; default 10 s. */
  readonly noSpaceHoldMs?: number;
}

const NO_SPACE_HOLD_MS_DEFAULT = 10_000;

async function statfsSpace(dir: string): Promise<SpaceSample> {
  const s = await statfs(dir);
  return { availableBytes: s.bavail * s.bsize, capacityBytes: s.blocks * s.bsize };
}

export class LogDirHealth {
  readonly dir: string;
  private readonly now: () => number;
  private readonly readSpace: (dir: string) => Promise<SpaceSample>;
  private readonly noSpaceHoldMs: number;
  private lastNoSpaceMs: number | null = null;
  private noSpaceCount = 0;
  private sample: SpaceSample | null = null;
  private sampling: Promise<SpaceSample | null> | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(o: LogDirHealthOptions) {
    this.dir = o.dir;
    this.now = o.now ?? Date.now;
    this.readSpace = o.readSpace ?? statfsSpace;
    this.noSpaceHoldMs = o.noSpaceHoldMs ?? NO_SPACE_HOLD_MS_DEFAULT;
  }

  /** A write in this directory was refused for want of space. */
  noteNoSpace(): void {
    this.lastNoSpaceMs = this.now();
    this.noSpaceCount += 1;
  }

  /** Writes refused for want of space since start. */
  get noSpaceWrites(): number {
    return this.noSpaceCount;
  }

  /** The latest sample, or null before the first one (or when statfs fails). */
  get latest(): SpaceSample | null {
    return this.sample;
  }

  /** Samples the space now; one statfs at a time. */
  refresh(): Promise<SpaceSample | null> {
    this.sampling ??= this.readSpace(this.dir)
      .then(
        (sample) => {
          this.sample = sample;
          return sample;
        },
        () => {
          this.sample = null;
          return null;
        },
      )
      .finally(() => {
        this.sampling = null;
      });
    return this.sampling;
  }

  /** Samples every `intervalMs` (unref'd) until stop(). */
  start(intervalMs: number): void {
    void this.refresh();
    this.timer ??= setInterval(() => void this.refresh(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** Why writes here may fail now, for the readiness probe; empty when none. */
  problems(): string[] {
    const out: string[] = [];
    const available = this.sample?.availableBytes;
    const at = this.lastNoSpaceMs;
    if (at !== null && this.now() - at < this.noSpaceHoldMs) {
      const free = available === undefined ? '' : ` (${available} bytes available)`;
      out.push(
        `log dir ${this.dir} is full: a write was refused for want of space ${this.now() - at} ms ago${free}`,
      );
    } else if (available === 0) {
      out.push(`log dir ${this.dir} is full: 0 bytes available`);
    }
    return out;
  }
}
