// The log cleaner's key -> latest offset table, in bounded memory. As Kafka's
// SkimpyOffsetMap it keeps no keys: each key is hashed to 128 bits and the
// table stores only the hash and the offset, in one fixed-size allocation
// (open addressing, linear probing), so `log.cleaner.dedupe.buffer.size`
// bounds it whatever the keys look like. Two distinct keys sharing a 128-bit
// hash would make the older one look superseded; at 2^-128 per pair that is
// the same bet Kafka makes with MD5.

/** Bytes one slot takes: four 32-bit hash words and a float64 offset. */
export const OFFSET_MAP_SLOT_BYTES = 24;

const EMPTY = -1;

export class OffsetMap {
  /** Slots in the table; at most `loadFactor` of them are ever filled. */
  readonly slots: number;
  private readonly hashes: Uint32Array;
  private readonly offsets: Float64Array;
  private readonly maxEntries: number;
  private entries = 0;
  private latest = -1;
  /** The hash of the key last given to put/get, reused to avoid allocating. */
  private readonly h = new Uint32Array(4);

  /**
   * A table of `slots` slots (24 bytes each), of which `loadFactor` may be filled
   * (Kafka's `log.cleaner.io.buffer.load.factor`, 0.9).
   */
  constructor(slots: number, loadFactor = 0.9) {
    if (!Number.isInteger(slots) || slots < 1) throw new RangeError(`slots ${slots}`);
    if (!(loadFactor > 0 && loadFactor <= 1)) throw new RangeError(`loadFactor ${loadFactor}`);
    this.slots = slots;
    this.hashes = new Uint32Array(slots * 4);
    this.offsets = new Float64Array(slots).fill(EMPTY);
    this.maxEntries = Math.max(1, Math.floor(slots * loadFactor));
  }

  /** Slots that fit in `bytes` of memory. */
  static slotsFor(bytes: number): number {
    return Math.floor(bytes / OFFSET_MAP_SLOT_BYTES);
  }

  get size(): number {
    return this.entries;
  }

  /** True once no further new key may be put. */
  get isFull(): boolean {
    return this.entries >= this.maxEntries;
  }

  /** The largest offset put since the last clear, -1 when none. */
  get latestOffset(): number {
    return this.latest;
  }

  get memoryBytes(): number {
    return this.slots * OFFSET_MAP_SLOT_BYTES;
  }

  clear(): void {
    this.offsets.fill(EMPTY);
    this.entries = 0;
    this.latest = -1;
  }

  /**
   * Records `offset` for the key at `key[start, end)`; the larger of it and the offset
   * already recorded stays (a committed transaction's keys may arrive after later
   * records). Returns false (and changes nothing) when the key is new and the map is full.
   */
  put(key: Buffer, start: number, end: number, offset: number): boolean {
    murmur3x86x128(key, start, end, this.h);
    const slot = this.find();
    const existing = this.offsets[slot]!;
    if (existing === EMPTY) {
      if (this.entries >= this.maxEntries) return false;
      this.entries += 1;
      this.hashes.set(this.h, slot * 4);
    }
    if (offset > existing) this.offsets[slot] = offset;
    if (offset > this.latest) this.latest = offset;
    return true;
  }

  /** The latest offset recorded for the key at `key[start, end)`, or -1. */
  get(key: Buffer, start: number, end: number): number {
    murmur3x86x128(key, start, end, this.h);
    return this.offsets[this.find()]!;
  }

  /** The slot holding this.h, or the empty slot where it would go. */
  private find(): number {
    const h = this.h;
    const hashes = this.hashes;
    const offsets = this.offsets;
    let slot = h[0]! % this.slots;
    for (;;) {
      if (offsets[slot] === EMPTY) return slot;
      const at = slot * 4;
      if (
        hashes[at] === h[0] &&
        hashes[at + 1] === h[1] &&
        hashes[at + 2] === h[2] &&
        hashes[at + 3] === h[3]
      ) {
        return slot;
      }
      slot = slot + 1 === this.slots ? 0 : slot + 1;
    }
  }
}

// MurmurHash3, x86 128-bit variant (Austin Appleby's public-domain algorithm),
// written from its description: 32-bit arithmetic only, so it is fast in JS.
const C1 = 0x239b961b;
const C2 = 0xab0e9789;
const C3 = 0x38b34ae5;
const C4 = 0xa1e38b93;

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function fmix(h0: number): number {
  let h = h0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

function word(b: Buffer, i: number): number {
  return b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);
}

/** Hashes `key[start, end)` into out[0..3] (seed 0). */
export function murmur3x86x128(key: Buffer, start: number, end: number, out: Uint32Array): void {
  const length = end - start;
  let h1 = 0;
  let h2 = 0;
  let h3 = 0;
  let h4 = 0;
  let i = start;
  for (; i + 16 <= end; i += 16) {
    let k1 = word(key, i);
    let k2 = word(key, i + 4);
    let k3 = word(key, i + 8);
    let k4 = word(key, i + 12);
    k1 = Math.imul(rotl(Math.imul(k1, C1), 15), C2);
    h1 ^= k1;
    h1 = rotl(h1, 19) + h2;
    h1 = (Math.imul(h1, 5) + 0x561ccd1b) | 0;
    k2 = Math.imul(rotl(Math.imul(k2, C2), 16), C3);
    h2 ^= k2;
    h2 = rotl(h2, 17) + h3;
    h2 = (Math.imul(h2, 5) + 0x0bcaa747) | 0;
    k3 = Math.imul(rotl(Math.imul(k3, C3), 17), C4);
    h3 ^= k3;
    h3 = rotl(h3, 15) + h4;
    h3 = (Math.imul(h3, 5) + 0x96cd1c35) | 0;
    k4 = Math.imul(rotl(Math.imul(k4, C4), 18), C1);
    h4 ^= k4;
    h4 = rotl(h4, 13) + h1;
    h4 = (Math.imul(h4, 5) + 0x32ac3b17) | 0;
  }
  const rest = end - i;
  let k1 = 0;
  let k2 = 0;
  let k3 = 0;
  let k4 = 0;
  if (rest > 12) {
    for (let j = rest - 1; j >= 12; j--) k4 = (k4 << 8) | key[i + j]!;
    k4 = Math.imul(rotl(Math.imul(k4, C4), 18), C1);
    h4 ^= k4;
  }
  if (rest > 8) {
    for (let j = Math.min(rest, 12) - 1; j >= 8; j--) k3 = (k3 << 8) | key[i + j]!;
    k3 = Math.imul(rotl(Math.imul(k3, C3), 17), C4);
    h3 ^= k3;
  }
  if (rest > 4) {
    for (let j = Math.min(rest, 8) - 1; j >= 4; j--) k2 = (k2 << 8) | key[i + j]!;
    k2 = Math.imul(rotl(Math.imul(k2, C2), 16), C3);
    h2 ^= k2;
  }
  if (rest > 0) {
    for (let j = Math.min(rest, 4) - 1; j >= 0; j--) k1 = (k1 << 8) | key[i + j]!;
    k1 = Math.imul(rotl(Math.imul(k1, C1), 15), C2);
    h1 ^= k1;
  }
  h1 ^= length;
  h2 ^= length;
  h3 ^= length;
  h4 ^= length;
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  h1 = fmix(h1);
  h2 = fmix(h2);
  h3 = fmix(h3);
  h4 = fmix(h4);
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  out[0] = h1 >>> 0;
  out[1] = h2 >>> 0;
  out[2] = h3 >>> 0;
  out[3] = h4 >>> 0;
}
