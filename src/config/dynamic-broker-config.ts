// Dynamic broker configs as Kafka has them: the keys that may change while brokers run,
// set per broker (`configs/broker/<id>`) or as the cluster-wide default
// (`configs/broker/<default>`) in the metadata store. A per-broker value beats the
// cluster default, which beats the static configuration, which beats the default
// (DYNAMIC_BROKER_CONFIG > DYNAMIC_DEFAULT_BROKER_CONFIG > STATIC_BROKER_CONFIG >
// DEFAULT_CONFIG). This module owns which keys are dynamic and how a change is
// checked; broker.ts registers an apply hook for each key it applies live.
//
// A key joins by being listed in DYNAMIC_BROKER_KEYS (with Kafka's scope) and having an
// apply hook registered where the composition root wires its owner.

import type { BrokerConfig } from './broker-config.ts';
import { BROKER_CONFIG_KEYS } from './config-def.ts';
import { ConfigError } from './config-error.ts';
import { parseConfigValue } from './config-value.ts';

/** Kafka's update modes: a cluster-wide key may be set per broker too. */
export type DynamicScope = 'cluster-wide' | 'per-broker';

/**
 * Kafka's dynamic broker keys that Gregor has and applies live. The topic defaults among
 * them (Kafka's DynamicLogConfig) reach every partition log through its topic config;
 * the cleaner keys reach the log cleaner. The thread counts are accepted and reported
 * and, as their static values, change nothing (Gregor runs on one event loop).
 */
export const DYNAMIC_BROKER_KEYS: ReadonlyMap<string, DynamicScope> = new Map<string, DynamicScope>(
  [
    // Topic defaults (Kafka's DynamicLogConfig).
    ['log.segment.bytes', 'cluster-wide'],
    ['log.roll.ms', 'cluster-wide'],
    ['log.roll.hours', 'cluster-wide'],
    ['log.roll.jitter.ms', 'cluster-wide'],
    ['log.roll.jitter.hours', 'cluster-wide'],
    ['log.index.size.max.bytes', 'cluster-wide'],
    ['log.flush.interval.messages', 'cluster-wide'],
    ['log.flush.interval.ms', 'cluster-wide'],
    ['log.retention.bytes', 'cluster-wide'],
    ['log.retention.ms', 'cluster-wide'],
    ['log.retention.minutes', 'cluster-wide'],
    ['log.retention.hours', 'cluster-wide'],
    ['log.index.interval.bytes', 'cluster-wide'],
    ['log.cleaner.delete.retention.ms', 'cluster-wide'],
    ['log.cleaner.min.compaction.lag.ms', 'cluster-wide'],
    ['log.cleaner.max.compaction.lag.ms', 'cluster-wide'],
    ['log.segment.delete.delay.ms', 'cluster-wide'],
    ['log.cleaner.min.cleanable.ratio', 'cluster-wide'],
    ['log.cleanup.policy', 'cluster-wide'],
    ['unclean.leader.election.enable', 'cluster-wide'],
    ['min.insync.replicas', 'cluster-wide'],
    ['compression.type', 'cluster-wide'],
    ['compression.gzip.level', 'cluster-wide'],
    ['compression.lz4.level', 'cluster-wide'],
    ['compression.zstd.level', 'cluster-wide'],
    ['log.preallocate', 'cluster-wide'],
    ['log.message.timestamp.type', 'cluster-wide'],
    ['log.message.timestamp.difference.max.ms', 'cluster-wide'],
    ['log.message.timestamp.before.max.ms', 'cluster-wide'],
    ['log.message.timestamp.after.max.ms', 'cluster-wide'],
    ['log.message.downconversion.enable', 'cluster-wide'],
    ['message.max.bytes', 'cluster-wide'],
    // The log cleaner (Kafka's LogCleaner.ReconfigurableConfigs).
    ['log.cleaner.threads', 'cluster-wide'],
    ['log.cleaner.dedupe.buffer.size', 'cluster-wide'],
    ['log.cleaner.io.buffer.size', 'cluster-wide'],
    ['log.cleaner.io.buffer.load.factor', 'cluster-wide'],
    ['log.cleaner.io.max.bytes.per.second', 'cluster-wide'],
    ['log.cleaner.backoff.ms', 'cluster-wide'],
    // Thread pools: dynamic in Kafka, no effect in Gregor either way.
    ['num.io.threads', 'cluster-wide'],
    ['num.network.threads', 'cluster-wide'],
    ['num.replica.fetchers', 'cluster-wide'],
    ['num.recovery.threads.per.data.dir', 'cluster-wide'],
  ],
);

export function isDynamicBrokerKey(name: string): boolean {
  return DYNAMIC_BROKER_KEYS.has(name);
}

