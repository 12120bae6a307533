// The broker-wide bound on request memory (queued.max.request.bytes): every request frame
// is admitted here, by its claimed size, after the size is read and before any buffer for
// it exists, and is released once the request is answered (or its connection is gone).
// A frame that does not fit waits, first come first served, and its connection stops
// reading meanwhile: memory stays bounded however many connections send large frames.
//
// Better than Kafka's pool in one respect: large frames may fill the bound only up to a
// reserve (an eighth of it), which small requests (at most 1 MiB: metadata, heartbeats,
// commits, ordinary produce batches) may use, so a flood of large frames does not stall
// the consumer groups and producers of everybody else. A frame larger than what can ever
// be free is admitted when nothing else is held, so it never waits forever.
// Pure accounting: no I/O, no timers.

const RESERVE_FRACTION = 8;
const SMALL_FRAME_BYTES_MAX = 1024 * 1024;

interface Waiter {
  readonly sizeBytes: number;
  readonly grant: () => void;
}

export class RequestMemory {
  private usedBytes = 0;
  private readonly waiters: Waiter[] = [];
  private readonly reserveBytes: number;
  private readonly smallBytesMax: number;

  /** `capacityBytes` null: no bound (queued.max.request.bytes 0 or -1); only counted. */
  constructor(private readonly capacityBytes: number | null) {
    const capacity = capacityBytes ?? 0;
    this.reserveBytes = Math.floor(capacity / RESERVE_FRACTION);
    this.smallBytesMax = Math.min(SMALL_FRAME_BYTES_MAX, Math.floor(this.reserveBytes / 4));
  }

  /** Bytes admitted and not yet released. */
  get used(): number {
    return this.usedBytes;
  }

  /** Frames waiting for memory. */
  get waiting(): number {
    return this.waiters.length;
  }

  /**
   * Admits `sizeBytes` now if it fits and no earlier large frame is waiting; otherwise
   * returns false and admits nothing (call wait() to be granted it later).
   */
  tryAcquire(sizeBytes: number): boolean {
    const small = this.isSmall(sizeBytes);
    if (!small && this.waiters.some((w) => !this.isSmall(w.sizeBytes))) return false;
    if (!this.fits(sizeBytes, small)) return false;
    this.usedBytes += sizeBytes;
    return true;
  }

  /**
   * Queues a frame that tryAcquire refused; `grant` is called (synchronously, from a
   * release) once its bytes are admitted. Returns a function that withdraws the request.
   */
  wait(sizeBytes: number, grant: () => void): () => void {
    const waiter: Waiter = { sizeBytes, grant };
    this.waiters.push(waiter);
    return () => {
      const i = this.waiters.indexOf(waiter);
      if (i >= 0) this.waiters.splice(i, 1);
    };
  }

  /** Returns admitted bytes and grants waiting frames that now fit, in arrival order. */
  release(sizeBytes: number): void {
    this.usedBytes = Math.max(0, this.usedBytes - sizeBytes);
    let largeBlocked = false;
    const granted: Waiter[] = [];
    for (const w of [...this.waiters]) {
      const small = this.isSmall(w.sizeBytes);
      // A large frame that cannot go yet keeps later large frames behind it.
      if (!small && largeBlocked) continue;
      if (!this.fits(w.sizeBytes, small)) {
        if (!small) largeBlocked = true;
        continue;
      }
      this.usedBytes += w.sizeBytes;
      this.waiters.splice(this.waiters.indexOf(w), 1);
      granted.push(w);
    }
    for (const w of granted) w.grant();
  }

  private isSmall(sizeBytes: number): boolean {
    return sizeBytes <= this.smallBytesMax;
  }

  private fits(sizeBytes: number, small: boolean): boolean {
    if (this.capacityBytes === null || this.usedBytes === 0) return true;
    const room = small ? this.capacityBytes : this.capacityBytes - this.reserveBytes;
    return this.usedBytes + sizeBytes <= room;
  }
}
