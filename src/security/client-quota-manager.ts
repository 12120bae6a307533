// Enforcement of client quotas after Kafka's ClientQuotaManager: usage is
// recorded per quota type (produce bytes, fetch bytes, request time) and per
// the (user, client id) tags the configured quotas group it by, and a client
// over its quota gets the time it must stay quiet to be back within it.
// Kafka 3.x decides this on the windowed Rate ((rate - quota) / quota x
// window); Gregor decides it on Kafka's token bucket (KIP-599) with the same
// window (quota.window.num x quota.window.size.seconds) as burst: the same
// long-run rate and burst allowance, without the Rate's cycle of window-sized
// bursts and long pauses once an early burst leaves the window, so any 30 s
// stays at the quota. The windowed Rate is still kept for the byte-rate
// metrics, as Kafka reports them. Pure: time is passed in; the request path
// mutes the connection and writes throttle_time_ms. Tracked clients are bounded.

import type { ClientQuotaConfig, QuotaKey, QuotaTags } from './client-quota-config.ts';
import { SampledAvg, SampledRate, type SampleWindow, TokenBucket } from './sampled-rate.ts';

/** Sensors idle this long are dropped (Kafka expires them after an hour of inactivity). */
const SENSOR_IDLE_MS_MAX = 3_600_000;
/** At most this many (quota, user, client id) sensors; the least recently used goes first. */
const SENSORS_MAX = 10_000;

interface Sensor {
  readonly quota: QuotaKey;
  readonly tags: QuotaTags;
  readonly rate: SampledRate;
  readonly bucket: TokenBucket;
  readonly throttle: SampledAvg;
  throttledTotal: number;
  lastUsedMs: number;
}

export interface QuotaUsage {
  readonly quota: QuotaKey;
  readonly user: string;
  readonly clientId: string;
  /** Bytes per second, or percent of one thread for request_percentage. */
  readonly rate: number;
  /** The mean throttle time of the window's throttled requests (Kafka's throttle-time). */
  readonly throttleTimeMs: number;
  /** Requests throttled since the sensor was created. */
  readonly throttledTotal: number;
  readonly limit: number | null;
}

export class ClientQuotaManager {
  private readonly sensors = new Map<string, Sensor>();

  constructor(
    private readonly config: ClientQuotaConfig,
    private readonly window: SampleWindow,
  ) {}

  private sensor(quota: QuotaKey, user: string, clientId: string, nowMs: number): Sensor {
    const tags = this.config.tags(quota, user, clientId);
    const k = `${quota}\u0000${tags.user}\u0000${tags.clientId}`;
    let s = this.sensors.get(k);
    if (s === undefined) {
      this.expire(nowMs);
      s = {
        quota,
        tags,
        rate: new SampledRate(this.window),
        bucket: new TokenBucket(this.window, nowMs, this.config.limit(quota, tags) ?? 0),
        throttle: new SampledAvg(this.window),
        throttledTotal: 0,
        lastUsedMs: nowMs,
      };
    } else this.sensors.delete(k);
    // Re-inserted: the map's order is least recently used first.
    this.sensors.set(k, s);
    s.lastUsedMs = nowMs;
    return s;
  }

  private expire(nowMs: number): void {
    for (const [k, s] of this.sensors) {
      if (this.sensors.size < SENSORS_MAX && nowMs - s.lastUsedMs < SENSOR_IDLE_MS_MAX) break;
      this.sensors.delete(k);
    }
  }

  /** Whether any client quota of this type is configured (else nothing is recorded). */
  enabled(quota: QuotaKey): boolean {
    return this.config.entries().some((e) => e.values[quota] !== undefined);
  }

  /**
   * Records `value` and returns the throttle time in ms (0 within quota): Kafka's
   * recordAndGetThrottleTimeMs. The value stays recorded either way.
   */
  record(quota: QuotaKey, user: string, clientId: string, value: number, nowMs: number): number {
    if (!this.enabled(quota)) return 0;
    const s = this.sensor(quota, user, clientId, nowMs);
    s.rate.record(value, nowMs);
    const limit = this.config.limit(quota, s.tags);
    if (limit === null) return 0;
    return s.bucket.take(value, limit, nowMs);
  }

  /** Takes back a recorded value (a throttled fetch answers no data, so it used none). */
  unrecord(quota: QuotaKey, user: string, clientId: string, value: number, nowMs: number): void {
    if (!this.enabled(quota)) return;
    const s = this.sensor(quota, user, clientId, nowMs);
    s.rate.record(-value, nowMs);
    const limit = this.config.limit(quota, s.tags);
    if (limit !== null) s.bucket.take(-value, limit, nowMs);
  }

  /** The throttle applied, for the throttle-time metric. */
  throttled(quota: QuotaKey, user: string, clientId: string, ms: number, nowMs: number): void {
    if (ms <= 0 || !this.enabled(quota)) return;
    const s = this.sensor(quota, user, clientId, nowMs);
    s.throttle.record(ms, nowMs);
    s.throttledTotal++;
  }

  /**
   * Kafka's getMaxValueInQuotaWindow: the most one request may use without being sure to
   * be throttled (a fetch's max bytes are capped to it). Infinity without a quota.
   */
  maxValueInWindow(quota: QuotaKey, user: string, clientId: string): number {
    const limit = this.config.limit(quota, this.config.tags(quota, user, clientId));
    if (limit === null) return Number.POSITIVE_INFINITY;
    return limit * (this.window.samples - 1) * (this.window.sampleMs / 1000);
  }

  /** Every tracked client's usage, for the throttling metrics. */
  usage(nowMs: number): QuotaUsage[] {
    return [...this.sensors.values()].map((s) => ({
      quota: s.quota,
      user: s.tags.user,
      clientId: s.tags.clientId,
      rate: s.rate.perSecond(nowMs),
      throttleTimeMs: s.throttle.mean(nowMs),
      throttledTotal: s.throttledTotal,
      limit: this.config.limit(s.quota, s.tags),
    }));
  }
}
