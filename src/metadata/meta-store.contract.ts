// The one test suite every MetaStore backend must pass (ARCHITECTURE.md decision 4).
// A backend's test file calls runMetaStoreContract with a fixture factory; each test gets a
// fresh fixture and works under its own key prefix, so a shared etcd needs no cleanup.
// Lease tests let time pass through the fixture: a manual clock, or real waiting.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  deleteOp,
  getOp,
  ifAbsent,
  ifCreateRevision,
  ifModRevision,
  ifValue,
  ifVersion,
  isMetaStoreError,
  type MetaStore,
  type MetaStoreError,
  putOp,
  type Watch,
  type WatchEvent,
} from './meta-store.ts';

export interface MetaStoreFixture {
  readonly store: MetaStore;
  /** Another client of the same store (the same object for an in-process backend). */
  connect(): Promise<MetaStore>;
  /** Lets `ms` of lease time pass: advance a manual clock, or really wait. */
  elapse(ms: number): Promise<void>;
  /** The TTL lease tests ask for. */
  readonly leaseTtlMs: number;
  /** How long the backend may take, after elapse(), to act on an expiry. */
  readonly settleMs: number;
  close(): Promise<void>;
}

let prefixCount = 0;

function uniquePrefix(): string {
  prefixCount += 1;
  return `/contract/${prefixCount}-${randomUUID().slice(0, 8)}/`;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `condition` until it holds or `timeoutMs` passes (checked at least once). */
async function waitFor(
  condition: () => Promise<boolean> | boolean,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return true;
    if (Date.now() >= deadline) return false;
    await delay(20);
  }
}

/** Awaits `promise`, failing the test (instead of hanging it) after `timeoutMs`. */
async function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

interface Collector {
  readonly events: WatchEvent[];
  readonly progress: number[];
  readonly errors: MetaStoreError[];
  readonly watch: Watch;
  waitForCount(count: number, timeoutMs?: number): Promise<void>;
}

async function collect(store: MetaStore, prefix: string, fromRevision: number): Promise<Collector> {
  const events: WatchEvent[] = [];
  const progress: number[] = [];
  const errors: MetaStoreError[] = [];
  const watch = await store.watch(prefix, fromRevision, {
    onEvents: (batch, revision) => {
      assert.ok(batch.length > 0, 'onEvents is never called with no events');
      events.push(...batch);
      progress.push(revision);
    },
    onError: (error) => errors.push(error),
  });
  return {
    events,
    progress,
    errors,
    watch,
    async waitForCount(count, timeoutMs = 5000) {
      const reached = await waitFor(() => events.length >= count || errors.length > 0, timeoutMs);
      assert.equal(errors.length, 0, `watch failed: ${errors.map((e) => e.message).join('; ')}`);
      assert.ok(reached, `expected ${count} events, got ${events.length}`);
    },
  };
}

/** What a watch event says, without the parts a test cannot predict. */
function summary(event: WatchEvent): string {
  return event.type === 'put'
    ? `put ${event.key}=${event.kv.value} v${event.kv.version}`
    : `delete ${event.key}`;
}

async function rejectsWith(promise: Promise<unknown>, code: MetaStoreError['code']): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isMetaStoreError(error), `expected MetaStoreError, got ${String(error)}`);
    assert.equal(error.code, code);
    return true;
  });
}

/** Runs the contract against one backend; `makeFixture` is called once per test. */
export function runMetaStoreContract(
  name: string,
  makeFixture: () => Promise<MetaStoreFixture>,
): void {
  const withFixture =
    (body: (fixture: MetaStoreFixture, prefix: string) => Promise<void>) => async () => {
      const fixture = await makeFixture();
      try {
        await body(fixture, uniquePrefix());
      } finally {
        await fixture.close();
      }
    };

  describe(`MetaStore contract: ${name}`, () => {
    describeKeys(withFixture);
    describeTransactions(withFixture);
    describeConcurrency(withFixture);
    describeRanges(withFixture);
    describeLeases(withFixture);
    describeWatches(withFixture);
  });
}

type WithFixture = (
  body: (fixture: MetaStoreFixture, prefix: string) => Promise<void>,
) => () => Promise<void>;

