// The newest bytes of the active segment, kept in memory so a consumer reading
// at the tail (and the header scan that finds its batch) is served without a
// file read. It copies appended bytes into a ring of its own, allocated once,
// so the caller may reuse its buffer (Produce frames are recycled) and an
// append allocates nothing; reads copy out into a buffer the reader supplies.

export type Allocate = (length: number) => Buffer;

export class TailCache {
  private ring: Buffer | null = null;
  /** Cached file positions are [start, end); empty when start === end. */
  private start = 0;
  private end = 0;

  constructor(private readonly capacityBytes: number) {}

  /** First cached file position (equal to endPosition when empty). */
  get startPosition(): number {
    return this.start;
  }

  /** One past the last cached file position. */
  get endPosition(): number {
    return this.end;
  }

  get sizeBytes(): number {
    return this.end - this.start;
  }

  /**
   * Records bytes just written at `position` (copied: the caller keeps `bytes`).
   * Only the newest capacityBytes stay; a gap or overlap restarts the cache.
   */
  add(position: number, bytes: Buffer): void {
    if (this.capacityBytes <= 0 || bytes.length === 0) return;
    if (this.start === this.end || position !== this.end) {
      this.start = position;
      this.end = position;
    }
    this.ring ??= Buffer.allocUnsafeSlow(this.capacityBytes);
    const kept = bytes.length > this.capacityBytes ? bytes.subarray(-this.capacityBytes) : bytes;
    const keptFrom = position + bytes.length - kept.length;
    const at = keptFrom % this.capacityBytes;
    const firstPart = Math.min(kept.length, this.capacityBytes - at);
    kept.copy(this.ring, at, 0, firstPart);
    if (firstPart < kept.length) kept.copy(this.ring, 0, firstPart);
    this.end = position + bytes.length;
    this.start = Math.max(this.start, this.end - this.capacityBytes);
  }

  /**
   * A copy of the bytes at [position, position + length), in a buffer from
   * `allocate`, if all of them are cached; else null (and nothing is allocated).
   */
  slice(position: number, length: number, allocate: Allocate = Buffer.allocUnsafe): Buffer | null {
    const ring = this.ring;
    if (ring === null || this.start === this.end) return null;
    if (position < this.start || position + length > this.end) return null;
    const out = allocate(length);
    const at = position % this.capacityBytes;
    const firstPart = Math.min(length, this.capacityBytes - at);
    ring.copy(out, 0, at, at + firstPart);
    if (firstPart < length) ring.copy(out, firstPart, 0, length - firstPart);
    return out;
  }

  /** Forgets everything at or after `position` (the segment was truncated there). */
  truncate(position: number): void {
    if (position <= this.start) this.clear();
    else if (position < this.end) this.end = position;
  }

  clear(): void {
    this.start = 0;
    this.end = 0;
  }
}
