// Partition reassignment and partition growth on three broker processes and
// a real etcd, driven by real clients: kafkajs alters and lists
// reassignments and grows a topic, @platformatic/kafka's low-level API sends
// the cancel (kafkajs cannot send null replicas), kcat reads metadata and
// consumes. A move of two partitions off broker 0 ends with the new replicas
// holding every acknowledged message (read back with brokers 0 and 1 stopped)
// and broker 0's copies deleted; a cancel reverts; bad requests get Kafka's errors.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  alterPartitionReassignmentsV0,
  Connection,
  listPartitionReassignmentsV0,
} from '@platformatic/kafka';
import type { Admin } from 'kafkajs';
import { AlterPartitionReassignments } from '../../src/protocol/apis/alter-partition-reassignments.ts';
import { ErrorCode } from '../../src/protocol/error-codes.ts';
import { gregor, ok } from '../cli/cli-harness.ts';
import { type BrokerProcess, freePort, spawnBroker } from '../harness/broker-process.ts';
import { type EtcdProcess, startEtcd } from '../harness/etcd.ts';
import { run } from '../harness/processes.ts';
import { RawClient } from '../harness/raw-client.ts';
import { describeTopic, until } from '../harness/topic-state.ts';

/** Long enough that a broker paused with SIGSTOP stays registered through the cancel test. */
const SESSION_TIMEOUT_MS = 10_000;
const MOVED_MESSAGES = 3000;

/** The error types of a kafkajs call that must fail, per topic-partition. */
async function kafkajsErrors(call: Promise<unknown>): Promise<string[]> {
  try {
    await call;
  } catch (err) {
    const errors =
      (err as { errors?: Array<{ topic: string; partition: number; type: string }> }).errors ?? [];
    return errors.map((e) => `${e.topic}-${e.partition}:${e.type}`);
  }
  throw new Error('the call succeeded');
}

/** What kafkajs 2.2.4 returns from listPartitionReassignments (its type declarations say otherwise). */
interface ListedTopic {
  name: string;
  partitions: Array<{
    partition: number;
    replicas: number[];
    addingReplicas: number[];
    removingReplicas: number[];
  }>;
}

/** Null on the wire; @platformatic/kafka 1.35 encodes it (a nullable array) though its types say number[]. */
const NULL_REPLICAS = null as unknown as number[];

const sorted = (xs: readonly number[]): number[] => [...xs].sort((a, b) => a - b);

