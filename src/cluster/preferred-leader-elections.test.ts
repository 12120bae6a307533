// The writes behind preferred-leader elections, on the embedded store without
// sockets: an election on request lands as a compare-and-set that keeps the
// record's reassignment fields, a lost compare-and-set is decided again on the newer
// state, the controller's periodic check moves leaders back only when its
// timer fires, and a write under a stale controller epoch changes nothing.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EmbeddedMetaStore } from '../metadata/embedded-store.ts';
import { KeyLayout } from '../metadata/key-layout.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import { silentLogger } from '../util/logger.ts';
import { Controller } from './controller.ts';
import { MetadataImage } from './metadata-image.ts';
import { MetadataLoader } from './metadata-loader.ts';
import { writePartitionDecision } from './partition-write.ts';
import { ElectionType } from './preferred-leader.ts';
import { LeaderElections } from './preferred-leader-elections.ts';

const logger = silentLogger();

interface Cluster {
  store: EmbeddedMetaStore;
  keys: KeyLayout;
  image: MetadataImage;
  /** Brings the image up to the store's current state (a read, as a loader's start does). */
  refresh(): Promise<void>;
  partition(p: number): Promise<Record<string, unknown>>;
}

/** Brokers 1-3 alive; topic t with replicas [1,2,3] and [2,3,1], partition 0 led by 2. */
async function cluster(): Promise<Cluster> {
  const store = EmbeddedMetaStore.inMemory();
  const keys = new KeyLayout('UHJlZmVycmVkTGVhZGVyVA');
  const lease = await store.grantLease(60_000);
  for (const id of [1, 2, 3]) {
    const endpoint = { nodeId: id, host: '127.0.0.1', port: 9000 + id, rack: null };
    await store.put(keys.broker(id), JSON.stringify(endpoint), { lease: lease.id });
  }
  const replicas = [
    [1, 2, 3],
    [2, 3, 1],
  ];
  const topic = { topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', internal: false, replicas };
  await store.put(keys.topic('t'), JSON.stringify(topic));
  const p0 = { leader: 2, leaderEpoch: 1, isr: [1, 2, 3], partitionEpoch: 3 };
  await store.put(keys.partition('t', 0), JSON.stringify(p0));
  const p1 = { leader: 2, leaderEpoch: 0, isr: [2, 3, 1], partitionEpoch: 0 };
  await store.put(keys.partition('t', 1), JSON.stringify(p1));
  const image = new MetadataImage('c');
  const refresh = async () => {
    const loader = new MetadataLoader(store, keys, image, logger);
    await loader.start();
    await loader.stop();
  };
  await refresh();
  const partition = async (p: number) => {
    const kv = await store.get(keys.partition('t', p));
    return JSON.parse(kv!.value) as Record<string, unknown>;
  };
  return { store, keys, image, refresh, partition };
}

function elections(c: Cluster, waitForRevision: (r: number) => Promise<void>): LeaderElections {
  return new LeaderElections({ ...c, waitForRevision, now: () => Date.now(), logger });
}

describe('elections on request', () => {
  test('a preferred election writes the new leader, keeps a reassignment and waits for the image', async () => {
    const c = await cluster();
    const reassignment = { replicas: [1, 2, 3], addingReplicas: [3], removingReplicas: [] };
    const p0 = { leader: 2, leaderEpoch: 1, isr: [1, 2, 3], partitionEpoch: 3, ...reassignment };
    await c.store.put(c.keys.partition('t', 0), JSON.stringify(p0));
    await c.refresh();
    let waited = 0;
    const e = elections(c, async (r) => {
      waited = r;
      await c.refresh();
    });
    const results = await e.elect(ElectionType.PREFERRED, null, 5_000);
    assert.deepEqual(results, [
      { topic: 't', partition: 0, errorCode: ErrorCode.NONE, errorMessage: null },
    ]);
    assert.deepEqual(await c.partition(0), {
      leader: 1,
      leaderEpoch: 2,
      isr: [1, 2, 3],
      partitionEpoch: 4,
      ...reassignment,
    });
    assert.ok(waited > 0, 'the answer waited for the write to come back');
    assert.equal(c.image.partition('t', 0)?.leader, 1);
    await c.store.close();
  });

  test('a lost compare-and-set is decided again on the newer state', async () => {
    const c = await cluster();
    // The controller moves partition 0 to its preferred replica after this
    // broker's image was read: the retry finds nothing left to do.
    const key = c.keys.partition('t', 0);
    const moved = { leader: 1, leaderEpoch: 2, isr: [1, 2, 3], partitionEpoch: 4 };
    await c.store.put(key, JSON.stringify(moved));
    const e = elections(c, () => c.refresh());
    const results = await e.elect(ElectionType.PREFERRED, [{ topic: 't', partition: 0 }], 5_000);
    assert.equal(results[0]?.errorCode, ErrorCode.ELECTION_NOT_NEEDED);
    assert.deepEqual(await c.partition(0), moved);

    // Now only the ISR changed underneath (partition epoch moved on): the
    // second attempt, decided on the new state, succeeds.
    await c.store.put(
      key,
      JSON.stringify({ leader: 2, leaderEpoch: 3, isr: [2, 1], partitionEpoch: 6 }),
    );
    await c.refresh();
    await c.store.put(
      key,
      JSON.stringify({ leader: 2, leaderEpoch: 3, isr: [2, 1, 3], partitionEpoch: 7 }),
    );
    const again = await e.elect(ElectionType.PREFERRED, [{ topic: 't', partition: 0 }], 5_000);
    assert.equal(again[0]?.errorCode, ErrorCode.NONE);
    assert.deepEqual(await c.partition(0), {
      leader: 1,
      leaderEpoch: 4,
      isr: [2, 1, 3],
      partitionEpoch: 8,
    });
    await c.store.close();
  });

  test('a write not seen within the timeout is REQUEST_TIMED_OUT', async () => {
    const c = await cluster();
    const e = elections(c, () => new Promise<void>(() => undefined));
    const results = await e.elect(ElectionType.PREFERRED, [{ topic: 't', partition: 0 }], 50);
    assert.equal(results[0]?.errorCode, ErrorCode.REQUEST_TIMED_OUT);
    assert.equal((await c.partition(0)).leader, 1, 'the write itself happened');
    await c.store.close();
  });
});

describe('the controller', () => {
  async function controllerOf(c: Cluster, enabled: boolean) {
    const loader = new MetadataLoader(c.store, c.keys, c.image, logger);
    await loader.start();
    const ticks: Array<() => void> = [];
    const intervals: number[] = [];
    let cancelled = false;
    const controller = new Controller({
      store: c.store,
      keys: c.keys,
      image: c.image,
      nodeId: 3,
      logger,
      leadership: { uncleanLeaderElection: false },
      waitForRevision: (r) => loader.waitForRevision(r),
      leaderBalance: {
        enabled,
        checkIntervalMs: 1000,
        imbalancePerBrokerPercentage: 10,
        every: (ms, tick) => {
          intervals.push(ms);
          ticks.push(tick);
          return () => {
            cancelled = true;
          };
        },
      },
    });
    await controller.start(await c.store.grantLease(60_000));
    assert.equal(controller.isActive(), true);
    return { loader, controller, ticks, intervals, cancelled: () => cancelled };
  }

  test('moves leadership back to the preferred replica only when the balance timer fires', async () => {
    const c = await cluster();
    const { loader, controller, ticks, intervals, cancelled } = await controllerOf(c, true);
    assert.deepEqual(intervals, [1000]);
    assert.equal((await c.partition(0)).leader, 2, 'becoming controller moves no live leader');
    ticks[0]!();
    await controller.close();
    assert.equal(cancelled(), true, 'close stops the timer');
    assert.deepEqual(await c.partition(0), {
      leader: 1,
      leaderEpoch: 2,
      isr: [1, 2, 3],
      partitionEpoch: 4,
    });
    await loader.stop();
    await c.store.close();
  });

  test('with auto.leader.rebalance.enable=false arms no timer', async () => {
    const c = await cluster();
    const { loader, controller, intervals } = await controllerOf(c, false);
    assert.deepEqual(intervals, []);
    await controller.close();
    assert.equal((await c.partition(0)).leader, 2);
    await loader.stop();
    await c.store.close();
  });
});

test('a write under a stale controller epoch changes nothing', async () => {
  const c = await cluster();
  await c.store.put(c.keys.controllerEpoch(), '5');
  const before = await c.store.get(c.keys.partition('t', 0));
  const decision = {
    topic: 't',
    partition: 0,
    expectedModRevision: before!.modRevision,
    record: { leader: 1, leaderEpoch: 2, isr: [1, 2, 3], partitionEpoch: 4 },
  };
  const stale = await writePartitionDecision({ ...c, controllerEpoch: 4 }, decision);
  assert.equal(stale.written, false);
  assert.deepEqual(await c.store.get(c.keys.partition('t', 0)), before);
  const current = await writePartitionDecision({ ...c, controllerEpoch: 5 }, decision);
  assert.equal(current.written, true);
  await c.store.close();
});
