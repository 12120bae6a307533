// A compacted topic read by real clients: records produced by kafkajs
// (idempotent, plain and gzip) and kcat (gzip, lz4, snappy, tombstones), the topic
// switched to cleanup.policy=compact once the whole log was read, then read
// again from the beginning by kcat and by a kafkajs consumer group once the
// broker's cleaner has run. Every record they see is the one produced at that
// offset, offsets rise with gaps, each key's latest value is there, older
// ones are gone, and deleted keys vanish (delete.retention.ms=0).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CompressionTypes, Kafka, logLevel } from 'kafkajs';
import { startTestBroker, type TestBroker, uniqueTopic } from '../harness/broker.ts';
import { run } from '../harness/processes.ts';

interface Rec {
  readonly offset: number;
  readonly key: string;
  /** null for a tombstone. */
  readonly value: string | null;
}

const LIVE_KEYS = 15;
const DELETED_KEYS = 5;

async function kcatRead(bootstrap: string, topic: string): Promise<Rec[]> {
  const r = await run('kcat', [
    '-b',
    bootstrap,
    '-C',
    '-t',
    topic,
    '-p',
    '0',
    '-o',
    'beginning',
    '-e',
    '-Z',
    '-f',
    '%o|%k|%s\n',
  ]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => {
      const [o, k, v] = l.split('|');
      return { offset: Number(o), key: k!, value: v === 'NULL' ? null : v! };
    });
}

async function kafkajsRead(kafka: Kafka, topic: string, until: number): Promise<Rec[]> {
  const consumer = kafka.consumer({ groupId: uniqueTopic('compacted-reader') });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const got: Rec[] = [];
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    done = resolve;
  });
  await consumer.run({
    eachMessage: async ({ message }) => {
      got.push({
        offset: Number(message.offset),
        key: message.key?.toString() ?? '',
        value: message.value === null ? null : message.value.toString(),
      });
      if (Number(message.offset) >= until - 1) done();
    },
  });
  const timeout = setTimeout(done, 30_000);
  await finished;
  clearTimeout(timeout);
  await consumer.disconnect();
  return got;
}

describe('a compacted topic read by kcat and kafkajs', () => {
  let b: TestBroker;
  before(async () => {
    b = await startTestBroker({ 'log.cleaner.backoff.ms': '100' });
  });
  after(async () => {
    await b.stop();
  });

  test('they see each key latest value at its original offset, and deleted keys gone', async () => {
    const kafka = new Kafka({
      clientId: 'gregor-compaction-test',
      brokers: [b.bootstrap],
      logLevel: logLevel.NOTHING,
    });
    const topic = uniqueTopic('compacted');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [
        {
          topic,
          numPartitions: 1,
          configEntries: [
            { name: 'cleanup.policy', value: 'delete' },
            { name: 'segment.bytes', value: '2048' },
          ],
        },
      ],
      waitForLeaders: true,
    });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    for (let round = 0; round < 12; round++) {
      const messages = Array.from({ length: LIVE_KEYS + DELETED_KEYS }, (_, k) => ({
        key: `key-${k}`,
        value: `r${round}-k${k}`,
      }));
      const compression = round % 2 === 0 ? CompressionTypes.None : CompressionTypes.GZIP;
      await producer.send({ topic, messages, compression, acks: -1 });
      // kafkajs reads no lz4 or snappy: those rounds are all superseded by the gzip ones.
      const codec = round % 2 === 1 ? 'gzip' : round % 4 === 0 ? 'lz4' : 'snappy';
      const lines = Array.from({ length: LIVE_KEYS }, (_, k) => `key-${k}:kcat${round}-k${k}`);
      const p = await run(
        'kcat',
        ['-b', b.bootstrap, '-P', '-t', topic, '-p', '0', '-K', ':', '-z', codec],
        {
          input: `${lines.join('\n')}\n`,
        },
      );
      assert.equal(p.code, 0, p.stderr);
    }
    // Tombstones for the deleted keys (kcat -Z: an empty value is a null value).
    const tombstones = Array.from({ length: DELETED_KEYS }, (_, k) => `key-${LIVE_KEYS + k}:`);
    const t = await run(
      'kcat',
      ['-b', b.bootstrap, '-P', '-t', topic, '-p', '0', '-K', ':', '-Z'],
      {
        input: `${tombstones.join('\n')}\n`,
      },
    );
    assert.equal(t.code, 0, t.stderr);
    // Enough filler after them that every record above sits in a closed segment.
    for (let i = 0; i < 40; i++) {
      await producer.send({
        topic,
        messages: [{ key: 'filler', value: `f${i}-${'x'.repeat(100)}` }],
      });
    }
    await producer.disconnect();

    const produced = await kcatRead(b.bootstrap, topic);
    const byOffset = new Map(produced.map((r) => [r.offset, r]));
    const latest = new Map<string, Rec>();
    for (const r of produced) latest.set(r.key, r);
    for (let k = LIVE_KEYS; k < LIVE_KEYS + DELETED_KEYS; k++) {
      assert.equal(latest.get(`key-${k}`)?.value, null, `key-${k} ends in a tombstone`);
    }
    const end = produced[produced.length - 1]!.offset + 1;

    await admin.alterConfigs({
      validateOnly: false,
      resources: [
        {
          type: 2, // TOPIC
          name: topic,
          configEntries: [
            { name: 'cleanup.policy', value: 'compact' },
            { name: 'min.cleanable.dirty.ratio', value: '0.01' },
            { name: 'delete.retention.ms', value: '0' },
          ],
        },
      ],
    });
    await admin.disconnect();

    // Wait for the cleaner: every key's older values gone, deleted keys gone.
    const deadline = Date.now() + 60_000;
    let compacted: Rec[] = [];
    for (;;) {
      compacted = await kcatRead(b.bootstrap, topic);
      const keys = compacted.filter((r) => r.key.startsWith('key-'));
      const done = keys.length === LIVE_KEYS && keys.every((r) => r.value !== null);
      if (done || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const viaKafkajs = await kafkajsRead(kafka, topic, end);
    for (const [name, got] of [
      ['kcat', compacted],
      ['kafkajs', viaKafkajs],
    ] as const) {
      let last = -1;
      for (const r of got) {
        assert.ok(r.offset > last, `${name}: offset ${r.offset} after ${last}`);
        last = r.offset;
        assert.deepEqual(r, byOffset.get(r.offset), `${name}: the record produced at ${r.offset}`);
      }
      const keyed = got.filter((r) => r.key.startsWith('key-'));
      assert.deepEqual(
        keyed.map((r) => r.key).sort(),
        Array.from({ length: LIVE_KEYS }, (_, k) => `key-${k}`).sort(),
        `${name}: one record per live key, deleted keys gone`,
      );
      for (const r of keyed) assert.deepEqual(r, latest.get(r.key), `${name}: latest ${r.key}`);
      assert.ok(got.length < produced.length / 4, `${name}: ${got.length} of ${produced.length}`);
      assert.equal(got[got.length - 1]?.offset, end - 1, `${name}: read to the end`);
    }
  });
});
