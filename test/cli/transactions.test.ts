// Hanging transactions and `gregor transactions` (kafka-transactions.sh):
// a librdkafka producer killed in the middle of a transaction leaves it open,
// so the last stable offset stops there, until the coordinator aborts it at
// its transaction.timeout.ms; then the LSO moves on and find-hanging finds
// nothing. With KIP-890 verification a transactional write the coordinator
// does not know of is refused; with verification turned off it is accepted
// and hangs, find-hanging lists it and abort ends it. Also list, describe and
// describe-producers in Kafka's table format.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { createTopics } from '../../src/client/admin.ts';
import type { KafkaClient } from '../../src/client/kafka-client.ts';
import { InitProducerId } from '../../src/protocol/apis/init-producer-id.ts';
import { ListOffsets } from '../../src/protocol/apis/list-offsets.ts';
import { Produce } from '../../src/protocol/apis/produce.ts';
import { ErrorCode } from '../../src/protocol/error-codes.ts';
import { buildRecordBatchSync } from '../../src/protocol/records.ts';
import { startTestBroker, type TestBroker, uniqueTopic } from '../harness/broker.ts';
import { PYTHON } from '../harness/processes.ts';
import { until } from '../harness/topic-state.ts';
import { clientOf, gregor, ok } from './cli-harness.ts';

const BROKER_CONFIG = {
  'transaction.state.log.num.partitions': '3',
  'offsets.topic.num.partitions': '3',
  'transaction.abort.timed.out.transaction.cleanup.interval.ms': '500',
};

const DYING_PRODUCER = `
import os, sys, time
from confluent_kafka import Producer
p = Producer({"bootstrap.servers": os.environ["BOOTSTRAP"], "transactional.id": os.environ["TXN_ID"],
              "transaction.timeout.ms": 10000})
p.init_transactions(30)
p.begin_transaction(); p.produce(os.environ["TOPIC"], value=b"committed"); p.commit_transaction(30)
p.begin_transaction(); p.produce(os.environ["TOPIC"], value=b"left-open"); p.flush(30)
print("READY", flush=True)
time.sleep(600)
`;

/** High watermark and last stable offset of partition 0 (ListOffsets v2, both isolation levels). */
async function offsets(client: KafkaClient, topic: string): Promise<{ hw: number; lso: number }> {
  const latest = async (isolationLevel: number) => {
    const r = await client.sendTo(0, ListOffsets, {
      replicaId: -1,
      isolationLevel,
      topics: [
        {
          name: topic,
          partitions: [
            { partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1, maxNumOffsets: 1 },
          ],
        },
      ],
    });
    return r.topics[0]!.partitions[0]!.offset;
  };
  return { hw: await latest(0), lso: await latest(1) };
}

/** The rows of a kafka-transactions.sh table, cells trimmed (every cell ends with a tab). */
function table(stdout: string): string[][] {
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) =>
      line
        .split('\t')
        .slice(0, -1)
        .map((c) => c.trim()),
    );
}

async function createTopic(client: KafkaClient, topic: string): Promise<void> {
  await createTopics(client, [
    { name: topic, numPartitions: 1, replicationFactor: 1, configs: {} },
  ]);
}

/** A transactional batch written without AddPartitionsToTxn: the coordinator never hears of it. */
async function rogueTransactionalWrite(
  client: KafkaClient,
  transactionalId: string,
  topic: string,
) {
  const coordinator = await client.coordinatorFor(transactionalId, 1);
  const init = await client.sendTo(coordinator.nodeId, InitProducerId, {
    transactionalId,
    transactionTimeoutMs: 60_000,
    producerId: -1,
    producerEpoch: -1,
  });
  assert.equal(init.errorCode, 0);
  const records = buildRecordBatchSync({
    records: [{ key: null, value: Buffer.from('rogue') }],
    producerId: init.producerId,
    producerEpoch: init.producerEpoch,
    baseSequence: 0,
    transactional: true,
  });
  const r = await client.sendTo(0, Produce, {
    transactionalId,
    acks: -1,
    timeoutMs: 10_000,
    topicData: [{ name: topic, partitionData: [{ index: 0, records }] }],
  });
  return { producerId: init.producerId, partition: r.responses[0]!.partitionResponses[0]! };
}

