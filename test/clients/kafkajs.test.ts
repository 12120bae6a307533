// kafkajs 2.2.4 (old, fixed-width protocol versions) against Gregor: admin
// topic creation with several partitions, keyed messages with headers with
// every codec kafkajs ships (none and gzip; snappy, lz4 and zstd need
// third-party codec packages), a full read back through a consumer group in
// per-partition order, offsets by timestamp, and the missing-topic error.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CompressionTypes, Kafka, logLevel } from 'kafkajs';
import { startTestBroker, type TestBroker, uniqueTopic } from '../harness/broker.ts';

const PER_CODEC = 40;
const CODECS = [
  ['none', CompressionTypes.None],
  ['gzip', CompressionTypes.GZIP],
] as const;

function client(bootstrap: string): Kafka {
  return new Kafka({
    clientId: 'gregor-kafkajs-test',
    brokers: [bootstrap],
    logLevel: logLevel.NOTHING,
    retry: { retries: 3 },
  });
}

describe('kafkajs', () => {
  let b: TestBroker;
  before(async () => {
    b = await startTestBroker();
  });
  after(async () => {
    await b.stop();
  });

  test('creates a topic, produces keyed messages with headers and consumes them all in order', async () => {
    const kafka = client(b.bootstrap);
    const topic = uniqueTopic('kjs');
    const admin = kafka.admin();
    await admin.connect();
    assert.equal(
      await admin.createTopics({ topics: [{ topic, numPartitions: 4 }], waitForLeaders: true }),
      true,
    );
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    assert.equal(meta.topics[0]?.partitions.length, 4);

    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const sentAt: Record<string, number> = {};
    for (const [name, codec] of CODECS) {
      sentAt[name] = Date.now();
      const messages = Array.from({ length: PER_CODEC }, (_, i) => ({
        key: `key-${i % 7}`,
        value: `${name}-${i}`,
        headers: { codec: name, seq: String(i) },
      }));
      const acks = await producer.send({ topic, compression: codec, messages, acks: -1 });
      assert.ok(acks.every((a) => a.errorCode === 0));
      await new Promise((r) => setTimeout(r, 20));
    }
    await producer.disconnect();

    const consumer = kafka.consumer({
      groupId: uniqueTopic('kjs-group'),
      sessionTimeout: 10_000,
      heartbeatInterval: 500,
    });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const got: Array<{
      partition: number;
      offset: number;
      key: string;
      value: string;
      headers: Record<string, string>;
    }> = [];
    const done = new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
          got.push({
            partition,
            offset: Number(message.offset),
            key: String(message.key),
            value: String(message.value),
            headers,
          });
          if (got.length === CODECS.length * PER_CODEC) resolve();
        },
      });
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`only ${got.length} consumed`)), 30_000);
    });
    await Promise.race([done, timeout]).finally(() => clearTimeout(timer));
    await consumer.disconnect();

    assert.equal(got.length, CODECS.length * PER_CODEC);
    for (const m of got) {
      const [codec, i] = m.value.split('-');
      assert.equal(m.headers['codec'], codec);
      assert.equal(m.key, `key-${Number(i) % 7}`);
    }
    for (let p = 0; p < 4; p++) {
      const offsets = got.filter((m) => m.partition === p).map((m) => m.offset);
      assert.deepEqual(
        offsets,
        offsets.map((_, idx) => idx),
        `partition ${p} in order, no gaps`,
      );
    }

    const byTime = await admin.fetchTopicOffsetsByTimestamp(topic, sentAt['gzip']);
    for (const { partition, offset } of byTime) {
      const firstGzip = got.find((m) => m.partition === partition && m.value.startsWith('gzip-'));
      assert.equal(
        Number(offset),
        firstGzip?.offset ?? got.filter((m) => m.partition === partition).length,
        `partition ${partition}`,
      );
    }
    await admin.disconnect();
  });
});

describe('kafkajs with auto-create off', () => {
  let b: TestBroker;
  before(async () => {
    b = await startTestBroker({ 'auto.create.topics.enable': 'false' });
  });
  after(async () => {
    await b.stop();
  });

  test('producing to a missing topic fails with UNKNOWN_TOPIC_OR_PARTITION', async () => {
    const kafka = new Kafka({
      clientId: 't',
      brokers: [b.bootstrap],
      logLevel: logLevel.NOTHING,
      retry: { retries: 1, initialRetryTime: 50 },
    });
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    await assert.rejects(
      producer.send({ topic: 'no-such-topic', messages: [{ value: 'x' }] }),
      (err: Error) => {
        assert.match(
          `${err.message} ${String((err as { type?: string }).type)}`,
          /UNKNOWN_TOPIC_OR_PARTITION|does not host this topic-partition/,
        );
        return true;
      },
    );
    await producer.disconnect();
  });
});
