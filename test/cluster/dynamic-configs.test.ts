// Dynamic broker configs on three brokers and a real etcd, set with
// `gregor configs --alter --entity-type brokers`: log.retention.ms changed on
// the cluster default takes effect on every broker without a restart, a
// per-broker value overrides it on that broker, DescribeConfigs reports the
// sources and synonyms Kafka reports, a bad value or a static key is refused
// with INVALID_CONFIG and Kafka's message, and a restarted broker keeps the
// dynamic values.

import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Broker, startBroker } from '../../src/broker.ts';
import { gregor, ok } from '../cli/cli-harness.ts';
import { type EtcdProcess, startEtcd } from '../harness/etcd.ts';
import { run } from '../harness/processes.ts';
import { until } from '../harness/topic-state.ts';

const TOPIC = 'retained';

describe('dynamic broker configs on three brokers', () => {
  let etcd: EtcdProcess;
  let dir: string;
  const brokers: Broker[] = [];
  let config: (id: number) => Record<string, string>;

  before(async () => {
    etcd = await startEtcd();
    dir = await mkdtemp(join(tmpdir(), 'gregor-dynconf-'));
    config = (id) => ({
      'node.id': String(id),
      'metadata.store': etcd.endpoint.replace('http://', 'etcd://'),
      'cluster.id': 'RHluYW1pY0NvbmZpZ3NUZQ',
      'broker.session.timeout.ms': '3000',
      'log.retention.check.interval.ms': '200',
    });
    for (let id = 0; id < 3; id++) {
      brokers.push(
        await startBroker({
          dataDir: join(dir, `b${id}`),
          port: 0,
          host: '127.0.0.1',
          config: config(id),
        }),
      );
    }
  });

  after(async () => {
    for (const b of brokers) await b.close().catch(() => undefined);
    await etcd.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const bootstrap = () => brokers.map((b) => `127.0.0.1:${b.port}`).join(',');
  const segments = async (id: number) =>
    (await readdir(join(dir, `b${id}`, `${TOPIC}-0`))).filter((n) => n.endsWith('.log')).length;
  const describeLine = async (args: string[], key: string) => {
    const r = ok(await gregor(bootstrap(), ['configs', '--describe', ...args]), 'describe');
    return r.stdout.split('\n').find((l) => l.startsWith(`  ${key}=`)) ?? null;
  };

  test('log.retention.ms: cluster default live on all brokers, a per-broker override, a restart', async () => {
    ok(
      await gregor(bootstrap(), [
        'topics',
        '--create',
        '--topic',
        TOPIC,
        '--partitions',
        '1',
        '--replication-factor',
        '3',
        '--config',
        'segment.bytes=2048',
      ]),
      'create',
    );
    const lines = Array.from({ length: 80 }, (_, i) => `m${i}-${'x'.repeat(100)}`);
    const produced = await run(
      'kcat',
      [
        '-b',
        bootstrap(),
        '-P',
        '-t',
        TOPIC,
        '-p',
        '0',
        '-X',
        'acks=all',
        '-X',
        'batch.num.messages=5',
      ],
      { input: `${lines.join('\n')}\n` },
    );
    assert.equal(produced.code, 0, `kcat: ${produced.stderr}`);
    // Every replica holds the data, in many segments.
    await until('every replica has many segments', 30_000, async () =>
      (await Promise.all([0, 1, 2].map(segments))).every((n) => n > 5) ? true : null,
    );

    // Broker 1 keeps a day; then the cluster default drops to one second.
    const perBroker = await gregor(bootstrap(), [
      'configs',
      '--alter',
      '--entity-type',
      'brokers',
      '--entity-name',
      '1',
      '--add-config',
      'log.retention.ms=86400000',
    ]);
    assert.equal(ok(perBroker, 'per-broker').stdout, 'Completed updating config for broker 1.\n');
    const clusterWide = await gregor(bootstrap(), [
      'configs',
      '--alter',
      '--entity-type',
      'brokers',
      '--entity-default',
      '--add-config',
      'log.retention.ms=1000',
    ]);
    assert.equal(
      ok(clusterWide, 'default').stdout,
      'Completed updating default config for brokers in the cluster.\n',
    );
    await until('brokers 0 and 2 applied the default', 30_000, async () =>
      (await segments(0)) === 1 && (await segments(2)) === 1 ? true : null,
    );
    // Broker 1 has had as long as the others, and more: it keeps its segments.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.ok((await segments(1)) > 5, 'the per-broker value wins on broker 1');

    // Sources and synonyms, as Kafka reports them.
    assert.equal(
      await describeLine(
        ['--entity-type', 'brokers', '--entity-name', '1', '--all'],
        'log.retention.ms',
      ),
      '  log.retention.ms=86400000 sensitive=false synonyms={DYNAMIC_BROKER_CONFIG:log.retention.ms=86400000, ' +
        'DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.ms=1000, DEFAULT_CONFIG:log.retention.hours=168}',
    );
    assert.equal(
      await describeLine(
        ['--entity-type', 'brokers', '--entity-name', '0', '--all'],
        'log.retention.ms',
      ),
      '  log.retention.ms=1000 sensitive=false synonyms={DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.ms=1000, ' +
        'DEFAULT_CONFIG:log.retention.hours=168}',
    );
    assert.equal(
      await describeLine(['--entity-type', 'brokers', '--entity-default'], 'log.retention.ms'),
      '  log.retention.ms=1000 sensitive=false synonyms={DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.ms=1000}',
    );
    assert.equal(
      await describeLine(['--entity-type', 'brokers', '--entity-name', '1'], 'log.retention.ms'),
      '  log.retention.ms=86400000 sensitive=false synonyms={DYNAMIC_BROKER_CONFIG:log.retention.ms=86400000, ' +
        'DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.ms=1000, DEFAULT_CONFIG:log.retention.hours=168}',
    );
    const topicLine = await describeLine(
      ['--entity-type', 'topics', '--entity-name', TOPIC, '--all'],
      'retention.ms',
    );
    assert.match(
      topicLine ?? '',
      /^ {2}retention\.ms=\d+ sensitive=false synonyms=\{DYNAMIC_(DEFAULT_)?BROKER_CONFIG:log\.retention\.ms=/,
    );

    // Refused: a bad value, and a key Kafka does not change dynamically.
    const bad = await gregor(bootstrap(), [
      'configs',
      '--alter',
      '--entity-type',
      'brokers',
      '--entity-default',
      '--add-config',
      'log.retention.ms=soon',
    ]);
    assert.equal(bad.code, 1);
    assert.match(
      bad.stderr,
      /InvalidConfigException|INVALID_CONFIG|Invalid value soon for configuration log\.retention\.ms/,
    );
    const fixed = await gregor(bootstrap(), [
      'configs',
      '--alter',
      '--entity-type',
      'brokers',
      '--entity-name',
      '2',
      '--add-config',
      'log.dirs=/elsewhere',
    ]);
    assert.equal(fixed.code, 1);
    assert.match(fixed.stderr, /Cannot update these configs dynamically: Set\(log\.dirs\)/);

    // A restarted broker keeps both dynamic values; deleting its own then applies the default.
    await brokers[1]!.close();
    brokers[1] = await startBroker({
      dataDir: join(dir, 'b1'),
      port: 0,
      host: '127.0.0.1',
      config: config(1),
    });
    assert.equal(brokers[1].config.get('log.retention.ms'), 86400000);
    const afterRestart = brokers[1].config.setting('log.retention.ms');
    assert.equal(afterRestart.origin, 'dynamic-broker');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.ok((await segments(1)) > 5, 'still kept after the restart');
    ok(
      await gregor(bootstrap(), [
        'configs',
        '--alter',
        '--entity-type',
        'brokers',
        '--entity-name',
        '1',
        '--delete-config',
        'log.retention.ms',
      ]),
      'delete per-broker',
    );
    await until('broker 1 applied the default', 30_000, async () =>
      (await segments(1)) === 1 ? true : null,
    );
    assert.equal(brokers[1].config.get('log.retention.ms'), 1000);
  });
});
