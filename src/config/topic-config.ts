// Topic configuration: a topic's dynamic overrides (set by CreateTopics or AlterConfigs and kept
// in the metadata store) over the broker's defaults for them (retention.ms from
// log.retention.hours...). Validates override maps with Kafka's INVALID_CONFIG semantics and
// describes a topic's keys with sources and synonyms as Kafka's DescribeConfigs does. Pure:
// storing overrides and mapping the result to error codes is the caller's job.

import assert from 'node:assert/strict';
import type { BrokerConfig } from './broker-config.ts';
import { brokerSynonymEntries, defaultValueOf, sourceOfOrigin } from './broker-config.ts';
import {
  CLEANUP_POLICIES,
  type CleanupPolicy,
  COMPRESSION_TYPES,
  type CompressionType,
  TIMESTAMP_TYPES,
  type TimestampType,
  TOPIC_CONFIG_DEFS,
  TOPIC_CONFIG_KEYS,
  type TopicKeyDef,
} from './config-def.ts';
import type { ConfigEntry, ConfigSource, ConfigSynonym } from './config-entry.ts';
import { ConfigError } from './config-error.ts';
import { type ConfigValue, formatConfigValue, parseConfigValue } from './config-value.ts';

/** A topic's dynamic overrides by topic key, as stored. */
export type TopicOverrides = Readonly<Record<string, string>>;

export interface TopicConfig {
  readonly cleanupPolicy: readonly CleanupPolicy[];
  readonly compressionType: CompressionType;
  readonly compressionGzipLevel: number;
  readonly compressionLz4Level: number;
  readonly compressionZstdLevel: number;
  readonly deleteRetentionMs: number;
  readonly fileDeleteDelayMs: number;
  readonly flushMessages: number;
  readonly flushMs: number;
  readonly followerReplicationThrottledReplicas: readonly string[];
  readonly indexIntervalBytes: number;
  readonly leaderReplicationThrottledReplicas: readonly string[];
  readonly maxCompactionLagMs: number;
  readonly maxMessageBytes: number;
  readonly messageDownconversionEnable: boolean;
  readonly messageTimestampAfterMaxMs: number;
  readonly messageTimestampBeforeMaxMs: number;
  readonly messageTimestampDifferenceMaxMs: number;
  readonly messageTimestampType: TimestampType;
  readonly minCleanableDirtyRatio: number;
  readonly minCompactionLagMs: number;
  readonly minInsyncReplicas: number;
  readonly preallocate: boolean;
  readonly retentionBytes: number;
  /** -1 means forever. */
  readonly retentionMs: number;
  readonly segmentBytes: number;
  readonly segmentIndexBytes: number;
  readonly segmentJitterMs: number;
  readonly segmentMs: number;
  readonly uncleanLeaderElectionEnable: boolean;
}

export type TopicConfigValidation =
  | { readonly ok: true }
  | { readonly ok: false; readonly name: string; readonly message: string };

interface ResolvedTopicValue {
  readonly def: TopicKeyDef;
  readonly value: ConfigValue;
  readonly text: string | null;
  readonly source: ConfigSource;
}

/**
 * Checks overrides from CreateTopics, AlterConfigs or IncrementalAlterConfigs. A failure names
 * the key and carries Kafka's message; the caller answers INVALID_CONFIG (Kafka uses
 * INVALID_CONFIG for unknown keys too). With `brokerConfig`, cross-key checks use the broker's
 * defaults for keys the overrides leave out.
 */
