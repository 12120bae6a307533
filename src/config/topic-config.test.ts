// Topic configuration: overrides over broker defaults, validation with Kafka's messages, and
// DescribeConfigs entries with sources and synonyms.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type BrokerConfig, buildBrokerConfig } from './broker-config.ts';
import { TOPIC_CONFIG_DEFS } from './config-def.ts';
import { ConfigError } from './config-error.ts';
import { describeTopicConfig, resolveTopicConfig, validateTopicConfigs } from './topic-config.ts';

const HOURS_MS = 3_600_000;

function broker(file = ''): BrokerConfig {
  return buildBrokerConfig({
    file: { name: 'server.properties', text: file },
    env: {},
    hostname: 'h',
  });
}

describe('resolveTopicConfig', () => {
  it('uses Kafka topic defaults when the broker sets nothing', () => {
    const topic = resolveTopicConfig(broker(), {});
    assert.equal(topic.retentionMs, 168 * HOURS_MS);
    assert.equal(topic.retentionBytes, -1);
    assert.equal(topic.segmentBytes, 1073741824);
    assert.equal(topic.segmentMs, 168 * HOURS_MS);
    assert.deepEqual(topic.cleanupPolicy, ['delete']);
    assert.equal(topic.maxMessageBytes, 1048588);
    assert.equal(topic.messageTimestampType, 'CreateTime');
    assert.equal(topic.minInsyncReplicas, 1);
    assert.equal(topic.compressionType, 'producer');
    assert.equal(topic.minCleanableDirtyRatio, 0.5);
    assert.deepEqual(topic.leaderReplicationThrottledReplicas, []);
    assert.equal(topic.flushMessages, Number.MAX_SAFE_INTEGER);
  });

  it('takes defaults from broker synonyms, converting hours to ms', () => {
    const topic = resolveTopicConfig(
      broker(
        'log.retention.hours=2\nlog.roll.hours=3\nmessage.max.bytes=5000\n' +
          'log.cleanup.policy=compact\nmin.insync.replicas=2\nlog.segment.bytes=4096',
      ),
      {},
    );
    assert.equal(topic.retentionMs, 2 * HOURS_MS);
    assert.equal(topic.segmentMs, 3 * HOURS_MS);
    assert.equal(topic.maxMessageBytes, 5000);
    assert.deepEqual(topic.cleanupPolicy, ['compact']);
    assert.equal(topic.minInsyncReplicas, 2);
    assert.equal(topic.segmentBytes, 4096);
  });

  it('lets topic overrides win over broker defaults', () => {
    const topic = resolveTopicConfig(broker('log.retention.ms=1000\nlog.segment.bytes=4096'), {
      'retention.ms': '-1',
      'segment.bytes': '8192',
      'cleanup.policy': 'compact,delete',
      'message.timestamp.type': 'LogAppendTime',
    });
    assert.equal(topic.retentionMs, -1);
    assert.equal(topic.segmentBytes, 8192);
    assert.deepEqual(topic.cleanupPolicy, ['compact', 'delete']);
    assert.equal(topic.messageTimestampType, 'LogAppendTime');
  });

  it('throws ConfigError for stored overrides that do not validate', () => {
    assert.throws(
      () => resolveTopicConfig(broker(), { 'retention.ms': 'soon' }),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.code === 'GREGOR_ERR_CONFIG_INVALID' &&
        error.key === 'retention.ms',
    );
    assert.throws(
      () => resolveTopicConfig(broker(), { 'retention.time': '1' }),
      (error: unknown) =>
        error instanceof ConfigError && error.code === 'GREGOR_ERR_CONFIG_UNKNOWN',
    );
  });
});

