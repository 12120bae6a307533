// Real clients under ACLs, each logged in as a user: kcat (librdkafka),
// python3-confluent-kafka and kafkajs authenticate with SCRAM-SHA-512 on a
// SASL_PLAINTEXT listener as User:alice and meet Kafka's authorization errors.
// One topic allows alice to produce but not to consume, the other the reverse;
// each client produces to and consumes from both. User:bob, a second SCRAM
// user with no topic ACLs (only Read on the group, so the topic is what refuses
// him), is refused on both topics where alice is allowed: the decision follows
// the authenticated principal. The ACLs are added with `gregor acls`
// (kafka-acls.sh's --producer and --consumer conveniences) logged in through
// --command-config as User:admin, a super user; alice, who may not Describe the
// cluster, cannot list them. The users come from --add-scram, as an operator
// bootstraps the first credentials; topics and reference records are set up
// behind the wire as admin.

import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { type BrokerWithHandlers, startBrokerWithHandlers } from '../../src/broker.ts';
import { buildValueBatch } from '../../src/log/testing/test-batch.ts';
import { CreateTopics } from '../../src/protocol/apis/create-topics.ts';
import { ListOffsets } from '../../src/protocol/apis/list-offsets.ts';
import { Produce } from '../../src/protocol/apis/produce.ts';
import { ErrorCode } from '../../src/protocol/error-codes.ts';
import { gregor, ok } from '../cli/cli-harness.ts';
import { run, runPython } from '../harness/processes.ts';
import { callAs } from './handler-calls.ts';

interface User {
  readonly name: string;
  readonly password: string;
}

const ADMIN: User = { name: 'admin', password: 'admin-secret' };
const ALICE: User = { name: 'alice', password: 'alice-secret' };
const BOB: User = { name: 'bob', password: 'bob-secret' };
const MECHANISM = 'SCRAM-SHA-512';
const RECORDS = ['c0', 'c1', 'c2'];

const principalOf = (u: User) => `User:${u.name}`;

interface Topics {
  readonly produceOnly: string;
  readonly consumeOnly: string;
  readonly group: string;
}

