// The broker's static configuration: defaults < properties file < GREGOR_ environment <
// --override, parsed and validated against config-def's table, checked across keys (ids,
// listeners), and offered three ways: typed fields for the code (`config.logDirs`), `get(name)`
// by Kafka name, and `entries()` for DescribeConfigs. Where Kafka ranks keys rather than
// sources (log.retention.ms over .minutes over .hours), the key rank wins whatever the source.
// Dynamic values from the metadata store (dynamic-broker-config.ts) rank above all static
// sources: `withDynamic(layers)` builds the configuration they make; keys Kafka cannot
// change dynamically are read-only.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import {
  type BrokerSettings,
  readBrokerSettings,
  type SettingLookup,
  type TopicDefault,
} from './broker-settings.ts';
import {
  BROKER_CONFIG_DEFS,
  BROKER_CONFIG_KEYS,
  brokerSynonyms,
  type ConfigKeyDef,
  type SaslMechanism,
  TOPIC_CONFIG_KEYS,
} from './config-def.ts';
import type { ConfigEntry, ConfigSource, ConfigSynonym } from './config-entry.ts';
import { ConfigError } from './config-error.ts';
import {
  type ConfigSetting,
  type ConfigSourceTexts,
  collectRawSettings,
  type RawSetting,
} from './config-sources.ts';
import { type ConfigValue, parseConfigValue } from './config-value.ts';
import {
  type DynamicBrokerLayers,
  isDynamicBrokerKey,
  NO_DYNAMIC_LAYERS,
} from './dynamic-broker-config.ts';
import { listenerLookupOrder, parseListenerScopedKey } from './listener-scoped-keys.ts';

export type { BrokerSettings, TopicDefault } from './broker-settings.ts';
export type { ConfigOrigin, ConfigSetting } from './config-sources.ts';

export interface BrokerConfig extends BrokerSettings {
  /** The value of a broker key by Kafka name; throws GREGOR_ERR_CONFIG_UNKNOWN otherwise. */
  get(name: string): ConfigValue;
  /** The value of a broker key with its origin. */
  setting(name: string): ConfigSetting;
  /** Every source that sets a key, highest first (dynamic broker, dynamic default, static, default). */
  layers(name: string): ConfigSetting[];
  /** The dynamic values this configuration was built with. */
  readonly dynamicLayers: DynamicBrokerLayers;
  /** The same static sources under other dynamic values; throws ConfigError as building does. */
  withDynamic(layers: DynamicBrokerLayers): BrokerConfig;
  /** The broker-supplied default of a topic key (retention.ms from log.retention.hours...). */
  topicDefault(topicKey: string): TopicDefault;
  /** DescribeConfigs entries of broker keys, sorted by name; `names` filters (unknown ignored). */
  entries(options?: { readonly names?: readonly string[] | null | undefined }): ConfigEntry[];
  /** DescribeConfigs of the cluster-default resource: the dynamic defaults set, as Kafka. */
  defaultEntries(options?: {
    readonly names?: readonly string[] | null | undefined;
  }): ConfigEntry[];
  /**
   * An ssl.* or sasl.* setting as one listener sees it: `listener.name.<l>.<mechanism>.<name>`,
   * then `listener.name.<l>.<name>`, then `<name>`.
   */
  forListener(listenerName: string, name: string, mechanism?: SaslMechanism | null): ConfigSetting;
}

export interface LoadBrokerConfigOptions {
  /** Path of a Java .properties file, read as UTF-8. */
  readonly file?: string | undefined;
  /** Environment to read GREGOR_ variables from; process.env when omitted. */
  readonly env?: NodeJS.ProcessEnv | undefined;
  /** `--override key=value` pairs; see parseOverrideArgs. */
  readonly overrides?: Readonly<Record<string, string>> | undefined;
  /** Host name advertised for listeners with an empty host; os.hostname() when omitted. */
  readonly hostname?: string | undefined;
}

