// The newest bytes of the active segment, kept in memory as the Buffers that
// were appended, so a consumer reading at the tail (and the header scan that
// finds its batch) is served without a file read. It holds references, not
// copies: append takes ownership of the caller's Buffer.

interface Chunk {
  readonly position: number;
  readonly bytes: Buffer;
}

export class TailCache {
  private chunks: Chunk[] = [];
  private head = 0;
  private cachedBytes = 0;

  constructor(private readonly capacityBytes: number) {}

  /** First cached file position (equal to endPosition when empty). */
  get startPosition(): number {
    const first = this.chunks[this.head];
    return first ? first.position : this.endPosition;
  }

  /** One past the last cached file position. */
  get endPosition(): number {
    const last = this.chunks[this.chunks.length - 1];
    return last && this.chunks.length > this.head ? last.position + last.bytes.length : 0;
  }

  get sizeBytes(): number {
    return this.cachedBytes;
  }

  /** Records bytes just written at `position`; a gap or overlap restarts the cache. */
  add(position: number, bytes: Buffer): void {
    if (this.capacityBytes <= 0 || bytes.length === 0) return;
    if (this.chunks.length > this.head && position !== this.endPosition) this.clear();
    this.chunks.push({ position, bytes });
    this.cachedBytes += bytes.length;
    // The newest chunk stays even when it alone is over capacity.
    while (this.chunks.length - this.head > 1 && this.cachedBytes > this.capacityBytes) {
      const dropped = this.chunks[this.head]!;
      this.cachedBytes -= dropped.bytes.length;
      this.head += 1;
    }
    if (this.head > 64 && this.head * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
  }

  /** The bytes at [position, position + length) if all of them are cached, else null. */
  slice(position: number, length: number): Buffer | null {
    if (this.chunks.length === this.head) return null;
    if (position < this.startPosition || position + length > this.endPosition) return null;
    let i = this.chunkIndexAt(position);
    const first = this.chunks[i]!;
    const from = position - first.position;
    if (from + length <= first.bytes.length) return first.bytes.subarray(from, from + length);
    const out = Buffer.allocUnsafe(length);
    let done = first.bytes.copy(out, 0, from);
    while (done < length) {
      i += 1;
      const chunk = this.chunks[i]!;
      done += chunk.bytes.copy(out, done, 0, Math.min(chunk.bytes.length, length - done));
    }
    return out;
  }

  /** Forgets everything at or after `position` (the segment was truncated there). */
  truncate(position: number): void {
    while (this.chunks.length > this.head) {
      const last = this.chunks[this.chunks.length - 1]!;
      if (last.position + last.bytes.length <= position) return;
      this.chunks.pop();
      this.cachedBytes -= last.bytes.length;
      if (last.position < position) {
        const kept = last.bytes.subarray(0, position - last.position);
        this.chunks.push({ position: last.position, bytes: kept });
        this.cachedBytes += kept.length;
        return;
      }
    }
  }

  clear(): void {
    this.chunks = [];
    this.head = 0;
    this.cachedBytes = 0;
  }

  private chunkIndexAt(position: number): number {
    let lo = this.head;
    let hi = this.chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.chunks[mid]!.position <= position) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}
