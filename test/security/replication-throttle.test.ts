// Replication throttles with `gregor reassign-partitions --throttle`: two
// broker processes on a real etcd; a partition holding 12 MB on one broker
// gets a new replica on the other with --throttle 2 MiB/s. The new replica's size,
// read with DescribeLogDirs every 100 ms, grows at the throttle rate (±15%
// between 2 MB and 10 MB copied); --verify then reports the move done and
// clears the throttles from the topic and the brokers, as Kafka's tool does.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DescribeConfigs } from '../../src/protocol/apis/describe-configs.ts';
import { DescribeLogDirs } from '../../src/protocol/apis/describe-log-dirs.ts';
import { Metadata } from '../../src/protocol/apis/metadata.ts';
import { gregor, ok } from '../cli/cli-harness.ts';
import { type BrokerProcess, freePort, spawnBroker } from '../harness/broker-process.ts';
import { type EtcdProcess, startEtcd } from '../harness/etcd.ts';
import { runPython } from '../harness/processes.ts';
import { RawClient } from '../harness/raw-client.ts';

const TOPIC = 'throttled-move';
const DATA_BYTES = 12_000_000;
const RATE_BYTES_PER_S = 2 * 1024 * 1024;
const FROM_BYTES = 2_000_000;
const TO_BYTES = 10_000_000;

describe('reassign-partitions --throttle', () => {
  let etcd: EtcdProcess;
  let dir: string;
  const brokers: BrokerProcess[] = [];
  const clients: RawClient[] = [];

  before(async () => {
    etcd = await startEtcd();
    dir = await mkdtemp(join(tmpdir(), 'gregor-throttle-'));
    const url = etcd.endpoint.replace('http://', 'etcd://');
    const ports = [await freePort(), await freePort()];
    const started = await Promise.allSettled(
      ports.map((port, id) =>
        spawnBroker({
          dataDir: join(dir, `broker-${id}`),
          port,
          overrides: {
            'node.id': String(id),
            'metadata.store': url,
            'broker.session.timeout.ms': '3000',
          },
        }),
      ),
    );
    for (const s of started) if (s.status === 'fulfilled') brokers.push(s.value);
    for (const s of started) if (s.status === 'rejected') throw s.reason;
    for (const b of brokers) clients.push(await RawClient.connect(b.bootstrap));
  });

  after(async () => {
    for (const c of clients) c.close();
    for (const b of brokers) b.child.kill('SIGKILL');
    await Promise.all(brokers.map((b) => b.exited));
    await etcd?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  async function replicaSize(broker: number): Promise<number> {
    const r = await clients[broker]!.send(DescribeLogDirs, 4, { topics: null });
    const t = r.results[0]?.topics.find((x) => x.name === TOPIC);
    return t?.partitions.find((p) => p.partitionIndex === 0)?.partitionSize ?? 0;
  }

  async function topicConfig(name: string): Promise<string | null> {
    const r = await clients[0]!.send(DescribeConfigs, 4, {
      resources: [{ resourceType: 2, resourceName: TOPIC, configurationKeys: [name] }],
      includeSynonyms: false,
      includeDocumentation: false,
    });
    const c = r.results[0]?.configs.find((x) => x.name === name);
    return c?.configSource === 1 ? c.value : null;
  }

  test('a new replica is copied at the --throttle rate; --verify clears the throttles', async (t) => {
    const bootstrap = brokers[0]!.bootstrap;
    ok(
      await gregor(bootstrap, [
        'topics',
        '--create',
        '--topic',
        TOPIC,
        '--partitions',
        '1',
        '--replication-factor',
        '1',
      ]),
      'topics --create',
    );
    // The copy goes from wherever the one replica was placed to the other broker.
    const md = await clients[0]!.send(Metadata, 12, {
      topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: TOPIC }],
      allowAutoTopicCreation: false,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    });
    const source = md.topics[0]?.partitions[0]?.replicaNodes[0] ?? -1;
    assert.ok(source === 0 || source === 1, `replica on ${source}`);
    const target = 1 - source;
    const script = readFileSync(join(import.meta.dirname, 'python', 'quota_producer.py'), 'utf8');
    const loaded = (await runPython(
      script,
      {
        BOOTSTRAP: bootstrap,
        TOPIC,
        CLIENT_ID: 'loader',
        SECONDS: '60',
        TOTAL_BYTES: String(DATA_BYTES),
      },
      90_000,
    )) as { deliveredBytes: number };
    assert.equal(loaded.deliveredBytes, DATA_BYTES);
    const file = join(dir, 'move.json');
    await writeFile(
      file,
      JSON.stringify({
        version: 1,
        partitions: [{ topic: TOPIC, partition: 0, replicas: [0, 1] }],
      }),
    );
    const executed = ok(
      await gregor(bootstrap, [
        'reassign-partitions',
        '--execute',
        '--reassignment-json-file',
        file,
        '--throttle',
        String(RATE_BYTES_PER_S),
      ]),
      'reassign --execute',
    );
    assert.match(executed.stdout, /Warning: You must run --verify periodically/);
    assert.match(
      executed.stdout,
      new RegExp(`The inter-broker throttle limit was set to ${RATE_BYTES_PER_S} B/s`),
    );
    assert.equal(await topicConfig('leader.replication.throttled.replicas'), `0:${source}`);
    assert.equal(await topicConfig('follower.replication.throttled.replicas'), `0:${target}`);

    const samples: Array<{ ms: number; bytes: number }> = [];
    const finalSize = await replicaSize(source);
    const deadline = performance.now() + 60_000;
    while (performance.now() < deadline) {
      const bytes = await replicaSize(target);
      samples.push({ ms: performance.now(), bytes });
      if (bytes >= finalSize) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const from = samples.find((s) => s.bytes >= FROM_BYTES);
    const to = samples.find((s) => s.bytes >= TO_BYTES);
    assert.ok(from !== undefined && to !== undefined, JSON.stringify(samples.slice(-3)));
    const rate = (to.bytes - from.bytes) / ((to.ms - from.ms) / 1000);
    t.diagnostic(
      `copied at ${(rate / 1024).toFixed(0)} KiB/s with --throttle ${RATE_BYTES_PER_S / 1024} KiB/s`,
    );
    assert.ok(Math.abs(rate - RATE_BYTES_PER_S) <= 0.15 * RATE_BYTES_PER_S, `rate ${rate} B/s`);

    let verified = '';
    for (let i = 0; i < 100; i++) {
      verified = ok(
        await gregor(bootstrap, [
          'reassign-partitions',
          '--verify',
          '--reassignment-json-file',
          file,
        ]),
        'reassign --verify',
      ).stdout;
      if (verified.includes('is completed')) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.match(verified, new RegExp(`Reassignment of partition ${TOPIC}-0 is completed.`));
    assert.match(verified, /Clearing broker-level throttles on brokers 0,1/);
    assert.match(verified, new RegExp(`Clearing topic-level throttles on topic ${TOPIC}`));
    assert.equal(await topicConfig('leader.replication.throttled.replicas'), null);
    assert.equal(await topicConfig('follower.replication.throttled.replicas'), null);
  });
});
