// Whether this broker may act as a partition leader on its metadata image right
// now. Two things make the image untrustworthy: the process stalled (paused
// with SIGSTOP, swapped out, a long GC) long enough that its session may have
// lapsed and leadership moved while it could not see it; or it registered
// again after losing its session and the image has not yet caught up with that
// registration. It does not fence a broker that merely cannot reach the store
// while it keeps running: nobody can move leadership then, and serving from
// the image is what keeps production going through a store outage.

import type { Logger } from '../util/logger.ts';

export interface LeaderFenceOptions {
  /** A monotonic clock (performance.now), so wall-clock steps are not stalls. */
  readonly now: () => number;
  /**
   * The longest stall that cannot have cost the session: under the keepalive
   * margin, e.g. half of broker.session.timeout.ms.
   */
  readonly stallMsMax: number;
  readonly imageRevision: () => number;
  readonly registeredRevision: () => number;
  /** Reads the store's current revision and waits until the image has reached it. */
  readonly catchUp: () => Promise<void>;
  readonly logger: Pick<Logger, 'warn' | 'info'>;
}

export class LeaderFence {
  private lastTickMs: number;
  /** Stalls seen so far; a catch-up clears the fence only if none began meanwhile. */
  private stalls = 0;
  private caughtUpStalls = 0;
  private catchingUp = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly o: LeaderFenceOptions) {
    this.lastTickMs = o.now();
  }

  /** Ticks a few times per stall limit, so a stall is noticed within one tick of waking. */
  start(): void {
    this.lastTickMs = this.o.now();
    const tickMs = Math.max(10, Math.floor(this.o.stallMsMax / 4));
    this.timer = setInterval(() => this.tick(), tickMs);
    this.timer.unref();
  }

  close(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /**
   * True while appends as leader must be refused. Judged by the clock at the
   * call: after a pause, a request read from a socket may be handled before
   * any timer has run, and must already see the stall.
   */
  isFenced(): boolean {
    if (this.o.now() - this.lastTickMs > this.o.stallMsMax) return true;
    if (this.caughtUpStalls < this.stalls) return true;
    return this.o.imageRevision() < this.o.registeredRevision();
  }

  /** Notes the time; after a stall, catches the image up with the store before leading again. */
  tick(): void {
    const t = this.o.now();
    const stalledMs = t - this.lastTickMs;
    this.lastTickMs = t;
    if (stalledMs > this.o.stallMsMax) {
      this.stalls += 1;
      this.o.logger.warn(
        { stalledMs: Math.round(stalledMs) },
        'process stalled; not leading partitions until the metadata image has caught up with the store',
      );
    }
    if (this.caughtUpStalls < this.stalls && !this.catchingUp) void this.catchUp();
  }

  private async catchUp(): Promise<void> {
    this.catchingUp = true;
    const stalls = this.stalls;
    try {
      // The revision is read after the stall, so the image then holds every
      // change made while this process could not see them.
      await this.o.catchUp();
      this.caughtUpStalls = stalls;
      this.o.logger.info({}, 'metadata image caught up after a stall; leading partitions again');
    } catch (err) {
      this.o.logger.warn({ err }, 'cannot reach the metadata store after a stall; will retry');
    } finally {
      this.catchingUp = false;
    }
  }
}
