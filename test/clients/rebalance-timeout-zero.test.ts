// A consumer that joins with a rebalance timeout of 0 (a client that leaves it
// unset) keeps its membership: its SyncGroup, sent right after the JoinGroup
// answer, is served, every time. Twenty fresh groups through kafkajs
// (`rebalanceTimeout: 0`) and twenty per JoinGroup version on the wire (v0 has
// no rebalance timeout at all; v1+ send 0). Each repetition is one short join
// and sync, so the whole file stays within a few seconds.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { FindCoordinator } from '../../src/protocol/apis/find-coordinator.ts';
import { Heartbeat } from '../../src/protocol/apis/heartbeat.ts';
import { JoinGroup } from '../../src/protocol/apis/join-group.ts';
import { SyncGroup } from '../../src/protocol/apis/sync-group.ts';
import { ErrorCode } from '../../src/protocol/error-codes.ts';
import { startTestBroker, type TestBroker, uniqueTopic } from '../harness/broker.ts';
import { until } from '../harness/line-process.ts';
import { RawClient } from '../harness/raw-client.ts';

const REPETITIONS = 20;
const SUBSCRIPTION = Buffer.from([0, 0, 0, 0, 0, 0, 0, 0]);

describe('a rebalance timeout of 0', () => {
  let b: TestBroker;
  before(async () => {
    b = await startTestBroker({ 'group.initial.rebalance.delay.ms': '0' });
  });
  after(async () => {
    await b.stop();
  });

  for (const version of [0, 1, 3, 5]) {
    test(`JoinGroup v${version} then SyncGroup, ${REPETITIONS} groups: the member is served every time`, async () => {
      const raw = await RawClient.connect(b.bootstrap);
      const syncVersion = Math.min(version, 3);
      try {
        for (let i = 0; i < REPETITIONS; i++) {
          const groupId = uniqueTopic(`rt0-v${version}`);
          const found = await raw.send(FindCoordinator, 0, {
            key: groupId,
            keyType: 0,
            coordinatorKeys: [],
          });
          assert.equal(found.errorCode, ErrorCode.NONE);
          const join = (memberId: string) =>
            raw.send(JoinGroup, version, {
              groupId,
              sessionTimeoutMs: 10_000,
              rebalanceTimeoutMs: 0,
              memberId,
              groupInstanceId: null,
              protocolType: 'consumer',
              protocols: [{ name: 'range', metadata: SUBSCRIPTION }],
              reason: null,
            });
          let joined = await join('');
          if (joined.errorCode === ErrorCode.MEMBER_ID_REQUIRED)
            joined = await join(joined.memberId);
          assert.equal(joined.errorCode, ErrorCode.NONE, `repetition ${i}: join`);
          assert.equal(joined.generationId, 1);
          const synced = await raw.send(SyncGroup, syncVersion, {
            groupId,
            generationId: joined.generationId,
            memberId: joined.memberId,
            groupInstanceId: null,
            protocolType: null,
            protocolName: null,
            assignments: [{ memberId: joined.memberId, assignment: Buffer.from('mine') }],
          });
          assert.equal(synced.errorCode, ErrorCode.NONE, `repetition ${i}: sync`);
          assert.equal(synced.assignment.toString(), 'mine');
          const beat = await raw.send(Heartbeat, syncVersion, {
            groupId,
            generationId: joined.generationId,
            memberId: joined.memberId,
            groupInstanceId: null,
          });
          assert.equal(beat.errorCode, ErrorCode.NONE, `repetition ${i}: heartbeat`);
        }
      } finally {
        raw.close();
      }
    });
  }

  test(`kafkajs with rebalanceTimeout 0, ${REPETITIONS} groups: each joins once, syncs once, consumes`, async () => {
    const kafka = new Kafka({
      clientId: 'rt0-kafkajs',
      brokers: [b.bootstrap],
      logLevel: logLevel.NOTHING,
    });
    const topic = uniqueTopic('rt0-kjs');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ value: 'hello' }] });
    await producer.disconnect();

    for (let i = 0; i < REPETITIONS; i++) {
      const consumer = kafka.consumer({
        groupId: uniqueTopic('rt0-kjs-g'),
        rebalanceTimeout: 0,
        sessionTimeout: 10_000,
        heartbeatInterval: 1_000,
        maxWaitTimeInMs: 100,
      });
      let joins = 0;
      let syncs = 0;
      const values: string[] = [];
      consumer.on(consumer.events.GROUP_JOIN, () => {
        joins++;
      });
      consumer.on(consumer.events.REQUEST, (e) => {
        if (e.payload.apiName === 'SyncGroup') syncs++;
      });
      try {
        await consumer.connect();
        await consumer.subscribe({ topic, fromBeginning: true });
        await consumer.run({
          eachMessage: async ({ message }) => {
            values.push(String(message.value));
          },
        });
        await until(`repetition ${i}: a message`, () => values.length > 0, 20_000);
        // A member removed after its JoinGroup gets UNKNOWN_MEMBER_ID on SyncGroup and
        // rejoins: more than one SyncGroup.
        assert.equal(syncs, 1, `repetition ${i}: SyncGroup requests`);
        assert.equal(joins, 1, `repetition ${i}: completed joins`);
        assert.deepEqual(values, ['hello']);
      } finally {
        await consumer.disconnect();
      }
    }
  });
});
