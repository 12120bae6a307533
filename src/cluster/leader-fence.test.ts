// The leader fence with a hand-driven clock and store: a stall fences at once,
// before any tick has run, and until a catch-up read after the stall has come
// back; an unreachable store keeps it fenced; without a session to consult, a
// broker that only lost the store while running is not fenced; a new
// registration fences until seen. With the session: keepalives unconfirmed
// for the TTL minus the margin fence before the lease can expire, a lost lease
// or a registration the image does not hold fences, and none of that fences a
// partition only this broker replicates.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type FenceFacts, fenceReason, LeaderFence, type SessionState } from './leader-fence.ts';

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

const TTL_MS = 4000;
const MARGIN_MS = TTL_MS / 4;

/** A healthy broker at t=10 s: last keepalive sent at 9.5 s, registration in the image. */
function facts(over: Partial<FenceFacts> = {}, session: Partial<SessionState> = {}): FenceFacts {
  return {
    nowMs: 10_000,
    lastTickMs: 9_900,
    stallMsMax: 1500,
    stallUnresolved: false,
    imageRevision: 50,
    registeredRevision: 40,
    sessionMarginMs: MARGIN_MS,
    session: {
      leaseConfirmedUntilMs: 9_500 + TTL_MS,
      incarnation: 'a1',
      imageIncarnation: 'a1',
      ...session,
    },
    ...over,
  };
}

test('fenceReason: a healthy session does not fence', () => {
  assert.equal(fenceReason(facts(), true), null);
  assert.equal(fenceReason(facts(), false), null);
});

test('fenceReason: unconfirmed keepalives fence the margin before the lease could expire', () => {
  const until = 9_500 + TTL_MS;
  const at = (nowMs: number) => fenceReason(facts({ nowMs, lastTickMs: nowMs - 100 }), true);
  assert.equal(at(until - MARGIN_MS - 1), null, 'still inside the safe part of the lease');
  assert.equal(at(until - MARGIN_MS), 'session-lapsing', 'stops before the store can expire it');
  assert.equal(at(until - 1), 'session-lapsing');
  assert.equal(at(until + 10_000), 'session-lapsing');
});

test('fenceReason: a lost lease or a registration the image does not hold fences', () => {
  assert.equal(fenceReason(facts({}, { leaseConfirmedUntilMs: null }), true), 'session-lost');
  assert.equal(
    fenceReason(facts({}, { imageIncarnation: null }), true),
    'registration-not-ours',
    'the image has no registration for this broker (its lease key was deleted)',
  );
  assert.equal(
    fenceReason(facts({}, { imageIncarnation: 'b2' }), true),
    'registration-not-ours',
    'another incarnation is registered with this id',
  );
});

test('fenceReason: a store without a network never lapses', () => {
  const f = facts({ nowMs: 1e12, lastTickMs: 1e12 - 100 }, { leaseConfirmedUntilMs: Infinity });
  assert.equal(fenceReason(f, true), null);
});

test('fenceReason: session trouble does not fence a partition only this broker replicates', () => {
  assert.equal(fenceReason(facts({}, { leaseConfirmedUntilMs: null }), false), null);
  assert.equal(fenceReason(facts({ nowMs: 20_000, lastTickMs: 19_900 }), false), null);
  assert.equal(fenceReason(facts({}, { imageIncarnation: null }), false), null);
  // ...but a stall and an image behind the registration still do.
  assert.equal(fenceReason(facts({ nowMs: 12_000 }), false), 'stalled');
  assert.equal(fenceReason(facts({ stallUnresolved: true }), false), 'stalled');
  assert.equal(fenceReason(facts({ registeredRevision: 60 }), false), 'image-behind-registration');
});

test('fenceReason: stalls and the registration revision are judged first', () => {
  const lost = { leaseConfirmedUntilMs: null };
  assert.equal(fenceReason(facts({ nowMs: 12_000 }, lost), true), 'stalled');
  assert.equal(
    fenceReason(facts({ registeredRevision: 60 }, lost), true),
    'image-behind-registration',
  );
  const { session: _none, ...withoutSession } = facts({}, { leaseConfirmedUntilMs: null });
  assert.equal(fenceReason(withoutSession, true), null, 'no session consulted: not fenced by it');
});

class SessionHarness extends Harness {
  session: { -readonly [K in keyof SessionState]: SessionState[K] } = {
    leaseConfirmedUntilMs: this.nowMs + TTL_MS,
    incarnation: 'a1',
    imageIncarnation: 'a1',
  };
  fencedCalls = 0;
  override readonly fence = new LeaderFence({
    now: () => this.nowMs,
    stallMsMax: STALL_MS_MAX,
    imageRevision: () => this.imageRevision,
    registeredRevision: () => this.registeredRevision,
    catchUp: () => new Promise((resolve, reject) => this.catchUps.push({ resolve, reject })),
    session: () => this.session,
    sessionMarginMs: MARGIN_MS,
    logger: { warn() {}, info() {} },
  });

  constructor() {
    super();
    this.fence.onFenced(() => {
      this.fencedCalls += 1;
    });
  }

  /** A keepalive sent now is confirmed. */
  keepalive(): void {
    this.session.leaseConfirmedUntilMs = this.nowMs + TTL_MS;
  }
}

