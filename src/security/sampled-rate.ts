// Kafka's windowed statistics (org.apache.kafka.common.metrics.stats.Rate over
// a WindowedSum, and SampledStat's Avg), as quotas use them: a fixed number of
// samples (`quota.window.num`) of a fixed length (`quota.window.size.seconds`);
// a sample older than all of them together is reset. The rate's window is the
// time the kept samples span, but never less than all samples but one, so a
// burst after idling is measured over the full window, as Kafka does. Pure:
// the caller passes the time.

export interface SampleWindow {
  /** quota.window.num */
  readonly samples: number;
  /** quota.window.size.seconds, in ms. */
  readonly sampleMs: number;
}

interface Sample {
  startMs: number;
  value: number;
  count: number;
}

class Samples {
  private readonly list: Sample[] = [];
  private current = 0;

  constructor(readonly window: SampleWindow) {}

  /** The sample `nowMs` falls in, starting a new one (reusing the oldest) when due. */
  private sampleAt(nowMs: number): Sample {
    const cur = this.list[this.current];
    if (cur !== undefined && nowMs < cur.startMs + this.window.sampleMs) return cur;
    if (this.list.length < this.window.samples) {
      const s = { startMs: nowMs, value: 0, count: 0 };
      this.list.push(s);
      this.current = this.list.length - 1;
      return s;
    }
    this.current = (this.current + 1) % this.list.length;
    const s = this.list[this.current]!;
    s.startMs = nowMs;
    s.value = 0;
    s.count = 0;
    return s;
  }

  record(value: number, nowMs: number): void {
    const s = this.sampleAt(nowMs);
    s.value += value;
    s.count += 1;
  }

  /** Resets samples too old to count (older than all samples together). */
  purge(nowMs: number): void {
    const expireMs = this.window.samples * this.window.sampleMs;
    for (const s of this.list) {
      if (nowMs - s.startMs >= expireMs) {
        s.startMs = nowMs;
        s.value = 0;
        s.count = 0;
      }
    }
  }

  totals(nowMs: number): { value: number; count: number; oldestMs: number } {
    this.purge(nowMs);
    let value = 0;
    let count = 0;
    let oldestMs = nowMs;
    for (const s of this.list) {
      value += s.value;
      count += s.count;
      oldestMs = Math.min(oldestMs, s.startMs);
    }
    return { value, count, oldestMs };
  }
}

/** Kafka's Rate: the sum of the kept samples per second of their window. */
export class SampledRate {
  private readonly samples: Samples;

  constructor(readonly window: SampleWindow) {
    this.samples = new Samples(window);
  }

  record(value: number, nowMs: number): void {
    this.samples.record(value, nowMs);
  }

  /** Kafka's Rate.windowSize: the samples' span, at least (samples - 1) full windows, at least 1 ms. */
  windowMs(nowMs: number): number {
    const { oldestMs } = this.samples.totals(nowMs);
    let elapsed = nowMs - oldestMs;
    const fullWindows = Math.floor(elapsed / this.window.sampleMs);
    const minFull = this.window.samples - 1;
    if (fullWindows < minFull) elapsed += (minFull - fullWindows) * this.window.sampleMs;
    return Math.max(elapsed, 1);
  }

  /** Units per second. */
  perSecond(nowMs: number): number {
    const total = this.samples.totals(nowMs).value;
    return total / (this.windowMs(nowMs) / 1000);
  }
}

/** Kafka's Avg: the mean of the values recorded in the kept samples (0 when none). */
export class SampledAvg {
  private readonly samples: Samples;

  constructor(window: SampleWindow) {
    this.samples = new Samples(window);
  }

  record(value: number, nowMs: number): void {
    this.samples.record(value, nowMs);
  }

  mean(nowMs: number): number {
    const t = this.samples.totals(nowMs);
    return t.count === 0 ? 0 : t.value / t.count;
  }
}

/**
 * Kafka's TokenBucket (KIP-599, its controller mutation quota): tokens refill at the
 * quota per second up to a burst of quota x samples x sample length, each use takes its
 * amount, and a negative balance is how far over the quota the client is. Throttling
 * until the balance is back to zero keeps any stretch of time at the quota, where
 * throttling on the windowed Rate lets a client alternate window-sized bursts and
 * pauses once an early burst leaves the window.
 */
export class TokenBucket {
  private tokens: number;
  private lastMs: number;

  constructor(
    private readonly window: SampleWindow,
    nowMs: number,
    quota: number,
  ) {
    this.tokens = this.burst(quota);
    this.lastMs = nowMs;
  }

  private burst(quota: number): number {
    return quota * this.window.samples * (this.window.sampleMs / 1000);
  }

  private refill(quota: number, nowMs: number): void {
    const elapsedS = Math.max(0, nowMs - this.lastMs) / 1000;
    this.tokens = Math.min(this.burst(quota), this.tokens + quota * elapsedS);
    this.lastMs = Math.max(this.lastMs, nowMs);
  }

  /** Takes `value` (negative gives back) and returns the ms until the balance is back to 0. */
  take(value: number, quota: number, nowMs: number): number {
    this.refill(quota, nowMs);
    this.tokens = Math.min(this.burst(quota), this.tokens - value);
    return this.tokens >= 0 ? 0 : Math.round((-this.tokens / quota) * 1000);
  }
}
