// A broker-wide allowance of bytes for work that must hold a whole buffer at
// once (decompressing an lz4 or zstd frame, whose libraries decode only whole
// frames): each piece of work reserves its size before it allocates and gives
// it back after, and waits in order while the allowance is spent. So however
// many requests arrive together, such buffers never add up to more than the
// allowance. A reservation larger than the whole allowance is the caller's
// bug (it must have refused such input already) and fails an assertion.

import assert from 'node:assert/strict';

interface Waiter {
  readonly bytes: number;
  readonly resolve: () => void;
}

export class ByteBudget {
  private inUse = 0;
  private readonly waiters: Waiter[] = [];

  constructor(readonly bytesMax: number) {
    assert.ok(Number.isSafeInteger(bytesMax) && bytesMax > 0, `byte budget ${bytesMax}`);
  }

  /** Bytes reserved now. */
  get reservedBytes(): number {
    return this.inUse;
  }

  /** Waits until `bytes` fit, reserves them and returns the function that releases them. */
  async reserve(bytes: number): Promise<() => void> {
    assert.ok(bytes >= 0 && bytes <= this.bytesMax, `reserve ${bytes} of ${this.bytesMax}`);
    if (this.waiters.length === 0 && this.inUse + bytes <= this.bytesMax) {
      this.inUse += bytes;
    } else {
      await new Promise<void>((resolve) => this.waiters.push({ bytes, resolve }));
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inUse -= bytes;
      this.wake();
    };
  }

  /** Admits waiters in arrival order while the first of them fits. */
  private wake(): void {
    while (this.waiters.length > 0) {
      const first = this.waiters[0]!;
      if (this.inUse + first.bytes > this.bytesMax) return;
      this.waiters.shift();
      this.inUse += first.bytes;
      first.resolve();
    }
  }
}
