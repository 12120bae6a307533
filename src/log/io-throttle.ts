// Holds the log cleaner's reads and writes to `log.cleaner.io.max.bytes.per.second`,
// as Kafka's Throttler does: bytes are counted, and every check interval the
// rate since the last check is compared with the limit and the caller sleeps
// for as long as it ran ahead. The rate may be changed while it runs (dynamic
// broker config).

export interface IoThrottleOptions {
  /** Bytes per second; Infinity (or any non-finite value) for no limit. */
  readonly bytesPerSecond: number;
  /** How often the rate is checked; Kafka uses 300 ms. */
  readonly checkIntervalMs?: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const sleepReal = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class IoThrottle {
  private rate: number;
  private readonly checkIntervalMs: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private periodStartMs: number;
  private bytesInPeriod = 0;
  /** Total time spent sleeping, for the cleaner's statistics. */
  throttledMs = 0;

  constructor(options: IoThrottleOptions) {
    this.rate = options.bytesPerSecond;
    this.checkIntervalMs = options.checkIntervalMs ?? 300;
    this.now = options.now ?? (() => performance.now());
    this.sleep = options.sleep ?? sleepReal;
    this.periodStartMs = this.now();
  }

  get bytesPerSecond(): number {
    return this.rate;
  }

  set bytesPerSecond(rate: number) {
    this.rate = rate;
  }

  /** Counts `bytes` read or written; resolves once the rate allows going on. */
  async account(bytes: number): Promise<void> {
    if (!Number.isFinite(this.rate) || this.rate <= 0) return;
    this.bytesInPeriod += bytes;
    const elapsedMs = this.now() - this.periodStartMs;
    if (elapsedMs < this.checkIntervalMs) return;
    const allowedMs = (this.bytesInPeriod / this.rate) * 1000;
    const aheadMs = allowedMs - elapsedMs;
    if (aheadMs > 0) {
      await this.sleep(aheadMs);
      this.throttledMs += aheadMs;
    }
    this.periodStartMs = this.now();
    this.bytesInPeriod = 0;
  }
}
