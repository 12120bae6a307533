// A lag monitor from the Kafka 0.10 era (Burrow 1.x on older Sarama) against
// Gregor: without ApiVersions it reads the topic's end offsets with ListOffsets
// v0, the group's commits with FindCoordinator v0 and OffsetFetch v1, and the
// __consumer_offsets topic with Fetch v2 (message set v1), whose Kafka-format
// keys and values it parses itself. A kafkajs group commits, more is produced,
// and the monitor must report the group's lag exactly, both ways. An old
// consumer's Fetch v0 of the data topic reads back every value.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { Fetch } from '../../src/protocol/apis/fetch.ts';
import { ErrorCode } from '../../src/protocol/error-codes.ts';
import { parseMessageSet } from '../../src/protocol/legacy-message-set.ts';
import { startTestBroker, type TestBroker, uniqueTopic } from '../harness/broker.ts';
import { until } from '../harness/line-process.ts';
import { readLagLikeBurrow } from '../harness/old-lag-monitor.ts';
import { RawClient } from '../harness/raw-client.ts';

const PARTITIONS = 3;
const FIRST = 30;
const MORE = [4, 0, 7];

describe('an old-version lag monitor', () => {
  let b: TestBroker;
  before(async () => {
    b = await startTestBroker({ 'group.initial.rebalance.delay.ms': '0' });
  });
  after(async () => {
    await b.stop();
  });

  test('reads end offsets and __consumer_offsets with old versions and reports the lag', async () => {
    const kafka = new Kafka({
      clientId: 'lag',
      brokers: [b.bootstrap],
      logLevel: logLevel.NOTHING,
    });
    const topic = uniqueTopic('lag');
    const groupId = uniqueTopic('lag-group');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic, numPartitions: PARTITIONS }],
      waitForLeaders: true,
    });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    const send = (values: string[], partition: number) =>
      producer.send({
        topic,
        acks: -1,
        messages: values.map((value) => ({ value, partition })),
      });
    for (let p = 0; p < PARTITIONS; p++) {
      await send(
        Array.from({ length: FIRST / PARTITIONS }, (_, i) => `p${p}-${i}`),
        p,
      );
    }

    // The group reads everything there is and commits it, then leaves.
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
    const seen: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommitThreshold: 1,
      eachMessage: async ({ message }) => {
        seen.push(String(message.value));
      },
    });
    await until('the group consumed the first messages', () => seen.length === FIRST);
    await consumer.disconnect();

    // Then more arrives: that is the lag.
    for (let p = 0; p < PARTITIONS; p++) {
      const n = MORE[p]!;
      if (n > 0)
        await send(
          Array.from({ length: n }, (_, i) => `later-p${p}-${i}`),
          p,
        );
    }
    await producer.disconnect();

    const view = await readLagLikeBurrow(b.bootstrap, groupId, topic);
    const perPartition = FIRST / PARTITIONS;
    for (let p = 0; p < PARTITIONS; p++) {
      assert.equal(view.logEnd.get(p), perPartition + MORE[p]!, `log end of ${p}`);
      assert.equal(view.committed.get(p), perPartition, `OffsetFetch v1 of ${p}`);
      assert.equal(view.committedInLog.get(p), perPartition, `__consumer_offsets of ${p}`);
    }
    const lag = [...view.logEnd].reduce((sum, [p, end]) => sum + end - view.committed.get(p)!, 0);
    assert.equal(
      lag,
      MORE.reduce((a, c) => a + c, 0),
    );
    assert.ok(view.sawGroupMetadata, 'the group metadata record (key v2) is in the log');
    assert.ok(view.offsetsTopicMessages > 0);
    assert.equal(view.offsetsTopicValidCrcs, view.offsetsTopicMessages, 'every message set v1 CRC');
  });

  test('Fetch v0 (message set v0) and v3 read every value of a partition from any offset', async () => {
    const kafka = new Kafka({
      clientId: 'old-fetch',
      brokers: [b.bootstrap],
      logLevel: logLevel.NOTHING,
    });
    const topic = uniqueTopic('old-fetch');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    // Three batches of five, so a fetch from offset 7 starts inside a batch.
    for (let batch = 0; batch < 3; batch++) {
      await producer.send({
        topic,
        acks: -1,
        messages: Array.from({ length: 5 }, (_, i) => ({
          key: `k${i}`,
          value: `v${batch * 5 + i}`,
        })),
      });
    }
    await producer.disconnect();

    const raw = await RawClient.connect(b.bootstrap);
    try {
      for (const [version, magic] of [
        [0, 0],
        [1, 0],
        [2, 1],
        [3, 1],
      ] as const) {
        const values: string[] = [];
        let offset = 7;
        for (let round = 0; round < 20 && offset < 15; round++) {
          const r = await raw.send(Fetch, version, {
            replicaId: -1,
            maxWaitMs: 0,
            minBytes: 0,
            maxBytes: 1 << 20,
            topics: [
              {
                topic,
                partitions: [{ partition: 0, fetchOffset: offset, partitionMaxBytes: 200 }],
              },
            ],
          } as never);
          const p = r.responses[0]?.partitions[0];
          assert.equal(p?.errorCode, ErrorCode.NONE);
          assert.equal(Number(p?.highWatermark), 15);
          const messages = parseMessageSet(Buffer.from(p?.records ?? Buffer.alloc(0)));
          assert.ok(messages.length > 0, `v${version} from ${offset}`);
          for (const m of messages) {
            assert.equal(m.magic, magic);
            assert.ok(m.crcValid);
            assert.equal(m.offset, offset);
            values.push(String(m.value));
            offset++;
          }
        }
        assert.deepEqual(
          values,
          Array.from({ length: 8 }, (_, i) => `v${7 + i}`),
          `Fetch v${version}`,
        );
      }
    } finally {
      raw.close();
    }
  });
  test('message.downconversion.enable=false: Fetch v0-3 get UNSUPPORTED_VERSION, v4+ the batches', async () => {
    const kafka = new Kafka({
      clientId: 'no-conv',
      brokers: [b.bootstrap],
      logLevel: logLevel.NOTHING,
    });
    const topic = uniqueTopic('no-conv');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [
        {
          topic,
          numPartitions: 1,
          configEntries: [{ name: 'message.downconversion.enable', value: 'false' }],
        },
      ],
      waitForLeaders: true,
    });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ value: 'x' }] });
    await producer.disconnect();
    const raw = await RawClient.connect(b.bootstrap);
    try {
      const fetchAt = async (version: number) => {
        const r = await raw.send(Fetch, version, {
          replicaId: -1,
          maxWaitMs: 0,
          minBytes: 0,
          maxBytes: 1 << 20,
          isolationLevel: 0,
          topics: [
            {
              topic,
              partitions: [
                { partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20, logStartOffset: -1 },
              ],
            },
          ],
        } as never);
        return r.responses[0]?.partitions[0];
      };
      for (const v of [0, 3])
        assert.equal((await fetchAt(v))?.errorCode, ErrorCode.UNSUPPORTED_VERSION);
      const modern = await fetchAt(4);
      assert.equal(modern?.errorCode, ErrorCode.NONE);
      assert.ok((modern?.records?.length ?? 0) > 0);
    } finally {
      raw.close();
    }
  });
});
