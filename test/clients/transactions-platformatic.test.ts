// Transactions with @platformatic/kafka 1.35 (InitProducerId v5, the
// flexible AddPartitionsToTxn/EndTxn, Produce v11, Fetch v17 with isolation
// level): committed and aborted transactions read back read_committed and
// read_uncommitted, and a zombie producer fenced by a new instance with the
// same transactional id.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  Admin,
  Consumer,
  Producer,
  stringDeserializers,
  stringSerializers,
} from '@platformatic/kafka';
import { startTestBroker, type TestBroker, uniqueTopic } from '../harness/broker.ts';

const READ_UNCOMMITTED = 0;
const READ_COMMITTED = 1;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function producer(
  bootstrap: string,
  transactionalId: string,
): Producer<string, string, string, string> {
  return new Producer({
    clientId: `pf-txn-${transactionalId}`,
    bootstrapBrokers: [bootstrap],
    serializers: stringSerializers,
    idempotent: true,
    transactionalId,
    retries: 10,
    retryDelay: 100,
  });
}

async function readAll(
  bootstrap: string,
  topic: string,
  isolationLevel: number,
  expected: number,
): Promise<string[]> {
  const consumer = new Consumer({
    clientId: 'pf-txn-reader',
    groupId: uniqueTopic('pf-reader'),
    bootstrapBrokers: [bootstrap],
    deserializers: stringDeserializers,
    maxWaitTime: 200,
    isolationLevel,
  });
  const values: string[] = [];
  const stream = await consumer.consume({
    topics: [topic],
    mode: 'earliest',
    autocommit: false,
    isolationLevel,
    sessionTimeout: 10_000,
    heartbeatInterval: 300,
  });
  stream.on('data', (m) => values.push(m.value));
  const deadline = Date.now() + 30_000;
  while (values.length < expected && Date.now() < deadline) await sleep(100);
  await sleep(1000);
  await stream.close();
  await consumer.close();
  return values;
}

describe('@platformatic/kafka transactions', () => {
  let b: TestBroker;
  before(async () => {
    b = await startTestBroker({
      'transaction.state.log.num.partitions': '3',
      'offsets.topic.num.partitions': '3',
      'group.initial.rebalance.delay.ms': '0',
    });
  });
  after(async () => {
    await b.stop();
  });

  async function createTopic(partitions: number): Promise<string> {
    const topic = uniqueTopic('pf-txn');
    const admin = new Admin({ clientId: 'pf-txn-admin', bootstrapBrokers: [b.bootstrap] });
    await admin.createTopics({ topics: [topic], partitions, replicas: 1 });
    await admin.close();
    return topic;
  }

  test('read_committed sees committed transactions only; read_uncommitted sees all', async () => {
    const topic = await createTopic(2);
    const p = producer(b.bootstrap, `pf-${topic}`);
    const committed: string[] = [];
    const aborted: string[] = [];
    try {
      // One aborted transaction: @platformatic/kafka 1.35 keys the aborted
      // ranges of a fetch by producer id, so a second abort by the same
      // producer in one fetch response hides the first from its filter (it
      // would against Kafka too, which sends the same AbortedTransactions).
      for (let round = 0; round < 3; round++) {
        const commit = round % 2 === 0;
        const values = Array.from({ length: 8 }, (_, i) => `${commit ? 'c' : 'a'}${round}-${i}`);
        const txn = await p.beginTransaction();
        await txn.send({ messages: values.map((value, i) => ({ topic, key: String(i), value })) });
        if (commit) await txn.commit();
        else await txn.abort();
        (commit ? committed : aborted).push(...values);
      }
    } finally {
      await p.close();
    }
    const rc = await readAll(b.bootstrap, topic, READ_COMMITTED, committed.length);
    assert.deepEqual([...rc].sort(), [...committed].sort());
    const ru = await readAll(
      b.bootstrap,
      topic,
      READ_UNCOMMITTED,
      committed.length + aborted.length,
    );
    assert.deepEqual([...ru].sort(), [...committed, ...aborted].sort());
  });

  test('a new instance with the same transactional id fences the zombie', async () => {
    const topic = await createTopic(1);
    const transactionalId = `pf-zombie-${topic}`;
    const zombie = producer(b.bootstrap, transactionalId);
    const fresh = producer(b.bootstrap, transactionalId);
    try {
      const zt = await zombie.beginTransaction();
      await zt.send({ messages: [{ topic, value: 'zombie-1' }] });
      // A new instance knows no producer id: it says so with -1/-1 (platformatic
      // otherwise sends 0/0, which Kafka, and so Gregor, reads as a stale id).
      const ft = await fresh.beginTransaction({ producerId: -1n, producerEpoch: -1 });
      await assert.rejects(zt.send({ messages: [{ topic, value: 'zombie-2' }] }));
      await assert.rejects(zt.commit());
      await ft.send({ messages: [{ topic, value: 'fresh-1' }] });
      await ft.commit();
    } finally {
      await zombie.close().catch(() => undefined);
      await fresh.close();
    }
    assert.deepEqual(await readAll(b.bootstrap, topic, READ_COMMITTED, 1), ['fresh-1']);
  });
});