describe('real clients logged in as users under ACLs (allowed to produce but not consume, and the reverse)', () => {
  let b: BrokerWithHandlers;
  let dir: string;
  let bootstrap: string;
  let n = 0;

  const admin = <A extends Parameters<typeof callAs>[2]>(
    api: A,
    version: number,
    body: Record<string, unknown>,
  ) => callAs(b.handlers, ADMIN.name, api, version, body);

  /** Kafka client properties for a user, as the tools' --command-config reads them. */
  function commandConfig(u: User): string {
    const path = join(dir, `${u.name}.properties`);
    writeFileSync(
      path,
      [
        'security.protocol=SASL_PLAINTEXT',
        `sasl.mechanism=${MECHANISM}`,
        `sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${u.name}" password="${u.password}";`,
        '',
      ].join('\n'),
    );
    return path;
  }

  const gregorAs = (u: User, args: string[]) =>
    gregor(bootstrap, [...args, '--command-config', commandConfig(u)]);

  /** librdkafka's settings (kcat -X, confluent_kafka's dict) that log in as the user. */
  const librdkafkaSettings = (u: User): Record<string, string> => ({
    'bootstrap.servers': bootstrap,
    'security.protocol': 'SASL_PLAINTEXT',
    'sasl.mechanisms': MECHANISM,
    'sasl.username': u.name,
    'sasl.password': u.password,
  });

  async function endOffset(topic: string): Promise<number> {
    const r = await admin(ListOffsets, 7, {
      replicaId: -1,
      topics: [
        { name: topic, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1 }] },
      ],
    });
    return r.topics[0]!.partitions[0]!.offset;
  }

  /**
   * Two fresh topics (the consume-only one holding RECORDS) and alice's ACLs, added with
   * gregor acls as admin; bob may read the group only.
   */
  async function roles(client: string): Promise<Topics> {
    const t: Topics = {
      produceOnly: `acl-${client}-produce-${n}`,
      consumeOnly: `acl-${client}-consume-${n}`,
      group: `acl-${client}-group-${n++}`,
    };
    for (const name of [t.produceOnly, t.consumeOnly]) {
      const r = await admin(CreateTopics, 7, {
        topics: [{ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
        timeoutMs: 5000,
      });
      assert.equal(r.topics[0]?.errorCode, ErrorCode.NONE);
    }
    const produced = await admin(Produce, 9, {
      acks: -1,
      timeoutMs: 5000,
      topicData: [
        { name: t.consumeOnly, partitionData: [{ index: 0, records: buildValueBatch('c', 3) }] },
      ],
    });
    assert.equal(produced.responses[0]?.partitionResponses[0]?.errorCode, ErrorCode.NONE);
    const add = (principal: string, args: string[]) =>
      gregorAs(ADMIN, ['acls', '--add', '--allow-principal', principal, ...args]);
    ok(await add(principalOf(ALICE), ['--producer', '--topic', t.produceOnly]), 'acls --producer');
    ok(
      await add(principalOf(ALICE), ['--consumer', '--topic', t.consumeOnly, '--group', t.group]),
      'acls --consumer',
    );
    ok(await add(principalOf(BOB), ['--operation', 'Read', '--group', t.group]), 'acls --group');
    return t;
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gregor-acl-clients-'));
    b = await startBrokerWithHandlers({
      dataDir: join(dir, 'data'),
      config: {
        listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
        'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT',
        'inter.broker.listener.name': 'PLAINTEXT',
        'sasl.enabled.mechanisms': MECHANISM,
        'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
        'super.users': principalOf(ADMIN),
        'allow.everyone.if.no.acl.found': 'false',
        'auto.create.topics.enable': 'false',
        'group.initial.rebalance.delay.ms': '0',
        'offsets.topic.num.partitions': '1',
      },
      addScram: [ADMIN, ALICE, BOB].map(
        (u) => `${MECHANISM}=[name=${u.name},password=${u.password}]`,
      ),
    });
    bootstrap = `127.0.0.1:${b.broker.listenerPorts.get('SASL_PLAINTEXT')}`;
  });

  after(async () => {
    await b?.broker.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('gregor acls --list shows what --producer and --consumer added, in kafka-acls.sh form; alice may not list', async () => {
    const t = await roles('list');
    const r = ok(await gregorAs(ADMIN, ['acls', '--list', '--topic', t.produceOnly]), 'list');
    assert.match(
      r.stdout,
      new RegExp(
        `Current ACLs for resource \`ResourcePattern\\(resourceType=TOPIC, name=${t.produceOnly}, patternType=LITERAL\\)\`: \n`,
      ),
    );
    for (const op of ['WRITE', 'DESCRIBE', 'CREATE'])
      assert.ok(
        r.stdout.includes(
          `\t(principal=${principalOf(ALICE)}, host=*, operation=${op}, permissionType=ALLOW)`,
        ),
        r.stdout,
      );
    assert.ok(!r.stdout.includes('operation=READ'), r.stdout);
    // The tool's own principal is checked too: alice has no Describe on the cluster.
    const refused = await gregorAs(ALICE, ['acls', '--list', '--topic', t.produceOnly]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /Cluster authorization failed/);
  });

  test('kcat: alice produces where allowed, gets Topic authorization failed where not; bob is refused both', async () => {
    const t = await roles('kcat');
    const settings = (u: User) =>
      Object.entries(librdkafkaSettings(u)).flatMap(([k, v]) => ['-X', `${k}=${v}`]);
    const produce = (u: User, topic: string) =>
      run('kcat', [...settings(u), '-P', '-t', topic, '-X', 'message.timeout.ms=10000'], {
        input: 'k1\nk2\n',
      });
    const consume = (u: User, topic: string) =>
      run('kcat', [...settings(u), '-C', '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%s\n']);
    const p1 = await produce(ALICE, t.produceOnly);
    assert.equal(p1.code, 0, p1.stderr);
    assert.equal(await endOffset(t.produceOnly), 2);
    const p2 = await produce(ALICE, t.consumeOnly);
    assert.match(p2.stderr, /Topic authorization failed/i);
    assert.equal(await endOffset(t.consumeOnly), RECORDS.length);
    const c1 = await consume(ALICE, t.produceOnly);
    assert.notEqual(c1.code, 0);
    assert.match(c1.stderr, /Topic authorization failed/i);
    const c2 = await consume(ALICE, t.consumeOnly);
    assert.equal(c2.code, 0, c2.stderr);
    assert.deepEqual(c2.stdout.trim().split('\n'), RECORDS);

    const p3 = await produce(BOB, t.produceOnly);
    assert.match(p3.stderr, /Topic authorization failed/i);
    assert.equal(await endOffset(t.produceOnly), 2);
    const c3 = await consume(BOB, t.consumeOnly);
    assert.notEqual(c3.code, 0);
    assert.match(c3.stderr, /Topic authorization failed/i);
    assert.equal(c3.stdout.trim(), '');
  });

  test('python3-confluent-kafka: TOPIC_AUTHORIZATION_FAILED on the side alice may not use, and for bob on both', async () => {
    const t = await roles('py');
    const script = readFileSync(join(import.meta.dirname, 'python', 'acl_roles.py'), 'utf8');
    type Result = {
      produce: Record<string, string>;
      consume: Record<string, { error: string | null; values: string[] }>;
    };
    const as = async (u: User) =>
      (await runPython(script, {
        CONFIG: JSON.stringify(librdkafkaSettings(u)),
        PRODUCE_ONLY: t.produceOnly,
        CONSUME_ONLY: t.consumeOnly,
        GROUP: t.group,
      })) as Result;
    const alice = await as(ALICE);
    assert.equal(alice.produce[t.produceOnly], 'OK');
    assert.equal(alice.produce[t.consumeOnly], 'TOPIC_AUTHORIZATION_FAILED');
    assert.equal(alice.consume[t.produceOnly]?.error, 'TOPIC_AUTHORIZATION_FAILED');
    assert.deepEqual(alice.consume[t.consumeOnly], { error: null, values: RECORDS });
    const bob = await as(BOB);
    assert.equal(bob.produce[t.produceOnly], 'TOPIC_AUTHORIZATION_FAILED');
    assert.deepEqual(bob.consume[t.consumeOnly], {
      error: 'TOPIC_AUTHORIZATION_FAILED',
      values: [],
    });
    assert.equal(await endOffset(t.produceOnly), 1);
  });

  test('kafkajs: TOPIC_AUTHORIZATION_FAILED on the side alice may not use, and for bob on both', async () => {
    const t = await roles('kjs');
    const kafkaAs = (u: User) =>
      new Kafka({
        clientId: 'acl-kafkajs',
        brokers: [bootstrap],
        sasl: { mechanism: 'scram-sha-512', username: u.name, password: u.password },
        logLevel: logLevel.NOTHING,
        retry: { retries: 1 },
      });
    const refusedSend = (err: Error & { type?: string }) =>
      err.type === 'TOPIC_AUTHORIZATION_FAILED' || /Not authorized/.test(err.message);
    const kafka = kafkaAs(ALICE);
    const producer = kafka.producer();
    await producer.connect();
    try {
      await producer.send({ topic: t.produceOnly, messages: [{ value: 'from-kafkajs' }] });
      assert.equal(await endOffset(t.produceOnly), 1);
      await assert.rejects(
        producer.send({ topic: t.consumeOnly, messages: [{ value: 'no' }] }),
        refusedSend,
      );
    } finally {
      await producer.disconnect();
    }
    assert.deepEqual(await consumeWith(kafka, t.consumeOnly, t.group), { values: RECORDS });
    // kafkajs's crash error is its error for code 29 (the type, or its retry wrapper's text).
    const topicRefused =
      /^(TOPIC_AUTHORIZATION_FAILED|Not authorized to access topics: \[Topic authorization failed\])$/;
    const refused = await consumeWith(kafka, t.produceOnly, t.group);
    assert.match(refused.error ?? '', topicRefused);

    const bob = kafkaAs(BOB);
    const bobProducer = bob.producer();
    await bobProducer.connect();
    try {
      await assert.rejects(
        bobProducer.send({ topic: t.produceOnly, messages: [{ value: 'from-bob' }] }),
        refusedSend,
      );
    } finally {
      await bobProducer.disconnect();
    }
    assert.equal(await endOffset(t.produceOnly), 1);
    const bobConsumes = await consumeWith(bob, t.consumeOnly, t.group);
    assert.match(bobConsumes.error ?? '', topicRefused);
  });
});

/**
 * Consumes from the beginning until three records arrive or the consumer crashes. A topic
 * the user may not even Describe is refused already by subscribe (kafkajs asks for its
 * metadata there), which is reported the same way.
 */
async function consumeWith(
  kafka: Kafka,
  topic: string,
  groupId: string,
): Promise<{ values?: string[]; error?: string }> {
  const consumer = kafka.consumer({ groupId, retry: { retries: 0 } });
  const values: string[] = [];
  try {
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
    } catch (e) {
      const err = e as Error & { type?: string };
      return { error: err.type ?? err.message };
    }
    return await new Promise((resolve) => {
      const timer = setTimeout(() => resolve({ error: 'TIMEOUT', values }), 30_000);
      consumer.on(consumer.events.CRASH, (e) => {
        clearTimeout(timer);
        const err = e.payload.error as Error & { type?: string };
        resolve({ error: err.type ?? err.message });
      });
      void consumer
        .run({
          eachMessage: async ({ message }) => {
            values.push(message.value?.toString() ?? '');
            if (values.length === RECORDS.length) {
              clearTimeout(timer);
              resolve({ values });
            }
          },
        })
        .catch((err: Error & { type?: string }) => {
          clearTimeout(timer);
          resolve({ error: err.type ?? err.message });
        });
    });
  } finally {
    await consumer.disconnect();
  }
}