describe('validateTopicConfigs', () => {
  it('accepts valid overrides', () => {
    assert.deepEqual(
      validateTopicConfigs({ 'retention.ms': '60000', 'cleanup.policy': 'compact' }),
      { ok: true },
    );
  });

  it("names an unknown key with Kafka's message", () => {
    assert.deepEqual(validateTopicConfigs({ 'retention.ms': '1', 'log.retention.ms': '1' }), {
      ok: false,
      name: 'log.retention.ms',
      message: 'Unknown topic config name: log.retention.ms',
    });
  });

  it('names an invalid value: bad number, out of range, bad enum, null', () => {
    const cases: Array<[Record<string, string | null>, string]> = [
      [{ 'retention.ms': 'abc' }, 'retention.ms'],
      [{ 'retention.ms': '-2' }, 'retention.ms'],
      [{ 'segment.bytes': '10' }, 'segment.bytes'],
      [{ 'min.cleanable.dirty.ratio': '1.5' }, 'min.cleanable.dirty.ratio'],
      [{ 'cleanup.policy': 'compact,forget' }, 'cleanup.policy'],
      [{ 'compression.type': 'brotli' }, 'compression.type'],
      [
        { 'leader.replication.throttled.replicas': '0:1,x' },
        'leader.replication.throttled.replicas',
      ],
      [{ 'max.message.bytes': null }, 'max.message.bytes'],
    ];
    for (const [overrides, name] of cases) {
      const result = validateTopicConfigs(overrides);
      assert.equal(result.ok, false, JSON.stringify(overrides));
      if (!result.ok) {
        assert.equal(result.name, name);
        assert.ok(result.message.includes(name), result.message);
      }
    }
  });

  it('accepts throttled replica lists and the * wildcard', () => {
    assert.equal(
      validateTopicConfigs({ 'leader.replication.throttled.replicas': '0:1,1:2' }).ok,
      true,
    );
    assert.equal(validateTopicConfigs({ 'follower.replication.throttled.replicas': '*' }).ok, true);
  });

  it('rejects min.compaction.lag.ms above max.compaction.lag.ms, using broker defaults', () => {
    const result = validateTopicConfigs({
      'max.compaction.lag.ms': '100',
      'min.compaction.lag.ms': '200',
    });
    assert.equal(result.ok, false);
    const config = broker('log.cleaner.max.compaction.lag.ms=100');
    const againstBroker = validateTopicConfigs({ 'min.compaction.lag.ms': '200' }, config);
    assert.equal(againstBroker.ok, false);
    assert.equal(validateTopicConfigs({ 'min.compaction.lag.ms': '200' }).ok, true);
  });
});

describe('describeTopicConfig', () => {
  it('lists every topic key once, sorted, not read-only', () => {
    const entries = describeTopicConfig(broker(), {});
    assert.equal(entries.length, TOPIC_CONFIG_DEFS.length);
    const names = entries.map((e) => e.name);
    assert.deepEqual(names, [...names].sort());
    assert.ok(entries.every((e) => !e.readOnly && !e.isSensitive));
  });

  it('shows a default from the broker default as DEFAULT_CONFIG with its synonym', () => {
    const [entry] = describeTopicConfig(broker(), {}, { names: ['retention.ms'] });
    assert.deepEqual(entry, {
      name: 'retention.ms',
      value: '604800000',
      source: 'DEFAULT_CONFIG',
      isSensitive: false,
      readOnly: false,
      type: 'long',
      documentation: entry?.documentation,
      synonyms: [{ name: 'log.retention.hours', value: '168', source: 'DEFAULT_CONFIG' }],
    });
  });

  it('shows a value from server.properties as STATIC_BROKER_CONFIG', () => {
    const [entry] = describeTopicConfig(
      broker('log.retention.ms=5000'),
      {},
      {
        names: ['retention.ms'],
      },
    );
    assert.equal(entry?.value, '5000');
    assert.equal(entry?.source, 'STATIC_BROKER_CONFIG');
    assert.deepEqual(entry?.synonyms, [
      { name: 'log.retention.ms', value: '5000', source: 'STATIC_BROKER_CONFIG' },
      { name: 'log.retention.hours', value: '168', source: 'DEFAULT_CONFIG' },
    ]);
  });

  it('shows an override as DYNAMIC_TOPIC_CONFIG, first among its synonyms', () => {
    const [entry] = describeTopicConfig(
      broker(),
      { 'segment.bytes': '2048' },
      {
        names: ['segment.bytes'],
      },
    );
    assert.equal(entry?.value, '2048');
    assert.equal(entry?.source, 'DYNAMIC_TOPIC_CONFIG');
    assert.deepEqual(entry?.synonyms, [
      { name: 'segment.bytes', value: '2048', source: 'DYNAMIC_TOPIC_CONFIG' },
      { name: 'log.segment.bytes', value: '1073741824', source: 'DEFAULT_CONFIG' },
    ]);
  });

  it('shows a key without a broker synonym with its own default', () => {
    const [entry] = describeTopicConfig(
      broker(),
      {},
      {
        names: ['follower.replication.throttled.replicas'],
      },
    );
    assert.equal(entry?.value, '');
    assert.equal(entry?.source, 'DEFAULT_CONFIG');
    assert.deepEqual(entry?.synonyms, []);
  });
});

