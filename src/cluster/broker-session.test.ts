// Tests of BrokerSession's registration when a store write's outcome is unknown:
// a registration that took effect although its answer was lost must not keep the
// broker's key under a lease the session never adopted (simulator seed 495).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EmbeddedMetaStore } from '../metadata/embedded-store.ts';
import { KeyLayout } from '../metadata/key-layout.ts';
import {
  type Compare,
  type Lease,
  type MetaStore,
  MetaStoreError,
  type Op,
  type TxnResult,
} from '../metadata/meta-store.ts';
import { silentLogger } from '../util/logger.ts';
import { BrokerSession } from './broker-session.ts';

/** The embedded store, but a chosen txn takes effect and then reports no answer, as a timed-out etcd call can. */
class LostAnswerStore implements MetaStore {
  loseNextTxnAnswer = false;
  readonly granted: Lease[] = [];

  constructor(private readonly inner: EmbeddedMetaStore) {}

  get(key: string) {
    return this.inner.get(key);
  }
  range(prefix: string) {
    return this.inner.range(prefix);
  }
  put(key: string, value: string, options?: { lease?: Lease['id'] }) {
    return this.inner.put(key, value, options);
  }
  delete(key: string) {
    return this.inner.delete(key);
  }
  deletePrefix(prefix: string) {
    return this.inner.deletePrefix(prefix);
  }
  async txn(compares: readonly Compare[], success: readonly Op[], failure?: readonly Op[]) {
    const r: TxnResult = await this.inner.txn(compares, success, failure);
    if (this.loseNextTxnAnswer) {
      this.loseNextTxnAnswer = false;
      throw new MetaStoreError('GREGOR_ERR_METADATA_UNAVAILABLE', 'txn: no answer (test)');
    }
    return r;
  }
  async grantLease(ttlMs: number) {
    const lease = await this.inner.grantLease(ttlMs);
    this.granted.push(lease);
    return lease;
  }
  watch(...args: Parameters<MetaStore['watch']>) {
    return this.inner.watch(...args);
  }
  revision() {
    return this.inner.revision();
  }
  close() {
    return this.inner.close();
  }
}

const keys = new KeyLayout('session-test');

function sessionOn(store: MetaStore, sleep: () => Promise<void>): BrokerSession {
  let incarnation = 0;
  return new BrokerSession({
    store,
    keys,
    nodeId: 2,
    listeners: [
      { name: 'PLAINTEXT', host: '127.0.0.1', port: 9092, securityProtocol: 'PLAINTEXT' },
    ],
    interBrokerListenerName: 'PLAINTEXT',
    rack: null,
    sessionTimeoutMs: 6000,
    logger: silentLogger(),
    sleep,
    newIncarnation: () => `incarnation-${++incarnation}`,
  });
}

describe('BrokerSession registering when the answer is lost', () => {
  it('re-registers after a lost session even when a registration that took effect went unanswered', async () => {
    const store = new LostAnswerStore(EmbeddedMetaStore.inMemory());
    let attempts = 0;
    const session = sessionOn(store, async () => {
      attempts += 1;
      await new Promise((r) => setImmediate(r));
    });
    try {
      const first = await session.start();
      let renewedLease: Lease | null = null;
      const renewed = new Promise<Lease>((resolve) =>
        session.onRenewed((l) => {
          renewedLease = l;
          resolve(l);
        }),
      );
      store.loseNextTxnAnswer = true;
      await first.revoke(); // the session is lost; it registers again

      const outcome = await Promise.race([
        renewed,
        (async (): Promise<null> => {
          while (attempts < 20 && renewedLease === null) {
            await new Promise((r) => setImmediate(r));
          }
          return null;
        })(),
      ]);
      assert.notEqual(outcome, null, `no new registration after ${attempts} attempts`);
      const lease = outcome as Lease;
      assert.equal(lease.isAlive(), true);
      const kv = await store.get(keys.broker(2));
      assert.ok(kv !== null);
      assert.equal(kv.lease, lease.id);
      assert.equal(JSON.parse(kv.value).incarnation, session.incarnation);
      // The lease whose registration went unanswered was let go, not kept alive.
      const unanswered = store.granted[1];
      assert.ok(unanswered !== undefined && unanswered.id !== lease.id);
      assert.equal(unanswered.isAlive(), false);
    } finally {
      await session.close();
    }
  });

  it('start() fails on an unanswered registration and the next start registers', async () => {
    const store = new LostAnswerStore(EmbeddedMetaStore.inMemory());
    let attempts = 0;
    const session = sessionOn(store, async () => {
      attempts += 1;
      await new Promise((r) => setImmediate(r));
      if (attempts > 20) throw new Error('still waiting for the key after 20 attempts');
    });
    try {
      store.loseNextTxnAnswer = true;
      await assert.rejects(session.start(), /no answer/);
      assert.equal(await store.get(keys.broker(2)), null);
      const lease = await session.start();
      const kv = await store.get(keys.broker(2));
      assert.equal(kv?.lease, lease.id);
      assert.equal(attempts, 0);
    } finally {
      await session.close();
    }
  });
});
