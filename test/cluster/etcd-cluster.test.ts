// Three Gregor brokers, each its own OS process, coordinated only through a
// real etcd: kcat sees three brokers and one controller; a 6-partition topic
// has leaders on all three; producing and consuming works through any
// bootstrap broker; kill -9 of the controller gives a new controller, with a
// higher controller epoch, within the session TTL plus one second.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EtcdMetaStore } from '../../src/metadata/etcd-store.ts';
import { type BrokerProcess, freePort, spawnBroker } from '../harness/broker-process.ts';
import { type EtcdProcess, startEtcd } from '../harness/etcd.ts';
import { run } from '../harness/processes.ts';

const SESSION_TIMEOUT_MS = 3000;
const CLUSTER_ID = 'R3JlZ29yVGVzdENsdXN0ZQ';

interface ControllerInfo {
  brokerId: number;
  controllerEpoch: number;
}

describe('a three-broker cluster on etcd', () => {
  let etcd: EtcdProcess;
  let dir: string;
  const brokers: BrokerProcess[] = [];
  const ports: number[] = [];
  const httpPorts: number[] = [];

  async function activeControllerCount(ids: readonly number[]): Promise<number> {
    let sum = 0;
    for (const id of ids) {
      const text = await (await fetch(`http://127.0.0.1:${httpPorts[id]}/metrics`)).text();
      const m = /^kafka_controller_kafkacontroller_activecontrollercount (\d+)$/m.exec(text);
      sum += Number(m?.[1] ?? 'NaN');
    }
    return sum;
  }

  async function controller(): Promise<ControllerInfo | null> {
    const store = await EtcdMetaStore.connect({ endpoints: [etcd.endpoint] });
    try {
      const kv = await store.get(`/gregor/${CLUSTER_ID}/controller`);
      return kv === null ? null : (JSON.parse(kv.value) as ControllerInfo);
    } finally {
      await store.close();
    }
  }

  before(async () => {
    etcd = await startEtcd();
    dir = await mkdtemp(join(tmpdir(), 'gregor-cluster-'));
    for (let id = 0; id < 3; id++) {
      ports.push(await freePort());
      httpPorts.push(await freePort());
    }
    const url = etcd.endpoint.replace('http://', 'etcd://');
    for (let id = 0; id < 3; id++) {
      brokers.push(
        await spawnBroker({
          dataDir: join(dir, `broker-${id}`),
          port: ports[id]!,
          overrides: {
            'node.id': String(id),
            'metadata.store': url,
            'cluster.id': CLUSTER_ID,
            'broker.session.timeout.ms': String(SESSION_TIMEOUT_MS),
            'num.partitions': '6',
            'http.listener': `127.0.0.1:${httpPorts[id]}`,
          },
        }),
      );
    }
  });

  after(async () => {
    for (const b of brokers) b.child.kill('SIGKILL');
    await etcd.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('kcat lists three brokers and one controller; leaders spread; produce and consume via any broker', async () => {
    const list = await run('kcat', ['-b', brokers[1]!.bootstrap, '-L']);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, / 3 brokers:/);
    assert.equal(list.stdout.match(/\(controller\)/g)?.length, 1, list.stdout);
    assert.equal(await activeControllerCount([0, 1, 2]), 1, 'ActiveControllerCount sums to 1');

    const lines = Array.from({ length: 300 }, (_, i) => `key-${i}:value-${i}`).join('\n');
    const p = await run('kcat', ['-b', brokers[2]!.bootstrap, '-P', '-t', 'spread', '-K', ':'], {
      input: `${lines}\n`,
    });
    assert.equal(p.code, 0, p.stderr);
    const meta = await run('kcat', ['-b', brokers[0]!.bootstrap, '-L', '-t', 'spread']);
    const leaders = new Set([...meta.stdout.matchAll(/leader (\d+)/g)].map((m) => m[1]));
    assert.deepEqual([...leaders].sort(), ['0', '1', '2'], meta.stdout);
    for (const b of brokers) {
      const c = await run('kcat', [
        '-b',
        b.bootstrap,
        '-C',
        '-t',
        'spread',
        '-o',
        'beginning',
        '-e',
        '-f',
        '%s\n',
      ]);
      assert.equal(c.code, 0, c.stderr);
      assert.equal(
        c.stdout.trim().split('\n').length,
        300,
        `all messages through broker ${b.bootstrap}`,
      );
    }
  });

  test('kafkajs produces to and consumes from every partition through any bootstrap broker', async () => {
    const { Kafka, logLevel } = await import('kafkajs');
    const kafka = new Kafka({
      clientId: 'cluster-kjs',
      brokers: [brokers[0]!.bootstrap],
      logLevel: logLevel.NOTHING,
    });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: 'kjs-spread',
      messages: Array.from({ length: 120 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })),
    });
    await producer.disconnect();
    const consumer = kafka.consumer({ groupId: 'cluster-kjs-group', sessionTimeout: 10_000 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'kjs-spread', fromBeginning: true });
    const partitions = new Set<number>();
    let count = 0;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`consumed ${count}`)), 30_000);
      void consumer.run({
        eachMessage: async ({ partition }) => {
          partitions.add(partition);
          if (++count === 120) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    await consumer.disconnect();
    assert.equal(partitions.size, 6, 'all six partitions (leaders on three brokers) were read');
  });

  test('the gregor tools work against the cluster: topics --describe and cluster', async () => {
    const bin = join(import.meta.dirname, '..', '..', 'bin', 'gregor');
    const d = await run(bin, [
      'topics',
      '--describe',
      '--topic',
      'spread',
      '--bootstrap-server',
      brokers[1]!.bootstrap,
    ]);
    assert.equal(d.code, 0, d.stderr);
    const lines = d.stdout.trim().split('\n');
    assert.match(
      lines[0]!,
      /^Topic: spread\tTopicId: \S+\tPartitionCount: 6\tReplicationFactor: 1\tConfigs: /,
    );
    const leaders = new Set(lines.slice(1).map((l) => /\tLeader: (\d+)\t/.exec(l)?.[1]));
    assert.deepEqual([...leaders].sort(), ['0', '1', '2']);
    const c = await run(bin, ['cluster', '--bootstrap-server', brokers[2]!.bootstrap]);
    assert.equal(c.code, 0, c.stderr);
    for (const p of ports) assert.match(c.stdout, new RegExp(`127\\.0\\.0\\.1:${p}`));
  });

  test('a second live broker with the same id refuses to start', async () => {
    const port = await freePort();
    await assert.rejects(
      spawnBroker({
        dataDir: join(dir, 'duplicate'),
        port,
        overrides: {
          'node.id': '1',
          'metadata.store': etcd.endpoint.replace('http://', 'etcd://'),
          'cluster.id': CLUSTER_ID,
          'broker.session.timeout.ms': String(SESSION_TIMEOUT_MS),
        },
      }),
      /GREGOR_ERR_BROKER_ID_IN_USE: broker id 1 is registered by another live broker/,
    );
  });

  test('kill -9 of the controller elects another within the session TTL plus one second, with a higher epoch', async () => {
    const before = await controller();
    assert.ok(before !== null);
    const victim = brokers[before.brokerId]!;
    const killedAt = Date.now();
    victim.child.kill('SIGKILL');
    await victim.exited;
    let after: ControllerInfo | null = null;
    while (Date.now() - killedAt < SESSION_TIMEOUT_MS + 5000) {
      after = await controller();
      if (after !== null && after.brokerId !== before.brokerId) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const tookMs = Date.now() - killedAt;
    assert.ok(after !== null && after.brokerId !== before.brokerId, 'a new controller was elected');
    assert.ok(
      after.controllerEpoch > before.controllerEpoch,
      `epoch ${after.controllerEpoch} > ${before.controllerEpoch}`,
    );
    assert.ok(
      tookMs <= SESSION_TIMEOUT_MS + 1000 + 1000,
      `new controller after ${tomsText(tookMs)}`,
    );

    // The dead broker's partitions go offline (replication factor 1), the others still serve.
    const survivor = brokers.find((_, id) => id !== before.brokerId)!;
    const list = await run('kcat', ['-b', survivor.bootstrap, '-L']);
    assert.match(list.stdout, / 2 brokers:/);
    const alive = [0, 1, 2].filter((id) => id !== before.brokerId);
    assert.equal(
      await activeControllerCount(alive),
      1,
      'ActiveControllerCount sums to 1 after failover',
    );
  });
});

function tomsText(ms: number): string {
  return `${ms} ms`;
}