describe('partition reassignment on three brokers', () => {
  let etcd: EtcdProcess;
  let dir: string;
  const brokers: Array<BrokerProcess | null> = [];
  const admins: Admin[] = [];

  const bootstrapOf = (ids: readonly number[]) => ids.map((id) => brokers[id]!.bootstrap).join(',');

  async function admin(ids: readonly number[] = [0, 1, 2]): Promise<Admin> {
    const { Kafka, logLevel } = await import('kafkajs');
    const kafka = new Kafka({
      clientId: 'reassign-test',
      brokers: ids.map((id) => brokers[id]!.bootstrap),
      logLevel: logLevel.NOTHING,
    });
    const a = kafka.admin();
    await a.connect();
    admins.push(a);
    return a;
  }

  /** After a SIGCONT: until the metadata lists all three brokers again. */
  async function threeLiveBrokers(): Promise<void> {
    await until('three live brokers again', 30_000, async () => {
      const r = await run('kcat', ['-b', bootstrapOf([0, 1, 2]), '-L']);
      return / 3 brokers:/.test(r.stdout) ? true : null;
    });
  }

  async function platformatic<T>(id: number, use: (c: Connection) => Promise<T>): Promise<T> {
    const c = new Connection('reassign-pf');
    const [host, port] = brokers[id]!.bootstrap.split(':');
    await c.connect(host!, Number(port));
    try {
      return await use(c);
    } finally {
      await c.close();
    }
  }

  before(async () => {
    etcd = await startEtcd();
    dir = await mkdtemp(join(tmpdir(), 'gregor-reassign-'));
    for (let id = 0; id < 3; id++) {
      const overrides = {
        'node.id': String(id),
        'metadata.store': etcd.endpoint.replace('http://', 'etcd://'),
        'cluster.id': 'UmVhc3NpZ25tZW50VGVzdA',
        'broker.session.timeout.ms': String(SESSION_TIMEOUT_MS),
        'replica.lag.time.max.ms': '5000',
      };
      brokers.push(
        await spawnBroker({ dataDir: join(dir, `b${id}`), port: await freePort(), overrides }),
      );
    }
  });

  after(async () => {
    for (const a of admins) await a.disconnect().catch(() => undefined);
    for (const b of brokers) b?.child.kill('SIGKILL');
    await etcd.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('bad targets get Kafka errors through kafkajs; a cancel with nothing running is NO_REASSIGNMENT_IN_PROGRESS', async () => {
    const a = await admin();
    await a.createTopics({
      topics: [{ topic: 'errs', replicaAssignment: [{ partition: 0, replicas: [0, 1] }] }],
      waitForLeaders: true,
    });
    const errors = await kafkajsErrors(
      a.alterPartitionReassignments({
        topics: [
          { topic: 'nope', partitionAssignment: [{ partition: 0, replicas: [0, 1] }] },
          {
            topic: 'errs',
            partitionAssignment: [
              { partition: 5, replicas: [0, 1] },
              { partition: 0, replicas: [0, 7] },
              { partition: 0, replicas: [1, 1] },
              { partition: 0, replicas: [] },
            ],
          },
        ],
      }),
    );
    assert.deepEqual(errors, [
      'nope-0:UNKNOWN_TOPIC_OR_PARTITION',
      'errs-5:UNKNOWN_TOPIC_OR_PARTITION',
      'errs-0:INVALID_REPLICA_ASSIGNMENT',
      'errs-0:INVALID_REPLICA_ASSIGNMENT',
      'errs-0:INVALID_REPLICA_ASSIGNMENT',
    ]);
    assert.deepEqual((await a.listPartitionReassignments({})).topics, []);

    const cancel = await platformatic(1, async (c) => {
      try {
        await alterPartitionReassignmentsV0.api.async(c, 5000, true, [
          { name: 'errs', partitions: [{ partitionIndex: 0, replicas: NULL_REPLICAS }] },
        ]);
        return null;
      } catch (err) {
        return (
          (err as { response?: { responses: Array<{ partitions: Array<{ errorCode: number }> }> } })
            .response ?? null
        );
      }
    });
    assert.equal(
      cancel?.responses[0]?.partitions[0]?.errorCode,
      ErrorCode.NO_REASSIGNMENT_IN_PROGRESS,
    );

    // v1 (KIP-860): without allowReplicationFactorChange a target of another size is refused.
    const raw = await RawClient.connect(brokers[2]!.bootstrap);
    try {
      const r = await raw.send(AlterPartitionReassignments, 1, {
        timeoutMs: 5000,
        allowReplicationFactorChange: false,
        topics: [{ name: 'errs', partitions: [{ partitionIndex: 0, replicas: [0, 1, 2] }] }],
      });
      assert.equal(r.allowReplicationFactorChange, false);
      assert.equal(r.responses[0]?.partitions[0]?.errorCode, ErrorCode.INVALID_REPLICATION_FACTOR);
    } finally {
      raw.close();
    }
    const [p] = await describeTopic(bootstrapOf([0, 1, 2]), 'errs');
    assert.deepEqual(p?.replicas, [0, 1], 'nothing changed');
  });

  test('CreatePartitions on a replication-factor-3 topic: new partitions have 3 replicas, a leader and a full ISR; acks=all works on them', async () => {
    const { Kafka, logLevel } = await import('kafkajs');
    const a = await admin();
    await a.createTopics({
      topics: [{ topic: 'grown', numPartitions: 1, replicationFactor: 3 }],
      waitForLeaders: true,
    });
    await a.createPartitions({ topicPartitions: [{ topic: 'grown', count: 4 }] });
    const md = await until('four partitions with full ISRs', 30_000, async () => {
      const m = await a.fetchTopicMetadata({ topics: ['grown'] });
      const ps = m.topics[0]?.partitions ?? [];
      return ps.length === 4 && ps.every((p) => p.isr.length === 3 && p.leader >= 0) ? ps : null;
    });
    for (const p of md) {
      assert.deepEqual(sorted(p.replicas), [0, 1, 2], `partition ${p.partitionId} replicas`);
      assert.ok(p.replicas.includes(p.leader));
    }
    const producer = new Kafka({
      clientId: 'grown-p',
      brokers: [brokers[0]!.bootstrap],
      logLevel: logLevel.NOTHING,
    }).producer();
    await producer.connect();
    try {
      for (const partition of [1, 2, 3]) {
        const messages = Array.from({ length: 50 }, (_, i) => ({
          partition,
          value: `p${partition}-${i}`,
        }));
        await producer.send({ topic: 'grown', acks: -1, messages });
      }
    } finally {
      await producer.disconnect();
    }
    const c = await run('kcat', [
      '-b',
      bootstrapOf([0, 1, 2]),
      '-C',
      '-t',
      'grown',
      '-o',
      'beginning',
      '-e',
      '-f',
      '%p %s\n',
    ]);
    assert.equal(c.code, 0, c.stderr);
    const rows = c.stdout
      .trim()
      .split('\n')
      .map((l) => l.split(' '));
    for (const partition of [1, 2, 3]) {
      const values = rows.filter((r) => r[0] === String(partition)).map((r) => r[1]);
      assert.deepEqual(
        values,
        Array.from({ length: 50 }, (_, i) => `p${partition}-${i}`),
      );
    }
  });

  test('a reassignment whose new replica cannot catch up is listed, and a cancel (null replicas) reverts it', async () => {
    const probe = await admin();
    const controller = (await probe.describeCluster()).controller;
    assert.ok(controller !== null && controller >= 0);
    const victim = [0, 1, 2].find((id) => id !== controller)!;
    const [first, second] = [0, 1, 2].filter((id) => id !== victim) as [number, number];
    await probe.createTopics({
      topics: [
        { topic: 'undone', replicaAssignment: [{ partition: 0, replicas: [first, second] }] },
      ],
      waitForLeaders: true,
    });
    await until('a full ISR', 30_000, async () => {
      const [p] = await describeTopic(bootstrapOf([0, 1, 2]), 'undone');
      return p?.isr.length === 2 ? p : null;
    });

    // Paused, the new replica stays registered (its lease outlives the
    // test's few seconds) but cannot fetch, so the reassignment waits.
    const paused = brokers[victim]!;
    paused.child.kill('SIGSTOP');
    try {
      const a = await admin([controller]);
      await a.alterPartitionReassignments({
        topics: [
          { topic: 'undone', partitionAssignment: [{ partition: 0, replicas: [second, victim] }] },
        ],
      });
      const listed = await a.listPartitionReassignments({
        topics: [{ topic: 'undone', partitions: [0] }],
      });
      assert.deepEqual(listed.topics as unknown as ListedTopic[], [
        {
          name: 'undone',
          partitions: [
            {
              partition: 0,
              replicas: [second, victim, first],
              addingReplicas: [victim],
              removingReplicas: [first],
            },
          ],
        },
      ]);
      const everything = await a.listPartitionReassignments({});
      assert.deepEqual(
        (everything.topics as unknown as ListedTopic[]).map((t) => t.name),
        ['undone'],
      );

      const answer = await platformatic(controller, (c) =>
        alterPartitionReassignmentsV0.api.async(c, 5000, true, [
          { name: 'undone', partitions: [{ partitionIndex: 0, replicas: NULL_REPLICAS }] },
        ]),
      );
      assert.equal(answer.responses[0]?.partitions[0]?.errorCode, ErrorCode.NONE);
      const afterCancel = await platformatic(
        controller,
        (c) =>
          listPartitionReassignmentsV0.api.async(c, 5000, null as unknown as []) /* null: all */,
      );
      assert.deepEqual(afterCancel.topics, []);
      const [p] = await describeTopic(brokers[controller]!.bootstrap, 'undone');
      assert.deepEqual(
        p?.replicas,
        [first, second],
        'back to the replicas from before, in their order',
      );
      assert.ok(
        p?.isr.every((r) => r === first || r === second),
        `ISR ${JSON.stringify(p?.isr)}`,
      );
    } finally {
      paused.child.kill('SIGCONT');
    }
    await until('the resumed broker to hold no copy of the partition', 30_000, async () =>
      existsSync(join(dir, `b${victim}`, 'undone-0')) ? null : true,
    );
    await threeLiveBrokers();
  });

  test('gregor reassign-partitions: --execute, --verify, --list and --cancel with Kafka’s JSON and sentences', async () => {
    const probe = await admin();
    const controller = (await probe.describeCluster()).controller!;
    const victim = [0, 1, 2].find((id) => id !== controller)!;
    const live = [0, 1, 2].filter((id) => id !== victim);
    await probe.createTopics({
      topics: [
        {
          topic: 'tool',
          replicaAssignment: [
            { partition: 0, replicas: [0, 1] },
            { partition: 1, replicas: [1, 2] },
          ],
        },
        { topic: 'tool-stuck', replicaAssignment: [{ partition: 0, replicas: live }] },
      ],
      waitForLeaders: true,
    });
    const file = join(dir, 'tool.json');
    const target =
      '{"version":1,"partitions":[{"topic":"tool","partition":1,"replicas":[2,0],"log_dirs":["any","any"]},' +
      '{"topic":"tool","partition":0,"replicas":[1,2]}]}';
    await writeFile(file, target);
    const reassign = (args: string[], ids: readonly number[] = [0, 1, 2]) =>
      gregor(bootstrapOf(ids), ['reassign-partitions', ...args], { timeoutMs: 90_000 });

    const executed = ok(
      await reassign(['--reassignment-json-file', file, '--execute']),
      '--execute',
    );
    assert.equal(
      executed.stdout,
      'Current partition replica assignment\n\n' +
        '{"version":1,"partitions":[{"topic":"tool","partition":0,"replicas":[0,1],"log_dirs":["any","any"]},' +
        '{"topic":"tool","partition":1,"replicas":[1,2],"log_dirs":["any","any"]}]}\n\n' +
        'Save this to use as the --reassignment-json-file option during rollback\n' +
        'Successfully started partition reassignments for tool-0,tool-1\n',
    );
    await until('--verify to report both done', 60_000, async () => {
      const v = ok(await reassign(['--reassignment-json-file', file, '--verify']), '--verify');
      return v.stdout ===
        'Status of partition reassignment:\nReassignment of partition tool-0 is completed.\n' +
          'Reassignment of partition tool-1 is completed.\n\n' +
          // As Kafka's tool, --verify clears replication throttles once the moves are done.
          'Clearing broker-level throttles on brokers 0,1,2\n' +
          'Clearing topic-level throttles on topic tool\n'
        ? true
        : null;
    });
    assert.deepEqual(
      (await describeTopic(bootstrapOf([0, 1, 2]), 'tool')).map((p) => p.replicas),
      [
        [1, 2],
        [2, 0],
      ],
    );
    assert.equal(
      ok(await reassign(['--list']), '--list').stdout,
      'No partition reassignments found.\n',
    );
    assert.equal(
      ok(await reassign(['--reassignment-json-file', file, '--cancel']), '--cancel').stdout,
      'None of the specified partition reassignments are active.\nNone of the specified partition moves are active.\n',
    );
    await writeFile(
      file,
      '{"version":1,"partitions":[{"topic":"tool","partition":0,"replicas":[1,7]}]}',
    );
    const unknown = await reassign(['--reassignment-json-file', file, '--execute']);
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stderr, 'Unknown broker id 7\n');

    // A reassignment that cannot finish (its new replica is paused) is listed and cancelled.
    const stuck = join(dir, 'stuck.json');
    await writeFile(
      stuck,
      `{"version":1,"partitions":[{"topic":"tool-stuck","partition":0,"replicas":[${live[1]},${victim}]}]}`,
    );
    const paused = brokers[victim]!;
    paused.child.kill('SIGSTOP');
    try {
      ok(
        await reassign(['--reassignment-json-file', stuck, '--execute'], live),
        '--execute (stuck)',
      );
      assert.equal(
        ok(await reassign(['--list'], live), '--list (stuck)').stdout,
        'Current partition reassignments:\n' +
          `tool-stuck-0: replicas: ${live[1]},${victim},${live[0]}. adding: ${victim}. removing: ${live[0]}.\n`,
      );
      assert.equal(
        ok(
          await reassign(['--reassignment-json-file', stuck, '--verify'], live),
          '--verify (stuck)',
        ).stdout,
        'Status of partition reassignment:\nReassignment of partition tool-stuck-0 is still in progress.\n\n',
      );
      assert.equal(
        ok(
          await reassign(['--reassignment-json-file', stuck, '--cancel'], live),
          '--cancel (stuck)',
        ).stdout,
        'Successfully cancelled partition reassignment for: tool-stuck-0\nNone of the specified partition moves are active.\n',
      );
      assert.deepEqual((await describeTopic(bootstrapOf(live), 'tool-stuck'))[0]?.replicas, live);
    } finally {
      paused.child.kill('SIGCONT');
    }
    await threeLiveBrokers();
  });

  test('moving two partitions off broker 0: new replicas catch up, the old copy is deleted, and the data survives without brokers 0 and 1', async () => {
    const { Kafka, logLevel } = await import('kafkajs');
    const a = await admin();
    const replicaAssignment = [
      { partition: 0, replicas: [0, 1] },
      { partition: 1, replicas: [1, 0] },
    ];
    await a.createTopics({
      topics: [{ topic: 'moving', replicaAssignment }],
      waitForLeaders: true,
    });
    const producer = new Kafka({
      clientId: 'moving-p',
      brokers: bootstrapOf([0, 1, 2]).split(','),
      logLevel: logLevel.NOTHING,
    }).producer();
    await producer.connect();
    try {
      for (let base = 0; base < MOVED_MESSAGES; base += 500) {
        const messages = Array.from({ length: 500 }, (_, i) => ({
          partition: (base + i) % 2,
          value: `m-${base + i}`,
        }));
        await producer.send({ topic: 'moving', acks: -1, messages });
      }
    } finally {
      await producer.disconnect();
    }

    await a.alterPartitionReassignments({
      topics: [
        {
          topic: 'moving',
          partitionAssignment: [
            { partition: 0, replicas: [1, 2] },
            { partition: 1, replicas: [2, 1] },
          ],
        },
      ],
    });
    await until('the reassignments to finish', 60_000, async () => {
      const r = await a.listPartitionReassignments({
        topics: [{ topic: 'moving', partitions: [0, 1] }],
      });
      return r.topics.length === 0 ? true : null;
    });
    const md = (await a.fetchTopicMetadata({ topics: ['moving'] })).topics[0]!.partitions.sort(
      (x, y) => x.partitionId - y.partitionId,
    );
    assert.deepEqual(
      md.map((p) => p.replicas),
      [
        [1, 2],
        [2, 1],
      ],
    );
    for (const p of md)
      assert.ok(
        p.isr.every((r) => r === 1 || r === 2) && p.isr.length > 0,
        `ISR ${JSON.stringify(p.isr)}`,
      );
    const kcat = await describeTopic(bootstrapOf([0, 1, 2]), 'moving');
    assert.deepEqual(
      kcat.map((p) => p.replicas),
      [
        [1, 2],
        [2, 1],
      ],
    );
    assert.equal(kcat[0]?.leader, 1, 'the removed leader handed partition 0 to a target replica');

    await until('broker 0 to delete its copies', 30_000, async () =>
      existsSync(join(dir, 'b0', 'moving-0')) || existsSync(join(dir, 'b0', 'moving-1'))
        ? null
        : true,
    );
    assert.ok(existsSync(join(dir, 'b2', 'moving-0')) && existsSync(join(dir, 'b2', 'moving-1')));
    await until('broker 2 in both ISRs', 30_000, async () => {
      const d = await describeTopic(bootstrapOf([1, 2]), 'moving');
      return d.length === 2 && d.every((p) => sorted(p.isr).join() === '1,2') ? true : null;
    });

    // Only broker 2 left: every acknowledged message must come from its copy.
    for (const id of [0, 1]) {
      const b = brokers[id]!;
      b.child.kill('SIGTERM');
      assert.equal(await b.exited, 0, b.output());
      brokers[id] = null;
    }
    const only2 = brokers[2]!.bootstrap;
    await until('broker 2 to lead both partitions', 30_000, async () => {
      const d = await describeTopic(only2, 'moving');
      return d.length === 2 && d.every((p) => p.leader === 2) ? true : null;
    });
    const rows = await until('every message from broker 2', 30_000, async () => {
      const c = await run(
        'kcat',
        ['-b', only2, '-C', '-t', 'moving', '-o', 'beginning', '-e', '-f', '%s\n'],
        { timeoutMs: 60_000 },
      );
      const got = c.stdout.split('\n').filter((l) => l !== '');
      return got.length >= MOVED_MESSAGES ? got : null;
    });
    assert.equal(rows.length, MOVED_MESSAGES);
    assert.equal(new Set(rows).size, MOVED_MESSAGES, 'each message exactly once');
  });
});
