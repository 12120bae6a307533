// Splits a TCP byte stream into Kafka frames (int32 size + payload): requests
// on the broker's connections, responses on the client's and the replica
// fetchers'. The claimed size is checked against the limit, and offered to an
// optional admission check (the broker's request memory bound), before any
// buffer of that size exists. A frame that lies within one incoming chunk is
// returned as a view of it; a frame spread over several chunks gets one buffer
// from the caller's allocator (so big frames can come from a pool) as soon as it
// is admitted, and each chunk is copied in as it arrives and let go, so the
// socket's read buffers do not pile up while a large frame trickles in.

export class FrameError extends Error {
  override readonly name = 'FrameError';
}

const SIZE_BYTES = 4;

export class FrameReader {
  /** Bytes received and not yet part of a frame buffer. */
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Size of the frame being collected, or -1 while the size is not yet known. */
  private frameSize = -1;
  /** Whether the frame being collected has been admitted. */
  private admitted = false;
  /** The buffer a frame spread over several chunks is being copied into. */
  private frame: Buffer | null = null;
  private filled = 0;

  /**
   * `frameSizeBytesMax` may be a function when the limit changes over a connection's life
   * (SASL's small limit before authentication). `allocate` supplies the buffer a frame
   * spread over several chunks is copied into. `admit`, when given, is asked once per frame
   * with its size before any of its payload is kept; false holds the frame (and everything
   * after it) until `grant()`.
   */
  constructor(
    private readonly frameSizeBytesMax: number | (() => number),
    private readonly allocate: (sizeBytes: number) => Buffer = Buffer.allocUnsafe,
    private readonly admit?: (sizeBytes: number) => boolean,
  ) {}

  /** Set once a frame claims a size outside the limit; nothing is read after it. */
  error: FrameError | null = null;

  /** Size of the frame `admit` refused and that waits for `grant()`, or null. */
  get awaitingAdmission(): number | null {
    return this.frameSize >= 0 && !this.admitted ? this.frameSize : null;
  }

  /** Size of the admitted frame being collected (its bytes are held), or 0. */
  get collectingBytes(): number {
    return this.frameSize >= 0 && this.admitted ? this.frameSize : 0;
  }

  /**
   * Feeds bytes; returns the complete frames (payload only) that precede any
   * bad size. After a bad size, `error` is set and further input is ignored.
   */
  push(chunk: Buffer): Buffer[] {
    if (this.error !== null) return [];
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    return this.drain();
  }

  /** The waiting frame was admitted (its memory granted): goes on with what is buffered. */
  grant(): Buffer[] {
    if (this.frameSize >= 0) this.admitted = true;
    return this.drain();
  }

  private drain(): Buffer[] {
    const frames: Buffer[] = [];
    for (;;) {
      if (this.frameSize < 0) {
        if (this.buffered < SIZE_BYTES) break;
        const size = this.peekSize();
        const max =
          typeof this.frameSizeBytesMax === 'number'
            ? this.frameSizeBytesMax
            : this.frameSizeBytesMax();
        if (size <= 0 || size > max) {
          this.error = new FrameError(`frame size ${size} outside 1..${max}`);
          this.chunks = [];
          this.buffered = 0;
          break;
        }
        this.take(SIZE_BYTES, Buffer.allocUnsafe);
        this.frameSize = size;
        this.admitted = false;
      }
      if (!this.admitted) {
        if (this.admit !== undefined && !this.admit(this.frameSize)) break;
        this.admitted = true;
      }
      const frame = this.collect();
      if (frame === null) break;
      frames.push(frame);
      this.frameSize = -1;
      this.admitted = false;
    }
    return frames;
  }

  /** The current frame once all of it is here, else null (keeping what came). */
  private collect(): Buffer | null {
    const size = this.frameSize;
    if (this.frame === null) {
      const first = this.chunks[0];
      // Within one chunk: a view, no copy.
      if (first !== undefined && first.length >= size) return this.take(size, this.allocate);
      if (this.buffered === 0) return null;
      this.frame = this.allocate(size);
      this.filled = 0;
    }
    const part = Math.min(this.buffered, size - this.filled);
    if (part > 0) {
      this.copyInto(this.frame, this.filled, part);
      this.filled += part;
    }
    if (this.filled < size) return null;
    const done = this.frame;
    this.frame = null;
    this.filled = 0;
    return done;
  }

  private peekSize(): number {
    const first = this.chunks[0]!;
    if (first.length >= SIZE_BYTES) return first.readInt32BE(0);
    const head = Buffer.concat(this.chunks, SIZE_BYTES);
    return head.readInt32BE(0);
  }

  /** Moves the next n buffered bytes into target at offset, letting go of used chunks. */
  private copyInto(target: Buffer, offset: number, n: number): void {
    let copied = 0;
    while (copied < n) {
      const c = this.chunks[0]!;
      const part = Math.min(c.length, n - copied);
      c.copy(target, offset + copied, 0, part);
      copied += part;
      if (part === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(part);
    }
    this.buffered -= n;
  }

  /** Removes and returns the next n buffered bytes; no copy when they lie in one chunk. */
  private take(n: number, allocate: (sizeBytes: number) => Buffer): Buffer {
    const first = this.chunks[0]!;
    if (first.length >= n) {
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      this.buffered -= n;
      return first.subarray(0, n);
    }
    const out = allocate(n);
    this.copyInto(out, 0, n);
    return out;
  }

  /**
   * The connection is gone: drops what is buffered and returns the partly filled frame
   * buffer, if any, so its owner can hand it back to a pool.
   */
  discard(): Buffer | null {
    const partial = this.frame;
    this.frame = null;
    this.filled = 0;
    this.chunks = [];
    this.buffered = 0;
    this.frameSize = -1;
    this.admitted = false;
    return partial;
  }

  get bufferedBytes(): number {
    return this.buffered + this.filled;
  }
}
