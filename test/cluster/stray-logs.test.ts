// What a broker finds on disk after being down while topics changed, on three
// broker processes and a real etcd, with kafkajs as the admin client and kcat
// producing. A broker that is not the controller (kafkajs sends admin requests
// to the controller) is killed; while its registration is still alive, topic
// `gone` is deleted and topic `again` is deleted and created anew with it as a
// follower. On restart the broker must delete `gone-0` (a stray log: nothing in the
// metadata puts it there) and must not take its old `again-0` records for the
// new topic's: partition.metadata names the old topic id, so the directory is
// deleted and the replica refetched from the leader. Without that check the
// follower would truncate the old log to the new leader's length and keep old
// records under new offsets.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Admin } from 'kafkajs';
import { type BrokerProcess, freePort, spawnBroker } from '../harness/broker-process.ts';
import { type EtcdProcess, startEtcd } from '../harness/etcd.ts';
import { run } from '../harness/processes.ts';
import { describeTopic, until } from '../harness/topic-state.ts';

/** Long enough for the delete and re-create to land while broker 1 is still registered. */
const SESSION_TIMEOUT_MS = 15_000;
const OLD_MESSAGES = 100;
const NEW_MESSAGES = 10;

describe('stray and stale partition logs on a restarted broker', () => {
  let etcd: EtcdProcess;
  let dir: string;
  const brokers: Array<BrokerProcess | null> = [];
  const ports: number[] = [];
  let admin: Admin | null = null;

  const overrides = (id: number) => ({
    'node.id': String(id),
    'metadata.store': etcd.endpoint.replace('http://', 'etcd://'),
    'cluster.id': 'U3RyYXlMb2dzVGVzdDAwMQ',
    'broker.session.timeout.ms': String(SESSION_TIMEOUT_MS),
    'replica.lag.time.max.ms': '5000',
  });
  const start = async (id: number) => {
    brokers[id] = await spawnBroker({
      dataDir: join(dir, `b${id}`),
      port: ports[id]!,
      overrides: overrides(id),
    });
  };
  const bootstrapOf = (ids: readonly number[]) => ids.map((id) => brokers[id]!.bootstrap).join(',');

  /** One batch per message, so a truncation can keep some of them (it cuts at batch boundaries). */
  async function produce(
    bootstrap: string,
    topic: string,
    lines: string[],
    acks: string,
  ): Promise<void> {
    const args = [
      '-b',
      bootstrap,
      '-P',
      '-t',
      topic,
      '-p',
      '0',
      '-X',
      `acks=${acks}`,
      '-X',
      'batch.num.messages=1',
    ];
    const r = await run('kcat', args, {
      input: `${lines.join('\n')}\n`,
      timeoutMs: 60_000,
    });
    assert.equal(r.code, 0, r.stderr);
  }

  /** The record bytes of broker `id`'s copy of `topic-0`, all segments. */
  async function logBytes(id: number, topic: string): Promise<string> {
    const partitionDir = join(dir, `b${id}`, `${topic}-0`);
    const segments = (await readdir(partitionDir)).filter((f) => f.endsWith('.log')).sort();
    const parts = await Promise.all(segments.map((f) => readFile(join(partitionDir, f))));
    return Buffer.concat(parts).toString('latin1');
  }

  before(async () => {
    etcd = await startEtcd();
    dir = await mkdtemp(join(tmpdir(), 'gregor-stray-'));
    for (let id = 0; id < 3; id++) ports.push(await freePort());
    // allSettled: every broker that did start is recorded, so after() kills it.
    const started = await Promise.allSettled([0, 1, 2].map(start));
    const failed = started.find((r) => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  });

  after(async () => {
    await admin?.disconnect().catch(() => undefined);
    for (const b of brokers) b?.child.kill('SIGKILL');
    await etcd.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('a deleted topic is removed at start-up; a re-created one is refetched, not reused', async () => {
    const { Kafka, logLevel } = await import('kafkajs');
    const kafka = new Kafka({
      clientId: 'stray-test',
      brokers: bootstrapOf([0, 1, 2]).split(','),
      logLevel: logLevel.NOTHING,
    });
    admin = kafka.admin();
    await admin.connect();
    const a = admin;
    const { controller } = await a.describeCluster();
    const victim = [1, 2, 0].find((id) => id !== controller)!;
    const leader = [0, 1, 2].find((id) => id !== victim)!;
    const others = [0, 1, 2].filter((id) => id !== victim);
    const assignment = [{ partition: 0, replicas: [leader, victim] }];
    await a.createTopics({
      topics: [
        { topic: 'gone', replicaAssignment: assignment },
        { topic: 'again', replicaAssignment: assignment },
      ],
      waitForLeaders: true,
    });
    const old = Array.from({ length: OLD_MESSAGES }, (_, i) => `old-${i}`);
    await produce(bootstrapOf([0, 1, 2]), 'gone', old, '-1');
    await produce(bootstrapOf([0, 1, 2]), 'again', old, '-1');
    for (const topic of ['gone', 'again']) {
      await until(`broker ${victim} to hold every record of ${topic}`, 30_000, async () =>
        (await logBytes(victim, topic)).includes(`old-${OLD_MESSAGES - 1}`) ? true : null,
      );
    }
    const topicIdOf = async () =>
      (await readFile(join(dir, `b${victim}`, 'again-0', 'partition.metadata'), 'utf8')).match(
        /topic_id: (\S+)/,
      )?.[1];
    const oldTopicId = await topicIdOf();
    assert.ok(oldTopicId !== undefined, 'the broker recorded the topic id of its copy');

    const killedAt = Date.now();
    brokers[victim]!.child.kill('SIGKILL');
    await brokers[victim]!.exited;
    brokers[victim] = null;
    await a.deleteTopics({ topics: ['gone', 'again'] });
    await until('both topics to be gone', 10_000, async () => {
      const names = await a.listTopics();
      return names.includes('gone') || names.includes('again') ? null : true;
    });
    // The killed broker's registration outlives it by the session timeout, so it may be assigned a replica again.
    await a.createTopics({
      topics: [{ topic: 'again', replicaAssignment: assignment }],
      waitForLeaders: true,
    });
    assert.ok(
      Date.now() - killedAt < SESSION_TIMEOUT_MS,
      'the topic was re-created while the broker was still registered',
    );
    const fresh = Array.from({ length: NEW_MESSAGES }, (_, i) => `new-${i}`);
    await produce(bootstrapOf(others), 'again', fresh, '1');
    const victimDir = join(dir, `b${victim}`);
    assert.ok(
      existsSync(join(victimDir, 'gone-0')) && existsSync(join(victimDir, 'again-0')),
      'the broker was down for both changes',
    );

    await start(victim);
    assert.ok(
      !existsSync(join(victimDir, 'gone-0')),
      'the deleted topic’s log is gone once the broker has started',
    );
    await until('the restarted broker back in the ISR of the new topic', 60_000, async () => {
      const rows = await describeTopic(bootstrapOf([0, 1, 2]), 'again');
      return rows.length === 1 && rows[0]!.isr.includes(victim) ? rows : null;
    });
    const bytes = await until('the restarted broker to hold the new records', 30_000, async () => {
      const b = await logBytes(victim, 'again');
      return b.includes(`new-${NEW_MESSAGES - 1}`) ? b : null;
    });
    assert.ok(
      !bytes.includes('old-'),
      'no record of the deleted topic is left in the new topic’s log',
    );
    const newTopicId = await topicIdOf();
    assert.ok(
      newTopicId !== undefined && newTopicId !== oldTopicId,
      `topic id ${newTopicId} replaced ${oldTopicId}`,
    );
    const out = brokers[victim]!.output();
    assert.match(out, /"topic":"gone","partition":0,"msg":"deleted stray partition log/);
    assert.match(out, /partition log belongs to an earlier topic of the same name/);
  });
});
