// Broker configuration from its sources: precedence defaults < file < environment < overrides,
// errors that name the key and its source, Kafka's key ranking for retention and roll time,
// listeners, ids, and the DescribeConfigs entries.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { type BrokerConfig, buildBrokerConfig, loadBrokerConfig } from './broker-config.ts';
import { BROKER_CONFIG_DEFS } from './config-def.ts';
import { ConfigError, type ConfigErrorCode } from './config-error.ts';
import { parseOverrideArgs } from './config-sources.ts';

const HOURS_MS = 3_600_000;

function build(
  options: { file?: string; env?: Record<string, string>; overrides?: Record<string, string> } = {},
): BrokerConfig {
  return buildBrokerConfig({
    ...(options.file === undefined
      ? {}
      : { file: { name: 'server.properties', text: options.file } }),
    env: options.env ?? {},
    ...(options.overrides === undefined ? {} : { overrides: options.overrides }),
    hostname: 'broker-host',
  });
}

function expectConfigError(
  action: () => unknown,
  code: ConfigErrorCode,
  key: string,
  ...fragments: string[]
): void {
  assert.throws(action, (error: unknown) => {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
    assert.equal(error.code, code);
    assert.equal(error.key, key);
    for (const fragment of fragments) {
      assert.ok(error.message.includes(fragment), `'${error.message}' lacks '${fragment}'`);
    }
    return true;
  });
}

describe('defaults', () => {
  it('gives a single-node broker on localhost:9092 with data in ./data', () => {
    const config = build();
    assert.equal(config.nodeId, 0);
    assert.deepEqual(config.listeners, [
      { name: 'PLAINTEXT', host: 'localhost', port: 9092, securityProtocol: 'PLAINTEXT' },
    ]);
    assert.deepEqual(config.advertisedListeners, config.listeners);
    assert.deepEqual(config.logDirs, ['./data']);
    assert.deepEqual(config.metadataStore, { kind: 'embedded', path: null });
    assert.equal(config.numPartitions, 1);
    assert.equal(config.messageMaxBytes, 1048588);
    assert.equal(config.socketRequestMaxBytes, 104857600);
    assert.equal(config.logRetentionMs, 168 * HOURS_MS);
    assert.equal(config.logRollMs, 168 * HOURS_MS);
    assert.equal(config.offsetsRetentionMs, 10080 * 60_000);
    assert.equal(config.interBrokerListenerName, 'PLAINTEXT');
    assert.equal(config.logFlushIntervalMs, Number.MAX_SAFE_INTEGER);
  });

  it('parses every default of the table (a bad default would be our bug)', () => {
    const config = build();
    for (const def of BROKER_CONFIG_DEFS) {
      assert.equal(config.setting(def.name).origin, 'default', def.name);
      assert.equal(config.setting(def.name).text, def.default, def.name);
    }
  });
});

describe('precedence', () => {
  it('applies defaults < file < environment < overrides, key by key', () => {
    const config = build({
      file: 'num.partitions=2\ndefault.replication.factor=2\nmessage.max.bytes=2000\nbroker.rack=f',
      env: { GREGOR_NUM_PARTITIONS: '3', GREGOR_MESSAGE_MAX_BYTES: '3000' },
      overrides: { 'num.partitions': '4' },
    });
    assert.equal(config.numPartitions, 4);
    assert.equal(config.messageMaxBytes, 3000);
    assert.equal(config.defaultReplicationFactor, 2);
    assert.equal(config.rack, 'f');
    assert.equal(config.minInsyncReplicas, 1);
    assert.equal(config.setting('num.partitions').origin, 'override');
    assert.equal(config.setting('message.max.bytes').where, 'GREGOR_MESSAGE_MAX_BYTES');
    assert.equal(config.setting('default.replication.factor').where, 'server.properties:2');
    assert.equal(config.setting('min.insync.replicas').origin, 'default');
  });

  it('reads GREGOR_LOG_DIRS and GREGOR_ADVERTISED_LISTENERS', () => {
    const config = build({
      env: {
        GREGOR_LOG_DIRS: '/d1,/d2',
        GREGOR_ADVERTISED_LISTENERS: 'PLAINTEXT://gregor-0.gregor:9092',
        GREGOR_LISTENERS: 'PLAINTEXT://:9092',
      },
    });
    assert.deepEqual(config.logDirs, ['/d1', '/d2']);
    assert.equal(config.advertisedListeners[0]?.host, 'gregor-0.gregor');
    assert.equal(config.listeners[0]?.host, '');
  });

  it('ignores environment variables without the GREGOR_ prefix and the allow-list', () => {
    const config = build({ env: { NUM_PARTITIONS: '9', GREGOR_LOG_LEVEL: 'debug', HOME: '/' } });
    assert.equal(config.numPartitions, 1);
  });

  it('uses process.env when no environment is given', () => {
    const previous = process.env['GREGOR_NUM_PARTITIONS'];
    process.env['GREGOR_NUM_PARTITIONS'] = '7';
    try {
      assert.equal(loadBrokerConfig({ hostname: 'h' }).numPartitions, 7);
    } finally {
      if (previous === undefined) delete process.env['GREGOR_NUM_PARTITIONS'];
      else process.env['GREGOR_NUM_PARTITIONS'] = previous;
    }
  });
});

