// One cluster per metadata store. Three brokers started at once on one etcd
// with no cluster.id form one cluster (kcat from each sees three brokers and
// one controller; each reports the same cluster id); a fourth whose log
// directory belongs to another cluster refuses to start with
// GREGOR_ERR_INCONSISTENT_CLUSTER_ID and never registers. The embedded store
// keeps a data directory from before the id lived in the store working.

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { randomClusterId } from '../../src/cluster/cluster-id.ts';
import { startBroker } from '../../src/index.ts';
import { EmbeddedMetaStore } from '../../src/metadata/embedded-store.ts';
import { EtcdMetaStore } from '../../src/metadata/etcd-store.ts';
import { clusterIdKey } from '../../src/metadata/key-layout.ts';
import { silentLogger } from '../../src/util/logger.ts';
import { type BrokerProcess, freePort, spawnBroker } from '../harness/broker-process.ts';
import { type EtcdProcess, startEtcd } from '../harness/etcd.ts';
import { run } from '../harness/processes.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'gregor');
const SESSION_TIMEOUT_MS = 3000;

function recordedClusterId(text: string): string | undefined {
  return /^cluster\.id=(.*)$/m.exec(text)?.[1];
}

describe('brokers on one etcd without cluster.id', () => {
  let etcd: EtcdProcess;
  let dir: string;
  let url: string;
  const brokers: BrokerProcess[] = [];

  before(async () => {
    etcd = await startEtcd();
    url = etcd.endpoint.replace('http://', 'etcd://');
    dir = await mkdtemp(join(tmpdir(), 'gregor-clusterid-'));
    const ports = [await freePort(), await freePort(), await freePort()];
    // Started together, as a StatefulSet with parallel pod management starts them.
    const started = await Promise.allSettled(
      ports.map((port, id) =>
        spawnBroker({
          dataDir: join(dir, `broker-${id}`),
          port,
          overrides: {
            'node.id': String(id),
            'metadata.store': url,
            'broker.session.timeout.ms': String(SESSION_TIMEOUT_MS),
          },
        }),
      ),
    );
    for (const s of started) if (s.status === 'fulfilled') brokers.push(s.value);
    for (const s of started) if (s.status === 'rejected') throw s.reason;
  });

  after(async () => {
    for (const b of brokers) b.child.kill('SIGKILL');
    await Promise.all(brokers.map((b) => b.exited));
    await etcd?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  test('form one cluster: one id in the store, in every log dir and in every answer', async () => {
    const store = await EtcdMetaStore.connect({ endpoints: [etcd.endpoint] });
    let stored: string;
    try {
      const kv = await store.get(clusterIdKey());
      assert.ok(kv !== null, 'the first broker created /gregor/cluster/id');
      stored = (JSON.parse(kv.value) as { clusterId: string }).clusterId;
      // Every other key lives under that one cluster's root.
      const all = await store.range('/gregor/');
      const roots = new Set(
        all.kvs
          .map((k) => k.key)
          .filter((k) => k !== clusterIdKey())
          .map((k) => k.split('/')[2]),
      );
      assert.deepEqual([...roots], [stored]);
    } finally {
      await store.close();
    }
    assert.match(stored, /^[A-Za-z0-9_-]{22}$/);
    for (let id = 0; id < 3; id++) {
      const text = await readFile(join(dir, `broker-${id}`, 'meta.properties'), 'utf8');
      assert.equal(recordedClusterId(text), stored, `broker ${id}'s meta.properties`);
    }
    for (const b of brokers) {
      const c = await run(BIN, ['cluster', '--bootstrap-server', b.bootstrap]);
      assert.equal(c.code, 0, c.stderr);
      assert.match(c.stdout, new RegExp(`^Cluster ID: ${stored}$`, 'm'), c.stdout);
    }
  });

  test('kcat from each broker sees three brokers and one controller', async () => {
    for (const b of brokers) {
      const list = await run('kcat', ['-b', b.bootstrap, '-L']);
      assert.equal(list.code, 0, list.stderr);
      assert.match(list.stdout, / 3 brokers:/, list.stdout);
      assert.equal(list.stdout.match(/\(controller\)/g)?.length, 1, list.stdout);
    }
    const controllers = new Set<string>();
    for (const b of brokers) {
      const list = await run('kcat', ['-b', b.bootstrap, '-L']);
      const line = list.stdout.split('\n').find((l) => l.includes('(controller)'));
      controllers.add(/broker (\d+) at/.exec(line ?? '')?.[1] ?? '?');
    }
    assert.equal(
      controllers.size,
      1,
      `every broker names the same controller: ${[...controllers]}`,
    );
  });

  test('a broker whose log dir belongs to another cluster refuses to start', async () => {
    const foreignDir = join(dir, 'broker-3');
    const foreign = randomClusterId();
    await mkdir(foreignDir, { recursive: true });
    await writeFile(
      join(foreignDir, 'meta.properties'),
      `version=1\ncluster.id=${foreign}\nnode.id=3\n`,
    );
    await assert.rejects(
      spawnBroker({
        dataDir: foreignDir,
        port: await freePort(),
        overrides: {
          'node.id': '3',
          'metadata.store': url,
          'broker.session.timeout.ms': String(SESSION_TIMEOUT_MS),
        },
      }),
      (err: Error) => {
        assert.match(err.message, /exited with 1/);
        assert.match(
          err.message,
          new RegExp(
            `GREGOR_ERR_INCONSISTENT_CLUSTER_ID: \\S*meta\\.properties belongs to cluster ${foreign}`,
          ),
        );
        return true;
      },
    );
    // It left the directory as it was and never joined.
    const text = await readFile(join(foreignDir, 'meta.properties'), 'utf8');
    assert.equal(recordedClusterId(text), foreign);
    const list = await run('kcat', ['-b', brokers[0]!.bootstrap, '-L']);
    assert.match(list.stdout, / 3 brokers:/, list.stdout);
  });
});

describe('the cluster id with the embedded store', () => {
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gregor-clusterid-embedded-'));
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('a data dir from before the id lived in the store keeps its cluster and topics', async () => {
    const dataDir = join(dir, 'upgrade');
    const first = await startBroker({ dataDir, port: 0, logger: silentLogger() });
    const clusterId = first.clusterId;
    const { Kafka, logLevel } = await import('kafkajs');
    const kafka = new Kafka({ brokers: [`127.0.0.1:${first.port}`], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'kept', numPartitions: 2 }] });
    await admin.disconnect();
    await first.close();

    // The previous version wrote meta.properties and the keys under /gregor/<id>/, no id key.
    const store = await EmbeddedMetaStore.open({ path: join(dataDir, '__gregor_metadata.json') });
    assert.equal((await store.delete(clusterIdKey())).deleted, 1);
    await store.close();

    const second = await startBroker({ dataDir, port: 0, logger: silentLogger() });
    try {
      assert.equal(second.clusterId, clusterId);
      const again = new Kafka({
        brokers: [`127.0.0.1:${second.port}`],
        logLevel: logLevel.NOTHING,
      }).admin();
      await again.connect();
      const topics = await again.fetchTopicMetadata({ topics: ['kept'] });
      await again.disconnect();
      assert.equal(topics.topics[0]?.partitions.length, 2);
    } finally {
      await second.close();
    }
    const reopened = await EmbeddedMetaStore.open({
      path: join(dataDir, '__gregor_metadata.json'),
    });
    const kv = await reopened.get(clusterIdKey());
    await reopened.close();
    assert.equal((JSON.parse(kv!.value) as { clusterId: string }).clusterId, clusterId);
  });

  test('a configured cluster.id that is not the store’s refuses to start', async () => {
    const dataDir = join(dir, 'configured');
    const broker = await startBroker({ dataDir, port: 0, logger: silentLogger() });
    const clusterId = broker.clusterId;
    await broker.close();
    // meta.properties would say so first; without it the store must say so too.
    await rm(join(dataDir, 'meta.properties'));
    const other = randomClusterId();
    await assert.rejects(
      startBroker({ dataDir, port: 0, config: { 'cluster.id': other }, logger: silentLogger() }),
      new RegExp(
        `^ClusterIdError: GREGOR_ERR_CLUSTER_ID_MISMATCH: cluster.id is configured as ${other}, but the metadata store embedded at /gregor/ belongs to cluster ${clusterId}`,
      ),
    );
    // The configured matching id starts, and writes meta.properties again.
    const ok = await startBroker({
      dataDir,
      port: 0,
      config: { 'cluster.id': clusterId },
      logger: silentLogger(),
    });
    await ok.close();
    const text = await readFile(join(dataDir, 'meta.properties'), 'utf8');
    assert.equal(recordedClusterId(text), clusterId);
  });

  test('a log dir whose meta.properties names another cluster than its store refuses to start', async () => {
    const dataDir = join(dir, 'swapped');
    const broker = await startBroker({ dataDir, port: 0, logger: silentLogger() });
    await broker.close();
    const other = randomClusterId();
    await writeFile(
      join(dataDir, 'meta.properties'),
      `version=1\ncluster.id=${other}\nnode.id=0\n`,
    );
    await assert.rejects(
      startBroker({ dataDir, port: 0, logger: silentLogger() }),
      /GREGOR_ERR_INCONSISTENT_CLUSTER_ID: .*meta\.properties belongs to cluster/,
    );
  });
});
