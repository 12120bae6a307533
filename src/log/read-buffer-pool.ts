// Reusable buffers for reads that go straight to a socket (consumer fetches).
// A fresh multi-megabyte Buffer per fetch makes V8 collect garbage for its
// external memory every few dozen megabytes; leasing from this pool instead
// keeps the consume path allocation-free. A lease is given back explicitly,
// with releaseLease(view) once the socket has written the bytes; a lease never
// given back is simply garbage collected, so an unknown holder is always safe.

/** Smallest pooled size; smaller reads are cheap to allocate. */
export const POOLED_BYTES_MIN = 64 * 1024;
/** Larger reads are not pooled. */
export const POOLED_BYTES_MAX = 64 * 1024 * 1024;
export const POOL_FREE_BYTES_MAX_DEFAULT = 128 * 1024 * 1024;

interface Lease {
  readonly buffer: Buffer;
  readonly giveBack: (buffer: Buffer) => void;
  active: boolean;
}

/** Views handed out (the leased buffer, and views made with shareLease) -> their lease. */
const leases = new WeakMap<Uint8Array, Lease>();

export class ReadBufferPool {
  /** Free buffers by size class (log2 of the size). */
  private readonly free = new Map<number, Buffer[]>();
  private freeBytes = 0;

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
   * A buffer of at least `minBytes` (its length may be larger: use a view). Pooled
   * sizes are leased; others are plain allocations that releaseLease ignores.
   */
  acquire(minBytes: number): Buffer {
    if (minBytes < POOLED_BYTES_MIN || minBytes > POOLED_BYTES_MAX) {
      return Buffer.allocUnsafe(minBytes);
    }
    const sizeClass = Math.ceil(Math.log2(minBytes));
    const list = this.free.get(sizeClass);
    let buffer = list?.pop();
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
    list.push(buffer);
    this.freeBytes += buffer.length;
  };
}

/** Makes `view` (a view of a leased buffer) able to end that buffer's lease too. */
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
 * read. Call only once nothing uses any view of it. Other buffers are ignored;
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

/** The pool shared by a broker's consumer fetches. */
export const fetchReadBufferPool = new ReadBufferPool();
