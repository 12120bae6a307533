// The broker's static configuration: defaults < properties file < GREGOR_ environment <
// --override, parsed and validated against config-def's table, checked across keys (ids,
// listeners), and offered three ways: typed fields for the code (`config.logDirs`), `get(name)`
// by Kafka name, and `entries()` for DescribeConfigs. Where Kafka ranks keys rather than
// sources (log.retention.ms over .minutes over .hours), the key rank wins whatever the source.
// Gregor has no dynamic broker configs yet, so every broker entry is read-only.

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
import type { ConfigEntry, ConfigSynonym } from './config-entry.ts';
import { ConfigError } from './config-error.ts';
import {
  type ConfigSetting,
  type ConfigSourceTexts,
  collectRawSettings,
  type RawSetting,
} from './config-sources.ts';
import { type ConfigValue, parseConfigValue } from './config-value.ts';
import { listenerLookupOrder, parseListenerScopedKey } from './listener-scoped-keys.ts';

export type { BrokerSettings, TopicDefault } from './broker-settings.ts';
export type { ConfigOrigin, ConfigSetting } from './config-sources.ts';

export interface BrokerConfig extends BrokerSettings {
  /** The value of a broker key by Kafka name; throws GREGOR_ERR_CONFIG_UNKNOWN otherwise. */
  get(name: string): ConfigValue;
  /** The value of a broker key with its origin. */
  setting(name: string): ConfigSetting;
  /** The broker-supplied default of a topic key (retention.ms from log.retention.hours...). */
  topicDefault(topicKey: string): TopicDefault;
  /** DescribeConfigs entries of broker keys, sorted by name; `names` filters (unknown ignored). */
  entries(options?: { readonly names?: readonly string[] | null | undefined }): ConfigEntry[];
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
  sources: ConfigSourceTexts & { readonly hostname?: string | undefined },
): BrokerConfig {
  const raw = collectRawSettings(sources);
  const settings = new Map<string, ConfigSetting>();
  for (const def of BROKER_CONFIG_DEFS) {
    settings.set(def.name, resolveSetting(def, raw.get(def.name)));
  }
  const scoped = listenerScopedSettings(raw);
  const lookup: SettingLookup = {
    value: (name) => requireSetting(settings, name).value,
    isSet: (name) => requireSetting(settings, name).origin !== 'default',
    describe: (name) => describeOrigin(requireSetting(settings, name)),
    topicDefault: (topicKey) => topicDefaultOf(settings, topicKey),
  };
  const typed = readBrokerSettings(lookup, sources.hostname ?? osHostname());
  requireScopedListenersExist(raw, typed.listeners);
  return {
    ...typed,
    get: (name) => requireSetting(settings, name).value,
    setting: (name) => requireSetting(settings, name),
    topicDefault: (topicKey) => topicDefaultOf(settings, topicKey),
    entries: (options) => brokerEntries(settings, options?.names ?? null),
    forListener: (listenerName, name, mechanism = null) => {
      for (const candidate of listenerLookupOrder(listenerName, name, mechanism)) {
        const hit = scoped.get(candidate);
        if (hit !== undefined) return hit;
      }
      return requireSetting(settings, name);
    },
  };
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

function sourceOf(setting: ConfigSetting): 'STATIC_BROKER_CONFIG' | 'DEFAULT_CONFIG' {
  return setting.origin === 'default' ? 'DEFAULT_CONFIG' : 'STATIC_BROKER_CONFIG';
}

/**
 * Synonyms as Kafka orders them: by source (static before default), then by key rank; keys
 * without a value are left out.
 */
export function brokerSynonymEntries(
  settings: { setting(name: string): ConfigSetting },
  brokerKey: string,
): ConfigSynonym[] {
  const names = brokerSynonyms(brokerKey).map((synonym) => synonym.name);
  const found = names.map((name) => settings.setting(name)).filter((s) => s.text !== null);
  const ordered = [
    ...found.filter((s) => s.origin !== 'default'),
    ...found.filter((s) => s.origin === 'default'),
  ];
  return ordered.map((s) => ({
    name: s.name,
    value: BROKER_CONFIG_KEYS.get(s.name)?.type === 'password' ? null : s.text,
    source: sourceOf(s),
  }));
}

function brokerEntries(
  settings: ReadonlyMap<string, ConfigSetting>,
  names: readonly string[] | null,
): ConfigEntry[] {
  const lookup = { setting: (name: string) => requireSetting(settings, name) };
  const wanted = names === null ? null : new Set(names);
  return [...BROKER_CONFIG_DEFS]
    .filter((def) => wanted === null || wanted.has(def.name))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((def) => {
      const isSensitive = def.type === 'password';
      const synonyms = brokerSynonymEntries(lookup, def.name);
      return {
        name: def.name,
        value: isSensitive ? null : requireSetting(settings, def.name).text,
        source: synonyms[0]?.source ?? 'DEFAULT_CONFIG',
        isSensitive,
        readOnly: true,
        type: def.type,
        documentation: def.doc,
        synonyms,
      };
    });
}
