// Which partition a produced record goes to, as Kafka's Java producer decides:
// a keyed record goes to toPositive(murmur2(key)) % partitions, so the same key
// lands on the same partition from Gregor's tools and from Java clients; a
// record without a key sticks to one partition until that partition's batch is
// sent, then moves on round-robin (the sticky partitioner of KIP-480, without
// its load-based weighting). Pure: no I/O, no clock.

const SEED = 0x9747b28c;
const M = 0x5bd1e995;
const R = 24;

/** Kafka's Utils.murmur2: 32-bit MurmurHash2 with Kafka's seed, as a signed int32. */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = SEED ^ length;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> R;
    k = Math.imul(k, M);
    h = Math.imul(h, M);
    h ^= k;
  }
  const rest = length & 3;
  if (rest === 3) h ^= data[whole + 2]! << 16;
  if (rest >= 2) h ^= data[whole + 1]! << 8;
  if (rest >= 1) {
    h ^= data[whole]!;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** Kafka's Utils.toPositive: clears the sign bit (not Math.abs, which overflows on MIN_VALUE). */
export function toPositive(n: number): number {
  return n & 0x7fffffff;
}

/** The partition of a keyed record, as Kafka's BuiltInPartitioner.partitionForKey. */
export function partitionForKey(key: Uint8Array, partitionCount: number): number {
  return toPositive(murmur2(key)) % partitionCount;
}

/**
 * Chooses partitions for records without a key: one partition per topic until
 * `nextBatch` says its batch went out, then the next one round-robin from a
 * random start, so a short run of records lands together and batches stay full.
 */
export class StickyPartitioner {
  private readonly current = new Map<string, number>();

  constructor(private readonly random: () => number = Math.random) {}

  partition(topic: string, partitionCount: number): number {
    let p = this.current.get(topic);
    if (p === undefined || p >= partitionCount) {
      p = Math.floor(this.random() * partitionCount);
      this.current.set(topic, p);
    }
    return p;
  }

  /** The batch for `topic`'s sticky partition is complete: move to the next partition. */
  nextBatch(topic: string, partitionCount: number): void {
    const p = this.current.get(topic);
    if (p === undefined) return;
    this.current.set(topic, (p + 1) % partitionCount);
  }
}

/** The partition for one record: explicit, by key, or sticky. */
export function choosePartition(
  record: { readonly key: Uint8Array | null; readonly partition?: number | undefined },
  topic: string,
  partitionCount: number,
  sticky: StickyPartitioner,
): number {
  if (record.partition !== undefined) return record.partition;
  if (record.key !== null) return partitionForKey(record.key, partitionCount);
  return sticky.partition(topic, partitionCount);
}
