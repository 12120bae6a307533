// Real clients under ACLs: kcat (librdkafka), python3-confluent-kafka and
// kafkajs connect as the principal their listener gives them and meet Kafka's
// authorization errors. One topic allows the principal to produce but not to
// consume, the other the reverse; each client produces to and consumes from
// both. The ACLs are added with `gregor acls` (kafka-acls.sh's --producer and
// --consumer conveniences), itself authorized by Alter on the cluster.
//
// The principal: PLAINTEXT connections are User:ANONYMOUS, as in Kafka. Once SASL
// listeners are in main (the security branch), PRINCIPAL switches to a SASL user
// and the clients log in as it; nothing else here depends on who the user is.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { type BrokerWithHandlers, startBrokerWithHandlers } from '../../src/broker.ts';
import { buildValueBatch } from '../../src/log/testing/test-batch.ts';
import { CreateAcls } from '../../src/protocol/apis/create-acls.ts';
import { CreateTopics } from '../../src/protocol/apis/create-topics.ts';
import { ListOffsets } from '../../src/protocol/apis/list-offsets.ts';
import { Produce } from '../../src/protocol/apis/produce.ts';
import { ErrorCode } from '../../src/protocol/error-codes.ts';
import { gregor, ok } from '../cli/cli-harness.ts';
import { run, runPython } from '../harness/processes.ts';
import { callAs } from './handler-calls.ts';

const PRINCIPAL = 'User:ANONYMOUS';
const ADMIN = 'admin';
const RECORDS = ['c0', 'c1', 'c2'];

interface Topics {
  readonly produceOnly: string;
  readonly consumeOnly: string;
  readonly group: string;
}