describe('errors name the key and the source', () => {
  it('rejects an unknown key in the file, with the line and a suggestion', () => {
    expectConfigError(
      () => build({ file: '\nnum.partition=3' }),
      'GREGOR_ERR_CONFIG_UNKNOWN',
      'num.partition',
      "'num.partition'",
      'server.properties:2',
      "did you mean 'num.partitions'",
    );
  });

  it('rejects an unknown override', () => {
    expectConfigError(
      () => build({ overrides: { 'no.such.key': '1' } }),
      'GREGOR_ERR_CONFIG_UNKNOWN',
      'no.such.key',
      '--override',
    );
  });

  it('rejects a GREGOR_ variable that maps to no key, naming the variable', () => {
    expectConfigError(
      () => build({ env: { GREGOR_NUM_PARTITION: '3' } }),
      'GREGOR_ERR_CONFIG_UNKNOWN',
      'num.partition',
      'GREGOR_NUM_PARTITION',
    );
  });

  it('explains a topic key or a ZooKeeper key used as a broker key', () => {
    expectConfigError(
      () => build({ file: 'retention.ms=1000' }),
      'GREGOR_ERR_CONFIG_UNKNOWN',
      'retention.ms',
      'log.retention.ms',
    );
    expectConfigError(
      () => build({ file: 'zookeeper.connect=zk:2181' }),
      'GREGOR_ERR_CONFIG_UNKNOWN',
      'zookeeper.connect',
      'metadata.store',
    );
  });

  it('rejects num.partitions=abc and num.partitions=0 naming the key and value', () => {
    expectConfigError(
      () => build({ file: 'num.partitions=abc' }),
      'GREGOR_ERR_CONFIG_INVALID',
      'num.partitions',
      'abc',
      'server.properties:1',
    );
    expectConfigError(
      () => build({ env: { GREGOR_NUM_PARTITIONS: '0' } }),
      'GREGOR_ERR_CONFIG_INVALID',
      'num.partitions',
      'GREGOR_NUM_PARTITIONS',
      'at least 1',
    );
  });

  it('rejects enum values outside the list and a bad metadata.store', () => {
    expectConfigError(
      () => build({ overrides: { 'log.cleanup.policy': 'delete,shred' } }),
      'GREGOR_ERR_CONFIG_INVALID',
      'log.cleanup.policy',
      'shred',
    );
    expectConfigError(
      () => build({ overrides: { 'metadata.store': 'zk://x' } }),
      'GREGOR_ERR_CONFIG_INVALID',
      'metadata.store',
    );
  });

  it('reports an unreadable file as GREGOR_ERR_CONFIG_FILE', () => {
    assert.throws(
      () => loadBrokerConfig({ file: '/nonexistent/server.properties', env: {} }),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.code === 'GREGOR_ERR_CONFIG_FILE' &&
        error.message.includes('/nonexistent/server.properties'),
    );
  });
});

