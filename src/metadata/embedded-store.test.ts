// Tests of EmbeddedMetaStore: the shared contract (in memory and on a file), then what
// only the embedded backend promises: persistence across reopen (leased keys gone), writes
// acknowledged only once on disk, batched snapshot writes, failed writes retried (a full
// disk) with the last good snapshot intact,
// lease expiry exactly at the TTL on a manual clock, and compaction of watch history.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writeFileAtomic } from './embedded-snapshot.ts';
import { type EmbeddedClock, EmbeddedMetaStore } from './embedded-store.ts';
import { type MetaStoreFixture, runMetaStoreContract } from './meta-store.contract.ts';
import { isMetaStoreError, type MetaStoreError, type WatchEvent } from './meta-store.ts';

/** A clock that moves only when told to, firing due timers in time order. */
class ManualClock implements EmbeddedClock {
  private nowMs = 0;
  private nextId = 0;
  private readonly timers = new Map<number, { dueMs: number; onTimer: () => void }>();

  now(): number {
    return this.nowMs;
  }

  setTimer(delayMs: number, onTimer: () => void): () => void {
    const id = this.nextId++;
    this.timers.set(id, { dueMs: this.nowMs + delayMs, onTimer });
    return () => this.timers.delete(id);
  }

  async advance(ms: number): Promise<void> {
    const targetMs = this.nowMs + ms;
    for (;;) {
      const due = [...this.timers.entries()]
        .filter(([, timer]) => timer.dueMs <= targetMs)
        .sort((a, b) => a[1].dueMs - b[1].dueMs || a[0] - b[0])[0];
      if (due === undefined) break;
      const [id, timer] = due;
      this.timers.delete(id);
      this.nowMs = timer.dueMs;
      timer.onTimer();
      await settle();
    }
    this.nowMs = targetMs;
    await settle();
  }
}

/** Lets promise chains and immediate callbacks run (in-memory writes finish this way). */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

let scratch = '';
before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'gregor-embedded-'));
});
after(async () => {
  await rm(scratch, { recursive: true, force: true });
});

let fileCount = 0;
function freshPath(): string {
  fileCount += 1;
  return join(scratch, `store-${fileCount}`, 'metadata.json');
}

function fixtureOf(store: EmbeddedMetaStore, clock: ManualClock): MetaStoreFixture {
  return {
    store,
    connect: async () => store,
    elapse: (ms) => clock.advance(ms),
    leaseTtlMs: 3000,
    settleMs: 0,
    close: () => store.close(),
  };
}

runMetaStoreContract('embedded, in memory', async () => {
  const clock = new ManualClock();
  return fixtureOf(EmbeddedMetaStore.inMemory({ clock }), clock);
});

runMetaStoreContract('embedded, on a file', async () => {
  const clock = new ManualClock();
  return fixtureOf(await EmbeddedMetaStore.open({ path: freshPath(), clock }), clock);
});

