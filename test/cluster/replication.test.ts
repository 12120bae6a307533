// The seed demo on three broker processes and a real etcd: a topic with 3
// partitions and replication factor 3, 100,000 keyed messages produced with
// acks=all through librdkafka, kill -9 of the broker leading partition 0;
// consuming from the beginning returns every message exactly once per
// partition, in order; the ISR shrinks to the two live brokers; the killed
// broker restarts, catches up and rejoins the ISR.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type BrokerProcess, freePort, spawnBroker } from '../harness/broker-process.ts';
import { type EtcdProcess, startEtcd } from '../harness/etcd.ts';
import { run, runPython } from '../harness/processes.ts';
import { describeTopic, until } from '../harness/topic-state.ts';

const COUNT = 100_000;
const SESSION_TIMEOUT_MS = 3000;

describe('replication on three brokers', () => {
  let etcd: EtcdProcess;
  let dir: string;
  const brokers: Array<BrokerProcess | null> = [];
  const ports: number[] = [];
  let overrides: (id: number) => Record<string, string>;

  before(async () => {
    etcd = await startEtcd();
    dir = await mkdtemp(join(tmpdir(), 'gregor-repl-'));
    for (let id = 0; id < 3; id++) ports.push(await freePort());
    overrides = (id) => ({
      'node.id': String(id),
      'metadata.store': etcd.endpoint.replace('http://', 'etcd://'),
      'cluster.id': 'UmVwbGljYXRpb25UZXN0cw',
      'broker.session.timeout.ms': String(SESSION_TIMEOUT_MS),
      'replica.lag.time.max.ms': '5000',
    });
    for (let id = 0; id < 3; id++)
      brokers.push(
        await spawnBroker({
          dataDir: join(dir, `b${id}`),
          port: ports[id]!,
          overrides: overrides(id),
        }),
      );
  });

  after(async () => {
    for (const b of brokers) b?.child.kill('SIGKILL');
    await etcd.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('kill -9 of a leader loses no acknowledged message; the broker rejoins the ISR', async () => {
    const bootstrap = brokers.map((b) => b!.bootstrap).join(',');
    const create = await runPython(
      `from confluent_kafka.admin import AdminClient, NewTopic\nimport json,os\na=AdminClient({"bootstrap.servers": os.environ["BOOTSTRAP"]})\n[f.result(15) for f in a.create_topics([NewTopic("demo", num_partitions=3, replication_factor=3)]).values()]\nprint(json.dumps("ok"))`,
      { BOOTSTRAP: bootstrap },
    );
    assert.equal(create, 'ok');
    const produced = (await runPython(
      readFileSync(join(import.meta.dirname, 'python', 'produce_keyed.py'), 'utf8'),
      { BOOTSTRAP: bootstrap, TOPIC: 'demo', COUNT: String(COUNT) },
      180_000,
    )) as {
      acked: number;
      errors: string[];
    };
    assert.deepEqual(produced.errors, []);
    assert.equal(produced.acked, COUNT);

    const before = await describeTopic(bootstrap, 'demo');
    const victim = before.find((p) => p.partition === 0)!.leader;
    brokers[victim]!.child.kill('SIGKILL');
    await brokers[victim]!.exited;
    brokers[victim] = null;
    const liveBootstrap = brokers
      .filter((b) => b !== null)
      .map((b) => b!.bootstrap)
      .join(',');
    const shrunk = await until('the ISR to shrink to the live brokers', 30_000, async () => {
      const d = await describeTopic(liveBootstrap, 'demo');
      return d.length === 3 &&
        d.every((p) => p.leader !== victim && p.leader >= 0 && !p.isr.includes(victim))
        ? d
        : null;
    });
    for (const p of shrunk)
      assert.deepEqual(
        [...p.isr].sort(),
        [0, 1, 2].filter((b) => b !== victim),
      );

    // A new leader's high watermark catches up once the remaining follower
    // fetches from it; until then a read to the end may stop short.
    const rows = await until('every acknowledged message to be readable', 30_000, async () => {
      const c = await run(
        'kcat',
        ['-b', liveBootstrap, '-C', '-t', 'demo', '-o', 'beginning', '-e', '-f', '%p|%o|%k|%s\n'],
        { timeoutMs: 120_000 },
      );
      assert.equal(c.code, 0, c.stderr);
      const got = c.stdout
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => l.split('|'));
      return got.length >= COUNT ? got : null;
    });
    assert.equal(rows.length, COUNT, 'every acknowledged message is read back, none twice');
    const values = new Set(rows.map((r) => r[3]));
    assert.equal(values.size, COUNT, 'each exactly once');
    for (const part of [0, 1, 2]) {
      const inP = rows.filter((r) => Number(r[0]) === part);
      for (const [i, r] of inP.entries())
        assert.equal(Number(r[1]), i, `partition ${part} offsets dense and in order`);
      const lastByKey = new Map<string, number>();
      for (const r of inP) {
        const v = Number(r[3]);
        const prev = lastByKey.get(r[2]!);
        assert.ok(prev === undefined || prev < v, `key ${r[2]} in produce order`);
        lastByKey.set(r[2]!, v);
      }
    }

    brokers[victim] = await spawnBroker({
      dataDir: join(dir, `b${victim}`),
      port: ports[victim]!,
      overrides: overrides(victim),
    });
    await until('the restarted broker to rejoin every ISR', 60_000, async () => {
      const d = await describeTopic(bootstrap, 'demo');
      return d.length === 3 && d.every((p) => p.isr.length === 3) ? d : null;
    });
  });

  test('scale-down: stopping broker 2 (SIGTERM, controlled shutdown) leaves every partition led with ISR {0,1}; acks=all with min.insync.replicas=2 keeps working', async () => {
    const live = () =>
      brokers
        .filter((b) => b !== null)
        .map((b) => b!.bootstrap)
        .join(',');
    const create = await runPython(
      `from confluent_kafka.admin import AdminClient, NewTopic\nimport json,os\na=AdminClient({"bootstrap.servers": os.environ["BOOTSTRAP"]})\n[f.result(15) for f in a.create_topics([NewTopic("scaled", num_partitions=3, replication_factor=3, config={"min.insync.replicas": "2"})]).values()]\nprint(json.dumps("ok"))`,
      { BOOTSTRAP: live() },
    );
    assert.equal(create, 'ok');
    await until('full ISRs', 30_000, async () => {
      const d = await describeTopic(live(), 'scaled');
      return d.length === 3 && d.every((p) => p.isr.length === 3) ? d : null;
    });
    const stopping = brokers[2]!;
    stopping.child.kill('SIGTERM');
    assert.equal(await stopping.exited, 0, stopping.output());
    brokers[2] = null;
    const d = await until('leaders and ISR {0,1}', 30_000, async () => {
      const rows = await describeTopic(live(), 'scaled');
      return rows.length === 3 &&
        rows.every(
          (p) => p.leader >= 0 && p.leader !== 2 && p.isr.length === 2 && !p.isr.includes(2),
        )
        ? rows
        : null;
    });
    for (const p of d) assert.deepEqual([...p.isr].sort(), [0, 1]);
    const produced = (await runPython(
      readFileSync(join(import.meta.dirname, 'python', 'produce_keyed.py'), 'utf8'),
      { BOOTSTRAP: live(), TOPIC: 'scaled', COUNT: '5000' },
      120_000,
    )) as {
      acked: number;
      errors: string[];
    };
    assert.deepEqual(produced.errors, []);
    assert.equal(produced.acked, 5000);
  });
});
