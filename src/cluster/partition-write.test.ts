// A partition leader's ISR change, written through partition-write.ts on the
// embedded store: it keeps the leader and leader epoch, bumps the partition
// epoch and carries a reassignment along; it loses, changing nothing, when the
// record moved on since the state the leader decided from (a new leader epoch
// from the controller, or another ISR change), as Kafka's AlterPartition
// refuses a stale leader epoch or partition epoch.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EmbeddedMetaStore } from '../metadata/embedded-store.ts';
import { KeyLayout } from '../metadata/key-layout.ts';
import type { PartitionRecord, PartitionState } from './metadata-image.ts';
import { writeIsrChange } from './partition-write.ts';

const where = { topic: 't', partition: 0 };

async function setup(record: PartitionRecord) {
  const store = EmbeddedMetaStore.inMemory();
  const keys = new KeyLayout('SXNyV3JpdGVUZXN0MDAwMQ');
  await store.put(keys.partition('t', 0), JSON.stringify(record));
  /** The partition as a leader's image would hold it now. */
  const state = async (): Promise<PartitionState> => {
    const kv = await store.get(keys.partition('t', 0));
    const r = JSON.parse(kv!.value) as PartitionRecord;
    return {
      partition: 0,
      replicas: r.replicas ?? [1, 2, 3],
      addingReplicas: r.addingReplicas ?? [],
      removingReplicas: r.removingReplicas ?? [],
      leader: r.leader,
      leaderEpoch: r.leaderEpoch,
      isr: r.isr,
      partitionEpoch: r.partitionEpoch,
      modRevision: kv!.modRevision,
    };
  };
  const stored = async () =>
    JSON.parse((await store.get(keys.partition('t', 0)))!.value) as PartitionRecord;
  return { store, keys, state, stored };
}

test("a leader's ISR change keeps leader and leader epoch and bumps the partition epoch", async () => {
  const c = await setup({ leader: 1, leaderEpoch: 4, isr: [1, 2, 3], partitionEpoch: 7 });
  const r = await writeIsrChange(c, where, await c.state(), [1, 2]);
  assert.equal(r.written, true);
  assert.deepEqual(await c.stored(), { leader: 1, leaderEpoch: 4, isr: [1, 2], partitionEpoch: 8 });
  await c.store.close();
});

test("a leader's ISR change carries a running reassignment along", async () => {
  const reassignment = { replicas: [1, 2, 4], addingReplicas: [4], removingReplicas: [3] };
  const c = await setup({
    leader: 1,
    leaderEpoch: 0,
    isr: [1, 2, 3],
    partitionEpoch: 0,
    ...reassignment,
  });
  const r = await writeIsrChange(c, where, await c.state(), [1, 2, 3, 4]);
  assert.equal(r.written, true);
  assert.deepEqual(await c.stored(), {
    leader: 1,
    leaderEpoch: 0,
    isr: [1, 2, 3, 4],
    partitionEpoch: 1,
    ...reassignment,
  });
  await c.store.close();
});

test('an ISR change decided before the controller elected a new leader is refused', async () => {
  const c = await setup({ leader: 1, leaderEpoch: 4, isr: [1, 2, 3], partitionEpoch: 7 });
  const decidedFrom = await c.state();
  const elected = { leader: 2, leaderEpoch: 5, isr: [2, 3], partitionEpoch: 8 };
  await c.store.put(c.keys.partition('t', 0), JSON.stringify(elected));
  const r = await writeIsrChange(c, where, decidedFrom, [1, 2]);
  assert.equal(r.written, false);
  assert.ok(r.revision >= (await c.state()).modRevision, 'the revision to wait for');
  assert.deepEqual(await c.stored(), elected);
  await c.store.close();
});

test('an ISR change decided from a superseded partition epoch is refused', async () => {
  const c = await setup({ leader: 1, leaderEpoch: 4, isr: [1, 2, 3], partitionEpoch: 7 });
  const decidedFrom = await c.state();
  assert.equal((await writeIsrChange(c, where, decidedFrom, [1, 2])).written, true);
  const again = await writeIsrChange(c, where, decidedFrom, [1, 3]);
  assert.equal(again.written, false);
  assert.deepEqual(await c.stored(), { leader: 1, leaderEpoch: 4, isr: [1, 2], partitionEpoch: 8 });
  await c.store.close();
});
