// Turns SslSettings into Node TLS options and keeps them current: the keystore (PEM file,
// inline PEM, or PKCS12), the truststore (PEM file or inline PEM), TLS versions and cipher
// suites. Files are read again when they change on disk (checked at each new connection,
// see file-watch.ts), so a certificate renewed by cert-manager is served to the next client
// without a restart; connections already open keep the certificate they started with.

import { readFile } from 'node:fs/promises';
import { createSecureContext, type SecureContext, type SecureContextOptions } from 'node:tls';
import { ConfigError } from '../../config/config-error.ts';
import { Reloading } from '../file-watch.ts';
import type { SslSettings } from './ssl-settings.ts';

export interface TlsMaterial {
  readonly options: SecureContextOptions;
  readonly context: SecureContext;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

/**
 * PEM given inline in a properties file loses its line breaks (continuation lines are
 * joined): rebuild each block with 64-character lines, as Kafka's PEM loader accepts it.
 */
export function normalizePem(text: string): string {
  const blocks: string[] = [];
  for (const m of text.matchAll(PEM_BLOCK)) {
    const [, label, body = ''] = m;
    const base64 = body.replace(/\s+/g, '');
    const lines = base64.match(/.{1,64}/g) ?? [];
    blocks.push(`-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`);
  }
  return blocks.join('');
}

function missing(where: string, what: string): ConfigError {
  return new ConfigError('GREGOR_ERR_CONFIG_INVALID', `${where}: ${what}`, { where });
}

/** The files TLS reads for these settings: what must be watched for changes. */
export function tlsFiles(s: SslSettings): string[] {
  return [s.keystoreLocation, s.truststoreLocation].filter((p): p is string => p !== null);
}

async function keystoreOptions(s: SslSettings, where: string): Promise<SecureContextOptions> {
  if (s.keystoreType === 'PKCS12') {
    if (s.keystoreLocation === null)
      throw missing(where, 'a PKCS12 keystore needs ssl.keystore.location');
    const pfx = await readFile(s.keystoreLocation);
    const passphrase = s.keystorePassword ?? s.keyPassword;
    return passphrase === null ? { pfx } : { pfx, passphrase };
  }
  if (
    s.keystoreLocation !== null &&
    (s.keystoreKey !== null || s.keystoreCertificateChain !== null)
  ) {
    throw missing(
      where,
      'give the PEM keystore either as ssl.keystore.location or inline, not both',
    );
  }
  const pem =
    s.keystoreLocation !== null
      ? normalizePem(await readFile(s.keystoreLocation, 'utf8'))
      : normalizePem(`${s.keystoreKey ?? ''}\n${s.keystoreCertificateChain ?? ''}`);
  if (!pem.includes('PRIVATE KEY-----'))
    throw missing(where, 'the PEM keystore has no private key');
  if (!pem.includes('BEGIN CERTIFICATE'))
    throw missing(where, 'the PEM keystore has no certificate');
  // OpenSSL's PEM reader skips blocks of other types: the same text serves as key and chain.
  const options: SecureContextOptions = { key: pem, cert: pem };
  return s.keyPassword === null ? options : { ...options, passphrase: s.keyPassword };
}

async function truststoreOptions(s: SslSettings, where: string): Promise<SecureContextOptions> {
  if (s.truststoreLocation === null && s.truststoreCertificates === null) return {};
  if (s.truststoreType === 'PKCS12') {
    throw missing(
      where,
      'a PKCS12 truststore cannot be read here; give the CA certificates as PEM ' +
        '(ssl.truststore.type=PEM, e.g. ca.crt)',
    );
  }
  const text =
    s.truststoreLocation !== null
      ? await readFile(s.truststoreLocation, 'utf8')
      : (s.truststoreCertificates ?? '');
  const ca = normalizePem(text);
  if (!ca.includes('BEGIN CERTIFICATE')) throw missing(where, 'the truststore has no certificate');
  return { ca };
}

function versionOptions(s: SslSettings): SecureContextOptions {
  const sorted = [...s.enabledProtocols].sort();
  const options: SecureContextOptions = {
    minVersion: sorted[0]!,
    maxVersion: sorted[sorted.length - 1]!,
  };
  return s.cipherSuites.length === 0 ? options : { ...options, ciphers: s.cipherSuites.join(':') };
}

/** Reads the files and builds a context; throws ConfigError or OpenSSL's error when unusable. */
export async function loadTlsMaterial(
  s: SslSettings,
  where: string,
  needKeystore: boolean,
): Promise<TlsMaterial> {
  const hasKeystore =
    s.keystoreLocation !== null || s.keystoreKey !== null || s.keystoreCertificateChain !== null;
  if (needKeystore && !hasKeystore) {
    throw missing(where, 'TLS needs a keystore: set ssl.keystore.location (or ssl.keystore.key)');
  }
  const options: SecureContextOptions = {
    ...(hasKeystore ? await keystoreOptions(s, where) : {}),
    ...(await truststoreOptions(s, where)),
    ...versionOptions(s),
  };
  try {
    return { options, context: createSecureContext(options) };
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw missing(where, `TLS material is not usable: ${reason}`);
  }
}

/** The current TLS material of one listener or client, re-read when its files change. */
export class TlsContextSource {
  private readonly reloading: Reloading<TlsMaterial>;

  constructor(
    private readonly settings: SslSettings,
    where: string,
    needKeystore: boolean,
    hooks: { onReloadError(err: unknown): void; onReloaded?(): void },
  ) {
    this.reloading = new Reloading({
      paths: tlsFiles(settings),
      load: () => loadTlsMaterial(settings, where, needKeystore),
      onReloadError: hooks.onReloadError,
      ...(hooks.onReloaded === undefined ? {} : { onReloaded: () => hooks.onReloaded?.() }),
    });
  }

  get ssl(): SslSettings {
    return this.settings;
  }

  /** Loads once; throws when the material is unusable (the broker must not start). */
  start(): Promise<TlsMaterial> {
    return this.reloading.start();
  }

  /** The material for a new connection. */
  current(): Promise<TlsMaterial> {
    return this.reloading.get();
  }
}
