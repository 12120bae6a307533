// @platformatic/kafka 1.35 (newest flexible protocol versions: Metadata 12,
// Produce 11, Fetch 17 with topic ids) against Gregor: admin topic creation,
// keyed messages with headers in every codec it offers on Node 20 (none,
// gzip, snappy, lz4; its zstd needs Node 22's zlib), a full read back with its
// low-level fetch by topic id, offsets by timestamp, and the error for a
// missing topic when auto-create is off.

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

const CODECS = ['none', 'gzip', 'snappy', 'lz4'] as const;
const PER_CODEC = 25;

interface FetchedRecord {
  offsetDelta: number;
  key: Buffer;
  value: Buffer;
  headers: Array<[Buffer, Buffer]>;
}
interface FetchResult {
  responses: Array<{ partitions: Array<{ errorCode: number; records?: unknown }> }>;
}
interface FetchedBatch {
  firstOffset: bigint;
  records: FetchedRecord[];
}

describe('@platformatic/kafka', () => {
  let b: TestBroker;
  before(async () => {
    b = await startTestBroker();
  });
  after(async () => {
    await b.stop();
  });

  test('creates a topic, produces in every codec and fetches everything back by topic id', async () => {
    const topic = uniqueTopic('pf');
    const admin = new Admin({ clientId: 'pf-admin', bootstrapBrokers: [b.bootstrap] });
    const producers: Producer<string, string, string, string>[] = [];
    const consumer = new Consumer({
      clientId: 'pf-c',
      groupId: 'pf-unused',
      bootstrapBrokers: [b.bootstrap],
      deserializers: stringDeserializers,
    });
    try {
      await admin.createTopics({ topics: [topic], partitions: 3, replicas: 1 });
      const sentAt: Record<string, bigint> = {};
      for (const codec of CODECS) {
        const producer = new Producer({
          clientId: `pf-${codec}`,
          bootstrapBrokers: [b.bootstrap],
          serializers: stringSerializers,
          compression: codec,
        });
        producers.push(producer);
        sentAt[codec] = BigInt(Date.now());
        const messages = Array.from({ length: PER_CODEC }, (_, i) => ({
          topic,
          key: `key-${i % 4}`,
          value: `${codec}-${i}`,
          headers: { codec, seq: String(i) },
        }));
        await producer.send({ messages });
        await new Promise((r) => setTimeout(r, 20));
      }
      const md = await admin.metadata({ topics: [topic] });
      const info = md.topics.get(topic);
      assert.ok(info !== undefined);
      assert.equal(info.partitionsCount, 3);
      const got: Array<{
        partition: number;
        offset: number;
        key: string;
        value: string;
        headers: Record<string, string>;
      }> = [];
      for (let partition = 0; partition < 3; partition++) {
        let fetchOffset = 0n;
        for (let round = 0; round < 20; round++) {
          const res: FetchResult = await consumer.fetch({
            node: 0,
            topics: [
              {
                topicId: info.id,
                partitions: [
                  {
                    partition,
                    currentLeaderEpoch: -1,
                    fetchOffset,
                    lastFetchedEpoch: -1,
                    partitionMaxBytes: 4096,
                  },
                ],
              },
            ],
          });
          const p = res.responses[0]?.partitions[0];
          assert.equal(p?.errorCode, 0);
          const batches = (p?.records ?? []) as unknown as FetchedBatch[];
          if (batches.length === 0) break;
          for (const batch of batches) {
            for (const r of batch.records) {
              const headers: Record<string, string> = {};
              for (const [k, v] of r.headers) headers[k.toString()] = v.toString();
              got.push({
                partition,
                offset: Number(batch.firstOffset) + r.offsetDelta,
                key: r.key.toString(),
                value: r.value.toString(),
                headers,
              });
            }
            fetchOffset = batch.firstOffset + BigInt(batch.records.length);
          }
        }
      }
      assert.equal(got.length, CODECS.length * PER_CODEC);
      for (const m of got) {
        const [codec, i] = m.value.split('-');
        assert.equal(m.headers['codec'], codec);
        assert.equal(m.key, `key-${Number(i) % 4}`);
      }
      for (let partition = 0; partition < 3; partition++) {
        const inP = got.filter((m) => m.partition === partition);
        for (const [idx, m] of inP.entries()) assert.equal(m.offset, idx);
      }
      // DescribeLogDirs (v4 through this client): every partition with its size on disk.
      const dirs = await admin.describeLogDirs({
        topics: [{ name: topic, partitions: [0, 1, 2] }],
      });
      const dirText = JSON.stringify(dirs, (_k, v: unknown) =>
        typeof v === 'bigint' ? Number(v) : v,
      );
      assert.match(dirText, new RegExp(topic), dirText);
      assert.match(dirText, /"partitionSize":[1-9]/, dirText);
      const offsets = await consumer.listOffsetsWithTimestamps({
        topics: [topic],
        timestamp: sentAt['lz4']!,
      });
      for (const [partition, { offset }] of offsets.get(topic)!) {
        const firstLz4 = got.find((m) => m.partition === partition && m.value.startsWith('lz4-'));
        assert.equal(Number(offset), firstLz4?.offset ?? -1, `partition ${partition}`);
      }
    } finally {
      await consumer.close();
      for (const p of producers) await p.close();
      await admin.close();
    }
  });
});

describe('@platformatic/kafka with auto-create off', () => {
  let b: TestBroker;
  before(async () => {
    b = await startTestBroker({ 'auto.create.topics.enable': 'false' });
  });
  after(async () => {
    await b.stop();
  });

  test('producing to a missing topic fails with the unknown-topic error', async () => {
    const producer = new Producer({
      clientId: 'pf-missing',
      bootstrapBrokers: [b.bootstrap],
      serializers: stringSerializers,
      retries: 1,
      retryDelay: 50,
    });
    try {
      await assert.rejects(
        producer.send({ messages: [{ topic: 'no-such-topic', value: 'x' }] }),
        (err: unknown) => {
          const text =
            JSON.stringify(err, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) +
            String(err);
          // The client turns the metadata answer UNKNOWN_TOPIC_OR_PARTITION into this message.
          assert.match(text, /Unknown topic no-such-topic/);
          return true;
        },
      );
    } finally {
      await producer.close();
    }
  });
});
