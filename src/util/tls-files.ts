// Reading TLS key material in Kafka's store formats into Node's TLS options, for the broker's
// listeners and for clients (the CLI, followers): a PEM keystore (one file, or key and
// chain given inline), a PKCS12 keystore, a PEM truststore (file or inline), TLS versions and
// cipher suites. Errors say what is missing without quoting any key or password.

import { readFile } from 'node:fs/promises';
import { type ConnectionOptions, DEFAULT_CIPHERS, type SecureContextOptions } from 'node:tls';

export interface TlsFileSettings {
  readonly keystoreType: 'PEM' | 'PKCS12';
  readonly keystoreLocation: string | null;
  readonly keystorePassword: string | null;
  readonly keyPassword: string | null;
  readonly keystoreKey: string | null;
  readonly keystoreCertificateChain: string | null;
  readonly truststoreType: 'PEM' | 'PKCS12';
  readonly truststoreLocation: string | null;
  readonly truststorePassword: string | null;
  readonly truststoreCertificates: string | null;
  readonly enabledProtocols: readonly ('TLSv1.2' | 'TLSv1.3')[];
  /** OpenSSL names; empty: Node's defaults. */
  readonly cipherSuites: readonly string[];
}

export class TlsFilesError extends Error {
  override readonly name = 'TlsFilesError';
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

/** The files these settings read: what must be watched for changes. */
export function tlsFiles(s: TlsFileSettings): string[] {
  return [s.keystoreLocation, s.truststoreLocation].filter((p): p is string => p !== null);
}

export function hasKeystore(s: TlsFileSettings): boolean {
  return (
    s.keystoreLocation !== null || s.keystoreKey !== null || s.keystoreCertificateChain !== null
  );
}

async function keystoreOptions(s: TlsFileSettings): Promise<SecureContextOptions> {
  if (s.keystoreType === 'PKCS12') {
    if (s.keystoreLocation === null)
      throw new TlsFilesError('a PKCS12 keystore needs ssl.keystore.location');
    const pfx = await readFile(s.keystoreLocation);
    const passphrase = s.keystorePassword ?? s.keyPassword;
    return passphrase === null ? { pfx } : { pfx, passphrase };
  }
  if (
    s.keystoreLocation !== null &&
    (s.keystoreKey !== null || s.keystoreCertificateChain !== null)
  ) {
    throw new TlsFilesError(
      'give the PEM keystore either as ssl.keystore.location or inline, not both',
    );
  }
  const pem =
    s.keystoreLocation !== null
      ? normalizePem(await readFile(s.keystoreLocation, 'utf8'))
      : normalizePem(`${s.keystoreKey ?? ''}\n${s.keystoreCertificateChain ?? ''}`);
  if (!pem.includes('PRIVATE KEY-----'))
    throw new TlsFilesError('the PEM keystore has no private key');
  if (!pem.includes('BEGIN CERTIFICATE'))
    throw new TlsFilesError('the PEM keystore has no certificate');
  // OpenSSL's PEM reader skips blocks of other types: the same text serves as key and chain.
  const options: SecureContextOptions = { key: pem, cert: pem };
  return s.keyPassword === null ? options : { ...options, passphrase: s.keyPassword };
}

async function truststoreOptions(s: TlsFileSettings): Promise<SecureContextOptions> {
  if (s.truststoreLocation === null && s.truststoreCertificates === null) return {};
  if (s.truststoreType === 'PKCS12') {
    throw new TlsFilesError(
      'a PKCS12 truststore cannot be read here; give the CA certificates as PEM ' +
        '(ssl.truststore.type=PEM, e.g. ca.crt)',
    );
  }
  const text =
    s.truststoreLocation !== null
      ? await readFile(s.truststoreLocation, 'utf8')
      : (s.truststoreCertificates ?? '');
  const ca = normalizePem(text);
  if (!ca.includes('BEGIN CERTIFICATE'))
    throw new TlsFilesError('the truststore has no certificate');
  return { ca };
}

/**
 * With no ssl.cipher.suites, AES-128-GCM is preferred (ours first, as a server): Node moves
 * data through it about 1.6 times as fast as OpenSSL's first choice, AES-256-GCM, measured on
 * this project's machines (bench/gregor/tls.ts), and it is as widely recommended.
 */
const PREFERRED_CIPHERS = [
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
].join(':');

function versionOptions(s: TlsFileSettings): SecureContextOptions {
  const sorted = [...s.enabledProtocols].sort();
  const options: SecureContextOptions = {
    minVersion: sorted[0] ?? 'TLSv1.2',
    maxVersion: sorted[sorted.length - 1] ?? 'TLSv1.3',
  };
  if (s.cipherSuites.length > 0) return { ...options, ciphers: s.cipherSuites.join(':') };
  return { ...options, ciphers: `${PREFERRED_CIPHERS}:${DEFAULT_CIPHERS}`, honorCipherOrder: true };
}

/** Reads the files into TLS options; throws TlsFilesError or a file system error. */
export async function loadTlsOptions(
  s: TlsFileSettings,
  needKeystore: boolean,
): Promise<SecureContextOptions> {
  if (needKeystore && !hasKeystore(s)) {
    throw new TlsFilesError(
      'TLS needs a keystore: set ssl.keystore.location (or ssl.keystore.key)',
    );
  }
  return {
    ...(hasKeystore(s) ? await keystoreOptions(s) : {}),
    ...(await truststoreOptions(s)),
    ...versionOptions(s),
  };
}

/**
 * TLS options for a client connection: the material of `loadTlsOptions` (a keystore only for
 * mutual TLS), always verifying the broker's chain, and its host name unless
 * ssl.endpoint.identification.algorithm is empty.
 */
export async function loadTlsClientOptions(
  s: TlsFileSettings,
  endpointIdentification: boolean,
): Promise<ConnectionOptions> {
  const options: ConnectionOptions = {
    ...(await loadTlsOptions(s, false)),
    rejectUnauthorized: true,
  };
  return endpointIdentification ? options : { ...options, checkServerIdentity: () => undefined };
}