describe('EmbeddedMetaStore persistence', () => {
  it('keeps persistent keys, revisions and versions across reopen, drops leased keys', async () => {
    const path = freshPath();
    const first = await EmbeddedMetaStore.open({ path });
    await first.put('/t/topic', '{"id":1}');
    const second = await first.put('/t/topic', '{"id":2}');
    const lease = await first.grantLease(10_000);
    await first.put('/t/broker', '{}', { lease: lease.id });
    await first.put('/t/leased-then-persistent', 'a', { lease: lease.id });
    await first.put('/t/leased-then-persistent', 'b');
    const revisionBefore = await first.revision();
    const kvBefore = await first.get('/t/topic');
    await first.close();
    assert.deepEqual(await lease.lost, { reason: 'closed' });

    const reopened = await EmbeddedMetaStore.open({ path });
    assert.deepEqual(await reopened.get('/t/topic'), kvBefore);
    assert.equal(kvBefore?.modRevision, second.revision);
    assert.equal(await reopened.get('/t/broker'), null);
    assert.equal((await reopened.get('/t/leased-then-persistent'))?.value, 'b');
    assert.equal(await reopened.revision(), revisionBefore);
    const next = await reopened.put('/t/topic', '{"id":3}');
    assert.equal(next.revision, revisionBefore + 1);
    assert.equal((await reopened.get('/t/topic'))?.version, 3);
    await reopened.close();
  });

  it('acknowledges a write and tells watchers only once the snapshot is written', async () => {
    let releaseWrite: () => void = () => {};
    const writes: string[] = [];
    const store = await EmbeddedMetaStore.open({
      path: freshPath(),
      writeFile: async (path, data) => {
        writes.push(data);
        await new Promise<void>((resolve) => {
          releaseWrite = resolve;
        });
        await writeFileAtomic(path, data);
      },
    });
    const events: WatchEvent[] = [];
    await store.watch('/', 0, { onEvents: (batch) => events.push(...batch), onError: () => {} });
    let acknowledged = false;
    const put = store.put('/k', 'v').then(() => {
      acknowledged = true;
    });
    await settle();
    assert.equal(writes.length, 1, 'the snapshot write has started');
    assert.equal(acknowledged, false);
    assert.equal(events.length, 0);
    releaseWrite();
    await put;
    assert.equal(events.length, 1);
    await store.close();
  });

  it('batches a burst of writes into few snapshot writes, losing none', async () => {
    const path = freshPath();
    let writeCount = 0;
    const store = await EmbeddedMetaStore.open({
      path,
      writeFile: async (target, data) => {
        writeCount += 1;
        await writeFileAtomic(target, data);
      },
    });
    await Promise.all(Array.from({ length: 50 }, (_, i) => store.put(`/burst/${i}`, String(i))));
    assert.ok(writeCount <= 3, `50 concurrent puts took ${writeCount} snapshot writes`);
    await store.close();
    const reopened = await EmbeddedMetaStore.open({ path });
    assert.equal((await reopened.range('/burst/')).kvs.length, 50);
    await reopened.close();
  });

  /**
   * A snapshot writer whose disk is full while `full` is set: it writes part of the
   * temporary file, as a real ENOSPC part way would, then fails.
   */
  function fullDiskWriter(state: { full: boolean; attempts: number }) {
    return async (target: string, data: string): Promise<void> => {
      state.attempts += 1;
      if (state.full) {
        await writeFile(`${target}.tmp`, data.slice(0, data.length >> 1));
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), {
          code: 'ENOSPC',
        });
      }
      await writeFileAtomic(target, data);
    };
  }

  it('keeps the last good snapshot when a write fails, and retries it until the change is saved', async () => {
    const path = freshPath();
    const disk = { full: false, attempts: 0 };
    const reports: string[] = [];
    const store = await EmbeddedMetaStore.open({
      path,
      writeFile: fullDiskWriter(disk),
      persistListener: {
        onWriteFailed: (error, retryInMs) =>
          reports.push(`failed ${(error as NodeJS.ErrnoException).code} ${retryInMs}`),
        onWriteRecovered: () => reports.push('recovered'),
      },
    });
    await store.put('/ok', '1');
    const goodSnapshot = await readFile(path, 'utf8');
    const lease = await store.grantLease(5000);
    const events: WatchEvent[] = [];
    const errors: MetaStoreError[] = [];
    await store.watch('/', await store.revision(), {
      onEvents: (batch) => events.push(...batch),
      onError: (error) => errors.push(error),
    });
    disk.full = true;
    // The writer learns at once that its change is not saved (outcome unknown, as with etcd).
    await assert.rejects(store.put('/waits', '2'), (error: unknown) =>
      isMetaStoreError(error, 'GREGOR_ERR_METADATA_UNAVAILABLE'),
    );
    while (disk.attempts < 4) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(events.length, 0, 'watchers hear only of saved changes');
    assert.equal(await readFile(path, 'utf8'), goodSnapshot, 'the last good snapshot is intact');
    assert.equal((await store.get('/waits'))?.value, '2', 'the change stays applied');
    assert.equal(store.persistFailing, true);
    disk.full = false;
    while (events.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(store.persistFailing, false);
    assert.deepEqual(
      events.map((event) => event.key),
      ['/waits'],
    );
    assert.deepEqual(errors, []);
    assert.equal(lease.isAlive(), true, 'leases survive a failed write');
    assert.match(reports[0] ?? '', /^failed ENOSPC 50$/);
    assert.match(reports[1] ?? '', /^failed ENOSPC 100$/);
    assert.equal(reports.at(-1), 'recovered');
    await store.put('/after', '3');
    await store.close();
    const reopened = await EmbeddedMetaStore.open({ path });
    assert.equal((await reopened.get('/waits'))?.value, '2', 'saved by a retry');
    assert.equal((await reopened.get('/after'))?.value, '3');
    await reopened.close();
  });

  it('fails a write whose snapshot write hangs past persistTimeoutMs with TIMEOUT', async () => {
    const clock = new ManualClock();
    let release: () => void = () => {};
    let hang = false;
    const store = await EmbeddedMetaStore.open({
      path: freshPath(),
      clock,
      persistTimeoutMs: 1000,
      writeFile: async (target, data) => {
        if (hang)
          await new Promise<void>((resolve) => {
            release = resolve;
          });
        await writeFileAtomic(target, data);
      },
    });
    await store.put('/a', '1');
    hang = true;
    const put = store.put('/a', '2');
    put.catch(() => {});
    await clock.advance(1000);
    await assert.rejects(put, (error: unknown) =>
      isMetaStoreError(error, 'GREGOR_ERR_METADATA_TIMEOUT'),
    );
    hang = false;
    release();
    await store.close();
  });

  it('gives up at close on a disk still full: the old snapshot stays', async () => {
    const path = freshPath();
    const disk = { full: false, attempts: 0 };
    const store = await EmbeddedMetaStore.open({ path, writeFile: fullDiskWriter(disk) });
    await store.put('/a', '1');
    disk.full = true;
    await assert.rejects(store.put('/a', '2'), (error: unknown) =>
      isMetaStoreError(error, 'GREGOR_ERR_METADATA_UNAVAILABLE'),
    );
    const attempts = disk.attempts;
    await store.close();
    assert.equal(disk.attempts, attempts + 1, 'one last attempt at close, no more retries');
    const reopened = await EmbeddedMetaStore.open({ path });
    assert.equal((await reopened.get('/a'))?.value, '1');
    await reopened.close();
  });

  it('refuses to open a corrupt file rather than starting empty', async () => {
    const path = freshPath();
    const store = await EmbeddedMetaStore.open({ path });
    await store.put('/k', 'v');
    await store.close();
    const text = await readFile(path, 'utf8');
    await writeFile(path, text.slice(0, text.length - 5));
    await assert.rejects(EmbeddedMetaStore.open({ path }), (error: unknown) =>
      isMetaStoreError(error, 'GREGOR_ERR_METADATA_CORRUPT'),
    );
    await writeFile(
      path,
      JSON.stringify({
        formatVersion: 1,
        revision: 2,
        kvs: [{ key: '/k', value: 'v', createRevision: 5, modRevision: 5, version: 1 }],
      }),
    );
    await assert.rejects(EmbeddedMetaStore.open({ path }), (error: unknown) =>
      isMetaStoreError(error, 'GREGOR_ERR_METADATA_CORRUPT'),
    );
  });

  it('ignores a temporary file left by a crash during a snapshot write', async () => {
    const path = freshPath();
    const store = await EmbeddedMetaStore.open({ path });
    await store.put('/k', 'v');
    await store.close();
    await writeFile(`${path}.tmp`, '{"torn');
    const reopened = await EmbeddedMetaStore.open({ path });
    assert.equal((await reopened.get('/k'))?.value, 'v');
    await reopened.close();
  });
});

