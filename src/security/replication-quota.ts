// Replication throttles as Kafka configures them (KIP-73): a topic names the
// replicas whose replication is throttled in leader.replication.throttled.replicas
// and follower.replication.throttled.replicas ("partition:broker" pairs, or *),
// and each broker limits the bytes it sends as leader (leader.replication.
// throttled.rate) and fetches as follower (follower.replication.throttled.rate)
// for those of its replicas. Only replicas out of the ISR are held back (a
// replica catching up, as a reassignment's new replica), as in Kafka. The
// rate is enforced with a token bucket whose burst is one sample
// (replication.quota.window.size.seconds), so a copy proceeds at the rate from
// its start; Kafka's windowed Rate would let the first window's worth through
// at once. Pure but for the clock it is given.

import { type SampleWindow, TokenBucket } from './sampled-rate.ts';

export interface ReplicationQuotaOptions {
  readonly brokerId: number;
  readonly window: SampleWindow;
  /** The rate at start, bytes/s; setRate changes it (a dynamic broker config, applied live). */
  readonly rateBytesPerS: number;
  /** The topic's throttled replica list for this side (leader or follower). */
  readonly throttledReplicas: (topic: string) => readonly string[];
  readonly now?: () => number;
}

/** Rates at or above this are Kafka's Long.MAX_VALUE: no throttle. */
const UNLIMITED_BYTES_PER_S = Number.MAX_SAFE_INTEGER;

export class ReplicationQuota {
  private readonly parsed = new WeakMap<readonly string[], 'all' | ReadonlySet<number>>();
  private bucket: TokenBucket | null = null;
  private rateBytesPerS: number;

  constructor(private readonly o: ReplicationQuotaOptions) {
    this.rateBytesPerS = o.rateBytesPerS;
  }

  /** A new rate (leader/follower.replication.throttled.rate changed): used from the next byte. */
  setRate(bytesPerS: number): void {
    this.rateBytesPerS = bytesPerS;
  }

  private now(): number {
    return (this.o.now ?? Date.now)();
  }

  /** The partitions of this broker the list throttles: '*' is all, else "p:b" with b us. */
  private throttledSet(list: readonly string[]): 'all' | ReadonlySet<number> {
    let set = this.parsed.get(list);
    if (set === undefined) {
      if (list.length === 1 && list[0]?.trim() === '*') set = 'all';
      else {
        const mine = new Set<number>();
        for (const entry of list) {
          const [p, b] = entry.trim().split(':');
          if (Number(b) === this.o.brokerId && p !== undefined && p !== '') mine.add(Number(p));
        }
        set = mine;
      }
      this.parsed.set(list, set);
    }
    return set;
  }

  private limit(): number | null {
    const rate = this.rateBytesPerS;
    return rate >= UNLIMITED_BYTES_PER_S ? null : rate;
  }

  isThrottled(topic: string, partition: number): boolean {
    const set = this.throttledSet(this.o.throttledReplicas(topic));
    return set === 'all' || set.has(partition);
  }

  /** Kafka's shouldLeaderThrottle / shouldFollowerThrottle: out of sync, throttled, over rate. */
  holds(topic: string, partition: number, inSync: boolean): boolean {
    if (inSync || !this.isThrottled(topic, partition)) return false;
    const limit = this.limit();
    if (limit === null) return false;
    return this.bucketFor(limit).take(0, limit, this.now()) > 0;
  }

  /** Bytes of a throttled replica sent (leader) or fetched (follower). */
  record(bytes: number): void {
    const limit = this.limit();
    if (limit === null || bytes <= 0) return;
    this.bucketFor(limit).take(bytes, limit, this.now());
  }

  private bucketFor(limit: number): TokenBucket {
    this.bucket ??= new TokenBucket(
      { samples: 1, sampleMs: this.o.window.sampleMs },
      this.now(),
      limit,
    );
    return this.bucket;
  }
}
