// Tests of EtcdMetaStore against a real etcd (Debian etcd-server, started by the harness):
// the shared contract, then what only a networked store shows: request deadlines while
// etcd is paused, a lease holder learning of its loss while etcd is unreachable, a watch
// resuming without gaps or duplicates across an etcd restart, and compaction reporting.
// Without /usr/bin/etcd this file fails, naming the package to install; it never skips.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, afterEach, before, describe, it } from 'node:test';
import { Etcd3 } from 'etcd3';
import { type EtcdProcess, etcdBinaryPath, startEtcd } from '../../test/harness/etcd.ts';
import { EtcdMetaStore } from './etcd-store.ts';
import { type MetaStoreFixture, runMetaStoreContract } from './meta-store.contract.ts';
import { isMetaStoreError, type WatchEvent } from './meta-store.ts';

// A short raft heartbeat lets this single member grant 1 s leases.
const etcdTiming = { heartbeatIntervalMs: 50, electionTimeoutMs: 500 };

let etcd: EtcdProcess | null = null;

function endpoint(): string {
  assert.ok(etcd !== null, 'etcd was not started');
  return etcd.endpoint;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// Counted as a failure (not only as cancelled tests) when etcd is missing.
it('has the etcd binary of the Debian package etcd-server', () => {
  assert.ok(
    existsSync(etcdBinaryPath),
    `${etcdBinaryPath} missing: apt-get install -y etcd-server`,
  );
});

before(async () => {
  etcd = await startEtcd(etcdTiming);
});

after(async () => {
  await etcd?.stop();
});

runMetaStoreContract('etcd', async (): Promise<MetaStoreFixture> => {
  const clients: EtcdMetaStore[] = [];
  const connect = async (): Promise<EtcdMetaStore> => {
    const client = await EtcdMetaStore.connect({ endpoints: [endpoint()], requestTimeoutMs: 3000 });
    clients.push(client);
    return client;
  };
  const store = await connect();
  return {
    store,
    connect,
    elapse: delay,
    leaseTtlMs: 1000,
    // etcd checks for expired leases every 500 ms, after the TTL it counts from receipt.
    settleMs: 3000,
    close: async () => {
      await Promise.all(clients.map((client) => client.close()));
    },
  };
});

describe('EtcdMetaStore faults', { timeout: 60_000 }, () => {
  // Closed after each test, also when it fails, so open gRPC channels never hang the run.
  const opened: EtcdMetaStore[] = [];
  const open = async (requestTimeoutMs = 3000): Promise<EtcdMetaStore> => {
    const store = await EtcdMetaStore.connect({ endpoints: [endpoint()], requestTimeoutMs });
    opened.push(store);
    return store;
  };
  afterEach(async () => {
    await etcd?.resume();
    await Promise.all(opened.splice(0).map((store) => store.close()));
  });

  it('fails fast with UNAVAILABLE when nothing listens at the endpoint', async () => {
    const started = Date.now();
    await assert.rejects(
      EtcdMetaStore.connect({ endpoints: ['http://127.0.0.1:1'], requestTimeoutMs: 2000 }),
      (error: unknown) =>
        isMetaStoreError(error, 'GREGOR_ERR_METADATA_UNAVAILABLE') ||
        isMetaStoreError(error, 'GREGOR_ERR_METADATA_TIMEOUT'),
    );
    assert.ok(Date.now() - started < 4000, 'bounded by the request timeout');
  });

  it('times out a request to a paused etcd within the request timeout', async () => {
    const store = await open(1000);
    await etcd?.pause();
    try {
      const started = Date.now();
      await assert.rejects(store.get('/paused/k'), (error: unknown) =>
        isMetaStoreError(error, 'GREGOR_ERR_METADATA_TIMEOUT'),
      );
      const elapsedMs = Date.now() - started;
      assert.ok(elapsedMs >= 900 && elapsedMs < 2500, `took ${elapsedMs} ms`);
    } finally {
      await etcd?.resume();
    }
  });

  it('tells a lease holder its lease is lost while etcd cannot be reached', async () => {
    const store = await open(500);
    const lease = await store.grantLease(1000);
    await store.put('/zombie/controller', '{"brokerId":1}', { lease: lease.id });
    await etcd?.pause();
    const pausedAt = Date.now();
    try {
      const loss = await Promise.race([lease.lost, delay(3000).then(() => null)]);
      assert.ok(loss !== null, 'lost settled while etcd was paused');
      assert.equal(loss.reason, 'expired');
      assert.ok(Date.now() - pausedAt <= 1500, 'within the TTL of the last keepalive');
    } finally {
      await etcd?.resume();
    }
    const observer = await open();
    const gone = async (): Promise<boolean> => (await observer.get('/zombie/controller')) === null;
    for (let i = 0; i < 60 && !(await gone()); i++) await delay(50);
    assert.ok(await gone(), 'etcd deletes the key once it expires the lease');
  });

  it('resumes a watch across an etcd restart with no gap and no duplicate', async () => {
    const writer = await open();
    const watcher = await open();
    const events: WatchEvent[] = [];
    const from = await writer.revision();
    const watch = await watcher.watch('/restart/', from, {
      onEvents: (batch) => events.push(...batch),
      onError: (error) => assert.fail(error),
    });
    for (let i = 0; i < 5; i++) await writer.put(`/restart/${i}`, String(i));
    await etcd?.kill9();
    await etcd?.restart();
    const afterRestart = await open();
    for (let i = 5; i < 10; i++) await afterRestart.put(`/restart/${i}`, String(i));
    for (let i = 0; i < 200 && events.length < 10; i++) await delay(50);
    await delay(200);
    assert.deepEqual(
      events.map((event) => event.key),
      Array.from({ length: 10 }, (_, i) => `/restart/${i}`),
    );
    await watch.close();
  });

  it('ends a watch from a compacted revision with COMPACTED', async () => {
    const store = await open();
    const old = (await store.put('/compact/k', '1')).revision;
    const latest = (await store.put('/compact/k', '2')).revision;
    const raw = new Etcd3({ hosts: endpoint() });
    try {
      await raw.kv.compact({ revision: latest, physical: true });
    } finally {
      raw.close();
    }
    const code = await new Promise<string>((resolve) => {
      void store.watch('/compact/', old - 1, {
        onEvents: () => resolve('events'),
        onError: (error) => resolve(error.code),
      });
    });
    assert.equal(code, 'GREGOR_ERR_METADATA_COMPACTED');
  });
});
