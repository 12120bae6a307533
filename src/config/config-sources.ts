// Gathers the raw text of broker settings from their three sources, in precedence order:
// the properties file, GREGOR_ environment variables, then --override arguments; a later
// source replaces an earlier one key by key. Every key is checked against the broker table
// here, so an unknown key fails with its name, its source and a likely intended key.

import { BROKER_CONFIG_KEYS, NOT_APPLICABLE_KEYS, TOPIC_CONFIG_KEYS } from './config-def.ts';
import { ConfigError } from './config-error.ts';
import type { ConfigValue } from './config-value.ts';
import { ENV_PREFIX, isIgnoredEnvName, keyForEnvName } from './env-names.ts';
import { parseListenerScopedKey } from './listener-scoped-keys.ts';
import { parseProperties } from './properties.ts';

/** Where a value came from; the dynamic ones are the metadata store's (dynamic-broker-config.ts). */
export type ConfigOrigin =
  | 'default'
  | 'file'
  | 'env'
  | 'override'
  | 'dynamic-default'
  | 'dynamic-broker';

export interface RawSetting {
  readonly text: string;
  readonly origin: Exclude<ConfigOrigin, 'default'>;
  /** `server.properties:12`, `GREGOR_LOG_DIRS` or `--override`. */
  readonly where: string;
}

/** One key's resolved value and where it came from. */
export interface ConfigSetting {
  readonly name: string;
  readonly value: ConfigValue;
  /** Normalised text; null when the key is unset and has no default. */
  readonly text: string | null;
  readonly origin: ConfigOrigin;
  /** `server.properties:12`, `GREGOR_LOG_DIRS`, `--override`; null for defaults. */
  readonly where: string | null;
}

export interface ConfigSourceTexts {
  /** Properties text and the name to report it by (usually its path). */
  readonly file?: { readonly name: string; readonly text: string } | undefined;
  readonly env?: NodeJS.ProcessEnv | undefined;
  readonly overrides?: Readonly<Record<string, string>> | undefined;
}

/** Raw settings by key, each from the highest-precedence source that set it. */
export function collectRawSettings(sources: ConfigSourceTexts): Map<string, RawSetting> {
  const raw = new Map<string, RawSetting>();
  if (sources.file !== undefined) {
    for (const entry of parseProperties(sources.file.text, sources.file.name)) {
      const where = `${sources.file.name}:${entry.line}`;
      requireKnownKey(entry.key, where);
      raw.set(entry.key, { text: entry.value, origin: 'file', where });
    }
  }
  for (const [name, value] of Object.entries(sources.env ?? {})) {
    if (value === undefined || !name.startsWith(ENV_PREFIX) || isIgnoredEnvName(name, value)) {
      continue;
    }
    const key = keyForEnvName(name) ?? '';
    requireKnownKey(key, `environment variable ${name}`);
    raw.set(key, { text: value, origin: 'env', where: name });
  }
  for (const [key, value] of Object.entries(sources.overrides ?? {})) {
    requireKnownKey(key, '--override');
    raw.set(key, { text: value, origin: 'override', where: '--override' });
  }
  return raw;
}

/** Splits `--override key=value` arguments; the value may itself contain `=`. */
export function parseOverrideArgs(args: readonly string[]): Record<string, string> {
  const overrides: Record<string, string> = {};
  for (const arg of args) {
    const at = arg.indexOf('=');
    const key = at < 0 ? '' : arg.slice(0, at).trim();
    if (key === '') {
      throw new ConfigError('GREGOR_ERR_CONFIG_SYNTAX', `--override '${arg}' is not key=value`, {
        where: '--override',
      });
    }
    overrides[key] = arg.slice(at + 1);
  }
  return overrides;
}

function requireKnownKey(key: string, where: string): void {
  if (BROKER_CONFIG_KEYS.has(key) || parseListenerScopedKey(key) !== null) return;
  throw new ConfigError(
    'GREGOR_ERR_CONFIG_UNKNOWN',
    `Unknown configuration key '${key}' (${where})${unknownKeyHint(key)}`,
    { key, where },
  );
}

function unknownKeyHint(key: string): string {
  const notApplicable = NOT_APPLICABLE_KEYS.get(key);
  if (notApplicable !== undefined) return `: ${notApplicable}`;
  const topicDef = TOPIC_CONFIG_KEYS.get(key);
  const brokerDefault = topicDef?.synonyms[0]?.name;
  if (brokerDefault !== undefined) {
    return `: ${key} is a topic config; its broker default is ${brokerDefault}`;
  }
  const closest = closestKey(key);
  return closest === null ? '' : `; did you mean '${closest}'?`;
}

/** The broker key nearest in edit distance, if it is near enough to be a typo. */
export function closestKey(key: string): string | null {
  let best: string | null = null;
  let bestDistance = Math.max(2, Math.floor(key.length / 6)) + 1;
  for (const candidate of BROKER_CONFIG_KEYS.keys()) {
    const distance = editDistance(key.toLowerCase(), candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
