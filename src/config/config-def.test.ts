// Consistency of the key tables: defaults that parse, synonyms that exist, units that agree,
// and the DescribeConfigs id tables.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildBrokerConfig } from './broker-config.ts';
import {
  BROKER_CONFIG_DEFS,
  BROKER_CONFIG_KEYS,
  brokerSynonyms,
  TOPIC_CONFIG_DEFS,
  topicKeyForBrokerKey,
} from './config-def.ts';
import { CONFIG_TYPE_IDS } from './config-entry.ts';
import { CONFIG_TYPES, parseConfigValue } from './config-value.ts';

describe('config tables', () => {
  it('has no duplicate names in either table', () => {
    assert.equal(BROKER_CONFIG_KEYS.size, BROKER_CONFIG_DEFS.length);
    assert.equal(new Set(TOPIC_CONFIG_DEFS.map((d) => d.name)).size, TOPIC_CONFIG_DEFS.length);
  });

  it('has defaults that parse and pass their own validators', () => {
    for (const def of [...BROKER_CONFIG_DEFS, ...TOPIC_CONFIG_DEFS]) {
      if (def.default === null) continue;
      const parsed = parseConfigValue(def.type, def.default, def.valid);
      assert.ok(parsed.ok, `${def.name}: ${parsed.ok ? '' : parsed.reason}`);
    }
  });

  it('names only broker keys as topic synonyms, of the same kind of value', () => {
    for (const def of TOPIC_CONFIG_DEFS) {
      for (const synonym of def.synonyms) {
        const brokerDef = BROKER_CONFIG_KEYS.get(synonym.name);
        assert.ok(brokerDef !== undefined, `${def.name} -> ${synonym.name}`);
        const numeric = (type: string) => ['int', 'short', 'long', 'double'].includes(type);
        assert.equal(numeric(brokerDef.type), numeric(def.type), `${def.name} -> ${synonym.name}`);
      }
    }
  });

  it('gives each topic key a broker-derived default equal to its own default', () => {
    const config = buildBrokerConfig({ env: {}, hostname: 'h' });
    for (const def of TOPIC_CONFIG_DEFS) {
      const own = def.default === null ? null : parseConfigValue(def.type, def.default, def.valid);
      const ownValue = own?.ok ? own.value : null;
      assert.deepEqual(config.topicDefault(def.name).value, ownValue, def.name);
    }
  });

  it('maps broker keys to the topic key they default, and families to their synonyms', () => {
    assert.equal(topicKeyForBrokerKey('log.retention.hours'), 'retention.ms');
    assert.equal(topicKeyForBrokerKey('message.max.bytes'), 'max.message.bytes');
    assert.equal(topicKeyForBrokerKey('num.partitions'), null);
    assert.deepEqual(
      brokerSynonyms('log.retention.hours').map((s) => s.name),
      ['log.retention.ms', 'log.retention.minutes', 'log.retention.hours'],
    );
    assert.deepEqual(brokerSynonyms('num.partitions'), [{ name: 'num.partitions' }]);
  });

  it('gives every config type a DescribeConfigs type id', () => {
    for (const type of CONFIG_TYPES) assert.ok(CONFIG_TYPE_IDS[type] > 0, type);
  });

  it('includes every key the brief names', () => {
    const broker = [
      'listeners',
      'advertised.listeners',
      'listener.security.protocol.map',
      'log.dirs',
      'log.dir',
      'node.id',
      'broker.id',
      'broker.rack',
      'num.partitions',
      'default.replication.factor',
      'auto.create.topics.enable',
      'delete.topic.enable',
      'message.max.bytes',
      'socket.request.max.bytes',
      'socket.send.buffer.bytes',
      'socket.receive.buffer.bytes',
      'num.network.threads',
      'num.io.threads',
      'log.retention.ms',
      'log.retention.minutes',
      'log.retention.hours',
      'log.retention.bytes',
      'log.segment.bytes',
      'log.roll.ms',
      'log.roll.hours',
      'log.index.interval.bytes',
      'log.segment.delete.delay.ms',
      'log.retention.check.interval.ms',
      'log.flush.interval.messages',
      'log.flush.interval.ms',
      'log.cleanup.policy',
      'log.message.timestamp.type',
      'min.insync.replicas',
      'unclean.leader.election.enable',
      'offsets.topic.num.partitions',
      'offsets.topic.replication.factor',
      'offsets.retention.minutes',
      'group.initial.rebalance.delay.ms',
      'group.min.session.timeout.ms',
      'group.max.session.timeout.ms',
      'group.max.size',
      'transactional.id.expiration.ms',
      'producer.id.expiration.ms',
      'replica.lag.time.max.ms',
      'replica.fetch.max.bytes',
      'replica.fetch.wait.max.ms',
      'metadata.store',
      'metadata.store.prefix',
      'cluster.id',
      'connections.max.idle.ms',
      'max.connections',
      'queued.max.requests',
      'fetch.max.bytes',
      'compression.type',
    ];
    for (const name of broker) assert.ok(BROKER_CONFIG_KEYS.has(name), name);
    const topic = [
      'cleanup.policy',
      'compression.type',
      'retention.ms',
      'retention.bytes',
      'segment.bytes',
      'segment.ms',
      'segment.index.bytes',
      'index.interval.bytes',
      'max.message.bytes',
      'message.timestamp.type',
      'min.insync.replicas',
      'unclean.leader.election.enable',
      'flush.messages',
      'flush.ms',
      'delete.retention.ms',
      'min.compaction.lag.ms',
      'file.delete.delay.ms',
      'message.timestamp.difference.max.ms',
      'preallocate',
      'min.cleanable.dirty.ratio',
      'max.compaction.lag.ms',
      'message.downconversion.enable',
      'follower.replication.throttled.replicas',
      'leader.replication.throttled.replicas',
    ];
    const topicNames = new Set(TOPIC_CONFIG_DEFS.map((d) => d.name));
    for (const name of topic) assert.ok(topicNames.has(name), name);
  });
});
