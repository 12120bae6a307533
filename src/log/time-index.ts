// A segment's sparse time index in memory and its `.timeindex` file encoding:
// entries of (timestamp int64, offset relative to the segment's base int32),
// timestamps strictly increasing. An entry (T, O) says the batch at base offset
// O was the first to reach timestamp T, so every batch before O has a smaller
// maximum timestamp; a lookup for T can start at O. No I/O here.

import { readInt64 } from './batch-fields.ts';

export const TIME_INDEX_ENTRY_BYTES = 12;

export interface TimeIndexEntry {
  readonly timestampMs: number;
  readonly relOffset: number;
}

export class TimeIndex {
  private timestamps: Float64Array;
  private relOffsets: Int32Array;
  private count = 0;

  constructor(readonly maxEntries: number) {
    const initial = Math.min(maxEntries, 64);
    this.timestamps = new Float64Array(initial);
    this.relOffsets = new Int32Array(initial);
  }

  /** Decodes a `.timeindex` file; returns a problem description when it is not sane. */
  static decode(buf: Buffer, maxEntries: number): TimeIndex | string {
    if (buf.length % TIME_INDEX_ENTRY_BYTES !== 0) return `size ${buf.length} is not whole entries`;
    const n = buf.length / TIME_INDEX_ENTRY_BYTES;
    const index = new TimeIndex(Math.max(maxEntries, n));
    for (let i = 0; i < n; i++) {
      const timestampMs = readInt64(buf, i * TIME_INDEX_ENTRY_BYTES);
      const relOffset = buf.readInt32BE(i * TIME_INDEX_ENTRY_BYTES + 8);
      const problem = index.checkNext(timestampMs, relOffset);
      if (problem) return `entry ${i}: ${problem}`;
      index.push(timestampMs, relOffset);
    }
    return index;
  }

  /** The last entry of an encoded file, without decoding the rest. */
  static decodeLast(buf: Buffer): TimeIndexEntry | null {
    if (buf.length < TIME_INDEX_ENTRY_BYTES) return null;
    const at = buf.length - TIME_INDEX_ENTRY_BYTES;
    return { timestampMs: readInt64(buf, at), relOffset: buf.readInt32BE(at + 8) };
  }

  get entryCount(): number {
    return this.count;
  }

  get isFull(): boolean {
    return this.count >= this.maxEntries;
  }

  get last(): TimeIndexEntry | null {
    if (this.count === 0) return null;
    return {
      timestampMs: this.timestamps[this.count - 1]!,
      relOffset: this.relOffsets[this.count - 1]!,
    };
  }

  /** Appends when `timestampMs` is newer than the last entry; older ones add nothing. */
  maybeAppend(timestampMs: number, relOffset: number): void {
    if (this.count > 0 && timestampMs <= this.timestamps[this.count - 1]!) return;
    const problem = this.checkNext(timestampMs, relOffset);
    if (problem) throw new Error(`time index append: ${problem}`);
    this.push(timestampMs, relOffset);
  }

  /** Relative offset of the last entry with timestamp <= timestampMs, or -1 when none. */
  floorRelOffset(timestampMs: number): number {
    let lo = 0;
    let hi = this.count - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.timestamps[mid]! <= timestampMs) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found < 0 ? -1 : this.relOffsets[found]!;
  }

  /** Drops entries that point at relative offset `relOffset` or later. */
  truncateToOffset(relOffset: number): void {
    while (this.count > 0 && this.relOffsets[this.count - 1]! >= relOffset) this.count -= 1;
  }

  clear(): void {
    this.count = 0;
  }

  /** The file bytes of entries [from, to). */
  encode(from: number, to: number): Buffer {
    const buf = Buffer.allocUnsafe((to - from) * TIME_INDEX_ENTRY_BYTES);
    for (let i = from; i < to; i++) {
      const at = (i - from) * TIME_INDEX_ENTRY_BYTES;
      buf.writeBigInt64BE(BigInt(this.timestamps[i]!), at);
      buf.writeInt32BE(this.relOffsets[i]!, at + 8);
    }
    return buf;
  }

  private checkNext(timestampMs: number, relOffset: number): string | null {
    if (relOffset < 0) return `negative offset ${relOffset}`;
    if (!Number.isSafeInteger(timestampMs)) return `timestamp ${timestampMs} is not safe`;
    if (this.count === 0) return null;
    const lastTimestamp = this.timestamps[this.count - 1]!;
    const lastOffset = this.relOffsets[this.count - 1]!;
    if (timestampMs <= lastTimestamp) return `timestamp ${timestampMs} after ${lastTimestamp}`;
    if (relOffset < lastOffset) return `offset ${relOffset} after ${lastOffset}`;
    return null;
  }

  private push(timestampMs: number, relOffset: number): void {
    if (this.count === this.timestamps.length) {
      const size = Math.max(this.timestamps.length * 2, 64, this.count + 1);
      const grownTimestamps = new Float64Array(size);
      const grownOffsets = new Int32Array(size);
      grownTimestamps.set(this.timestamps.subarray(0, this.count));
      grownOffsets.set(this.relOffsets.subarray(0, this.count));
      this.timestamps = grownTimestamps;
      this.relOffsets = grownOffsets;
    }
    this.timestamps[this.count] = timestampMs;
    this.relOffsets[this.count] = relOffset;
    this.count += 1;
  }
}