describe('real clients under ACLs (allowed to produce but not consume, and the reverse)', () => {
  let b: BrokerWithHandlers;
  let dir: string;
  let bootstrap: string;
  let n = 0;

  const admin = <A extends Parameters<typeof callAs>[2]>(
    api: A,
    version: number,
    body: Record<string, unknown>,
  ) => callAs(b.handlers, ADMIN, api, version, body);

  async function endOffset(topic: string): Promise<number> {
    const r = await admin(ListOffsets, 7, {
      replicaId: -1,
      topics: [
        { name: topic, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1 }] },
      ],
    });
    return r.topics[0]!.partitions[0]!.offset;
  }

  /** Two fresh topics (the consume-only one holding RECORDS) and the ACLs, added with gregor acls. */
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
    const add = (args: string[]) =>
      gregor(bootstrap, ['acls', '--add', '--allow-principal', PRINCIPAL, ...args]);
    ok(await add(['--producer', '--topic', t.produceOnly]), 'acls --producer');
    ok(await add(['--consumer', '--topic', t.consumeOnly, '--group', t.group]), 'acls --consumer');
    return t;
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gregor-acl-clients-'));
    b = await startBrokerWithHandlers({
      dataDir: dir,
      port: 0,
      host: '127.0.0.1',
      config: {
        'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
        'super.users': `User:${ADMIN}`,
        'allow.everyone.if.no.acl.found': 'false',
        'auto.create.topics.enable': 'false',
        'group.initial.rebalance.delay.ms': '0',
        'offsets.topic.num.partitions': '1',
      },
    });
    bootstrap = `127.0.0.1:${b.broker.port}`;
    // The one grant made behind the wire: the tool's principal may manage ACLs.
    const granted = await admin(CreateAcls, 3, {
      creations: ['ALTER', 'DESCRIBE'].map((op) => ({
        resourceType: 4,
        resourceName: 'kafka-cluster',
        resourcePatternType: 3,
        principal: PRINCIPAL,
        host: '*',
        operation: op === 'ALTER' ? 7 : 8,
        permissionType: 3,
      })),
    });
    for (const r of granted.results) assert.equal(r.errorCode, ErrorCode.NONE);
  });

  after(async () => {
    await b?.broker.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('gregor acls --list shows what --producer and --consumer added, in kafka-acls.sh form', async () => {
    const t = await roles('list');
    const r = ok(await gregor(bootstrap, ['acls', '--list', '--topic', t.produceOnly]), 'list');
    assert.match(
      r.stdout,
      new RegExp(
        `Current ACLs for resource \`ResourcePattern\\(resourceType=TOPIC, name=${t.produceOnly}, patternType=LITERAL\\)\`: \n`,
      ),
    );
    for (const op of ['WRITE', 'DESCRIBE', 'CREATE'])
      assert.ok(
        r.stdout.includes(
          `\t(principal=${PRINCIPAL}, host=*, operation=${op}, permissionType=ALLOW)`,
        ),
        r.stdout,
      );
    assert.ok(!r.stdout.includes('operation=READ'), r.stdout);
  });

  test('kcat: produces where allowed, gets Topic authorization failed where not', async () => {
    const t = await roles('kcat');
    const produce = (topic: string) =>
      run('kcat', ['-b', bootstrap, '-P', '-t', topic, '-X', 'message.timeout.ms=10000'], {
        input: 'k1\nk2\n',
      });
    const consume = (topic: string) =>
      run('kcat', [
        '-b',
        bootstrap,
        '-C',
        '-t',
        topic,
        '-o',
        'beginning',
        '-e',
        '-q',
        '-f',
        '%s\n',
      ]);
    const p1 = await produce(t.produceOnly);
    assert.equal(p1.code, 0, p1.stderr);
    assert.equal(await endOffset(t.produceOnly), 2);
    const p2 = await produce(t.consumeOnly);
    assert.match(p2.stderr, /Topic authorization failed/i);
    assert.equal(await endOffset(t.consumeOnly), RECORDS.length);
    const c1 = await consume(t.produceOnly);
    assert.notEqual(c1.code, 0);
    assert.match(c1.stderr, /Topic authorization failed/i);
    const c2 = await consume(t.consumeOnly);
    assert.equal(c2.code, 0, c2.stderr);
    assert.deepEqual(c2.stdout.trim().split('\n'), RECORDS);
  });

  test('python3-confluent-kafka: TOPIC_AUTHORIZATION_FAILED on the side it may not use', async () => {
    const t = await roles('py');
    const script = readFileSync(join(import.meta.dirname, 'python', 'acl_roles.py'), 'utf8');
    const r = (await runPython(script, {
      BOOTSTRAP: bootstrap,
      PRODUCE_ONLY: t.produceOnly,
      CONSUME_ONLY: t.consumeOnly,
      GROUP: t.group,
    })) as {
      produce: Record<string, string>;
      consume: Record<string, { error: string | null; values: string[] }>;
    };
    assert.equal(r.produce[t.produceOnly], 'OK');
    assert.equal(r.produce[t.consumeOnly], 'TOPIC_AUTHORIZATION_FAILED');
    assert.equal(r.consume[t.produceOnly]?.error, 'TOPIC_AUTHORIZATION_FAILED');
    assert.deepEqual(r.consume[t.consumeOnly], { error: null, values: RECORDS });
  });

  test('kafkajs: TOPIC_AUTHORIZATION_FAILED on the side it may not use', async () => {
    const t = await roles('kjs');
    const kafka = new Kafka({
      clientId: 'acl-kafkajs',
      brokers: [bootstrap],
      logLevel: logLevel.NOTHING,
      retry: { retries: 1 },
    });
    const producer = kafka.producer();
    await producer.connect();
    try {
      await producer.send({ topic: t.produceOnly, messages: [{ value: 'from-kafkajs' }] });
      assert.equal(await endOffset(t.produceOnly), 1);
      await assert.rejects(
        producer.send({ topic: t.consumeOnly, messages: [{ value: 'no' }] }),
        (err: Error & { type?: string }) =>
          err.type === 'TOPIC_AUTHORIZATION_FAILED' || /Not authorized/.test(err.message),
      );
    } finally {
      await producer.disconnect();
    }
    assert.deepEqual(await consumeWith(kafka, t.consumeOnly, t.group), { values: RECORDS });
    // kafkajs's crash error is its error for code 29 (the type, or its retry wrapper's text).
    const refused = await consumeWith(kafka, t.produceOnly, t.group);
    assert.match(
      refused.error ?? '',
      /^(TOPIC_AUTHORIZATION_FAILED|Not authorized to access topics: \[Topic authorization failed\])$/,
    );
  });
});

/** Consumes from the beginning until three records arrive or the consumer crashes. */
async function consumeWith(
  kafka: Kafka,
  topic: string,
  groupId: string,
): Promise<{ values?: string[]; error?: string }> {
  const consumer = kafka.consumer({ groupId, retry: { retries: 0 } });
  const values: string[] = [];
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
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