describe('EmbeddedMetaStore leases on a manual clock', () => {
  it('expires a released lease exactly at its TTL, not before', async () => {
    const clock = new ManualClock();
    const store = EmbeddedMetaStore.inMemory({ clock });
    const lease = await store.grantLease(1000);
    await store.put('/b/1', '{}', { lease: lease.id });
    await clock.advance(5000);
    assert.equal(lease.isAlive(), true, 'a lease kept alive does not expire');
    lease.release();
    await clock.advance(999);
    assert.notEqual(await store.get('/b/1'), null);
    assert.equal(lease.isAlive(), true);
    await clock.advance(1);
    assert.equal(await store.get('/b/1'), null);
    assert.equal((await lease.lost).reason, 'expired');
    await store.close();
  });

  it('ends every lease as closed when the store closes, and refuses calls after', async () => {
    const store = EmbeddedMetaStore.inMemory({ clock: new ManualClock() });
    const lease = await store.grantLease(1000);
    await store.close();
    assert.deepEqual(await lease.lost, { reason: 'closed' });
    await assert.rejects(store.get('/k'), (error: unknown) =>
      isMetaStoreError(error, 'GREGOR_ERR_METADATA_CLOSED'),
    );
  });
});

describe('EmbeddedMetaStore watch history', () => {
  async function watchError(store: EmbeddedMetaStore, fromRevision: number): Promise<string> {
    return new Promise((resolve) => {
      void store.watch('/', fromRevision, {
        onEvents: () => resolve('events'),
        onError: (error) => resolve(error.code),
      });
    });
  }

  it('reports a watch from before the last reopen as compacted', async () => {
    const path = freshPath();
    const store = await EmbeddedMetaStore.open({ path });
    await store.put('/a', '1');
    const old = await store.revision();
    await store.put('/a', '2');
    await store.close();
    const reopened = await EmbeddedMetaStore.open({ path });
    assert.equal(await watchError(reopened, old), 'GREGOR_ERR_METADATA_COMPACTED');
    // From the reopened revision on, nothing is missing.
    const from = await reopened.revision();
    await reopened.put('/a', '3');
    assert.equal(await watchError(reopened, from), 'events');
    await reopened.close();
  });

  it('keeps historyRevisionsMax revisions for watches and compacts older ones', async () => {
    const store = EmbeddedMetaStore.inMemory({ historyRevisionsMax: 3 });
    const start = await store.revision();
    for (let i = 0; i < 6; i++) await store.put('/a', String(i));
    const now = await store.revision();
    assert.equal(await watchError(store, start), 'GREGOR_ERR_METADATA_COMPACTED');
    const events: WatchEvent[] = [];
    await new Promise<void>((resolve) => {
      void store.watch('/', now - 3, {
        onEvents: (batch) => {
          events.push(...batch);
          resolve();
        },
        onError: () => resolve(),
      });
    });
    assert.deepEqual(
      events.map((event) => event.revision),
      [now - 2, now - 1, now],
    );
    await store.close();
  });
});
