// A small log-bucketed latency histogram in the manner of HdrHistogram:
// values in microseconds, exact below 2^SUB_BITS, above that 2^SUB_BITS
// sub-buckets per power of two (relative error under 1/2^SUB_BITS, about 1.6%),
// fixed memory, O(1) record. Percentiles report the highest value a bucket can
// hold, so they never understate; max and mean are kept exactly.

const SUB_BITS = 6;
const SUB_COUNT = 1 << SUB_BITS;
/** Covers up to 2^(SUB_BITS + POWERS) µs, about 9 hours with 29 powers. */
const POWERS = 29;
const MAX_TRACKABLE_US = 2 ** (SUB_BITS + POWERS) - 1;

export class LatencyHistogram {
  private readonly counts = new Float64Array(SUB_COUNT * (POWERS + 1));
  private total = 0;
  private sumUs = 0;
  private maxUs = 0;

  get count(): number {
    return this.total;
  }

  /** Records one latency in milliseconds (fractions kept to the microsecond). */
  recordMs(ms: number): void {
    const us = Math.min(MAX_TRACKABLE_US, Math.max(0, Math.round(ms * 1000)));
    this.counts[bucketOf(us)]! += 1;
    this.total++;
    this.sumUs += us;
    if (us > this.maxUs) this.maxUs = us;
  }

  meanMs(): number {
    return this.total === 0 ? 0 : this.sumUs / this.total / 1000;
  }

  maxMs(): number {
    return this.maxUs / 1000;
  }

  /** The latency at or below which `percentile`% of records fall, in ms. */
  percentileMs(percentile: number): number {
    if (this.total === 0) return 0;
    const rank = Math.max(1, Math.ceil((percentile / 100) * this.total));
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(upperBoundOf(i), this.maxUs) / 1000;
    }
    return this.maxUs / 1000;
  }
}

/** Bucket of a value: exact below SUB_COUNT, then SUB_COUNT buckets per power of two. */
export function bucketOf(us: number): number {
  if (us < SUB_COUNT) return us;
  const power = Math.floor(Math.log2(us)) - SUB_BITS + 1;
  const sub = Math.floor(us / 2 ** power) - SUB_COUNT / 2;
  return SUB_COUNT + (power - 1) * (SUB_COUNT / 2) + sub;
}

/** The highest value that falls in bucket `index`. */
export function upperBoundOf(index: number): number {
  if (index < SUB_COUNT) return index;
  const half = SUB_COUNT / 2;
  const power = Math.floor((index - SUB_COUNT) / half) + 1;
  const sub = ((index - SUB_COUNT) % half) + half;
  return (sub + 1) * 2 ** power - 1;
}
