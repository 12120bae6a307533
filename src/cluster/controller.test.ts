// Controller fencing: a controller that was deposed while it could not see
// the store (its image is stale and still names it controller) decides on
// that stale image, but every write it attempts fails its compare-and-set on
// the controller epoch, so it cannot overwrite anything the new controller
// owns. Runs on the embedded store with two controllers, no sockets.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EmbeddedMetaStore } from '../metadata/embedded-store.ts';
import { KeyLayout } from '../metadata/key-layout.ts';
import { type MetaStore, MetaStoreError } from '../metadata/meta-store.ts';
import { silentLogger } from '../util/logger.ts';
import { Controller } from './controller.ts';
import { MetadataImage } from './metadata-image.ts';
import { MetadataLoader } from './metadata-loader.ts';

test('a deposed controller acting on a stale image cannot overwrite partition state', async () => {
  const store = EmbeddedMetaStore.inMemory();
  const keys = new KeyLayout('RmVuY2luZ1Rlc3RDbHVzdA');
  const logger = silentLogger();
  const brokerLease = await store.grantLease(60_000);
  for (const id of [1, 2]) {
    await store.put(
      keys.broker(id),
      JSON.stringify({ nodeId: id, host: '127.0.0.1', port: 9000 + id, rack: null }),
      { lease: brokerLease.id },
    );
  }
  await store.put(
    keys.topic('t'),
    JSON.stringify({ topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', internal: false, replicas: [[1, 2]] }),
  );
  await store.put(
    keys.partition('t', 0),
    JSON.stringify({ leader: 1, leaderEpoch: 0, isr: [1, 2], partitionEpoch: 0 }),
  );

  // Controller A (broker 1) is elected at epoch 1.
  const imageA = new MetadataImage('c');
  const loaderA = new MetadataLoader(store, keys, imageA, logger);
  await loaderA.start();
  const leaseA = await store.grantLease(60_000);
  const a = new Controller({
    store,
    keys,
    image: imageA,
    nodeId: 1,
    logger,
    leadership: { uncleanLeaderElection: false },
    waitForRevision: (r) => loaderA.waitForRevision(r),
  });
  await a.start(leaseA);
  assert.equal(a.isActive(), true);
  assert.equal(a.epoch, 1);

  // A loses sight of the store: its image stops moving.
  await loaderA.stop();
  // A's lease runs out (its controller key goes) and B is elected at epoch 2.
  await leaseA.revoke();
  const imageB = new MetadataImage('c');
  const loaderB = new MetadataLoader(store, keys, imageB, logger);
  await loaderB.start();
  const leaseB = await store.grantLease(60_000);
  const b = new Controller({
    store,
    keys,
    image: imageB,
    nodeId: 2,
    logger,
    leadership: { uncleanLeaderElection: false },
    waitForRevision: (r) => loaderB.waitForRevision(r),
  });
  await b.start(leaseB);
  assert.equal(b.epoch, 2);
  const before = await store.get(keys.partition('t', 0));

  // On its stale image A still believes it is controller, and that broker 2
  // died: it decides to drop 2 from the ISR and tries to write that.
  assert.equal(a.isActive(), true);
  imageA.apply({ kind: 'broker', nodeId: 2, endpoint: null });
  a.onChanges([{ kind: 'broker', nodeId: 2, endpoint: null }]);
  await a.close();

  const after = await store.get(keys.partition('t', 0));
  assert.deepEqual(after, before, 'the partition state is untouched by the deposed controller');
  assert.deepEqual(JSON.parse(after!.value).isr, [1, 2]);
  assert.equal((await store.get(keys.controllerEpoch()))?.value, '2');

  await b.close();
  await loaderB.stop();
  await store.close();
});

/** A store whose next controller-election txn takes effect but whose answer is lost. */
function losingCampaignAnswer(store: MetaStore, keys: KeyLayout): MetaStore & { lost: number } {
  const wrapped = Object.create(store) as MetaStore & { lost: number };
  wrapped.lost = 0;
  wrapped.txn = async (compares, ops) => {
    const r = await store.txn(compares, ops);
    if (wrapped.lost === 0 && ops.some((op) => 'key' in op && op.key === keys.controller())) {
      wrapped.lost += 1;
      throw new MetaStoreError('GREGOR_ERR_METADATA_UNAVAILABLE', 'txn: no answer (test)');
    }
    return r;
  };
  return wrapped;
}

async function until(what: string, done: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await done())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('a controller whose winning election txn went unanswered takes up its win (simulator seed 1168)', async () => {
  const store = EmbeddedMetaStore.inMemory();
  const keys = new KeyLayout('TG9zdEFuc3dlckNsdXN0ZXI');
  const logger = silentLogger();
  const brokerLease = await store.grantLease(60_000);
  for (const id of [1, 2]) {
    await store.put(
      keys.broker(id),
      JSON.stringify({ nodeId: id, host: '127.0.0.1', port: 9000 + id, rack: null }),
      { lease: brokerLease.id },
    );
  }
  await store.put(
    keys.topic('t'),
    JSON.stringify({ topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', internal: false, replicas: [[1, 2]] }),
  );
  // Offline: its only in-sync replica, broker 2, was away and is back; a controller must elect it.
  await store.put(
    keys.partition('t', 0),
    JSON.stringify({ leader: -1, leaderEpoch: 3, isr: [2], partitionEpoch: 5 }),
  );
  const image = new MetadataImage('c');
  const loader = new MetadataLoader(store, keys, image, logger);
  await loader.start();
  const link = losingCampaignAnswer(store, keys);
  const lease = await store.grantLease(60_000);
  const c = new Controller({
    store: link,
    keys,
    image,
    nodeId: 1,
    logger,
    leadership: { uncleanLeaderElection: false },
    waitForRevision: (r) => loader.waitForRevision(r),
  });
  loader.onChanges((changes) => c.onChanges(changes));
  await c.start(lease);
  assert.equal(link.lost, 1, 'the election txn was answered with an error');
  // The store names broker 1 controller under its own lease: the txn took effect.
  const key = await store.get(keys.controller());
  assert.deepEqual(JSON.parse(key!.value), { brokerId: 1, controllerEpoch: 1 });
  assert.equal(key!.lease, lease.id);

  // No other broker campaigns while that key lives, so broker 1 must act on its win.
  await until('broker 1 is the active controller', () => c.isActive());
  assert.equal(c.epoch, 1);
  await until('the partition has a leader', async () => {
    const kv = await store.get(keys.partition('t', 0));
    return JSON.parse(kv!.value).leader === 2;
  });
  const p = JSON.parse((await store.get(keys.partition('t', 0)))!.value);
  assert.deepEqual(
    { leader: p.leader, leaderEpoch: p.leaderEpoch, isr: p.isr },
    {
      leader: 2,
      leaderEpoch: 4,
      isr: [2],
    },
  );

  await c.close();
  await loader.stop();
  await store.close();
});

test("a controller key naming this broker under another lease is not taken for this session's win", async () => {
  const store = EmbeddedMetaStore.inMemory();
  const keys = new KeyLayout('T2xkTGVhc2VDbHVzdGVyQUE');
  const logger = silentLogger();
  // An earlier session of broker 1 won epoch 1; its lease still lives.
  const oldLease = await store.grantLease(60_000);
  await store.txn(
    [],
    [
      { type: 'put', key: keys.controllerEpoch(), value: '1' },
      {
        type: 'put',
        key: keys.controller(),
        value: JSON.stringify({ brokerId: 1, controllerEpoch: 1 }),
        lease: oldLease.id,
      },
    ],
  );
  const image = new MetadataImage('c');
  const loader = new MetadataLoader(store, keys, image, logger);
  await loader.start();
  const lease = await store.grantLease(60_000);
  const c = new Controller({
    store,
    keys,
    image,
    nodeId: 1,
    logger,
    leadership: { uncleanLeaderElection: false },
    waitForRevision: (r) => loader.waitForRevision(r),
  });
  loader.onChanges((changes) => c.onChanges(changes));
  await c.start(lease);
  // A change arrives while the old key stands: still not this session's win.
  await store.put(
    keys.topic('t'),
    JSON.stringify({ topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', internal: false, replicas: [[1]] }),
  );
  await loader.waitForRevision(await store.revision());
  await c.close();
  assert.equal(c.isActive(), false);
  assert.equal(c.epoch, null);
  await loader.stop();
  await store.close();
});

test('an election whose write failed is retried though no metadata change follows (simulator seed 89)', async () => {
  const store = EmbeddedMetaStore.inMemory();
  const keys = new KeyLayout('UmV0cnlXcml0ZUNsdXN0ZXI');
  const logger = silentLogger();
  await store.put(
    keys.topic('t'),
    JSON.stringify({ topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', internal: false, replicas: [[1, 2]] }),
  );
  // Offline: its only in-sync replica, broker 2, is away.
  await store.put(
    keys.partition('t', 0),
    JSON.stringify({ leader: -1, leaderEpoch: 3, isr: [2], partitionEpoch: 5 }),
  );
  const brokerLease = await store.grantLease(60_000);
  await store.put(
    keys.broker(1),
    JSON.stringify({ nodeId: 1, host: '127.0.0.1', port: 9001, rack: null }),
    { lease: brokerLease.id },
  );
  // The store loses the first partition write: it fails as a timeout does, without effect.
  const link = Object.create(store) as MetaStore;
  let dropped = 0;
  link.txn = async (compares, ops) => {
    if (dropped === 0 && ops.some((op) => 'key' in op && op.key === keys.partition('t', 0))) {
      dropped += 1;
      throw new MetaStoreError('GREGOR_ERR_METADATA_UNAVAILABLE', 'txn: no answer (test)');
    }
    return store.txn(compares, ops);
  };
  const image = new MetadataImage('c');
  const loader = new MetadataLoader(store, keys, image, logger);
  await loader.start();
  const c = new Controller({
    store: link,
    keys,
    image,
    nodeId: 1,
    logger,
    leadership: { uncleanLeaderElection: false },
    waitForRevision: (r) => loader.waitForRevision(r),
  });
  loader.onChanges((changes) => c.onChanges(changes));
  await c.start(await store.grantLease(60_000));
  assert.equal(c.isActive(), true);

  // Broker 2 comes back: the controller elects it, and that write is lost. Nothing else changes.
  await store.put(
    keys.broker(2),
    JSON.stringify({ nodeId: 2, host: '127.0.0.1', port: 9002, rack: null }),
    { lease: brokerLease.id },
  );
  await until('the election write was tried', () => dropped === 1);
  await until('the partition has a leader', async () => {
    const kv = await store.get(keys.partition('t', 0));
    return JSON.parse(kv!.value).leader === 2;
  });
  const p = JSON.parse((await store.get(keys.partition('t', 0)))!.value);
  assert.deepEqual(
    { leader: p.leader, leaderEpoch: p.leaderEpoch, isr: p.isr },
    { leader: 2, leaderEpoch: 4, isr: [2] },
  );

  await c.close();
  await loader.stop();
  await store.close();
});