export function validateTopicConfigs(
  overrides: Readonly<Record<string, string | null>>,
  brokerConfig?: BrokerConfig,
): TopicConfigValidation {
  const values = new Map<string, ConfigValue>();
  for (const [name, text] of Object.entries(overrides)) {
    const def = TOPIC_CONFIG_KEYS.get(name);
    if (def === undefined)
      return { ok: false, name, message: `Unknown topic config name: ${name}` };
    if (text === null) {
      return { ok: false, name, message: `Null value not supported for topic configs: ${name}` };
    }
    const parsed = parseConfigValue(def.type, text, def.valid);
    if (!parsed.ok) {
      return {
        ok: false,
        name,
        message: `Invalid value ${text} for configuration ${name}: ${parsed.reason}`,
      };
    }
    values.set(name, parsed.value);
  }
  const effective = (name: string): ConfigValue =>
    values.has(name) ? (values.get(name) ?? null) : defaultFor(name, brokerConfig);
  const minLag = effective('min.compaction.lag.ms');
  const maxLag = effective('max.compaction.lag.ms');
  if (typeof minLag === 'number' && typeof maxLag === 'number' && minLag > maxLag) {
    const name = values.has('min.compaction.lag.ms')
      ? 'min.compaction.lag.ms'
      : 'max.compaction.lag.ms';
    return {
      ok: false,
      name,
      message:
        `conflict topic config setting min.compaction.lag.ms (${minLag}) > ` +
        `max.compaction.lag.ms (${maxLag})`,
    };
  }
  return { ok: true };
}

function defaultFor(name: string, brokerConfig: BrokerConfig | undefined): ConfigValue {
  if (brokerConfig !== undefined) return brokerConfig.topicDefault(name).value;
  const def = TOPIC_CONFIG_KEYS.get(name);
  assert.ok(def !== undefined, `${name} is not a topic key`);
  return defaultValueOf(def);
}

/** Each topic key's value: the override, else the broker's default for it. */
function resolveTopicValues(
  brokerConfig: BrokerConfig,
  overrides: TopicOverrides,
): Map<string, ResolvedTopicValue> {
  const checked = validateTopicConfigs(overrides, brokerConfig);
  if (!checked.ok) {
    const code = TOPIC_CONFIG_KEYS.has(checked.name)
      ? 'GREGOR_ERR_CONFIG_INVALID'
      : 'GREGOR_ERR_CONFIG_UNKNOWN';
    throw new ConfigError(code, checked.message, { key: checked.name, where: 'topic config' });
  }
  const resolved = new Map<string, ResolvedTopicValue>();
  for (const def of TOPIC_CONFIG_DEFS) {
    resolved.set(def.name, resolveOne(brokerConfig, def, overrides[def.name]));
  }
  return resolved;
}

function resolveOne(
  brokerConfig: BrokerConfig,
  def: TopicKeyDef,
  override: string | undefined,
): ResolvedTopicValue {
  if (override !== undefined) {
    const parsed = parseConfigValue(def.type, override, def.valid);
    assert.ok(parsed.ok, `override of ${def.name} passed validation but does not parse`);
    return { def, value: parsed.value, text: parsed.text, source: 'DYNAMIC_TOPIC_CONFIG' };
  }
  const { value, synonym } = brokerConfig.topicDefault(def.name);
  if (synonym === null) return { def, value, text: def.default, source: 'DEFAULT_CONFIG' };
  const source = sourceOfOrigin(synonym.origin);
  const unchanged = value === synonym.value;
  return { def, value, text: unchanged ? synonym.text : formatConfigValue(value), source };
}