describe('message.format.version (deprecated by Kafka 3.0, accepted and reported)', () => {
  it("defaults to Kafka 3.x's 3.0-IV1, from log.message.format.version", () => {
    const [entry] = describeTopicConfig(broker(), {}, { names: ['message.format.version'] });
    assert.equal(entry?.value, '3.0-IV1');
    assert.equal(entry?.source, 'DEFAULT_CONFIG');
    assert.deepEqual(entry?.synonyms, [
      { name: 'log.message.format.version', value: '3.0-IV1', source: 'DEFAULT_CONFIG' },
    ]);
    const fromBroker = describeTopicConfig(
      broker('log.message.format.version=2.8'),
      {},
      {
        names: ['message.format.version'],
      },
    );
    assert.equal(fromBroker[0]?.value, '2.8');
    assert.equal(fromBroker[0]?.source, 'STATIC_BROKER_CONFIG');
  });

  it('stores and reports an override as given', () => {
    assert.deepEqual(validateTopicConfigs({ 'message.format.version': '0.10.2' }), { ok: true });
    const [entry] = describeTopicConfig(
      broker(),
      { 'message.format.version': '0.10.2' },
      {
        names: ['message.format.version'],
      },
    );
    assert.equal(entry?.value, '0.10.2');
    assert.equal(entry?.source, 'DYNAMIC_TOPIC_CONFIG');
  });

  it("accepts the texts Kafka's MetadataVersion.fromVersionString accepts, and only those", () => {
    const accepted = [
      '0.8.0',
      '0.9.0',
      '0.10.0',
      '0.10.0-IV1',
      '0.10.0.1',
      '0.11.0-IV2',
      '1.0',
      '1.0.1',
      '2.1-IV2',
      '2.8',
      '3.0',
      '3.0-IV1',
      '3.9',
      '4.0-IV0',
    ];
    for (const v of accepted) {
      assert.deepEqual(validateTopicConfigs({ 'message.format.version': v }), { ok: true }, v);
    }
    const refused = ['', '0.7', '0.10', '0.10.3', '2.9', '3.0-IV2', '4.0', 'latest', '3'];
    for (const v of refused) {
      const result = validateTopicConfigs({ 'message.format.version': v });
      assert.equal(result.ok, false, v);
      if (!result.ok) assert.ok(result.message.includes('is not a valid version'), result.message);
    }
  });

  it('refuses a bad broker log.message.format.version at start-up', () => {
    assert.throws(() => broker('log.message.format.version=9.9'), ConfigError);
    assert.equal(
      broker('log.message.format.version=2.8-IV1').entries({
        names: ['log.message.format.version'],
      })[0]?.value,
      '2.8-IV1',
    );
  });
});