/** Reads the file (if any) and builds the configuration; throws ConfigError. */
export function loadBrokerConfig(options: LoadBrokerConfigOptions = {}): BrokerConfig {
  const { file } = options;
  let fileSource: ConfigSourceTexts['file'];
  if (file !== undefined) {
    try {
      fileSource = { name: file, text: readFileSync(file, { encoding: 'utf8' }) };
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new ConfigError('GREGOR_ERR_CONFIG_FILE', `Cannot read ${file}: ${reason}`, {
        where: file,
      });
    }
  }
  return buildBrokerConfig({
    file: fileSource,
    env: options.env ?? process.env,
    overrides: options.overrides,
    hostname: options.hostname,
  });
}

/** Builds the configuration from texts already in memory; pure apart from os.hostname(). */
export function buildBrokerConfig(
  sources: ConfigSourceTexts & {
    readonly hostname?: string | undefined;
    readonly dynamic?: DynamicBrokerLayers | undefined;
  },
): BrokerConfig {
  const raw = collectRawSettings(sources);
  const staticSettings = new Map<string, ConfigSetting>();
  for (const def of BROKER_CONFIG_DEFS) {
    staticSettings.set(def.name, resolveSetting(def, raw.get(def.name)));
  }
  const dynamic = sources.dynamic ?? NO_DYNAMIC_LAYERS;
  const dynamicDefault = dynamicSettings(dynamic.clusterDefault, 'dynamic-default');
  const dynamicBroker = dynamicSettings(dynamic.broker, 'dynamic-broker');
  const settings = new Map<string, ConfigSetting>();
  for (const [name, setting] of staticSettings) {
    settings.set(name, dynamicBroker.get(name) ?? dynamicDefault.get(name) ?? setting);
  }
  const layers = (name: string): ConfigSetting[] => {
    const found = [dynamicBroker.get(name), dynamicDefault.get(name)].filter(
      (s): s is ConfigSetting => s !== undefined,
    );
    return [...found, requireSetting(staticSettings, name)];
  };
  const scoped = listenerScopedSettings(raw);
  const lookup: SettingLookup = {
    value: (name) => requireSetting(settings, name).value,
    isSet: (name) => requireSetting(settings, name).origin !== 'default',
    describe: (name) => describeOrigin(requireSetting(settings, name)),
    topicDefault: (topicKey) => topicDefaultOf(settings, topicKey),
  };
  const typed = readBrokerSettings(lookup, sources.hostname ?? osHostname());
  const describer = { setting: (name: string) => requireSetting(settings, name), layers };
  requireScopedListenersExist(raw, typed.listeners);
  return {
    ...typed,
    get: (name) => requireSetting(settings, name).value,
    setting: (name) => requireSetting(settings, name),
    layers,
    dynamicLayers: dynamic,
    withDynamic: (next) => buildBrokerConfig({ ...sources, dynamic: next }),
    topicDefault: (topicKey) => topicDefaultOf(settings, topicKey),
    entries: (options) => brokerEntries(describer, options?.names ?? null),
    defaultEntries: (options) => defaultEntries(dynamicDefault, options?.names ?? null),
    forListener: (listenerName, name, mechanism = null) => {
      for (const candidate of listenerLookupOrder(listenerName, name, mechanism)) {
        const hit = scoped.get(candidate);
        if (hit !== undefined) return hit;
      }
      return requireSetting(settings, name);
    },
  };
}

/** Parses one dynamic layer; the store only holds values validated when they were set. */
function dynamicSettings(
  values: Readonly<Record<string, string>>,
  origin: 'dynamic-default' | 'dynamic-broker',
): Map<string, ConfigSetting> {
  const out = new Map<string, ConfigSetting>();
  const where = origin === 'dynamic-default' ? 'dynamic cluster default' : 'dynamic broker config';
  for (const [name, text] of Object.entries(values)) {
    const def = BROKER_CONFIG_KEYS.get(name);
    if (def === undefined || !isDynamicBrokerKey(name)) {
      throw new ConfigError('GREGOR_ERR_CONFIG_UNKNOWN', `${name} cannot be set dynamically`, {
        key: name,
        where,
      });
    }
    const setting = resolveSetting(def, { text, origin, where });
    out.set(name, setting);
  }
  return out;
}

