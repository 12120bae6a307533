// The request memory bound: frames are admitted up to the bound, large ones only up to the
// reserve kept for small ones, waiting frames are granted in arrival order as memory is
// released, and a frame larger than the bound goes when nothing else is held.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RequestMemory } from './request-memory.ts';

const MIB = 1024 * 1024;

describe('RequestMemory', () => {
  it('admits large frames up to the bound less its reserve, then queues them in order', () => {
    const memory = new RequestMemory(256 * MIB);
    assert.ok(memory.tryAcquire(100 * MIB));
    assert.ok(memory.tryAcquire(100 * MIB));
    assert.equal(memory.tryAcquire(100 * MIB), false, '300 MiB would pass 224 MiB');
    const granted: string[] = [];
    memory.wait(100 * MIB, () => granted.push('first'));
    memory.wait(10 * MIB, () => granted.push('second'));
    assert.equal(memory.tryAcquire(10 * MIB), false, 'no overtaking a waiting large frame');
    assert.equal(memory.used, 200 * MIB);
    memory.release(100 * MIB);
    assert.deepEqual(granted, ['first', 'second'], '100 + 100 + 10 fit within 224 MiB');
    assert.equal(memory.used, 210 * MIB);
    assert.equal(memory.waiting, 0);
  });

  it('keeps room for small requests while large frames fill their share', () => {
    const memory = new RequestMemory(256 * MIB);
    assert.ok(memory.tryAcquire(200 * MIB));
    assert.equal(memory.tryAcquire(30 * MIB), false);
    memory.wait(30 * MIB, () => undefined);
    for (let i = 0; i < 40; i++) assert.ok(memory.tryAcquire(MIB), `small request ${i}`);
    assert.equal(memory.used, 240 * MIB);
  });

  it('waits small requests too once the whole bound is used, and grants them on release', () => {
    // 8 MiB: a 1 MiB reserve; small means at most a quarter of it.
    const memory = new RequestMemory(8 * MIB);
    const small = MIB / 8;
    assert.ok(memory.tryAcquire(7 * MIB));
    assert.equal(memory.tryAcquire(MIB / 2), false, 'large: only up to the reserve');
    for (let i = 0; i < 8; i++) assert.ok(memory.tryAcquire(small), `small request ${i}`);
    assert.equal(memory.tryAcquire(small), false, 'the bound itself is full');
    let granted = false;
    memory.wait(small, () => {
      granted = true;
    });
    memory.release(small / 2);
    assert.equal(granted, false, 'half of it free is not enough');
    memory.release(small / 2);
    assert.equal(granted, true);
  });

  it('admits a frame larger than the bound only when nothing else is held', () => {
    const memory = new RequestMemory(64 * MIB);
    assert.ok(memory.tryAcquire(MIB / 8));
    assert.equal(memory.tryAcquire(100 * MIB), false);
    let granted = false;
    const cancel = memory.wait(100 * MIB, () => {
      granted = true;
    });
    memory.release(MIB / 8);
    assert.equal(granted, true);
    assert.equal(memory.used, 100 * MIB);
    cancel();
  });

  it('withdraws a wait, and bounds nothing without a capacity', () => {
    const bounded = new RequestMemory(16 * MIB);
    assert.ok(bounded.tryAcquire(14 * MIB));
    let granted = false;
    const cancel = bounded.wait(8 * MIB, () => {
      granted = true;
    });
    cancel();
    bounded.release(14 * MIB);
    assert.equal(granted, false);
    assert.equal(bounded.used, 0);
    const unbounded = new RequestMemory(null);
    for (let i = 0; i < 10; i++) assert.ok(unbounded.tryAcquire(100 * MIB));
    assert.equal(unbounded.used, 1000 * MIB);
  });
});
