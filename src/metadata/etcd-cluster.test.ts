// EtcdMetaStore against a three-member etcd cluster (Debian etcd-server, started by the
// harness): the shared contract with every client given all three endpoints, then the loss
// of one member by kill -9 (the leader, the hardest case): after a short pause for the
// election, puts, transactions, lease keepalives and a watch go on with no gap, and the
// killed member rejoins. Without /usr/bin/etcd this file fails, naming the package.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, afterEach, before, describe, it } from 'node:test';
import { Etcd3 } from 'etcd3';
import {
  type EtcdCluster,
  type EtcdMember,
  etcdBinaryPath,
  startEtcdCluster,
} from '../../test/harness/etcd.ts';
import { EtcdMetaStore } from './etcd-store.ts';
import { type MetaStoreFixture, runMetaStoreContract } from './meta-store.contract.ts';
import { ifValue, putOp, type WatchEvent } from './meta-store.ts';

let cluster: EtcdCluster | null = null;

function endpoints(): string[] {
  assert.ok(cluster !== null, 'etcd cluster was not started');
  return [...cluster.endpoints];
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

it('has the etcd binary of the Debian package etcd-server', () => {
  assert.ok(
    existsSync(etcdBinaryPath),
    `${etcdBinaryPath} missing: apt-get install -y etcd-server`,
  );
});

before(async () => {
  cluster = await startEtcdCluster({ members: 3 });
});

after(async () => {
  await cluster?.stop();
});

runMetaStoreContract('etcd, three members', async (): Promise<MetaStoreFixture> => {
  const clients: EtcdMetaStore[] = [];
  const connect = async (): Promise<EtcdMetaStore> => {
    const client = await EtcdMetaStore.connect({ endpoints: endpoints(), requestTimeoutMs: 3000 });
    clients.push(client);
    return client;
  };
  const store = await connect();
  return {
    store,
    connect,
    elapse: delay,
    leaseTtlMs: 1000,
    // The leader checks for expired leases every 500 ms; followers learn of it by raft.
    settleMs: 3000,
    close: async () => {
      await Promise.all(clients.map((client) => client.close()));
    },
  };
});

/** The member raft currently follows, asked of each running member until one answers. */
async function leaderOf(members: readonly EtcdMember[]): Promise<EtcdMember> {
  for (let attempt = 0; attempt < 50; attempt++) {
    for (const member of members.filter((m) => m.isRunning())) {
      const client = new Etcd3({ hosts: member.endpoint });
      try {
        const status = await client.maintenance.status();
        if (status.leader === status.header.member_id) return member;
      } catch {
        // This member cannot answer now; ask another.
      } finally {
        client.close();
      }
    }
    await delay(100);
  }
  throw new Error('no etcd member reports itself leader');
}

/** Retries `operation` until it succeeds; returns how long that took. */
async function firstSuccessMs(
  operation: () => Promise<unknown>,
  timeoutMs: number,
): Promise<number> {
  const started = Date.now();
  let lastError: unknown = null;
  while (Date.now() - started < timeoutMs) {
    try {
      await operation();
      return Date.now() - started;
    } catch (error) {
      lastError = error;
      await delay(50);
    }
  }
  throw new Error(`no success within ${timeoutMs} ms: ${String(lastError)}`);
}

describe('EtcdMetaStore with one of three members lost', { timeout: 90_000 }, () => {
  const opened: EtcdMetaStore[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((store) => store.close()));
    // Every member back for the next test.
    await Promise.all(
      (cluster?.members ?? []).filter((m) => !m.isRunning()).map((m) => m.restart()),
    );
  });

  it('keeps puts, transactions, leases and a watch working after a kill -9 of the leader', async () => {
    const store = await EtcdMetaStore.connect({ endpoints: endpoints(), requestTimeoutMs: 2000 });
    opened.push(store);
    const prefix = `/failover/${Date.now()}/`;
    const events: WatchEvent[] = [];
    const watchErrors: string[] = [];
    await store.watch(prefix, await store.revision(), {
      onEvents: (batch) => events.push(...batch),
      onError: (error) => watchErrors.push(error.message),
    });
    const lease = await store.grantLease(3000);
    await store.put(`${prefix}owner`, 'broker-1', { lease: lease.id });
    for (let i = 0; i < 5; i++) await store.put(`${prefix}before-${i}`, String(i));

    const leader = await leaderOf(cluster?.members ?? []);
    await leader.kill9();
    const pauseMs = await firstSuccessMs(() => store.put(`${prefix}after-0`, '0'), 10_000);
    assert.ok(pauseMs < 5000, `writes resumed ${pauseMs} ms after the leader was killed`);

    // After the pause, every request succeeds the first time: none is sent to the dead member.
    for (let i = 1; i < 30; i++) {
      await store.put(`${prefix}after-${i}`, String(i));
      const cas = await store.txn(
        [ifValue(`${prefix}after-${i}`, '=', String(i))],
        [putOp(`${prefix}cas-${i}`, 'ok')],
      );
      assert.equal(cas.succeeded, true);
      assert.equal((await store.get(`${prefix}cas-${i}`))?.value, 'ok');
    }
    // Longer than the lease TTL since the kill: keepalives went to the living members.
    await delay(3500);
    assert.equal(lease.isAlive(), true, 'the lease survived the loss of a member');
    assert.equal((await store.get(`${prefix}owner`))?.value, 'broker-1');

    const expected = [
      ...Array.from({ length: 5 }, (_, i) => `${prefix}before-${i}`),
      `${prefix}owner`,
      ...Array.from({ length: 30 }, (_, i) => `${prefix}after-${i}`),
      ...Array.from({ length: 29 }, (_, i) => `${prefix}cas-${i + 1}`),
    ].sort();
    for (let i = 0; i < 100 && events.length < expected.length; i++) await delay(50);
    assert.deepEqual(watchErrors, []);
    const seen = events.map((event) => event.key);
    assert.equal(new Set(seen).size, seen.length, 'no event delivered twice');
    assert.deepEqual([...seen].sort(), expected);
    await lease.revoke();
  });

  it('lets a killed member rejoin and serve the writes it missed', async () => {
    const members = cluster?.members ?? [];
    const store = await EtcdMetaStore.connect({ endpoints: endpoints(), requestTimeoutMs: 2000 });
    opened.push(store);
    const victim = members[2];
    assert.ok(victim !== undefined);
    await victim.kill9();
    const key = `/rejoin/${Date.now()}`;
    await firstSuccessMs(() => store.put(key, 'written-while-down'), 10_000);
    await victim.restart();
    const alone = await EtcdMetaStore.connect({ endpoints: [victim.endpoint] });
    opened.push(alone);
    assert.equal((await alone.get(key))?.value, 'written-while-down');
  });
});
