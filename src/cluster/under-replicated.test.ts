import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isUnderReplicated, type PartitionState } from './metadata-image.ts';

const state = (
  replicas: number[],
  isr: number[],
  addingReplicas: number[] = [],
  removingReplicas: number[] = [],
): PartitionState => ({
  partition: 0,
  replicas,
  addingReplicas,
  removingReplicas,
  leader: isr[0] ?? -1,
  leaderEpoch: 0,
  isr,
  partitionEpoch: 0,
  modRevision: 1,
});

test('under-replicated counts in-sync replicas against the replication factor, as Kafka does', () => {
  assert.equal(isUnderReplicated(state([0, 1, 2], [0, 1, 2])), false);
  assert.equal(isUnderReplicated(state([0, 1, 2], [0, 1])), true);
  // Moving 0,1 to 1,2: replicas are the target then the removed ones; 2 is catching up.
  assert.equal(
    isUnderReplicated(state([1, 2, 0], [0, 1], [2], [0])),
    false,
    'a replica being added does not count',
  );
  assert.equal(
    isUnderReplicated(state([1, 2, 0], [1], [2], [0])),
    true,
    'an old replica out of the ISR does',
  );
  assert.equal(isUnderReplicated(state([1, 2, 0], [0, 1, 2], [], [0])), false);
});