test('cut off from the store: fenced before the lease can expire, cleared by a late keepalive', () => {
  const h = new SessionHarness();
  for (let i = 0; i < 10; i++) {
    h.run(1000);
    h.keepalive();
  }
  assert.equal(h.fence.isFenced(), false, 'keepalives every second keep it clear');
  const lastSent = h.nowMs;
  h.run(TTL_MS - MARGIN_MS - 100);
  assert.equal(h.fence.isFenced(), false);
  assert.equal(h.fencedCalls, 0);
  h.run(100);
  assert.equal(h.nowMs, lastSent + TTL_MS - MARGIN_MS);
  assert.equal(h.fence.isFenced(), true, 'fenced the margin before the lease could expire');
  assert.equal(h.fence.isFenced(false), false, 'not for a partition only this broker has');
  assert.equal(h.fencedCalls, 0, 'a late keepalive leaves waiting produces waiting');
  h.run(500);
  assert.equal(h.fencedCalls, 0);
  // The store answers again before the lease ran out: same session, leading again.
  h.keepalive();
  assert.equal(h.fence.isFenced(), false);
  assert.equal(h.catchUps.length, 0, 'no stall: nothing to catch up');
});

test('a lost session fences until the broker registered again and its image caught up', () => {
  const h = new SessionHarness();
  h.run(TTL_MS);
  h.session.leaseConfirmedUntilMs = null; // the store said the lease is gone
  h.run(100);
  assert.equal(h.fence.isFenced(), true);
  assert.equal(h.fencedCalls, 1, 'waiting produces are failed once, at the tick that saw it lost');
  h.run(5000);
  assert.equal(h.fence.isFenced(), true, 'still fenced while it cannot register');
  // Registered again at revision 70 with a new incarnation; the image is at 65.
  h.keepalive();
  h.session.incarnation = 'b2';
  h.registeredRevision = 70;
  h.imageRevision = 65;
  h.run(100);
  assert.equal(h.fence.isFenced(), true, 'image behind the new registration');
  h.imageRevision = 70;
  h.session.imageIncarnation = 'b2';
  assert.equal(h.fence.isFenced(), false);
  h.run(100);
  assert.equal(h.fencedCalls, 1, 'one fenced period');
});

test('produces read after a stall wait for the catch-up, and are let through in the order they came', async () => {
  const h = new Harness();
  h.run(1000);
  h.nowMs += 8000; // SIGSTOP ... SIGCONT
  const order: string[] = [];
  const first = h.fence.waitUntilLifted(true, 30_000).then((ok) => order.push(`first ${ok}`));
  const second = h.fence.waitUntilLifted(true, 30_000).then((ok) => order.push(`second ${ok}`));
  h.fence.tick();
  h.run(300);
  await settle();
  assert.equal(order.length, 0, 'nothing answered while the catch-up runs');
  h.catchUps[0]!.resolve();
  // A third, arriving after the catch-up came back but before the others were answered,
  // does not overtake them.
  const third = h.fence.waitUntilLifted(true, 30_000).then((ok) => order.push(`third ${ok}`));
  await Promise.all([first, second, third]);
  assert.deepEqual(order, ['first true', 'second true', 'third true']);
  assert.equal(h.fence.isFenced(), false);
  h.fence.close();
});

test('a produce waits through a lost session until the broker registered again, or is refused after its wait', async () => {
  const h = new SessionHarness();
  h.run(TTL_MS);
  h.keepalive();
  h.run(TTL_MS - MARGIN_MS); // keepalives unconfirmed
  assert.equal(h.fence.isFenced(), true);
  const short = h.fence.waitUntilLifted(true, 200);
  const through = h.fence.waitUntilLifted(true, 60_000);
  h.run(300);
  assert.equal(await short, false, 'refused once its wait ran out');
  h.session.leaseConfirmedUntilMs = null; // the store said the lease is gone
  h.run(500);
  // Registered again; the image holds the new registration.
  h.keepalive();
  h.session.incarnation = 'b2';
  h.session.imageIncarnation = 'b2';
  h.run(100);
  assert.equal(await through, true, 'let through once the fence lifted');
  h.session.leaseConfirmedUntilMs = null;
  const capped = h.fence.waitUntilLifted(true, 60_000);
  h.run(2 * STALL_MS_MAX + 100);
  assert.equal(await capped, false, 'a wait is capped at twice the stall limit');
  assert.equal(
    await h.fence.waitUntilLifted(false, 60_000),
    true,
    'a sole-replica partition is led',
  );
  h.fence.close();
});

test('closing the fence answers every waiting produce', async () => {
  const h = new Harness();
  h.nowMs += 8000;
  const waiting = h.fence.waitUntilLifted(true, 60_000);
  h.fence.close();
  assert.equal(await waiting, false);
});

test('after the fence lifts, a new produce does not overtake those still waiting to be answered', async () => {
  const h = new Harness();
  h.run(1000);
  h.registeredRevision = 60; // registered again; the image is at 50
  assert.equal(h.fence.isFenced(), true);
  const order: string[] = [];
  const waiting = h.fence.waitUntilLifted(true, 30_000).then((ok) => order.push(`waiting ${ok}`));
  h.imageRevision = 60; // the image caught up; no tick has run yet
  assert.equal(h.fence.isFenced(), true, 'still fenced for newcomers while one waits');
  const newcomer = h.fence.waitUntilLifted(true, 30_000).then((ok) => order.push(`new ${ok}`));
  await Promise.all([waiting, newcomer]);
  assert.deepEqual(order, ['waiting true', 'new true']);
  assert.equal(h.fence.isFenced(), false);
  h.fence.close();
});