function describeKeys(withFixture: WithFixture): void {
  describe('keys, versions and revisions', () => {
    it(
      'put assigns increasing revisions, counts versions and keeps createRevision',
      withFixture(async ({ store }, prefix) => {
        const key = `${prefix}k`;
        assert.equal(await store.get(key), null);
        const first = await store.put(key, '"one"');
        const second = await store.put(key, '"two"');
        assert.ok(second.revision > first.revision, 'revisions increase');
        const kv = await store.get(key);
        assert.deepEqual(kv, {
          key,
          value: '"two"',
          createRevision: first.revision,
          modRevision: second.revision,
          version: 2,
          lease: null,
        });
        assert.equal(await store.revision(), second.revision);
      }),
    );

    it(
      'delete removes a key, a new put restarts it at version 1, deleting nothing changes nothing',
      withFixture(async ({ store }, prefix) => {
        const key = `${prefix}k`;
        await store.put(key, '1');
        await store.put(key, '2');
        const deleted = await store.delete(key);
        assert.equal(deleted.deleted, 1);
        assert.equal(await store.get(key), null);
        const again = await store.delete(key);
        assert.deepEqual(again, { revision: deleted.revision, deleted: 0 });
        const recreated = await store.put(key, '3');
        assert.ok(recreated.revision > deleted.revision);
        const kv = await store.get(key);
        assert.equal(kv?.version, 1);
        assert.equal(kv?.createRevision, recreated.revision);
      }),
    );

    it(
      'refuses an empty key and an empty deletePrefix',
      withFixture(async ({ store }) => {
        await rejectsWith(store.put('', 'x'), 'GREGOR_ERR_METADATA_INVALID_REQUEST');
        await rejectsWith(store.get(''), 'GREGOR_ERR_METADATA_INVALID_REQUEST');
        await rejectsWith(store.deletePrefix(''), 'GREGOR_ERR_METADATA_INVALID_REQUEST');
      }),
    );
  });
}

function describeTransactions(withFixture: WithFixture): void {
  describe('transactions', () => {
    it(
      'writes every key of one txn at one revision, and reads in the txn see its writes',
      withFixture(async ({ store }, prefix) => {
        const result = await store.txn(
          [],
          [putOp(`${prefix}a`, '1'), putOp(`${prefix}b`, '2'), getOp(`${prefix}a`)],
        );
        assert.equal(result.succeeded, true);
        const a = await store.get(`${prefix}a`);
        const b = await store.get(`${prefix}b`);
        assert.equal(a?.modRevision, result.revision);
        assert.equal(b?.modRevision, result.revision);
        assert.equal(result.results.length, 3);
        const read = result.results[2];
        assert.equal(read?.type === 'get' ? read.kv?.value : undefined, '1');
      }),
    );

    it(
      'compare-and-set on modRevision succeeds once; the stale writer runs the failure branch',
      withFixture(async ({ store }, prefix) => {
        const key = `${prefix}partition`;
        const { revision } = await store.put(key, '{"leaderEpoch":1}');
        const winner = await store.txn(
          [ifModRevision(key, '=', revision)],
          [putOp(key, '{"leaderEpoch":2}')],
        );
        assert.equal(winner.succeeded, true);
        const loser = await store.txn(
          [ifModRevision(key, '=', revision)],
          [putOp(key, '{"leaderEpoch":3}')],
          [getOp(key)],
        );
        assert.equal(loser.succeeded, false);
        assert.equal(loser.revision, winner.revision, 'a failed CAS writes nothing');
        const seen = loser.results[0];
        assert.equal(seen?.type === 'get' ? seen.kv?.value : undefined, '{"leaderEpoch":2}');
        assert.equal((await store.get(key))?.value, '{"leaderEpoch":2}');
      }),
    );

    it(
      'compares version, createRevision, modRevision and value with =, !=, < and >',
      withFixture(async ({ store }, prefix) => {
        const key = `${prefix}k`;
        const absent = `${prefix}absent`;
        const { revision } = await store.put(key, 'm');
        await store.put(key, 'm');
        const holds = async (compare: Parameters<typeof ifValue>): Promise<boolean> =>
          (await store.txn([ifValue(...compare)], [])).succeeded;
        const cases: [string, boolean][] = [
          ['version = 2', (await store.txn([ifVersion(key, '=', 2)], [])).succeeded],
          ['version != 2', !(await store.txn([ifVersion(key, '!=', 2)], [])).succeeded],
          ['version < 3', (await store.txn([ifVersion(key, '<', 3)], [])).succeeded],
          ['version > 1', (await store.txn([ifVersion(key, '>', 1)], [])).succeeded],
          ['version > 2 fails', !(await store.txn([ifVersion(key, '>', 2)], [])).succeeded],
          ['version < 2 fails', !(await store.txn([ifVersion(key, '<', 2)], [])).succeeded],
          ['version = 1 fails', !(await store.txn([ifVersion(key, '=', 1)], [])).succeeded],
          [
            'create = first',
            (await store.txn([ifCreateRevision(key, '=', revision)], [])).succeeded,
          ],
          ['mod > first', (await store.txn([ifModRevision(key, '>', revision)], [])).succeeded],
          ['absent version = 0', (await store.txn([ifAbsent(absent)], [])).succeeded],
          ['absent mod = 0', (await store.txn([ifModRevision(absent, '=', 0)], [])).succeeded],
          ['value = m', await holds([key, '=', 'm'])],
          ['value > l', await holds([key, '>', 'l'])],
          ['value < n', await holds([key, '<', 'n'])],
          ['value != x', await holds([key, '!=', 'x'])],
          ['value = n fails', !(await holds([key, '=', 'n']))],
          ['value < m fails', !(await holds([key, '<', 'm']))],
          ['value > m fails', !(await holds([key, '>', 'm']))],
          ['value != m fails', !(await holds([key, '!=', 'm']))],
          ['absent value != x fails', !(await holds([absent, '!=', 'x']))],
          [
            'all compares must hold',
            !(await store.txn([ifAbsent(key), ifAbsent(absent)], [])).succeeded,
          ],
        ];
        for (const [label, ok] of cases) assert.ok(ok, label);
      }),
    );

    it(
      'refuses a txn that puts one key twice or puts a key it deletes',
      withFixture(async ({ store }, prefix) => {
        const key = `${prefix}k`;
        await rejectsWith(
          store.txn([], [putOp(key, '1'), putOp(key, '2')]),
          'GREGOR_ERR_METADATA_INVALID_REQUEST',
        );
        await rejectsWith(
          store.txn([], [deleteOp(key), putOp(key, '2')]),
          'GREGOR_ERR_METADATA_INVALID_REQUEST',
        );
        assert.equal(await store.get(key), null);
      }),
    );
  });
}

