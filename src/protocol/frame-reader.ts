// Splits a TCP byte stream into Kafka frames (int32 size + payload): requests
// on the broker's connections, responses on the client's and the replica
// fetchers'. The claimed size is checked against the limit before any buffer of
// that size exists; incoming chunks are kept as a list and concatenated once per
// frame (into a buffer from the caller's allocator, so big frames can come from
// a pool), so a frame arriving in many small pieces costs no quadratic copying.

export class FrameError extends Error {
  override readonly name = 'FrameError';
}

const SIZE_BYTES = 4;

export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Size of the frame being collected, or -1 while the size is not yet known. */
  private frameSize = -1;

  /** `allocate` supplies the buffer a frame spread over several chunks is copied into. */
  constructor(
    private readonly frameSizeBytesMax: number,
    private readonly allocate: (sizeBytes: number) => Buffer = Buffer.allocUnsafe,
  ) {}

  /** Set once a frame claims a size outside the limit; nothing is read after it. */
  error: FrameError | null = null;

  /**
   * Feeds bytes; returns the complete frames (payload only) that precede any
   * bad size. After a bad size, `error` is set and further input is ignored.
   */
  push(chunk: Buffer): Buffer[] {
    if (this.error !== null) return [];
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: Buffer[] = [];
    for (;;) {
      if (this.frameSize < 0) {
        if (this.buffered < SIZE_BYTES) break;
        const size = this.peekSize();
        if (size <= 0 || size > this.frameSizeBytesMax) {
          this.error = new FrameError(`frame size ${size} outside 1..${this.frameSizeBytesMax}`);
          this.chunks = [];
          this.buffered = 0;
          break;
        }
        this.consume(SIZE_BYTES);
        this.frameSize = size;
      }
      if (this.buffered < this.frameSize) break;
      frames.push(this.take(this.frameSize));
      this.frameSize = -1;
    }
    return frames;
  }

  private peekSize(): number {
    const first = this.chunks[0]!;
    if (first.length >= SIZE_BYTES) return first.readInt32BE(0);
    const head = Buffer.concat(this.chunks, SIZE_BYTES);
    return head.readInt32BE(0);
  }

  private consume(n: number): void {
    this.take(n, Buffer.allocUnsafe);
  }

  /** Removes and returns the next n buffered bytes; no copy when they lie in one chunk. */
  private take(n: number, allocate = this.allocate): Buffer {
    const first = this.chunks[0]!;
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
    } else {
      out = allocate(n);
      let filled = 0;
      while (filled < n) {
        const c = this.chunks[0]!;
        const part = Math.min(c.length, n - filled);
        c.copy(out, filled, 0, part);
        filled += part;
        if (part === c.length) this.chunks.shift();
        else this.chunks[0] = c.subarray(part);
      }
    }
    this.buffered -= n;
    return out;
  }

  get bufferedBytes(): number {
    return this.buffered;
  }
}
