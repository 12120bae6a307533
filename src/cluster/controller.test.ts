// Controller fencing: a controller that was deposed while it could not see
// the store (its image is stale and still names it controller) decides on
// that stale image, but every write it attempts fails its compare-and-set on
// the controller epoch, so it cannot overwrite anything the new controller
// owns. Runs on the embedded store with two controllers, no sockets.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EmbeddedMetaStore } from '../metadata/embedded-store.ts';
import { KeyLayout } from '../metadata/key-layout.ts';
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