describe('loadBrokerConfig', () => {
  it('reads a properties file from disk', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gregor-config-'));
    try {
      const file = join(dir, 'server.properties');
      writeFileSync(file, '# broker 3\nnode.id=3\nlog.dirs=/var/lib/gregor\n', 'utf8');
      const config = loadBrokerConfig({ file, env: {}, overrides: { 'num.partitions': '6' } });
      assert.equal(config.nodeId, 3);
      assert.deepEqual(config.logDirs, ['/var/lib/gregor']);
      assert.equal(config.numPartitions, 6);
      assert.equal(config.setting('node.id').where, `${file}:2`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('parseOverrideArgs', () => {
  it('splits at the first = only', () => {
    assert.deepEqual(parseOverrideArgs(['a.b=1', 'listeners=X://h:1,Y://h:2', 'c=x=y']), {
      'a.b': '1',
      listeners: 'X://h:1,Y://h:2',
      c: 'x=y',
    });
  });

  it('rejects an argument without =', () => {
    assert.throws(
      () => parseOverrideArgs(['num.partitions']),
      (error: unknown) => error instanceof ConfigError && error.code === 'GREGOR_ERR_CONFIG_SYNTAX',
    );
  });
});

describe('retention and roll time rank keys, not sources', () => {
  it('uses log.retention.hours when nothing finer is set', () => {
    assert.equal(build({ file: 'log.retention.hours=2' }).logRetentionMs, 2 * HOURS_MS);
  });

  it('prefers minutes over hours and ms over minutes, whatever the source', () => {
    const minutes = build({
      file: 'log.retention.minutes=5',
      overrides: { 'log.retention.hours': '1' },
    });
    assert.equal(minutes.logRetentionMs, 5 * 60_000);
    const ms = build({
      file: 'log.retention.ms=1234',
      env: { GREGOR_LOG_RETENTION_MINUTES: '5' },
      overrides: { 'log.retention.hours': '1' },
    });
    assert.equal(ms.logRetentionMs, 1234);
  });

  it('reads any negative retention as -1 (forever)', () => {
    assert.equal(build({ file: 'log.retention.hours=-5' }).logRetentionMs, -1);
    assert.equal(build({ file: 'log.retention.ms=-1' }).logRetentionMs, -1);
  });

  it('prefers log.roll.ms over log.roll.hours', () => {
    assert.equal(build({ file: 'log.roll.hours=1' }).logRollMs, HOURS_MS);
    assert.equal(build({ file: 'log.roll.hours=1\nlog.roll.ms=500' }).logRollMs, 500);
  });

  it('uses log.flush.interval.ms over the scheduler interval', () => {
    assert.equal(build({ file: 'log.flush.interval.ms=1000' }).logFlushIntervalMs, 1000);
  });
});

describe('listeners', () => {
  it('parses several listeners with protocols from the map', () => {
    const config = build({
      file: [
        'listeners=INTERNAL://127.0.0.1:19092,EXTERNAL://:9094',
        'listener.security.protocol.map=INTERNAL:PLAINTEXT,EXTERNAL:SASL_SSL',
        'inter.broker.listener.name=INTERNAL',
      ].join('\n'),
    });
    assert.deepEqual(config.listeners, [
      { name: 'INTERNAL', host: '127.0.0.1', port: 19092, securityProtocol: 'PLAINTEXT' },
      { name: 'EXTERNAL', host: '', port: 9094, securityProtocol: 'SASL_SSL' },
    ]);
    assert.equal(config.advertisedListeners[1]?.host, 'broker-host');
    assert.equal(config.interBrokerListenerName, 'INTERNAL');
  });

  it('advertises the host name for PLAINTEXT://:9092 and keeps the bind host empty', () => {
    const config = build({ overrides: { listeners: 'PLAINTEXT://:9092' } });
    assert.equal(config.listeners[0]?.host, '');
    assert.equal(config.advertisedListeners[0]?.host, 'broker-host');
  });

  it('rejects a listener whose name has no protocol', () => {
    expectConfigError(
      () => build({ overrides: { listeners: 'INTERNAL://:9092' } }),
      'GREGOR_ERR_CONFIG_CONFLICT',
      'listeners',
      'INTERNAL',
    );
  });

  it('rejects advertising 0.0.0.0, and advertised names missing from listeners', () => {
    expectConfigError(
      () => build({ overrides: { listeners: 'PLAINTEXT://0.0.0.0:9092' } }),
      'GREGOR_ERR_CONFIG_CONFLICT',
      'advertised.listeners',
      '0.0.0.0',
    );
    expectConfigError(
      () => build({ overrides: { 'advertised.listeners': 'SSL://h:9093' } }),
      'GREGOR_ERR_CONFIG_CONFLICT',
      'advertised.listeners',
      'SSL',
    );
  });

  it('accepts 0.0.0.0 binds with explicit advertised listeners', () => {
    const config = build({
      overrides: {
        listeners: 'PLAINTEXT://0.0.0.0:9092',
        'advertised.listeners': 'PLAINTEXT://10.1.2.3:9092',
      },
    });
    assert.equal(config.advertisedListeners[0]?.host, '10.1.2.3');
  });

  it('rejects two listeners on one port and a duplicate listener name', () => {
    expectConfigError(
      () => build({ overrides: { listeners: 'PLAINTEXT://:9092,SSL://:9092' } }),
      'GREGOR_ERR_CONFIG_CONFLICT',
      'listeners',
      '9092',
    );
    expectConfigError(
      () => build({ overrides: { listeners: 'PLAINTEXT://:9092,PLAINTEXT://:9093' } }),
      'GREGOR_ERR_CONFIG_INVALID',
      'listeners',
    );
  });

  it('rejects an inter-broker listener that is not advertised', () => {
    expectConfigError(
      () => build({ overrides: { 'inter.broker.listener.name': 'REPLICATION' } }),
      'GREGOR_ERR_CONFIG_CONFLICT',
      'inter.broker.listener.name',
    );
  });

  it('names the inter-broker listener after security.inter.broker.protocol, as Kafka does', () => {
    const config = build({
      overrides: {
        listeners: 'INTERNAL://127.0.0.1:9093,PLAINTEXT://127.0.0.1:9092',
        'listener.security.protocol.map': 'INTERNAL:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      },
    });
    assert.equal(config.interBrokerListenerName, 'PLAINTEXT');
  });

  it('refuses to fall back to another listener when none is named after the protocol', () => {
    expectConfigError(
      () =>
        build({
          overrides: {
            listeners: 'INTERNAL://127.0.0.1:9093',
            'listener.security.protocol.map': 'INTERNAL:PLAINTEXT',
          },
        }),
      'GREGOR_ERR_CONFIG_CONFLICT',
      'inter.broker.listener.name',
      'PLAINTEXT',
      'INTERNAL',
    );
  });

  it('rejects setting both inter.broker.listener.name and security.inter.broker.protocol', () => {
    expectConfigError(
      () =>
        build({
          overrides: {
            'inter.broker.listener.name': 'PLAINTEXT',
            'security.inter.broker.protocol': 'PLAINTEXT',
          },
        }),
      'GREGOR_ERR_CONFIG_CONFLICT',
      'inter.broker.listener.name',
    );
  });

  it('maps a listener named after a protocol to it when the map is left at its default', () => {
    const config = build({
      overrides: { listeners: 'PLAINTEXT://127.0.0.1:9092,SASL_SSL://127.0.0.1:9093' },
    });
    assert.deepEqual(
      config.listeners.map((l) => l.securityProtocol),
      ['PLAINTEXT', 'SASL_SSL'],
    );
  });

  it('advertises only the listeners advertised.listeners names, each at its own address', () => {
    const config = build({
      overrides: {
        listeners: 'PLAINTEXT://127.0.0.1:9092,INTERNAL://127.0.0.1:9093',
        'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,INTERNAL:PLAINTEXT',
        'advertised.listeners': 'PLAINTEXT://kafka.example:19092,INTERNAL://127.0.0.2:0',
        'inter.broker.listener.name': 'INTERNAL',
      },
    });
    assert.deepEqual(
      config.advertisedListeners.map((l) => [l.name, l.host, l.port]),
      [
        ['PLAINTEXT', 'kafka.example', 19092],
        ['INTERNAL', '127.0.0.2', 0],
      ],
    );
  });
});

describe('node.id and broker.id', () => {
  it('takes either, and agrees when both match', () => {
    assert.equal(build({ file: 'broker.id=2' }).nodeId, 2);
    assert.equal(build({ file: 'node.id=4' }).nodeId, 4);
    assert.equal(build({ file: 'node.id=4\nbroker.id=4' }).nodeId, 4);
  });

  it('rejects different values, naming both sources', () => {
    expectConfigError(
      () => build({ file: 'node.id=1', env: { GREGOR_BROKER_ID: '2' } }),
      'GREGOR_ERR_CONFIG_CONFLICT',
      'node.id',
      'server.properties:1',
      'GREGOR_BROKER_ID',
    );
  });
});

describe('metadata.store', () => {
  it('parses an etcd endpoint list with a default port', () => {
    const config = build({ overrides: { 'metadata.store': 'etcd://e1:2379,e2,[::1]:3379' } });
    assert.deepEqual(config.metadataStore, {
      kind: 'etcd',
      endpoints: [
        { host: 'e1', port: 2379 },
        { host: 'e2', port: 2379 },
        { host: '::1', port: 3379 },
      ],
    });
  });

  it('keeps an embedded path', () => {
    const config = build({ overrides: { 'metadata.store': 'embedded:/var/lib/meta' } });
    assert.deepEqual(config.metadataStore, { kind: 'embedded', path: '/var/lib/meta' });
  });
});

describe('get and entries', () => {
  it('get returns typed values by Kafka name and rejects unknown names', () => {
    const config = build({ file: 'log.dirs=/a,/b\nauto.create.topics.enable=FALSE' });
    assert.deepEqual(config.get('log.dirs'), ['/a', '/b']);
    assert.equal(config.get('auto.create.topics.enable'), false);
    assert.equal(config.get('log.retention.ms'), null);
    expectConfigError(() => config.get('nope'), 'GREGOR_ERR_CONFIG_UNKNOWN', 'nope');
  });

  it('lists every broker key once, sorted, with sources', () => {
    const config = build({ file: 'num.partitions=3' });
    const entries = config.entries();
    assert.equal(entries.length, BROKER_CONFIG_DEFS.length);
    const names = entries.map((e) => e.name);
    assert.deepEqual(names, [...names].sort());
    const partitions = entries.find((e) => e.name === 'num.partitions');
    assert.equal(partitions?.value, '3');
    assert.equal(partitions?.source, 'STATIC_BROKER_CONFIG');
    assert.equal(partitions?.readOnly, true);
    assert.equal(entries.find((e) => e.name === 'num.io.threads')?.source, 'DEFAULT_CONFIG');
  });

  it('hides passwords and marks them sensitive', () => {
    const config = build({ overrides: { 'ssl.keystore.password': 'secret' } });
    const [entry] = config.entries({ names: ['ssl.keystore.password'] });
    assert.equal(entry?.isSensitive, true);
    assert.equal(entry?.value, null);
    assert.equal(entry?.synonyms[0]?.value, null);
    assert.equal(config.get('ssl.keystore.password'), 'secret');
  });

  it('gives the retention family as synonyms, static before default', () => {
    const config = build({ file: 'log.retention.minutes=30' });
    const [entry] = config.entries({ names: ['log.retention.ms'] });
    assert.equal(entry?.value, null);
    assert.equal(entry?.source, 'STATIC_BROKER_CONFIG');
    assert.deepEqual(entry?.synonyms, [
      { name: 'log.retention.minutes', value: '30', source: 'STATIC_BROKER_CONFIG' },
      { name: 'log.retention.hours', value: '168', source: 'DEFAULT_CONFIG' },
    ]);
  });

  it('filters by names and leaves out unknown ones', () => {
    const config = build();
    assert.deepEqual(
      config.entries({ names: ['num.partitions', 'nope'] }).map((e) => e.name),
      ['num.partitions'],
    );
  });
});
