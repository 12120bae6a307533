// kafkajs 2.2.4 consumer groups against Gregor: three members share a
// six-partition topic two partitions each; when one leaves the other two take
// its partitions within the rebalance timeout; committed offsets carry a group
// across a consumer restart and a broker restart, with no message read twice
// and none skipped.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Consumer, type EachMessagePayload, Kafka, logLevel } from 'kafkajs';
import { startTestBroker, type TestBroker, uniqueTopic } from '../harness/broker.ts';
import { until } from '../harness/line-process.ts';

const REBALANCE_TIMEOUT_MS = 10_000;

function client(bootstrap: string): Kafka {
  return new Kafka({
    clientId: 'gregor-groups-kafkajs',
    brokers: [bootstrap],
    logLevel: logLevel.NOTHING,
    retry: { retries: 8, initialRetryTime: 100 },
  });
}

async function produce(kafka: Kafka, topic: string, values: readonly string[], partitions: number) {
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic,
    acks: -1,
    messages: values.map((value, i) => ({ value, partition: i % partitions })),
  });
  await producer.disconnect();
}

interface Member {
  readonly consumer: Consumer;
  /** The partitions of the latest completed join. */
  partitions: number[];
  generationId: number;
  readonly values: string[];
}

async function startMember(kafka: Kafka, groupId: string, topic: string): Promise<Member> {
  const consumer = kafka.consumer({
    groupId,
    sessionTimeout: 10_000,
    rebalanceTimeout: REBALANCE_TIMEOUT_MS,
    heartbeatInterval: 300,
    maxWaitTimeInMs: 200,
  });
  const member: Member = { consumer, partitions: [], generationId: -1, values: [] };
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    member.partitions = [...(e.payload.memberAssignment[topic] ?? [])].sort((a, b) => a - b);
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }: EachMessagePayload) => {
      member.values.push(String(message.value));
    },
  });
  return member;
}

describe('kafkajs consumer groups', () => {
  let b: TestBroker;
  before(async () => {
    b = await startTestBroker({ 'group.initial.rebalance.delay.ms': '0' });
  });
  after(async () => {
    await b.stop();
  });

  test('three members split six partitions; when one leaves the others take its partitions', async () => {
    const kafka = client(b.bootstrap);
    const topic = uniqueTopic('kjs-g6');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 6 }], waitForLeaders: true });
    const groupId = uniqueTopic('kjs-three');
    const members: Member[] = [];
    try {
      for (let i = 0; i < 3; i++) members.push(await startMember(kafka, groupId, topic));
      await until('two partitions each, all six covered', () => {
        const all = members.flatMap((m) => m.partitions);
        return members.every((m) => m.partitions.length === 2) && new Set(all).size === 6;
      });
      const values = Array.from({ length: 60 }, (_, i) => `v${i}`);
      await produce(kafka, topic, values, 6);
      await until(
        'every message consumed once',
        () => members.flatMap((m) => m.values).length >= 60,
      );
      assert.deepEqual(members.flatMap((m) => m.values).sort(), [...values].sort());

      const leaving = members.pop()!;
      const orphaned = leaving.partitions;
      const leftAt = Date.now();
      await leaving.consumer.disconnect();
      await until(
        'the two remaining members cover all six partitions',
        () => {
          const all = members.flatMap((m) => m.partitions);
          return members.every((m) => m.partitions.length === 3) && new Set(all).size === 6;
        },
        REBALANCE_TIMEOUT_MS,
      );
      assert.ok(Date.now() - leftAt < REBALANCE_TIMEOUT_MS);
      for (const p of orphaned) assert.ok(members.some((m) => m.partitions.includes(p)));
      const described = await admin.describeGroups([groupId]);
      assert.equal(described.groups[0]?.state, 'Stable');
      assert.equal(described.groups[0]?.members.length, 2);
    } finally {
      for (const m of members) await m.consumer.disconnect();
      await admin.disconnect();
    }
  });

  test('committed offsets survive a consumer restart and a broker restart', async () => {
    const topic = uniqueTopic('kjs-resume');
    const groupId = uniqueTopic('kjs-resume-group');
    const rounds = [0, 1, 2].map((r) => Array.from({ length: 30 }, (_, i) => `r${r}-${i}`));
    const first = client(b.bootstrap);
    const admin = first.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
    await admin.disconnect();

    const consumeRound = async (kafka: Kafka, expected: readonly string[]) => {
      const m = await startMember(kafka, groupId, topic);
      try {
        await until(
          () => `${expected.length} messages (have ${m.values.join(',')})`,
          () => m.values.length >= expected.length,
          20_000,
        );
      } finally {
        // A clean stop commits what was processed.
        await m.consumer.disconnect();
      }
      return m.values;
    };

    await produce(first, topic, rounds[0]!, 3);
    assert.deepEqual((await consumeRound(first, rounds[0]!)).sort(), [...rounds[0]!].sort());

    await produce(first, topic, rounds[1]!, 3);
    const afterConsumerRestart = await consumeRound(first, rounds[1]!);
    assert.deepEqual(afterConsumerRestart.sort(), [...rounds[1]!].sort(), 'only the new round');

    b = await b.restart();
    const second = client(b.bootstrap);
    await produce(second, topic, rounds[2]!, 3);
    const afterBrokerRestart = await consumeRound(second, rounds[2]!);
    assert.deepEqual(afterBrokerRestart.sort(), [...rounds[2]!].sort(), 'only the newest round');

    const check = second.admin();
    await check.connect();
    const committed = await check.fetchOffsets({ groupId, topics: [topic] });
    const ends = await check.fetchTopicOffsets(topic);
    await check.disconnect();
    const committedBy = new Map(committed[0]!.partitions.map((p) => [p.partition, p.offset]));
    for (const e of ends)
      assert.equal(committedBy.get(e.partition), e.offset, `partition ${e.partition}`);
  });
});
