// The `ssl.*` settings of one listener (or of the inter-broker and tool clients), read with
// Kafka's names and its `listener.name.<l>.` overrides, checked for the combinations that
// cannot work (a PEM key given both inline and as a file, a PKCS12 store without a password,
// cipher suite names we cannot translate), so a broker refuses to start instead of serving
// TLS that a client cannot use.

import type { TlsFileSettings } from '../util/tls-files.ts';
import type { BrokerConfig } from './broker-config.ts';
import { ConfigError } from './config-error.ts';
import type { ConfigValue } from './config-value.ts';
import {
  type PrincipalMappingRule,
  parsePrincipalMappingRules,
} from './principal-mapping-rules.ts';

export type ClientAuth = 'none' | 'requested' | 'required';
export type TlsVersion = 'TLSv1.2' | 'TLSv1.3';

export interface SslSettings extends TlsFileSettings {
  readonly clientAuth: ClientAuth;
  readonly principalMappingRules: readonly PrincipalMappingRule[];
  /** Clients only: check the server's host name against its certificate. */
  readonly endpointIdentification: boolean;
}

/** Where a setting's text comes from: a broker listener or a client properties file. */
export type SettingReader = (name: string) => ConfigValue;

export function brokerSslReader(config: BrokerConfig, listenerName: string): SettingReader {
  return (name) => config.forListener(listenerName, name).value;
}

function text(read: SettingReader, name: string): string | null {
  const v = read(name);
  return typeof v === 'string' && v !== '' ? v : null;
}

function list(read: SettingReader, name: string): string[] {
  const v = read(name);
  if (Array.isArray(v)) return [...v];
  return typeof v === 'string' && v !== '' ? v.split(',').map((s) => s.trim()) : [];
}

const KEY_EXCHANGE = '(ECDHE|DHE)';
const IANA_AEAD = new RegExp(
  `^TLS_${KEY_EXCHANGE}_(RSA|ECDSA)_WITH_(AES_128_GCM_SHA256|AES_256_GCM_SHA384|CHACHA20_POLY1305_SHA256)$`,
);
const TLS13_SUITES = new Set([
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'TLS_AES_128_CCM_SHA256',
  'TLS_AES_128_CCM_8_SHA256',
]);

/**
 * Kafka takes JSSE (IANA) names, OpenSSL wants its own for TLS 1.2 suites; TLS 1.3 names
 * are the same in both. OpenSSL names pass through unchanged. Null: not translatable.
 */
export function opensslCipherName(name: string): string | null {
  if (TLS13_SUITES.has(name)) return name;
  const m = IANA_AEAD.exec(name);
  if (m !== null) {
    const [, kx, auth, cipher] = m;
    const ossl =
      cipher === 'AES_128_GCM_SHA256'
        ? 'AES128-GCM-SHA256'
        : cipher === 'AES_256_GCM_SHA384'
          ? 'AES256-GCM-SHA384'
          : 'CHACHA20-POLY1305';
    return kx === 'DHE' ? `DHE-${auth}-${ossl}` : `ECDHE-${auth}-${ossl}`;
  }
  return /^[A-Z0-9]+(-[A-Z0-9]+)+$/.test(name) ? name : null;
}

function invalid(key: string, message: string): ConfigError {
  return new ConfigError('GREGOR_ERR_CONFIG_INVALID', message, { key });
}

export function readSslSettings(read: SettingReader, where: string): SslSettings {
  const keystoreType = (text(read, 'ssl.keystore.type') ?? 'PEM').toUpperCase();
  const truststoreType = (text(read, 'ssl.truststore.type') ?? 'PEM').toUpperCase();
  if (keystoreType !== 'PEM' && keystoreType !== 'PKCS12') {
    throw invalid(
      'ssl.keystore.type',
      `${where}: ssl.keystore.type ${keystoreType} is not PEM or PKCS12`,
    );
  }
  if (truststoreType !== 'PEM' && truststoreType !== 'PKCS12') {
    throw invalid(
      'ssl.truststore.type',
      `${where}: ssl.truststore.type ${truststoreType} is not PEM or PKCS12`,
    );
  }
  const ciphers = list(read, 'ssl.cipher.suites');
  const translated = ciphers.map((c) => ({ c, ossl: opensslCipherName(c) }));
  const bad = translated.find((t) => t.ossl === null);
  if (bad !== undefined) {
    throw invalid('ssl.cipher.suites', `${where}: cipher suite ${bad.c} is not known here`);
  }
  const rules = parsePrincipalMappingRules(text(read, 'ssl.principal.mapping.rules') ?? 'DEFAULT');
  if (!rules.ok) throw invalid('ssl.principal.mapping.rules', `${where}: ${rules.reason}`);
  const protocols = list(read, 'ssl.enabled.protocols');
  const enabled = protocols.filter((p): p is TlsVersion => p === 'TLSv1.2' || p === 'TLSv1.3');
  if (enabled.length === 0 || enabled.length !== protocols.length) {
    throw invalid(
      'ssl.enabled.protocols',
      `${where}: ssl.enabled.protocols must list TLSv1.2 and/or TLSv1.3, got ${protocols.join(',')}`,
    );
  }
  const clientAuth = text(read, 'ssl.client.auth') ?? 'none';
  return {
    keystoreType,
    keystoreLocation: text(read, 'ssl.keystore.location'),
    keystorePassword: text(read, 'ssl.keystore.password'),
    keyPassword: text(read, 'ssl.key.password'),
    keystoreKey: text(read, 'ssl.keystore.key'),
    keystoreCertificateChain: text(read, 'ssl.keystore.certificate.chain'),
    truststoreType,
    truststoreLocation: text(read, 'ssl.truststore.location'),
    truststorePassword: text(read, 'ssl.truststore.password'),
    truststoreCertificates: text(read, 'ssl.truststore.certificates'),
    clientAuth: clientAuth === 'required' || clientAuth === 'requested' ? clientAuth : 'none',
    enabledProtocols: enabled,
    cipherSuites: translated.map((t) => t.ossl!),
    principalMappingRules: rules.value,
    endpointIdentification: (text(read, 'ssl.endpoint.identification.algorithm') ?? '') === 'https',
  };
}
