import assert from 'node:assert/strict';
import { test } from 'node:test';
import { notReadyReasons, partitionsAwaitingIsr } from './broker-readiness.ts';
import { MetadataImage, type PartitionRecord } from './metadata-image.ts';

/** Brokers `live` registered; topic t with one partition per given record and replica list. */
function image(
  live: readonly number[],
  partitions: ReadonlyArray<{ replicas: number[]; record: PartitionRecord }>,
): MetadataImage {
  const img = new MetadataImage('c');
  for (const id of live)
    img.apply({
      kind: 'broker',
      nodeId: id,
      endpoint: { nodeId: id, host: 'h', port: 9092, rack: null },
    });
  img.apply({
    kind: 'topic',
    name: 't',
    record: {
      topicId: 'AAAAAAAAAAAAAAAAAAAAAQ',
      internal: false,
      replicas: partitions.map((p) => p.replicas),
    },
  });
  partitions.forEach((p, i) => {
    img.apply({
      kind: 'partition',
      topic: 't',
      partition: i,
      record: p.record,
      modRevision: 10 + i,
    });
  });
  return img;
}

const ready = { started: true, registered: true, metadataCurrent: true };

test('ready once back in the ISR of every partition it replicates', () => {
  const img = image(
    [0, 1, 2],
    [
      {
        replicas: [1, 0, 2],
        record: { leader: 1, leaderEpoch: 3, isr: [1, 2, 0], partitionEpoch: 4 },
      },
      {
        replicas: [0, 1, 2],
        record: { leader: 0, leaderEpoch: 1, isr: [0, 1], partitionEpoch: 2 },
      },
      { replicas: [1, 2], record: { leader: 1, leaderEpoch: 1, isr: [1], partitionEpoch: 2 } },
    ],
  );
  assert.deepEqual(notReadyReasons({ nodeId: 0, image: img, ...ready }), []);
});

test('not ready while a partition led by a live broker has not taken it back into its ISR', () => {
  const img = image(
    [0, 1, 2],
    [
      {
        replicas: [1, 0, 2],
        record: { leader: 1, leaderEpoch: 3, isr: [1, 2], partitionEpoch: 4 },
      },
      {
        replicas: [2, 0, 1],
        record: { leader: 2, leaderEpoch: 1, isr: [2, 0, 1], partitionEpoch: 2 },
      },
    ],
  );
  assert.deepEqual(partitionsAwaitingIsr(0, img), ['t-0']);
  assert.deepEqual(notReadyReasons({ nodeId: 0, image: img, ...ready }), [
    'not yet back in the ISR of 1 partition(s): t-0',
  ]);
});

test('an outage elsewhere does not count: no leader, or a leader that is not registered', () => {
  const img = image(
    [0, 2],
    [
      { replicas: [1, 0], record: { leader: 1, leaderEpoch: 3, isr: [1], partitionEpoch: 4 } },
      { replicas: [2, 0], record: { leader: -1, leaderEpoch: 1, isr: [2], partitionEpoch: 2 } },
    ],
  );
  assert.deepEqual(notReadyReasons({ nodeId: 0, image: img, ...ready }), []);
});

test('a replica a reassignment is adding or removing is moving, not catching up', () => {
  const img = image(
    [0, 1, 2],
    [
      {
        replicas: [1, 2],
        record: {
          leader: 1,
          leaderEpoch: 3,
          isr: [1, 2],
          partitionEpoch: 4,
          replicas: [1, 0, 2],
          addingReplicas: [0],
          removingReplicas: [2],
        },
      },
    ],
  );
  assert.deepEqual(partitionsAwaitingIsr(0, img), []);
});

test('start-up, a lost session and a stale image each say so', () => {
  const img = image([0], []);
  assert.deepEqual(notReadyReasons({ nodeId: 0, image: img, ...ready, started: false }), [
    'starting: recovering logs, registering, loading metadata',
  ]);
  assert.deepEqual(
    notReadyReasons({
      nodeId: 0,
      image: img,
      started: true,
      registered: false,
      metadataCurrent: false,
    }),
    [
      'not registered: no live session with the metadata store',
      'metadata not caught up with this broker registration',
    ],
  );
});

test('names at most five partitions and counts the rest', () => {
  const parts = Array.from({ length: 7 }, () => ({
    replicas: [1, 0],
    record: { leader: 1, leaderEpoch: 1, isr: [1], partitionEpoch: 1 },
  }));
  assert.deepEqual(notReadyReasons({ nodeId: 0, image: image([0, 1], parts), ...ready }), [
    'not yet back in the ISR of 7 partition(s): t-0, t-1, t-2, t-3, t-4 and 2 more',
  ]);
});