function describeConcurrency(withFixture: WithFixture): void {
  describe('concurrent writers', () => {
    it(
      'of concurrent create-if-absent txns from separate clients exactly one wins',
      withFixture(async (fixture, prefix) => {
        const key = `${prefix}controller`;
        const clients = await Promise.all([0, 1, 2, 3, 4, 5].map(() => fixture.connect()));
        const results = await Promise.all(
          clients.map((client, index) =>
            client.txn([ifAbsent(key)], [putOp(key, `{"brokerId":${index}}`)], [getOp(key)]),
          ),
        );
        const winners = results.flatMap((result, index) => (result.succeeded ? [index] : []));
        assert.equal(winners.length, 1, `winners: ${winners.join(',')}`);
        const kv = await fixture.store.get(key);
        assert.equal(kv?.value, `{"brokerId":${winners[0]}}`);
        assert.equal(kv?.version, 1);
        for (const result of results.filter((r) => !r.succeeded)) {
          const seen = result.results[0];
          assert.equal(seen?.type === 'get' ? seen.kv?.value : undefined, kv?.value);
        }
      }),
    );

    it(
      'a CAS-incremented counter loses no increment under concurrent writers',
      withFixture(async (fixture, prefix) => {
        const key = `${prefix}controller_epoch`;
        const clients = await Promise.all([0, 1, 2].map(() => fixture.connect()));
        const claimed: number[] = [];
        const increment = async (client: MetaStore): Promise<void> => {
          for (;;) {
            const kv = await client.get(key);
            const next = kv === null ? 1 : Number(kv.value) + 1;
            const guard = kv === null ? ifAbsent(key) : ifModRevision(key, '=', kv.modRevision);
            const result = await client.txn([guard], [putOp(key, String(next))]);
            if (result.succeeded) {
              claimed.push(next);
              return;
            }
          }
        };
        await Promise.all(
          clients.map(async (client) => {
            for (let i = 0; i < 4; i++) await increment(client);
          }),
        );
        assert.deepEqual(
          claimed.sort((a, b) => a - b),
          Array.from({ length: 12 }, (_, i) => i + 1),
        );
        assert.equal((await fixture.store.get(key))?.value, '12');
      }),
    );
  });
}