/** A listener-scoped key for a listener the broker does not have is a typo: say so. */
function requireScopedListenersExist(
  raw: ReadonlyMap<string, RawSetting>,
  listeners: readonly { readonly name: string }[],
): void {
  const names = new Set(listeners.map((l) => l.name));
  for (const [key, setting] of raw) {
    const parsed = parseListenerScopedKey(key);
    if (parsed === null || names.has(parsed.listener)) continue;
    throw new ConfigError(
      'GREGOR_ERR_CONFIG_INVALID',
      `${key} (${setting.where}) names listener ${parsed.listener}, which is not in listeners ` +
        `(${[...names].join(', ')})`,
      { key, where: setting.where },
    );
  }
}

/**
 * The `listener.name.…` settings, validated by the key they override and stored under the
 * lower-cased name Kafka uses (`listener.name.sasl_ssl.plain.sasl.jaas.config`).
 */
function listenerScopedSettings(raw: ReadonlyMap<string, RawSetting>): Map<string, ConfigSetting> {
  const scoped = new Map<string, ConfigSetting>();
  for (const [key, setting] of raw) {
    const parsed = parseListenerScopedKey(key);
    if (parsed === null) continue;
    const name = listenerLookupOrder(parsed.listener, parsed.base, parsed.mechanism)[0]!;
    scoped.set(name, resolveSetting({ ...parsed.def, name }, setting));
  }
  return scoped;
}

function resolveSetting(def: ConfigKeyDef, raw: RawSetting | undefined): ConfigSetting {
  if (raw === undefined) {
    return {
      name: def.name,
      value: defaultValueOf(def),
      text: def.default,
      origin: 'default',
      where: null,
    };
  }
  const parsed = parseConfigValue(def.type, raw.text, def.valid);
  if (!parsed.ok) {
    const shown = def.type === 'password' ? '[hidden]' : raw.text;
    throw new ConfigError(
      'GREGOR_ERR_CONFIG_INVALID',
      `Invalid value ${shown} for configuration ${def.name} (${raw.where}): ${parsed.reason}`,
      { key: def.name, where: raw.where },
    );
  }
  return {
    name: def.name,
    value: parsed.value,
    text: parsed.text,
    origin: raw.origin,
    where: raw.where,
  };
}

const parsedDefaults = new WeakMap<ConfigKeyDef, ConfigValue>();

/** The parsed default of a key; a default that does not parse is our bug, not the user's. */
export function defaultValueOf(def: ConfigKeyDef): ConfigValue {
  if (def.default === null) return null;
  const cached = parsedDefaults.get(def);
  if (cached !== undefined) return cached;
  const parsed = parseConfigValue(def.type, def.default, def.valid);
  assert.ok(parsed.ok, `default of ${def.name} is invalid`);
  parsedDefaults.set(def, parsed.value);
  return parsed.value;
}

function requireSetting(settings: ReadonlyMap<string, ConfigSetting>, name: string): ConfigSetting {
  const setting = settings.get(name);
  if (setting === undefined) {
    throw new ConfigError('GREGOR_ERR_CONFIG_UNKNOWN', `Unknown broker configuration '${name}'`, {
      key: name,
    });
  }
  return setting;
}

function describeOrigin(setting: ConfigSetting): string {
  return setting.where === null
    ? `${setting.name} (default)`
    : `${setting.name} (${setting.where})`;
}

