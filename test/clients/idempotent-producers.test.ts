// Idempotent producers started at the same time each get their own producer
// id, whatever id and epoch their InitProducerId carries: @platformatic/kafka
// sends producer id 0 and epoch 0 without a transactional id, kafkajs sends
// -1/-1. Kafka answers both with a fresh id; so must we, or producers sharing
// an id would have each other's batches refused or dropped as duplicates.
// Checked on the stored batches: every batch's producer id, and every record.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Producer, stringSerializers } from '@platformatic/kafka';
import { Kafka, logLevel } from 'kafkajs';
import { InitProducerId } from '../../src/protocol/apis/init-producer-id.ts';
import { ErrorCode } from '../../src/protocol/error-codes.ts';
import { startTestBroker, type TestBroker, uniqueTopic } from '../harness/broker.ts';
import { RawClient } from '../harness/raw-client.ts';
import { storedBatches } from '../harness/stored-batches.ts';

const PRODUCERS = 10;
const ROUNDS = 3;

describe('idempotent producers at the same time', () => {
  let b: TestBroker;
  let raw: RawClient;
  before(async () => {
    b = await startTestBroker({ 'num.partitions': '1' });
    raw = await RawClient.connect(b.bootstrap);
  });
  after(async () => {
    raw.close();
    await b.stop();
  });

  test('ten @platformatic/kafka producers get ten ids and all their records are stored', async () => {
    const topic = uniqueTopic('idem-pf');
    const producers = Array.from(
      { length: PRODUCERS },
      (_, i) =>
        new Producer({
          clientId: `idem-pf-${i}`,
          bootstrapBrokers: [b.bootstrap],
          serializers: stringSerializers,
          idempotent: true,
          autocreateTopics: true,
        }),
    );
    try {
      for (let round = 0; round < ROUNDS; round++) {
        await Promise.all(
          producers.map((p, i) =>
            p.send({ messages: [{ topic, key: `p${i}`, value: `p${i}-r${round}` }] }),
          ),
        );
      }
      const ids = producers.map((p) => String(p.producerId));
      assert.equal(new Set(ids).size, PRODUCERS, `producer ids ${ids.join(',')}`);
      const batches = await storedBatches(raw, topic, 0);
      const stored = new Set(batches.map((h) => String(h.producerId)));
      assert.deepEqual([...stored].sort(), [...ids].sort());
      const records = batches.reduce((n, h) => n + h.recordCount, 0);
      assert.equal(records, PRODUCERS * ROUNDS);
    } finally {
      await Promise.all(producers.map((p) => p.close()));
    }
  });

  test('ten kafkajs idempotent producers get ten ids and all their records are stored', async () => {
    const topic = uniqueTopic('idem-kjs');
    const kafka = new Kafka({
      clientId: 'idem-kjs',
      brokers: [b.bootstrap],
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();
    const producers = Array.from({ length: PRODUCERS }, () =>
      kafka.producer({ idempotent: true, maxInFlightRequests: 1 }),
    );
    try {
      await Promise.all(producers.map((p) => p.connect()));
      for (let round = 0; round < ROUNDS; round++) {
        await Promise.all(
          producers.map((p, i) =>
            p.send({ topic, acks: -1, messages: [{ key: `k${i}`, value: `k${i}-r${round}` }] }),
          ),
        );
      }
      const batches = await storedBatches(raw, topic, 0);
      assert.equal(new Set(batches.map((h) => h.producerId)).size, PRODUCERS);
      assert.ok(batches.every((h) => h.producerId >= 0 && h.producerEpoch === 0));
      assert.equal(
        batches.reduce((n, h) => n + h.recordCount, 0),
        PRODUCERS * ROUNDS,
      );
    } finally {
      await Promise.all(producers.map((p) => p.disconnect()));
    }
  });

  test('InitProducerId on the wire: an id without an epoch is INVALID_REQUEST; 0/0 gets a new id', async () => {
    const ask = (producerId: number, producerEpoch: number) =>
      raw.send(InitProducerId, 4, {
        transactionalId: null,
        transactionTimeoutMs: 60_000,
        producerId,
        producerEpoch,
      } as never);
    const half = await ask(5, -1);
    assert.equal(half.errorCode, ErrorCode.INVALID_REQUEST);
    assert.equal((await ask(-1, 3)).errorCode, ErrorCode.INVALID_REQUEST);
    const first = await ask(0, 0);
    const second = await ask(0, 0);
    const bumped = await ask(Number(first.producerId), 0);
    for (const r of [first, second, bumped]) {
      assert.equal(r.errorCode, ErrorCode.NONE);
      assert.equal(r.producerEpoch, 0);
    }
    const ids = [first, second, bumped].map((r) => Number(r.producerId));
    assert.equal(new Set(ids).size, 3, `ids ${ids.join(',')}`);
  });
});
