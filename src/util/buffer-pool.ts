// Reusable large buffers for the bytes a broker moves in bulk: records read
// for consumer fetches and Produce request frames. A fresh megabyte-sized
// Buffer per request counts as V8 external memory and makes it run full
// garbage collections every few dozen megabytes; leasing from this pool keeps
// those paths allocation-free. A lease is ended explicitly (releaseLease) by the
// one party that knows the bytes are no longer used; a lease never ended is
// simply garbage collected, so an unknown holder of a view is always safe.

/** Smallest pooled size; smaller buffers are cheap to allocate. */
export const POOLED_BYTES_MIN = 64 * 1024;
/** Larger buffers are not pooled. */
export const POOLED_BYTES_MAX = 64 * 1024 * 1024;
export const POOL_FREE_BYTES_MAX_DEFAULT = 64 * 1024 * 1024;

interface Lease {
  readonly buffer: Buffer;
  readonly giveBack: (buffer: Buffer) => void;
  active: boolean;
}

/** Leased buffers, and views registered with shareLease, -> their lease. */
const leases = new WeakMap<Uint8Array, Lease>();

interface FreeBuffer {
  readonly buffer: Buffer;
  /** The trim generation in which it was given back. */
  readonly generation: number;
}

export class BufferPool {
  /** Free buffers by size class (log2 of the size), the most recently given back last. */
  private readonly free = new Map<number, FreeBuffer[]>();
  private freeBytes = 0;
  private generation = 0;

  constructor(private readonly freeBytesMax = POOL_FREE_BYTES_MAX_DEFAULT) {}

  /** Bytes held free for reuse. */
  get pooledBytes(): number {
    return this.freeBytes;
  }

  /** A buffer of exactly `length` bytes: a view of a leased one when the size is pooled. */
  acquireView(length: number): Buffer {
    const buffer = this.acquire(length);
    if (buffer.length === length) return buffer;
    const view = buffer.subarray(0, length);
    shareLease(buffer, view);
    return view;
  }

  /**
   * A buffer of at least `minBytes` (a power of two when pooled). Pooled sizes
   * are leased; others are plain allocations that releaseLease ignores.
   */
  acquire(minBytes: number): Buffer {
    if (minBytes < POOLED_BYTES_MIN || minBytes > POOLED_BYTES_MAX) {
      return Buffer.allocUnsafe(minBytes);
    }
    const sizeClass = Math.ceil(Math.log2(minBytes));
    let buffer = this.free.get(sizeClass)?.pop()?.buffer;
    if (buffer === undefined) {
      buffer = Buffer.allocUnsafeSlow(2 ** sizeClass);
    } else {
      this.freeBytes -= buffer.length;
    }
    leases.set(buffer, { buffer, giveBack: this.giveBack, active: true });
    return buffer;
  }

  /** Takes back a buffer whose lease ended; keeps it unless the pool is full. */
  private readonly giveBack = (buffer: Buffer): void => {
    if (this.freeBytes + buffer.length > this.freeBytesMax) return;
    const sizeClass = Math.log2(buffer.length);
    let list = this.free.get(sizeClass);
    if (list === undefined) {
      list = [];
      this.free.set(sizeClass, list);
    }
    list.push({ buffer, generation: this.generation });
    this.freeBytes += buffer.length;
  };

  /**
   * Drops the free buffers nobody has taken since the previous trim, so memory a burst
   * left in the pool goes back once traffic is quiet again. Called on a timer (each call
   * starts a new generation); a steady load keeps reusing its buffers and loses none.
   */
  trim(): void {
    for (const [sizeClass, list] of this.free) {
      // Given back in order, so the old ones lead; buffers are taken from the end.
      const keep = list.filter((f) => f.generation === this.generation);
      for (const f of list) if (f.generation !== this.generation) this.freeBytes -= f.buffer.length;
      if (keep.length === 0) this.free.delete(sizeClass);
      else this.free.set(sizeClass, keep);
    }
    this.generation++;
  }
}

/** Lets `view` (a view of a leased buffer) end that buffer's lease too. */
export function shareLease(leased: Uint8Array, view: Uint8Array): void {
  const lease = leases.get(leased);
  if (lease !== undefined) leases.set(view, lease);
}

/** True when `view` belongs to a lease still running. */
export function isLeased(view: Uint8Array): boolean {
  return leases.get(view)?.active === true;
}

/**
 * Ends the lease `view` belongs to: its bytes may be overwritten by the next
 * acquire. Call only once nothing uses any view of it. Other buffers are ignored;
 * a lease ends once, so a second release (of any of its views) does nothing.
 */
export function releaseLease(view: Uint8Array): void {
  const lease = leases.get(view);
  if (lease === undefined) return;
  leases.delete(view);
  if (!lease.active) return;
  lease.active = false;
  lease.giveBack(lease.buffer);
}

/** The pool a broker's consumer fetches and Produce frames lease from. */
export const brokerBufferPool = new BufferPool();
