// Kafka's per-listener security settings: any `ssl.*` or `sasl.*` broker key (and
// `connections.max.reauth.ms`) may be given for one listener as
// `listener.name.<listener>.<key>`, and the SASL keys that belong to one mechanism as
// `listener.name.<listener>.<mechanism>.<key>` (`listener.name.sasl_ssl.plain.sasl.jaas.config`).
// These names are not in the key table, so this module says which of them are keys, which
// table entry validates each, and in what order a listener's value is looked up.

import {
  BROKER_CONFIG_KEYS,
  type BrokerKeyDef,
  SASL_MECHANISMS,
  type SaslMechanism,
} from './config-def.ts';

export const LISTENER_KEY_PREFIX = 'listener.name.';

/** Keys Kafka reads per listener and mechanism (callback handlers, JAAS, re-authentication). */
const MECHANISM_SCOPED_KEYS: ReadonlySet<string> = new Set([
  'sasl.jaas.config',
  'sasl.server.callback.handler.class',
  'connections.max.reauth.ms',
]);

/** Keys that describe the broker, not a listener: meaningless with a listener prefix. */
const NOT_PER_LISTENER: ReadonlySet<string> = new Set(['sasl.mechanism.inter.broker.protocol']);

export interface ListenerScopedKey {
  /** Upper-cased, as listener names are compared. */
  readonly listener: string;
  readonly mechanism: SaslMechanism | null;
  /** The key this one overrides, such as `ssl.keystore.location`. */
  readonly base: string;
  readonly def: BrokerKeyDef;
}

function mechanismOf(text: string): SaslMechanism | null {
  const upper = text.toUpperCase();
  return (SASL_MECHANISMS as readonly string[]).includes(upper) ? (upper as SaslMechanism) : null;
}

function perListenerDef(base: string): BrokerKeyDef | null {
  if (NOT_PER_LISTENER.has(base)) return null;
  const def = BROKER_CONFIG_KEYS.get(base);
  if (def === undefined || def.group !== 'security') return null;
  return def;
}

/** What a `listener.name.…` key overrides, or null when it is not such a key. */
export function parseListenerScopedKey(key: string): ListenerScopedKey | null {
  if (!key.startsWith(LISTENER_KEY_PREFIX)) return null;
  const rest = key.slice(LISTENER_KEY_PREFIX.length);
  const dot = rest.indexOf('.');
  if (dot <= 0) return null;
  const listener = rest.slice(0, dot);
  if (!/^[A-Za-z0-9_-]+$/.test(listener)) return null;
  const setting = rest.slice(dot + 1);
  const mechanismDot = setting.indexOf('.');
  const mechanism = mechanismDot > 0 ? mechanismOf(setting.slice(0, mechanismDot)) : null;
  if (mechanism !== null) {
    const base = setting.slice(mechanismDot + 1);
    const def = MECHANISM_SCOPED_KEYS.has(base) ? BROKER_CONFIG_KEYS.get(base) : undefined;
    if (def === undefined) return null;
    return { listener: listener.toUpperCase(), mechanism, base, def };
  }
  const def = perListenerDef(setting);
  return def === null
    ? null
    : { listener: listener.toUpperCase(), mechanism: null, base: setting, def };
}

/**
 * The names to look up, most specific first, for one setting of one listener: the
 * mechanism-scoped name (for SASL keys that have one), the listener-scoped name, the key.
 */
export function listenerLookupOrder(
  listener: string,
  base: string,
  mechanism: SaslMechanism | null = null,
): string[] {
  const prefix = `${LISTENER_KEY_PREFIX}${listener.toLowerCase()}.`;
  const names: string[] = [];
  if (mechanism !== null && MECHANISM_SCOPED_KEYS.has(base)) {
    names.push(`${prefix}${mechanism.toLowerCase()}.${base}`);
  }
  names.push(`${prefix}${base}`, base);
  return names;
}
