// The leader fence with a hand-driven clock and store: a stall fences at once,
// before any tick has run, and until a catch-up read after the stall has come
// back; an unreachable store keeps it fenced; a broker that only lost the
// store while running is not fenced; a new registration fences until seen.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LeaderFence } from './leader-fence.ts';

const STALL_MS_MAX = 1500;

class Harness {
  nowMs = 10_000;
  imageRevision = 50;
  registeredRevision = 40;
  catchUps: Array<{ resolve: () => void; reject: (err: Error) => void }> = [];
  readonly fence = new LeaderFence({
    now: () => this.nowMs,
    stallMsMax: STALL_MS_MAX,
    imageRevision: () => this.imageRevision,
    registeredRevision: () => this.registeredRevision,
    catchUp: () => new Promise((resolve, reject) => this.catchUps.push({ resolve, reject })),
    logger: { warn() {}, info() {} },
  });

  /** Time passes with the event loop running: ticks every 100 ms. */
  run(ms: number): void {
    for (let t = 0; t < ms; t += 100) {
      this.nowMs += 100;
      this.fence.tick();
    }
  }
}

const settle = () => new Promise((r) => setImmediate(r));

test('a stall fences before any tick has run, and until a catch-up after it completes', async () => {
  const h = new Harness();
  h.run(1000);
  assert.equal(h.fence.isFenced(), false);
  h.nowMs += 8000; // SIGSTOP ... SIGCONT: nothing ran
  assert.equal(h.fence.isFenced(), true, 'a request handled first already sees the stall');
  h.fence.tick();
  assert.equal(h.catchUps.length, 1, 'one catch-up started');
  h.run(500);
  assert.equal(h.catchUps.length, 1, 'and only one at a time');
  assert.equal(h.fence.isFenced(), true, 'fenced while it runs');
  h.catchUps[0]!.resolve();
  await settle();
  assert.equal(h.fence.isFenced(), false);
});

test('a store that cannot be reached after a stall keeps the fence up and is retried', async () => {
  const h = new Harness();
  h.nowMs += 5000;
  h.fence.tick();
  h.catchUps[0]!.reject(new Error('etcd unavailable'));
  await settle();
  h.run(100);
  assert.equal(h.fence.isFenced(), true);
  assert.equal(h.catchUps.length, 2, 'tried again');
  // Another stall during the catch-up: that catch-up no longer clears the fence.
  h.nowMs += 5000;
  h.fence.tick();
  h.catchUps[1]!.resolve();
  await settle();
  assert.equal(h.fence.isFenced(), true);
  h.run(100);
  h.catchUps[2]!.resolve();
  await settle();
  assert.equal(h.fence.isFenced(), false);
});

test('a short pause, or a store outage while the process runs, does not fence', () => {
  const h = new Harness();
  h.nowMs += STALL_MS_MAX - 100;
  assert.equal(h.fence.isFenced(), false);
  h.fence.tick();
  h.run(30_000);
  assert.equal(h.fence.isFenced(), false);
  assert.equal(h.catchUps.length, 0, 'no store access needed');
});

test('a new registration fences until the image has seen it', () => {
  const h = new Harness();
  h.registeredRevision = 60;
  assert.equal(h.fence.isFenced(), true);
  h.imageRevision = 60;
  assert.equal(h.fence.isFenced(), false);
});