function describeRanges(withFixture: WithFixture): void {
  describe('prefix ranges', () => {
    it(
      'returns exactly the keys with the prefix, in UTF-8 byte order',
      withFixture(async ({ store }, prefix) => {
        // U+1F600 sorts after U+FFFD in UTF-8 but before it in UTF-16.
        const names = ['b', 'a/2', '\u{1F600}', 'a', '\uFFFD', 'a/10', 'B', 'a/1'];
        for (const name of names) await store.put(`${prefix}t/${name}`, name);
        await store.put(`${prefix}t`, 'outside');
        await store.put(`${prefix}t0`, 'outside');
        const { kvs, revision } = await store.range(`${prefix}t/`);
        assert.deepEqual(
          kvs.map((kv) => kv.value),
          ['B', 'a', 'a/1', 'a/10', 'a/2', 'b', '\uFFFD', '\u{1F600}'],
        );
        assert.equal(revision, await store.revision());
        assert.deepEqual((await store.range(`${prefix}nothing/`)).kvs, []);
      }),
    );

    it(
      'deletePrefix deletes only the prefixed keys, all at one revision',
      withFixture(async ({ store }, prefix) => {
        await store.put(`${prefix}topics/orders`, '{}');
        await store.put(`${prefix}topics/orders/partitions/0`, '{}');
        await store.put(`${prefix}topics/orders/partitions/1`, '{}');
        await store.put(`${prefix}topics/orders2`, '{}');
        const before = await store.revision();
        const result = await store.deletePrefix(`${prefix}topics/orders/`);
        assert.equal(result.deleted, 2);
        assert.equal(result.revision, before + 1);
        const left = await store.range(`${prefix}topics/`);
        assert.deepEqual(
          left.kvs.map((kv) => kv.key),
          [`${prefix}topics/orders`, `${prefix}topics/orders2`],
        );
      }),
    );
  });
}

function describeLeases(withFixture: WithFixture): void {
  describe('leases', () => {
    it(
      'keeps a leased key while the lease is kept alive',
      withFixture(async (fixture, prefix) => {
        const { store, leaseTtlMs } = fixture;
        const lease = await store.grantLease(leaseTtlMs);
        assert.ok(lease.ttlMs >= leaseTtlMs);
        const key = `${prefix}brokers/1`;
        await store.put(key, '{"host":"a"}', { lease: lease.id });
        assert.equal((await store.get(key))?.lease, lease.id);
        await fixture.elapse(lease.ttlMs * 2.5);
        assert.equal(lease.isAlive(), true);
        assert.equal((await store.get(key))?.value, '{"host":"a"}');
        await lease.revoke();
      }),
    );

    it(
      'a released lease runs out: its keys are deleted, other keys stay, lost says expired',
      withFixture(async (fixture, prefix) => {
        const { store, leaseTtlMs } = fixture;
        const lease = await store.grantLease(leaseTtlMs);
        await store.put(`${prefix}brokers/1`, '{}', { lease: lease.id });
        await store.put(`${prefix}brokers/2`, '{}', { lease: lease.id });
        await store.put(`${prefix}topics/t`, '{}');
        const from = await store.revision();
        const watched = await collect(store, `${prefix}brokers/`, from);
        lease.release();
        await fixture.elapse(lease.ttlMs);
        const gone = await waitFor(
          async () => (await store.range(`${prefix}brokers/`)).kvs.length === 0,
          fixture.settleMs,
        );
        assert.ok(gone, 'leased keys deleted after the TTL');
        assert.equal((await store.get(`${prefix}topics/t`))?.value, '{}');
        const loss = await within(lease.lost, fixture.settleMs + 1000, 'lease.lost');
        assert.equal(loss.reason, 'expired');
        assert.equal(lease.isAlive(), false);
        await watched.waitForCount(2);
        assert.deepEqual(watched.events.map(summary), [
          `delete ${prefix}brokers/1`,
          `delete ${prefix}brokers/2`,
        ]);
        assert.equal(watched.events[0]?.revision, watched.events[1]?.revision);
        await watched.watch.close();
      }),
    );

    it(
      'revoke deletes the keys at once, settles lost as revoked, and the lease cannot be reused',
      withFixture(async ({ store, leaseTtlMs }, prefix) => {
        const lease = await store.grantLease(leaseTtlMs);
        const key = `${prefix}controller`;
        await store.put(key, '{"brokerId":1}', { lease: lease.id });
        await lease.revoke();
        assert.deepEqual(await within(lease.lost, 1000, 'lease.lost'), { reason: 'revoked' });
        assert.equal(await store.get(key), null);
        await rejectsWith(
          store.put(key, '{}', { lease: lease.id }),
          'GREGOR_ERR_METADATA_LEASE_NOT_FOUND',
        );
        await lease.revoke();
      }),
    );

    it(
      'a put without the lease detaches the key from it',
      withFixture(async ({ store, leaseTtlMs }, prefix) => {
        const lease = await store.grantLease(leaseTtlMs);
        const key = `${prefix}k`;
        await store.put(key, 'leased', { lease: lease.id });
        await store.put(key, 'persistent');
        assert.equal((await store.get(key))?.lease, null);
        await lease.revoke();
        assert.equal((await store.get(key))?.value, 'persistent');
      }),
    );

    it(
      'refuses a TTL that is not a positive integer',
      withFixture(async ({ store }) => {
        await rejectsWith(store.grantLease(0), 'GREGOR_ERR_METADATA_INVALID_REQUEST');
        await rejectsWith(store.grantLease(1.5), 'GREGOR_ERR_METADATA_INVALID_REQUEST');
      }),
    );
  });
}