describe('hanging transactions and gregor transactions', () => {
  let b: TestBroker;
  let client: KafkaClient;
  let child: ChildProcess | null = null;
  before(async () => {
    b = await startTestBroker(BROKER_CONFIG);
    client = clientOf(b.bootstrap);
  });
  after(async () => {
    child?.kill('SIGKILL');
    client.close();
    await b.stop();
  });

  test('a producer that dies mid-transaction is aborted at its timeout and the LSO moves on', async () => {
    const topic = uniqueTopic('dying');
    const transactionalId = `dying-${topic}`;
    await createTopic(client, topic);
    const proc = spawn(PYTHON, ['-c', DYING_PRODUCER], {
      env: { ...process.env, BOOTSTRAP: b.bootstrap, TXN_ID: transactionalId, TOPIC: topic },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child = proc;
    let out = '';
    proc.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    await until('the producer to leave a transaction open', 60_000, async () =>
      out.includes('READY') ? true : null,
    );
    proc.kill('SIGKILL');
    // committed at 0, its marker at 1, the open transaction's record at 2.
    assert.deepEqual(await offsets(client, topic), { hw: 3, lso: 2 });

    const described = table(
      ok(
        await gregor(b.bootstrap, [
          'transactions',
          'describe',
          '--transactional-id',
          transactionalId,
        ]),
        'describe',
      ).stdout,
    );
    assert.deepEqual(described[0], [
      'CoordinatorId',
      'TransactionalId',
      'ProducerId',
      'ProducerEpoch',
      'TransactionState',
      'TransactionTimeoutMs',
      'CurrentTransactionStartTimeMs',
      'TransactionDurationMs',
      'TopicPartitions',
    ]);
    assert.equal(described[1]?.[1], transactionalId);
    assert.equal(described[1]?.[4], 'Ongoing');
    assert.equal(described[1]?.[5], '10000');
    assert.equal(described[1]?.[8], `${topic}-0`);

    const producers = table(
      ok(
        await gregor(b.bootstrap, [
          'transactions',
          'describe-producers',
          '--topic',
          topic,
          '--partition',
          '0',
        ]),
        'describe-producers',
      ).stdout,
    );
    assert.equal(
      producers[0]?.join(' '),
      'ProducerId ProducerEpoch LatestCoordinatorEpoch LastSequence LastTimestamp CurrentTransactionStartOffset',
    );
    assert.equal(producers[1]?.[5], '2', 'the open transaction starts at offset 2');

    const listed = table(ok(await gregor(b.bootstrap, ['transactions', 'list']), 'list').stdout);
    assert.deepEqual(listed[0], [
      'TransactionalId',
      'Coordinator',
      'ProducerId',
      'TransactionState',
    ]);
    assert.ok(listed.some((row) => row[0] === transactionalId && row[3] === 'Ongoing'));

    // transaction.timeout.ms is 10 s: the coordinator aborts it, the LSO passes the abort marker.
    await until('the coordinator to abort the transaction', 40_000, async () => {
      const o = await offsets(client, topic);
      return o.lso === 4 && o.hw === 4 ? o : null;
    });
    const after = table(
      ok(
        await gregor(b.bootstrap, [
          'transactions',
          'describe',
          '--transactional-id',
          transactionalId,
        ]),
        'describe',
      ).stdout,
    );
    assert.equal(after[1]?.[4], 'CompleteAbort');
    const hanging = ok(
      await gregor(b.bootstrap, [
        'transactions',
        'find-hanging',
        '--topic',
        topic,
        '--max-transaction-timeout',
        '0',
      ]),
      'find-hanging',
    );
    assert.equal(table(hanging.stdout).length, 1, `only the header: ${hanging.stdout}`);
  });

  test('verification (KIP-890) refuses a transactional write the coordinator does not know', async () => {
    const topic = uniqueTopic('verified');
    await createTopic(client, topic);
    const { partition } = await rogueTransactionalWrite(client, `rogue-${topic}`, topic);
    assert.equal(partition.errorCode, ErrorCode.INVALID_TXN_STATE);
    assert.deepEqual(await offsets(client, topic), { hw: 0, lso: 0 });
  });

  test('with verification off such a write hangs; find-hanging lists it and abort ends it', async () => {
    const unverified = await startTestBroker({
      ...BROKER_CONFIG,
      'transaction.partition.verification.enable': 'false',
    });
    const c = clientOf(unverified.bootstrap);
    try {
      const topic = uniqueTopic('hanging');
      await createTopic(c, topic);
      const { producerId, partition } = await rogueTransactionalWrite(c, `rogue-${topic}`, topic);
      assert.equal(partition.errorCode, 0);
      assert.deepEqual(await offsets(c, topic), { hw: 1, lso: 0 });
      await new Promise((r) => setTimeout(r, 20));
      const found = table(
        ok(
          await gregor(unverified.bootstrap, [
            'transactions',
            'find-hanging',
            '--topic',
            topic,
            '--max-transaction-timeout',
            '0',
          ]),
          'find-hanging',
        ).stdout,
      );
      assert.equal(
        found[0]?.join(' '),
        'Topic Partition ProducerId ProducerEpoch CoordinatorEpoch StartOffset LastTimestamp Duration(min)',
      );
      assert.equal(found.length, 2, 'one hanging transaction');
      assert.deepEqual(found[1]?.slice(0, 3), [topic, '0', String(producerId)]);
      assert.equal(found[1]?.[5], '0');
      ok(
        await gregor(unverified.bootstrap, [
          'transactions',
          'abort',
          '--topic',
          topic,
          '--partition',
          '0',
          '--start-offset',
          '0',
        ]),
        'abort',
      );
      assert.deepEqual(await offsets(c, topic), { hw: 2, lso: 2 });
      const none = await gregor(unverified.bootstrap, [
        'transactions',
        'find-hanging',
        '--topic',
        topic,
        '--max-transaction-timeout',
        '0',
      ]);
      assert.equal(table(ok(none, 'find-hanging').stdout).length, 1);
      const missing = await gregor(unverified.bootstrap, [
        'transactions',
        'abort',
        '--topic',
        topic,
        '--partition',
        '0',
        '--start-offset',
        '0',
      ]);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /Could not find any open transactions starting at offset 0/);
    } finally {
      c.close();
      await unverified.stop();
    }
  });
});