/** Kafka's rule: the first synonym with a non-null value, scaled to the topic unit. */
function topicDefaultOf(
  settings: ReadonlyMap<string, ConfigSetting>,
  topicKey: string,
): TopicDefault {
  const def = TOPIC_CONFIG_KEYS.get(topicKey);
  if (def === undefined) {
    throw new ConfigError(
      'GREGOR_ERR_CONFIG_UNKNOWN',
      `Unknown topic configuration '${topicKey}'`,
      {
        key: topicKey,
      },
    );
  }
  for (const synonym of def.synonyms) {
    const setting = requireSetting(settings, synonym.name);
    if (setting.value === null) continue;
    let value = setting.value;
    if (typeof value === 'number' && synonym.scale !== undefined) value *= synonym.scale;
    if (typeof value === 'number' && def.negativeIsUnlimited === true && value < 0) value = -1;
    return { value, synonym: setting };
  }
  return { value: defaultValueOf(def), synonym: null };
}

/** Kafka's ConfigSource for where a value came from. */
export function sourceOfOrigin(origin: ConfigSetting['origin']): ConfigSource {
  switch (origin) {
    case 'default':
      return 'DEFAULT_CONFIG';
    case 'dynamic-broker':
      return 'DYNAMIC_BROKER_CONFIG';
    case 'dynamic-default':
      return 'DYNAMIC_DEFAULT_BROKER_CONFIG';
    default:
      return 'STATIC_BROKER_CONFIG';
  }
}

const SOURCE_ORDER: readonly ConfigSource[] = [
  'DYNAMIC_BROKER_CONFIG',
  'DYNAMIC_DEFAULT_BROKER_CONFIG',
  'STATIC_BROKER_CONFIG',
  'DEFAULT_CONFIG',
];

/**
 * Synonyms as Kafka orders them: by source (dynamic broker, dynamic default, static,
 * default), then by key rank; keys without a value are left out.
 */
export function brokerSynonymEntries(
  settings: { layers(name: string): ConfigSetting[] },
  brokerKey: string,
): ConfigSynonym[] {
  const names = brokerSynonyms(brokerKey).map((synonym) => synonym.name);
  const found = names.flatMap((name) => settings.layers(name)).filter((s) => s.text !== null);
  const ordered = SOURCE_ORDER.flatMap((source) =>
    found.filter((s) => sourceOfOrigin(s.origin) === source),
  );
  return ordered.map((s) => ({
    name: s.name,
    value: BROKER_CONFIG_KEYS.get(s.name)?.type === 'password' ? null : s.text,
    source: sourceOfOrigin(s.origin),
  }));
}

function brokerEntries(
  describer: { setting(name: string): ConfigSetting; layers(name: string): ConfigSetting[] },
  names: readonly string[] | null,
): ConfigEntry[] {
  const wanted = names === null ? null : new Set(names);
  return [...BROKER_CONFIG_DEFS]
    .filter((def) => wanted === null || wanted.has(def.name))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((def) => {
      const isSensitive = def.type === 'password';
      const synonyms = brokerSynonymEntries(describer, def.name);
      return {
        name: def.name,
        value: isSensitive ? null : describer.setting(def.name).text,
        source: synonyms[0]?.source ?? 'DEFAULT_CONFIG',
        isSensitive,
        readOnly: !isDynamicBrokerKey(def.name),
        type: def.type,
        documentation: def.doc,
        synonyms,
      };
    });
}

/** The cluster-default resource: only the dynamic defaults, each its own synonym (Kafka). */
function defaultEntries(
  dynamicDefault: ReadonlyMap<string, ConfigSetting>,
  names: readonly string[] | null,
): ConfigEntry[] {
  const wanted = names === null ? null : new Set(names);
  return [...dynamicDefault.values()]
    .filter((s) => wanted === null || wanted.has(s.name))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((s) => {
      const def = BROKER_CONFIG_KEYS.get(s.name)!;
      const isSensitive = def.type === 'password';
      const value = isSensitive ? null : s.text;
      return {
        name: s.name,
        value,
        source: 'DYNAMIC_DEFAULT_BROKER_CONFIG',
        isSensitive,
        readOnly: false,
        type: def.type,
        documentation: def.doc,
        synonyms: [{ name: s.name, value, source: 'DYNAMIC_DEFAULT_BROKER_CONFIG' }],
      };
    });
}