function describeWatches(withFixture: WithFixture): void {
  describe('watches', () => {
    it(
      'from a revision, delivers exactly the later changes under the prefix, in order',
      withFixture(async ({ store }, prefix) => {
        const watched = `${prefix}w/`;
        await store.put(`${watched}a`, '1');
        await store.put(`${watched}b`, '1');
        const from = (await store.put(`${prefix}other`, '1')).revision;
        const c = await store.put(`${watched}c`, '1');
        await store.put(`${prefix}other`, '2');
        const deleteA = await store.delete(`${watched}a`);
        const both = await store.txn([], [putOp(`${watched}b`, '2'), putOp(`${watched}d`, '1')]);
        const collector = await collect(store, watched, from);
        await collector.waitForCount(4);
        assert.deepEqual(collector.events.map(summary), [
          `put ${watched}c=1 v1`,
          `delete ${watched}a`,
          `put ${watched}b=2 v2`,
          `put ${watched}d=1 v1`,
        ]);
        assert.deepEqual(
          collector.events.map((event) => event.revision),
          [c.revision, deleteA.revision, both.revision, both.revision],
        );
        const live = await store.put(`${watched}e`, '1');
        await collector.waitForCount(5);
        assert.equal(collector.events[4]?.revision, live.revision);
        await delay(50);
        assert.equal(collector.events.length, 5, 'no duplicates');
        const lastProgress = collector.progress[collector.progress.length - 1];
        assert.ok(lastProgress !== undefined && lastProgress >= live.revision);
        await collector.watch.close();
      }),
    );

    it(
      'started while writes go on, delivers each write once, with no gap',
      withFixture(async ({ store }, prefix) => {
        const from = await store.revision();
        const writes = 30;
        let watchPromise: Promise<Collector> | null = null;
        for (let i = 0; i < writes; i++) {
          await store.put(`${prefix}k${String(i).padStart(2, '0')}`, String(i));
          if (i === 10) watchPromise = collect(store, prefix, from);
        }
        assert.ok(watchPromise !== null);
        const collector = await watchPromise;
        await collector.waitForCount(writes);
        await delay(50);
        assert.equal(collector.events.length, writes);
        const values = collector.events.map((event) =>
          event.type === 'put' ? event.kv.value : '',
        );
        assert.deepEqual(
          values,
          Array.from({ length: writes }, (_, i) => String(i)),
        );
        const revisions = collector.events.map((event) => event.revision);
        for (let i = 1; i < revisions.length; i++) {
          assert.ok(revisions[i]! > revisions[i - 1]!, 'revisions strictly increase');
        }
        await collector.watch.close();
      }),
    );

    it(
      'delivers nothing after close',
      withFixture(async ({ store }, prefix) => {
        const collector = await collect(store, prefix, await store.revision());
        await store.put(`${prefix}a`, '1');
        await collector.waitForCount(1);
        await collector.watch.close();
        await store.put(`${prefix}b`, '1');
        await delay(100);
        assert.equal(collector.events.length, 1);
      }),
    );
  });
}