/** The dynamic values in force on one broker: the cluster default and its own. */
export interface DynamicBrokerLayers {
  /** `configs/broker/<default>`. */
  readonly clusterDefault: Readonly<Record<string, string>>;
  /** `configs/broker/<this broker's id>`. */
  readonly broker: Readonly<Record<string, string>>;
}

export const NO_DYNAMIC_LAYERS: DynamicBrokerLayers = Object.freeze({
  clusterDefault: Object.freeze({}),
  broker: Object.freeze({}),
});

export type DynamicCheck = { readonly ok: true } | { readonly ok: false; readonly message: string };

/**
 * Checks a broker resource's complete new set of dynamic values, as AlterConfigs would
 * store it: every key known and dynamic, every value valid, and the configuration they
 * make together (for `resourceName` '' the cluster default, else broker `resourceName`)
 * consistent, judged with this broker's static configuration. Messages are Kafka's.
 */
export function checkDynamicBrokerConfigs(
  current: BrokerConfig,
  resourceName: string,
  next: Readonly<Record<string, string>>,
): DynamicCheck {
  const resource = `ConfigResource(type=BROKER, name='${resourceName}')`;
  const invalid = (why: string): DynamicCheck => ({
    ok: false,
    message: `Invalid config value for resource ${resource}: ${why}`,
  });
  const unknown = Object.keys(next).filter((name) => !BROKER_CONFIG_KEYS.has(name));
  if (unknown.length > 0) return invalid(`Unknown broker configs: Set(${unknown.join(', ')})`);
  const fixed = Object.keys(next).filter((name) => !isDynamicBrokerKey(name));
  if (fixed.length > 0) {
    return invalid(`Cannot update these configs dynamically: Set(${fixed.join(', ')})`);
  }
  if (resourceName === '') {
    const perBroker = Object.keys(next).filter((n) => DYNAMIC_BROKER_KEYS.get(n) === 'per-broker');
    if (perBroker.length > 0) {
      return invalid(
        `Cannot update these configs at default cluster level: ${perBroker.join(', ')}`,
      );
    }
  }
  for (const [name, text] of Object.entries(next)) {
    const def = BROKER_CONFIG_KEYS.get(name)!;
    const parsed = parseConfigValue(def.type, text, def.valid);
    if (!parsed.ok)
      return invalid(`Invalid value ${text} for configuration ${name}: ${parsed.reason}`);
  }
  const layers =
    resourceName === ''
      ? { ...current.dynamicLayers, clusterDefault: next }
      : { ...current.dynamicLayers, broker: next };
  try {
    current.withDynamic(layers);
  } catch (err) {
    if (err instanceof ConfigError) return invalid(err.message);
    throw err;
  }
  return { ok: true };
}

/** The keys whose effective value differs between two configurations. */
export function changedBrokerKeys(before: BrokerConfig, after: BrokerConfig): string[] {
  const changed: string[] = [];
  for (const name of DYNAMIC_BROKER_KEYS.keys()) {
    if (before.setting(name).text !== after.setting(name).text) changed.push(name);
  }
  return changed;
}

/**
 * Who applies which dynamic key: the composition root registers a hook per group of
 * keys; after the configuration changes, each hook whose keys changed runs once with
 * the new configuration. A hook that throws is reported and the others still run.
 */
export class DynamicConfigHooks {
  private readonly hooks: Array<{
    readonly keys: ReadonlySet<string>;
    readonly apply: (config: BrokerConfig) => void;
  }> = [];

  /** Registers `apply` for `keys` (each must be a dynamic key). */
  on(keys: Iterable<string>, apply: (config: BrokerConfig) => void): void {
    const set = new Set(keys);
    for (const key of set) {
      if (!isDynamicBrokerKey(key)) throw new RangeError(`${key} is not a dynamic broker key`);
    }
    this.hooks.push({ keys: set, apply });
  }

  /** Keys with no hook: dynamic in name only, which DYNAMIC_BROKER_KEYS must not list. */
  unhandled(): string[] {
    return [...DYNAMIC_BROKER_KEYS.keys()].filter((k) => !this.hooks.some((h) => h.keys.has(k)));
  }

  /** Runs the hooks of the keys that differ; returns those keys and any hook failures. */
  apply(before: BrokerConfig, after: BrokerConfig): { changed: string[]; failures: unknown[] } {
    const changed = changedBrokerKeys(before, after);
    const failures: unknown[] = [];
    for (const hook of this.hooks) {
      if (!changed.some((k) => hook.keys.has(k))) continue;
      try {
        hook.apply(after);
      } catch (err) {
        failures.push(err);
      }
    }
    return { changed, failures };
  }
}
