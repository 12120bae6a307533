import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BufferPool,
  isLeased,
  POOLED_BYTES_MAX,
  POOLED_BYTES_MIN,
  releaseLease,
  shareLease,
} from './buffer-pool.ts';

const KIB = 1024;

describe('BufferPool', () => {
  it('hands a released buffer to the next acquire of its size class', () => {
    const pool = new BufferPool();
    const first = pool.acquire(100 * KIB);
    assert.equal(first.length, 128 * KIB, 'rounded up to a power of two');
    assert.ok(isLeased(first));
    releaseLease(first);
    assert.equal(isLeased(first), false);
    assert.equal(pool.pooledBytes, 128 * KIB);
    const second = pool.acquire(128 * KIB);
    assert.equal(second, first);
    assert.equal(pool.pooledBytes, 0);
    const other = pool.acquire(100 * KIB);
    assert.notEqual(other, first, 'a buffer still leased is never handed out twice');
  });

  it('gives views of exactly the asked length that end the lease of their buffer', () => {
    const pool = new BufferPool();
    const view = pool.acquireView(70 * KIB);
    assert.equal(view.length, 70 * KIB);
    const part = view.subarray(0, 10);
    assert.equal(isLeased(part), false, 'an unregistered view is not known');
    shareLease(view, part);
    assert.ok(isLeased(part));
    releaseLease(part);
    assert.equal(isLeased(view), false, 'all views of the lease see it ended');
    assert.equal(pool.pooledBytes, 128 * KIB);
  });

  it('ends a lease once: a stale view cannot end the next lease of the same buffer', () => {
    const pool = new BufferPool();
    const view = pool.acquireView(70 * KIB);
    releaseLease(view);
    releaseLease(view);
    assert.equal(pool.pooledBytes, 128 * KIB, 'returned once');
    const again = pool.acquireView(80 * KIB);
    assert.equal(again.buffer, view.buffer, 'same memory, new lease');
    releaseLease(view);
    assert.ok(isLeased(again), 'the stale view did not end the new lease');
    assert.equal(pool.pooledBytes, 0);
  });

  it('does not pool small or huge buffers, and keeps at most freeBytesMax', () => {
    const pool = new BufferPool(256 * KIB);
    const small = pool.acquire(POOLED_BYTES_MIN - 1);
    assert.equal(small.length, POOLED_BYTES_MIN - 1);
    assert.equal(isLeased(small), false);
    releaseLease(small);
    assert.equal(pool.pooledBytes, 0);
    assert.equal(isLeased(pool.acquire(POOLED_BYTES_MAX + 1)), false);
    const a = pool.acquire(200 * KIB);
    const b = pool.acquire(200 * KIB);
    releaseLease(a);
    releaseLease(b);
    assert.equal(pool.pooledBytes, 256 * KIB, 'the second did not fit and was dropped');
  });

  it('ignores buffers it never leased', () => {
    releaseLease(Buffer.alloc(100 * KIB));
    assert.equal(isLeased(Buffer.alloc(10)), false);
  });

  it('trims buffers left unused for a whole trim period, and keeps those in use', () => {
    const pool = new BufferPool();
    const idle = pool.acquire(100 * KIB);
    const busy = pool.acquire(1000 * KIB);
    releaseLease(idle);
    releaseLease(busy);
    assert.equal(pool.pooledBytes, 128 * KIB + 1024 * KIB);
    pool.trim();
    assert.equal(pool.pooledBytes, 128 * KIB + 1024 * KIB, 'given back in this period: kept');
    const again = pool.acquire(1000 * KIB);
    assert.equal(again, busy);
    releaseLease(again);
    pool.trim();
    assert.equal(pool.pooledBytes, 1024 * KIB, 'the unused one is dropped');
    pool.trim();
    assert.equal(pool.pooledBytes, 0, 'and the other once a period passes without use');
    assert.notEqual(pool.acquire(100 * KIB), idle, 'a trimmed buffer is not handed out');
  });
});
