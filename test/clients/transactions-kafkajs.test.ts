// Transactions with kafkajs 2.2.4 (InitProducerId v1, AddPartitionsToTxn v1,
// EndTxn v1, TxnOffsetCommit v1, Fetch v11 read_committed): committed and
// aborted transactions, read_committed against read_uncommitted consumers,
// a zombie producer fenced by a new one with the same transactional id, and
// offsets committed in a transaction that show only once it commits.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Consumer, Kafka, logLevel } from 'kafkajs';
import { startTestBroker, type TestBroker, uniqueTopic } from '../harness/broker.ts';

process.env['KAFKAJS_NO_PARTITIONER_WARNING'] = '1';

const BROKER_CONFIG = {
  'transaction.state.log.num.partitions': '3',
  'offsets.topic.num.partitions': '3',
  'group.initial.rebalance.delay.ms': '0',
};

function client(bootstrap: string): Kafka {
  return new Kafka({
    clientId: 'gregor-kafkajs-txn',
    brokers: [bootstrap],
    logLevel: logLevel.NOTHING,
    retry: { retries: 8, initialRetryTime: 100 },
  });
}

/** Reads the topic from the start until `expected` values arrived and nothing more comes. */
async function readAll(
  kafka: Kafka,
  topic: string,
  readUncommitted: boolean,
  expected: number,
): Promise<string[]> {
  const consumer: Consumer = kafka.consumer({
    groupId: `reader-${uniqueTopic('g')}`,
    readUncommitted,
    maxWaitTimeInMs: 200,
  });
  const seen: string[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      seen.push(String(message.value));
    },
  });
  const deadline = Date.now() + 30_000;
  while (seen.length < expected && Date.now() < deadline) await sleep(100);
  // Whatever should not be there has had time to arrive too.
  await sleep(1000);
  await consumer.disconnect();
  return seen;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('kafkajs transactions', () => {
  let b: TestBroker;
  let kafka: Kafka;
  before(async () => {
    b = await startTestBroker(BROKER_CONFIG);
    kafka = client(b.bootstrap);
  });
  after(async () => {
    await b.stop();
  });

  async function createTopic(partitions: number): Promise<string> {
    const topic = uniqueTopic('kjs-txn');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic, numPartitions: partitions }],
      waitForLeaders: true,
    });
    await admin.disconnect();
    return topic;
  }

  test('read_committed consumers see committed transactions only; aborted records are in the log', async () => {
    const topic = await createTopic(3);
    const producer = kafka.producer({
      transactionalId: `kjs-${topic}`,
      maxInFlightRequests: 1,
      idempotent: true,
    });
    await producer.connect();
    const committed: string[] = [];
    const aborted: string[] = [];
    for (let round = 0; round < 6; round++) {
      const commit = round % 2 === 0;
      const values = Array.from({ length: 10 }, (_, i) => `${commit ? 'c' : 'a'}${round}-${i}`);
      const txn = await producer.transaction();
      await txn.send({ topic, messages: values.map((value, i) => ({ key: String(i), value })) });
      if (commit) await txn.commit();
      else await txn.abort();
      (commit ? committed : aborted).push(...values);
    }
    await producer.disconnect();
    const readCommitted = await readAll(kafka, topic, false, committed.length);
    assert.deepEqual([...readCommitted].sort(), [...committed].sort());
    const readAllRecords = await readAll(kafka, topic, true, committed.length + aborted.length);
    assert.deepEqual([...readAllRecords].sort(), [...committed, ...aborted].sort());
  });

  test('a new producer with the same transactional id fences the zombie and aborts its transaction', async () => {
    const topic = await createTopic(1);
    const transactionalId = `zombie-${topic}`;
    const zombie = kafka.producer({ transactionalId, maxInFlightRequests: 1, idempotent: true });
    await zombie.connect();
    const zombieTxn = await zombie.transaction();
    await zombieTxn.send({ topic, messages: [{ value: 'zombie-1' }] });

    const fresh = kafka.producer({ transactionalId, maxInFlightRequests: 1, idempotent: true });
    await fresh.connect();
    // kafkajs sends InitProducerId with the transactional id at the first transaction().
    const txn = await fresh.transaction();
    await assert.rejects(
      zombieTxn.send({ topic, messages: [{ value: 'zombie-2' }] }),
      (err: Error) => /epoch|fenced/i.test(err.message),
    );
    await assert.rejects(zombieTxn.commit(), (err: Error) => /epoch|fenced/i.test(err.message));
    await txn.send({ topic, messages: [{ value: 'fresh-1' }] });
    await txn.commit();
    await fresh.disconnect();
    await zombie.disconnect().catch(() => undefined);
    assert.deepEqual(await readAll(kafka, topic, false, 1), ['fresh-1']);
  });

  test('offsets sent in a transaction show only once it commits', async () => {
    const topic = await createTopic(2);
    const groupId = `kjs-offsets-${topic}`;
    const admin = kafka.admin();
    await admin.connect();
    const producer = kafka.producer({
      transactionalId: `offsets-${topic}`,
      maxInFlightRequests: 1,
      idempotent: true,
    });
    await producer.connect();
    const offsetsOf = async () => {
      const r = await admin.fetchOffsets({ groupId, topics: [topic] });
      return r[0]!.partitions.map((p) => [p.partition, p.offset]).sort();
    };

    let txn = await producer.transaction();
    await txn.send({ topic, messages: [{ value: 'x' }] });
    await txn.sendOffsets({
      consumerGroupId: groupId,
      topics: [{ topic, partitions: [{ partition: 0, offset: '5' }] }],
    });
    assert.deepEqual(
      await offsetsOf(),
      [
        [0, '-1'],
        [1, '-1'],
      ],
      'pending offsets are not visible',
    );
    await txn.abort();
    assert.deepEqual(
      await offsetsOf(),
      [
        [0, '-1'],
        [1, '-1'],
      ],
      'aborted offsets never show',
    );

    txn = await producer.transaction();
    await txn.send({ topic, messages: [{ value: 'y' }] });
    await txn.sendOffsets({
      consumerGroupId: groupId,
      topics: [
        {
          topic,
          partitions: [
            { partition: 0, offset: '7' },
            { partition: 1, offset: '3' },
          ],
        },
      ],
    });
    await txn.commit();
    await producer.disconnect();
    const deadline = Date.now() + 10_000;
    let got = await offsetsOf();
    while (
      JSON.stringify(got) !==
        JSON.stringify([
          [0, '7'],
          [1, '3'],
        ]) &&
      Date.now() < deadline
    ) {
      await sleep(100);
      got = await offsetsOf();
    }
    assert.deepEqual(got, [
      [0, '7'],
      [1, '3'],
    ]);
    await admin.disconnect();
  });
});
