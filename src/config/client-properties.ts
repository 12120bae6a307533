// Kafka client properties as the tools' `--command-config FILE` gives them (the file a
// Kafka user already has for kafka-topics.sh): security.protocol, sasl.mechanism,
// sasl.jaas.config (PlainLoginModule/ScramLoginModule username and password,
// OAuthBearerLoginModule's unsecured claims) and the ssl.* keys, read into what a client
// needs to connect. Other keys (producer or consumer settings) are returned as they are.

import { BROKER_CONFIG_KEYS, SASL_MECHANISMS, type SaslMechanism } from './config-def.ts';
import { ConfigError } from './config-error.ts';
import { type ConfigValue, parseConfigValue } from './config-value.ts';
import { checkLoginModule, parseJaasConfig } from './jaas-config.ts';
import { isSecurityProtocol, type SecurityProtocol } from './listeners.ts';
import { parseProperties } from './properties.ts';
import { readSslSettings, type SslSettings } from './ssl-settings.ts';

export interface ClientSaslSettings {
  readonly mechanism: SaslMechanism;
  readonly username: string;
  readonly password: string;
  /** OAUTHBEARER: claims of the unsecured JWS (`unsecuredLoginStringClaim_<name>`). */
  readonly unsecuredClaims: ReadonlyMap<string, string>;
  readonly unsecuredLifetimeSeconds: number;
}

export interface ClientSecuritySettings {
  readonly securityProtocol: SecurityProtocol;
  readonly ssl: SslSettings | null;
  readonly sasl: ClientSaslSettings | null;
  /** Keys that are not security settings, for the producer or consumer. */
  readonly other: ReadonlyMap<string, string>;
}

const CLAIM_PREFIX = 'unsecuredLoginStringClaim_';
const UNSUPPORTED_CLIENT_KEYS = [
  'sasl.oauthbearer.token.endpoint.url',
  'sasl.login.callback.handler.class',
  'sasl.client.callback.handler.class',
];

function invalid(source: string, key: string, message: string): ConfigError {
  return new ConfigError('GREGOR_ERR_CONFIG_INVALID', `${source}: ${message}`, {
    key,
    where: source,
  });
}

/** Reads a key from the file, else its default from the broker table (same names and types). */
function readerOf(
  values: ReadonlyMap<string, string>,
  source: string,
): (name: string) => ConfigValue {
  return (name) => {
    const def = BROKER_CONFIG_KEYS.get(name);
    const text = values.get(name) ?? def?.default ?? null;
    if (text === null) return null;
    if (def === undefined) return text;
    const parsed = parseConfigValue(def.type, text, def.valid);
    if (!parsed.ok) {
      const shown = def.type === 'password' ? '[hidden]' : text;
      throw invalid(source, name, `invalid value ${shown} for ${name}: ${parsed.reason}`);
    }
    return parsed.value;
  };
}

function saslOf(values: ReadonlyMap<string, string>, source: string): ClientSaslSettings {
  const mechanism = (values.get('sasl.mechanism') ?? 'GSSAPI').trim().toUpperCase();
  if (!(SASL_MECHANISMS as readonly string[]).includes(mechanism)) {
    throw invalid(
      source,
      'sasl.mechanism',
      `sasl.mechanism ${mechanism} is not supported (use ${SASL_MECHANISMS.join(', ')})`,
    );
  }
  const m = mechanism as SaslMechanism;
  const jaasText = values.get('sasl.jaas.config');
  if (jaasText === undefined)
    throw invalid(source, 'sasl.jaas.config', 'SASL needs sasl.jaas.config');
  const jaas = parseJaasConfig(jaasText);
  if (!jaas.ok) throw invalid(source, 'sasl.jaas.config', jaas.reason);
  const wrong = checkLoginModule(jaas.value, m);
  if (wrong !== null) throw invalid(source, 'sasl.jaas.config', wrong);
  const options = jaas.value.options;
  const claims = new Map<string, string>();
  for (const [k, v] of options)
    if (k.startsWith(CLAIM_PREFIX)) claims.set(k.slice(CLAIM_PREFIX.length), v);
  const lifetime = Number(options.get('unsecuredLoginLifetimeSeconds') ?? '3600');
  if (m === 'OAUTHBEARER') {
    if (!claims.has('sub')) {
      throw invalid(source, 'sasl.jaas.config', 'OAUTHBEARER needs unsecuredLoginStringClaim_sub');
    }
  } else if (options.get('username') === undefined || options.get('password') === undefined) {
    throw invalid(
      source,
      'sasl.jaas.config',
      `${m} needs username and password in sasl.jaas.config`,
    );
  }
  return {
    mechanism: m,
    username: options.get('username') ?? claims.get('sub') ?? '',
    password: options.get('password') ?? '',
    unsecuredClaims: claims,
    unsecuredLifetimeSeconds: Number.isSafeInteger(lifetime) && lifetime > 0 ? lifetime : 3600,
  };
}

/** Reads client security from properties already parsed into a map. */
export function clientSecurityFrom(
  values: ReadonlyMap<string, string>,
  source: string,
): ClientSecuritySettings {
  const protocol = (values.get('security.protocol') ?? 'PLAINTEXT').trim().toUpperCase();
  if (!isSecurityProtocol(protocol)) {
    throw invalid(
      source,
      'security.protocol',
      `security.protocol ${protocol} is not one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL`,
    );
  }
  const unsupported = UNSUPPORTED_CLIENT_KEYS.find((k) => values.has(k));
  if (unsupported !== undefined)
    throw invalid(source, unsupported, `${unsupported} is not supported by Gregor's tools`);
  const tls = protocol === 'SSL' || protocol === 'SASL_SSL';
  const sasl = protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL';
  const other = new Map(
    [...values].filter(
      ([k]) => !k.startsWith('ssl.') && !k.startsWith('sasl.') && k !== 'security.protocol',
    ),
  );
  return {
    securityProtocol: protocol,
    ssl: tls ? readSslSettings(readerOf(values, source), source) : null,
    sasl: sasl ? saslOf(values, source) : null,
    other,
  };
}

/** Parses a client properties file's text. */
export function parseClientProperties(text: string, source: string): ClientSecuritySettings {
  const values = new Map(parseProperties(text, source).map((e) => [e.key, e.value] as const));
  return clientSecurityFrom(values, source);
}
