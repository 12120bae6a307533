// A segment's sparse offset index in memory and its `.index` file encoding:
// entries of (offset relative to the segment's base int32, file position int32),
// both strictly increasing. An entry names the base offset of the batch that
// starts at that position (Kafka names the batch's last offset; the base makes
// a lookup land on the batch itself). It does no I/O; Segment reads and writes it.

export const OFFSET_INDEX_ENTRY_BYTES = 8;

export class OffsetIndex {
  private relOffsets: Int32Array;
  private positions: Int32Array;
  private count = 0;

  constructor(readonly maxEntries: number) {
    const initial = Math.min(maxEntries, 64);
    this.relOffsets = new Int32Array(initial);
    this.positions = new Int32Array(initial);
  }

  /**
   * Decodes an index file, checking what a torn or stale file would break: whole
   * entries, strictly increasing offsets and positions, positions inside the log.
   * Returns a problem description instead of an index when the check fails.
   */
  static decode(buf: Buffer, maxEntries: number, logSizeBytes: number): OffsetIndex | string {
    if (buf.length % OFFSET_INDEX_ENTRY_BYTES !== 0)
      return `size ${buf.length} is not whole entries`;
    const n = buf.length / OFFSET_INDEX_ENTRY_BYTES;
    const index = new OffsetIndex(Math.max(maxEntries, n));
    for (let i = 0; i < n; i++) {
      const relOffset = buf.readInt32BE(i * OFFSET_INDEX_ENTRY_BYTES);
      const position = buf.readInt32BE(i * OFFSET_INDEX_ENTRY_BYTES + 4);
      const problem = index.checkNext(relOffset, position);
      if (problem) return `entry ${i}: ${problem}`;
      if (position >= logSizeBytes) return `entry ${i}: position ${position} past the log end`;
      index.append(relOffset, position);
    }
    return index;
  }

  get entryCount(): number {
    return this.count;
  }

  get isFull(): boolean {
    return this.count >= this.maxEntries;
  }

  /** Position of the last entry, or 0 when empty (the segment's first batch). */
  get lastPosition(): number {
    return this.count === 0 ? 0 : this.positions[this.count - 1]!;
  }

  /** Relative offset of the last entry, or -1 when empty. */
  get lastRelOffset(): number {
    return this.count === 0 ? -1 : this.relOffsets[this.count - 1]!;
  }

  append(relOffset: number, position: number): void {
    const problem = this.checkNext(relOffset, position);
    if (problem) throw new Error(`offset index append: ${problem}`);
    if (this.count === this.relOffsets.length) this.grow();
    this.relOffsets[this.count] = relOffset;
    this.positions[this.count] = position;
    this.count += 1;
  }

  /** Position of the last entry whose offset is <= relOffset; 0 when there is none. */
  floorPosition(relOffset: number): number {
    let lo = 0;
    let hi = this.count - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.relOffsets[mid]! <= relOffset) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found < 0 ? 0 : this.positions[found]!;
  }

  /** Drops the entries at or after file position `position`. */
  truncateToPosition(position: number): void {
    while (this.count > 0 && this.positions[this.count - 1]! >= position) this.count -= 1;
  }

  clear(): void {
    this.count = 0;
  }

  /** The file bytes of entries [from, to). */
  encode(from: number, to: number): Buffer {
    const buf = Buffer.allocUnsafe((to - from) * OFFSET_INDEX_ENTRY_BYTES);
    for (let i = from; i < to; i++) {
      const at = (i - from) * OFFSET_INDEX_ENTRY_BYTES;
      buf.writeInt32BE(this.relOffsets[i]!, at);
      buf.writeInt32BE(this.positions[i]!, at + 4);
    }
    return buf;
  }

  private checkNext(relOffset: number, position: number): string | null {
    if (relOffset < 0 || position < 0) return `negative entry (${relOffset}, ${position})`;
    if (this.count === 0) return null;
    const lastOffset = this.relOffsets[this.count - 1]!;
    const lastPosition = this.positions[this.count - 1]!;
    if (relOffset <= lastOffset) return `offset ${relOffset} after ${lastOffset}`;
    if (position <= lastPosition) return `position ${position} after ${lastPosition}`;
    return null;
  }

  private grow(): void {
    const size = Math.min(Math.max(this.relOffsets.length * 2, 64), Math.max(this.maxEntries, 1));
    const grownOffsets = new Int32Array(Math.max(size, this.count + 1));
    const grownPositions = new Int32Array(grownOffsets.length);
    grownOffsets.set(this.relOffsets.subarray(0, this.count));
    grownPositions.set(this.positions.subarray(0, this.count));
    this.relOffsets = grownOffsets;
    this.positions = grownPositions;
  }
}
