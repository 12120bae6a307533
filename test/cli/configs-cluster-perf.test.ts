// `gregor configs`, `gregor cluster` and `gregor perf` as real processes:
// kafka-configs.sh's describe lines and alter messages, the cluster summary
// against what the broker says of itself, and both perf tools' summaries.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { LATEST_TIMESTAMP, listOffsets } from '../../src/client/fetcher.ts';
import type { KafkaClient } from '../../src/client/kafka-client.ts';
import { startTestBroker, type TestBroker } from '../harness/broker.ts';
import { CLI_BROKER_CONFIG, clientOf, gregor, ok } from './cli-harness.ts';

let broker: TestBroker;
let client: KafkaClient;

before(async () => {
  broker = await startTestBroker(CLI_BROKER_CONFIG);
  client = clientOf(broker.bootstrap);
});

after(async () => {
  client.close();
  await broker.stop();
});

describe('gregor configs', { concurrency: true }, () => {
  test('alters and describes topic configs in kafka-configs.sh format', async () => {
    ok(
      await gregor(broker.bootstrap, [
        'topics',
        '--create',
        '--topic',
        'settings',
        '--partitions',
        '1',
        '--config',
        'retention.ms=60000',
      ]),
      'create',
    );
    const altered = ok(
      await gregor(broker.bootstrap, [
        'configs',
        '--alter',
        '--entity-type',
        'topics',
        '--entity-name',
        'settings',
        '--add-config',
        'cleanup.policy=compact,max.message.bytes=2000000',
        '--delete-config',
        'retention.ms',
      ]),
      'alter',
    );
    assert.equal(altered.stdout, 'Completed updating config for topic settings.\n');
    const [described, json, badName, badDelete, noTopic] = await Promise.all([
      gregor(broker.bootstrap, [
        'configs',
        '--describe',
        '--entity-type',
        'topics',
        '--entity-name',
        'settings',
      ]),
      gregor(broker.bootstrap, [
        'configs',
        '--describe',
        '--entity-type',
        'topics',
        '--entity-name',
        'settings',
        '--output',
        'json',
      ]),
      gregor(broker.bootstrap, [
        'configs',
        '--alter',
        '--entity-type',
        'topics',
        '--entity-name',
        'settings',
        '--add-config',
        'no.such.config=1',
      ]),
      gregor(broker.bootstrap, [
        'configs',
        '--alter',
        '--entity-type',
        'topics',
        '--entity-name',
        'settings',
        '--delete-config',
        'retention.ms',
      ]),
      gregor(broker.bootstrap, [
        'configs',
        '--describe',
        '--entity-type',
        'topics',
        '--entity-name',
        'absent',
      ]),
    ]);
    const lines = ok(described, 'describe').stdout.trimEnd().split('\n');
    assert.equal(lines[0], 'Dynamic configs for topic settings are:');
    assert.match(
      lines[1]!,
      /^ {2}cleanup\.policy=compact sensitive=false synonyms=\{DYNAMIC_TOPIC_CONFIG:cleanup\.policy=compact, DEFAULT_CONFIG:log\.cleanup\.policy=delete\}$/,
    );
    assert.match(
      lines[2]!,
      /^ {2}max\.message\.bytes=2000000 sensitive=false synonyms=\{DYNAMIC_TOPIC_CONFIG:max\.message\.bytes=2000000, /,
    );
    assert.equal(lines.length, 3, 'retention.ms was deleted');
    const parsed = JSON.parse(ok(json, 'json').stdout) as {
      configs: { name: string; source: string }[];
    }[];
    assert.deepEqual(
      parsed[0]?.configs.map((c) => [c.name, c.source]),
      [
        ['cleanup.policy', 'DYNAMIC_TOPIC_CONFIG'],
        ['max.message.bytes', 'DYNAMIC_TOPIC_CONFIG'],
      ],
    );
    assert.equal(badName.code, 1);
    assert.match(
      badName.stderr,
      /^Error while executing config command with args '.*': .*no\.such\.config\n$/,
    );
    assert.equal(badDelete.code, 1);
    assert.equal(badDelete.stderr, 'Invalid config(s): retention.ms\n');
    assert.equal(noTopic.code, 1);
    assert.match(
      noTopic.stderr,
      /The topic 'absent' doesn't exist and doesn't have dynamic config\.\n$/,
    );
  });

  test('describes broker configs, per broker and the cluster default', async () => {
    const id = String(broker.broker.nodeId);
    const [one, dflt, all] = await Promise.all([
      gregor(broker.bootstrap, [
        'configs',
        '--describe',
        '--entity-type',
        'brokers',
        '--entity-name',
        id,
      ]),
      gregor(broker.bootstrap, [
        'configs',
        '--describe',
        '--entity-type',
        'brokers',
        '--entity-default',
      ]),
      gregor(broker.bootstrap, [
        'configs',
        '--describe',
        '--entity-type',
        'brokers',
        '--entity-name',
        id,
        '--all',
      ]),
    ]);
    assert.equal(ok(one, 'one').stdout, `Dynamic configs for broker ${id} are:\n`);
    assert.equal(ok(dflt, 'default').stdout, 'Default configs for brokers in the cluster are:\n');
    const allLines = ok(all, 'all').stdout.split('\n');
    assert.equal(allLines[0], `All configs for broker ${id} are:`);
    assert.ok(allLines.some((l) => /^ {2}num\.partitions=\d+ sensitive=false synonyms=\{/.test(l)));
  });
});

describe('gregor cluster', () => {
  test('shows the cluster id, the controller and the brokers', async () => {
    const [text, json] = await Promise.all([
      gregor(broker.bootstrap, ['cluster']),
      gregor(broker.bootstrap, ['cluster', '--output', 'json']),
    ]);
    const id = broker.broker.nodeId;
    const lines = ok(text, 'cluster').stdout.split('\n');
    assert.equal(lines[0], `Cluster ID: ${broker.broker.clusterId}`);
    assert.equal(lines[1], `Controller: ${id}`);
    assert.match(lines[3]!, /^ID +ENDPOINT +RACK +LEADERS +REPLICAS +CONTROLLER$/);
    assert.match(
      lines[4]!,
      new RegExp(`^${id} +${broker.bootstrap.replaceAll('.', '\\.')} +- +\\d+ +\\d+ +yes$`),
    );
    const parsed = JSON.parse(ok(json, 'json').stdout) as {
      clusterId: string;
      brokers: { port: number; rack: null }[];
    };
    assert.equal(parsed.clusterId, broker.broker.clusterId);
    assert.equal(parsed.brokers[0]?.port, broker.broker.port);
  });
});

describe('gregor perf', () => {
  test('the producer sends every record and reports throughput and latency percentiles', async () => {
    ok(
      await gregor(broker.bootstrap, [
        'topics',
        '--create',
        '--topic',
        'bench',
        '--partitions',
        '2',
      ]),
      'create',
    );
    const produced = ok(
      await gregor(broker.bootstrap, [
        'perf',
        'producer',
        '--topic',
        'bench',
        '--num-records',
        '3000',
        '--record-size',
        '200',
        '--throughput',
        '-1',
        '--producer-props',
        'acks=1',
        'linger.ms=2',
      ]),
      'perf producer',
    );
    const summary = produced.stdout.split('\n').find((l) => l.startsWith('3000 records sent'));
    assert.match(
      summary ?? produced.stdout,
      /^3000 records sent, \d+\.\d{6} records\/sec \(\d+\.\d{2} MB\/sec\), \d+\.\d{2} ms avg latency, \d+\.\d{2} ms max latency, \d+ ms 50th, \d+ ms 95th, \d+ ms 99th, \d+ ms 99\.9th\.$/,
    );
    const pct = produced.stdout.match(
      /p50=([\d.]+) p95=([\d.]+) p99=([\d.]+) p99\.9=([\d.]+) max=([\d.]+)/,
    );
    assert.ok(pct !== null, produced.stdout);
    const values = pct.slice(1).map(Number);
    assert.deepEqual(
      values,
      [...values].sort((a, b) => a - b),
      'percentiles rise',
    );
    const ends = await listOffsets(
      client,
      [0, 1].map((partition) => ({ topic: 'bench', partition, timestamp: LATEST_TIMESTAMP })),
    );
    assert.equal(
      ends.reduce((n, e) => n + e.offset, 0),
      3000,
    );

    const consumed = ok(
      await gregor(broker.bootstrap, [
        'perf',
        'consumer',
        '--topic',
        'bench',
        '--messages',
        '3000',
        '--timeout',
        '5000',
      ]),
      'perf consumer',
    );
    const [header, row] = consumed.stdout.split('\n');
    assert.equal(
      header,
      'start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec',
    );
    const cells = row!.split(', ');
    assert.match(cells[0]!, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}:\d{3}$/);
    assert.equal(cells[4], '3000');
    assert.equal(cells[2], ((3000 * 200) / 1024 / 1024).toFixed(4));
  });
});