/** The typed configuration of one topic; throws ConfigError if stored overrides are invalid. */
export function resolveTopicConfig(
  brokerConfig: BrokerConfig,
  overrides: TopicOverrides,
): TopicConfig {
  const read = topicReader(resolveTopicValues(brokerConfig, overrides));
  return {
    cleanupPolicy: read
      .list('cleanup.policy')
      .map((p) => oneOfValue('cleanup.policy', p, CLEANUP_POLICIES)),
    compressionType: read.choice('compression.type', COMPRESSION_TYPES),
    compressionGzipLevel: read.number('compression.gzip.level'),
    compressionLz4Level: read.number('compression.lz4.level'),
    compressionZstdLevel: read.number('compression.zstd.level'),
    deleteRetentionMs: read.number('delete.retention.ms'),
    fileDeleteDelayMs: read.number('file.delete.delay.ms'),
    flushMessages: read.number('flush.messages'),
    flushMs: read.number('flush.ms'),
    followerReplicationThrottledReplicas: read.list('follower.replication.throttled.replicas'),
    indexIntervalBytes: read.number('index.interval.bytes'),
    leaderReplicationThrottledReplicas: read.list('leader.replication.throttled.replicas'),
    maxCompactionLagMs: read.number('max.compaction.lag.ms'),
    maxMessageBytes: read.number('max.message.bytes'),
    messageDownconversionEnable: read.boolean('message.downconversion.enable'),
    messageTimestampAfterMaxMs: read.number('message.timestamp.after.max.ms'),
    messageTimestampBeforeMaxMs: read.number('message.timestamp.before.max.ms'),
    messageTimestampDifferenceMaxMs: read.number('message.timestamp.difference.max.ms'),
    messageTimestampType: read.choice('message.timestamp.type', TIMESTAMP_TYPES),
    minCleanableDirtyRatio: read.number('min.cleanable.dirty.ratio'),
    minCompactionLagMs: read.number('min.compaction.lag.ms'),
    minInsyncReplicas: read.number('min.insync.replicas'),
    preallocate: read.boolean('preallocate'),
    retentionBytes: read.number('retention.bytes'),
    retentionMs: read.number('retention.ms'),
    segmentBytes: read.number('segment.bytes'),
    segmentIndexBytes: read.number('segment.index.bytes'),
    segmentJitterMs: read.number('segment.jitter.ms'),
    segmentMs: read.number('segment.ms'),
    uncleanLeaderElectionEnable: read.boolean('unclean.leader.election.enable'),
  };
}

/** Typed access to resolved values; a wrong type is our bug (the value passed validation). */
function topicReader(values: ReadonlyMap<string, ResolvedTopicValue>) {
  const get = (name: string): ConfigValue => {
    const resolved = values.get(name);
    assert.ok(resolved !== undefined && resolved.value !== null, `${name} has no value`);
    return resolved.value;
  };
  return {
    number(name: string): number {
      const v = get(name);
      assert.ok(typeof v === 'number', `${name} is not a number`);
      return v;
    },
    boolean(name: string): boolean {
      const v = get(name);
      assert.ok(typeof v === 'boolean', `${name} is not a boolean`);
      return v;
    },
    list(name: string): readonly string[] {
      const v = get(name);
      assert.ok(Array.isArray(v), `${name} is not a list`);
      return v;
    },
    choice<T extends string>(name: string, allowed: readonly T[]): T {
      return oneOfValue(name, get(name), allowed);
    },
  };
}

function oneOfValue<T extends string>(name: string, value: ConfigValue, allowed: readonly T[]): T {
  const match = allowed.find((candidate) => candidate === value);
  assert.ok(match !== undefined, `${name} value ${String(value)} is not one of ${allowed}`);
  return match;
}

/**
 * DescribeConfigs entries of a topic, sorted by name: the override (DYNAMIC_TOPIC_CONFIG), else
 * the broker key that supplies the default (STATIC_BROKER_CONFIG or DEFAULT_CONFIG), with
 * synonyms topic-first as Kafka lists them. `names` filters; unknown names are left out.
 */
export function describeTopicConfig(
  brokerConfig: BrokerConfig,
  overrides: TopicOverrides,
  options: { readonly names?: readonly string[] | null | undefined } = {},
): ConfigEntry[] {
  const values = resolveTopicValues(brokerConfig, overrides);
  const wanted =
    options.names === undefined || options.names === null ? null : new Set(options.names);
  return [...values.values()]
    .filter((resolved) => wanted === null || wanted.has(resolved.def.name))
    .sort((a, b) => (a.def.name < b.def.name ? -1 : a.def.name > b.def.name ? 1 : 0))
    .map((resolved) => {
      const { def } = resolved;
      const synonyms: ConfigSynonym[] = [];
      if (resolved.source === 'DYNAMIC_TOPIC_CONFIG') {
        synonyms.push({ name: def.name, value: resolved.text, source: 'DYNAMIC_TOPIC_CONFIG' });
      }
      const firstBrokerKey = def.synonyms[0]?.name;
      if (firstBrokerKey !== undefined) {
        synonyms.push(...brokerSynonymEntries(brokerConfig, firstBrokerKey));
      }
      return {
        name: def.name,
        value: resolved.text,
        source: resolved.source,
        isSensitive: false,
        readOnly: false,
        type: def.type,
        documentation: def.doc,
        synonyms,
      };
    });
}
