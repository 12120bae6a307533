// OffsetForLeaderEpoch after a restart, for epochs whose batches lie in
// segments older than the last two (Gregor issue #5). A broker with small
// segments takes writes in several leader epochs; between them it is stopped
// and the partition's leader epoch is raised in its metadata store, as a
// controller electing it again would. After a final plain restart every old
// epoch must still end where the next one began: the answer comes from the
// leader-epoch-checkpoint, not from a scan of the log's tail.

import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildValueBatch } from '../../src/log/testing/test-batch.ts';
import { EmbeddedMetaStore } from '../../src/metadata/embedded-store.ts';
import { KeyLayout } from '../../src/metadata/key-layout.ts';
import { Metadata } from '../../src/protocol/apis/metadata.ts';
import { OffsetForLeaderEpoch } from '../../src/protocol/apis/offset-for-leader-epoch.ts';
import { Produce } from '../../src/protocol/apis/produce.ts';
import { startTestBroker, type TestBroker } from '../harness/broker.ts';
import { RawClient } from '../harness/raw-client.ts';

const TOPIC = 'epochs';
const BATCHES_PER_EPOCH = 12;
const RECORDS_PER_BATCH = 10;
/** Leader epochs the partition goes through; gaps as a controller's elections leave them. */
const EPOCHS = [0, 2, 3, 7];

async function withClient<T>(b: TestBroker, use: (c: RawClient) => Promise<T>): Promise<T> {
  const c = await RawClient.connect(b.bootstrap);
  try {
    return await use(c);
  } finally {
    c.close();
  }
}

async function leaderEpochOf(b: TestBroker): Promise<number> {
  const m = await withClient(b, (c) =>
    c.send(Metadata, 9, {
      topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: TOPIC }],
      allowAutoTopicCreation: true,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    }),
  );
  const p = m.topics[0]?.partitions[0];
  assert.ok(p !== undefined && p.errorCode === 0, JSON.stringify(m.topics));
  return p.leaderEpoch;
}

/** Produces one batch per request; returns the base offset of the first. */
async function produceBatches(b: TestBroker, epoch: number): Promise<number> {
  let first = -1;
  await withClient(b, async (c) => {
    for (let i = 0; i < BATCHES_PER_EPOCH; i++) {
      const records = buildValueBatch(`e${epoch}-b${i}-`, RECORDS_PER_BATCH);
      const r = await c.send(Produce, 9, {
        transactionalId: null,
        acks: -1,
        timeoutMs: 10_000,
        topicData: [{ name: TOPIC, partitionData: [{ index: 0, records }] }],
      });
      const p = r.responses[0]?.partitionResponses[0];
      assert.equal(p?.errorCode, 0, JSON.stringify(p));
      if (first < 0) first = p.baseOffset;
    }
  });
  return first;
}

/** What a controller electing this broker again would write: a higher leader epoch. */
async function raiseLeaderEpoch(dataDir: string, clusterId: string, to: number): Promise<void> {
  const store = await EmbeddedMetaStore.open({ path: join(dataDir, '__gregor_metadata.json') });
  try {
    const key = new KeyLayout(clusterId).partition(TOPIC, 0);
    const kv = await store.get(key);
    assert.ok(kv !== null, `no partition record at ${key}`);
    const record = JSON.parse(kv.value) as { leaderEpoch: number; partitionEpoch: number };
    const raised = { ...record, leaderEpoch: to, partitionEpoch: record.partitionEpoch + 1 };
    await store.put(key, JSON.stringify(raised));
  } finally {
    await store.close();
  }
}

async function endOffsets(b: TestBroker, epochs: readonly number[]) {
  const r = await withClient(b, (c) =>
    c.send(OffsetForLeaderEpoch, 4, {
      replicaId: -1,
      topics: [
        {
          topic: TOPIC,
          partitions: epochs.map((leaderEpoch) => ({
            partition: 0,
            currentLeaderEpoch: -1,
            leaderEpoch,
          })),
        },
      ],
    }),
  );
  return r.topics[0]!.partitions.map((p) => ({
    leaderEpoch: p.leaderEpoch,
    endOffset: p.endOffset,
    errorCode: p.errorCode,
  }));
}

test('OffsetForLeaderEpoch answers old epochs after a restart, from segments older than the last two', {
  timeout: 120_000,
}, async () => {
  const config = { 'num.partitions': '1', 'log.segment.bytes': '600' };
  let b = await startTestBroker(config);
  const dataDir = b.dataDir;
  try {
    const starts = new Map<number, number>();
    for (const [i, epoch] of EPOCHS.entries()) {
      if (i > 0) {
        const port = b.broker.port;
        const clusterId = b.broker.clusterId;
        await b.broker.close();
        await raiseLeaderEpoch(dataDir, clusterId, epoch);
        b = await startTestBroker(config, dataDir, port);
      }
      assert.equal(await leaderEpochOf(b), epoch);
      starts.set(epoch, await produceBatches(b, epoch));
    }
    const logEndOffset = EPOCHS.length * BATCHES_PER_EPOCH * RECORDS_PER_BATCH;
    b = await b.restart();

    const dir = join(dataDir, `${TOPIC}-0`);
    const segments = (await readdir(dir)).filter((n) => n.endsWith('.log')).sort();
    const secondToLastBase = Number(segments[segments.length - 2]!.slice(0, 20));
    assert.ok(segments.length >= 8, `${segments.length} segments`);
    assert.ok(starts.get(3)! < secondToLastBase, 'epochs 0, 2 and 3 live only in older segments');

    // Known epochs end where the next begins; unknown ones between answer the
    // largest below; a newer one than any is undefined (Kafka's answers).
    const asked = [0, 1, 2, 3, 5, 7, 8];
    const expected = [
      { leaderEpoch: 0, endOffset: starts.get(2)! },
      { leaderEpoch: 0, endOffset: starts.get(2)! },
      { leaderEpoch: 2, endOffset: starts.get(3)! },
      { leaderEpoch: 3, endOffset: starts.get(7)! },
      { leaderEpoch: 3, endOffset: starts.get(7)! },
      { leaderEpoch: 7, endOffset: logEndOffset },
      { leaderEpoch: -1, endOffset: -1 },
    ].map((e) => ({ ...e, errorCode: 0 }));
    assert.deepEqual(await endOffsets(b, asked), expected);
    const checkpoint = await readFile(join(dir, 'leader-epoch-checkpoint'), 'utf8');
    const lines = EPOCHS.map((e) => `${e} ${starts.get(e)}`);
    assert.equal(checkpoint, ['0', String(EPOCHS.length), ...lines, ''].join('\n'));
  } finally {
    await b.stop();
  }
});
