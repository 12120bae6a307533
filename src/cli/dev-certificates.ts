// Certificates for a local secured cluster (`gregor dev cluster --secure`) and for tests: a
// throw-away CA, a broker certificate for localhost and 127.0.0.1 signed by it, and a client
// certificate for mutual TLS, made with the `openssl` command (Node can verify certificates
// but not issue them). The PEM files are written with owner-only permissions.

import { execFile } from 'node:child_process';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const DAYS = '30';

export interface DevCertificates {
  readonly dir: string;
  /** CA certificate (the truststore of clients and brokers). */
  readonly caCert: string;
  readonly caKey: string;
  /** Broker key and chain in one PEM file (Kafka's PEM keystore form). */
  readonly brokerKeystore: string;
  /** Client key and certificate in one PEM file, for mutual TLS. */
  readonly clientKeystore: string;
  readonly clientKey: string;
  readonly clientCert: string;
}

async function openssl(args: readonly string[], cwd: string): Promise<void> {
  try {
    await run('openssl', [...args], { cwd });
  } catch (err) {
    const reason = (err as { stderr?: string }).stderr?.trim() ?? String(err);
    throw new Error(`openssl ${args[0]} failed: ${reason}`);
  }
}

/** A key and a certificate signed by the CA in `dir`; returns the key and certificate paths. */
export async function issueCertificate(
  dir: string,
  name: string,
  subject: string,
  altNames: readonly string[] = [],
): Promise<{ key: string; cert: string }> {
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const cert = join(dir, `${name}.crt`);
  const ext = join(dir, `${name}.ext`);
  await openssl(
    ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', key],
    dir,
  );
  await openssl(['req', '-new', '-key', key, '-subj', subject, '-out', csr], dir);
  const extensions = [
    'basicConstraints=CA:FALSE',
    'keyUsage=digitalSignature,keyEncipherment',
    'extendedKeyUsage=serverAuth,clientAuth',
    ...(altNames.length === 0 ? [] : [`subjectAltName=${altNames.join(',')}`]),
  ];
  await writeFile(ext, `${extensions.join('\n')}\n`);
  await openssl(
    [
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      DAYS,
      '-sha256',
      '-extfile',
      ext,
      '-out',
      cert,
    ],
    dir,
  );
  await chmod(key, 0o600);
  return { key, cert };
}

async function combine(target: string, parts: readonly string[]): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const texts = await Promise.all(parts.map((p) => readFile(p, 'utf8')));
  await writeFile(target, texts.join(''), { mode: 0o600 });
  return target;
}

/** Makes the CA, a broker certificate (localhost, 127.0.0.1) and a client certificate. */
export async function makeDevCertificates(
  dir: string,
  clientSubject = '/CN=client/O=gregor-dev',
): Promise<DevCertificates> {
  const caKey = join(dir, 'ca.key');
  const caCert = join(dir, 'ca.crt');
  await openssl(
    ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', caKey],
    dir,
  );
  await openssl(
    [
      'req',
      '-x509',
      '-new',
      '-key',
      caKey,
      '-subj',
      '/CN=gregor-dev-ca',
      '-days',
      DAYS,
      '-sha256',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
      '-out',
      caCert,
    ],
    dir,
  );
  await chmod(caKey, 0o600);
  const broker = await issueCertificate(dir, 'broker', '/CN=localhost/O=gregor-dev', [
    'DNS:localhost',
    'IP:127.0.0.1',
  ]);
  const client = await issueCertificate(dir, 'client', clientSubject);
  return {
    dir,
    caCert,
    caKey,
    brokerKeystore: await combine(join(dir, 'broker.pem'), [broker.key, broker.cert]),
    clientKeystore: await combine(join(dir, 'client.pem'), [client.key, client.cert]),
    clientKey: client.key,
    clientCert: client.cert,
  };
}

/** A PKCS12 keystore of a key and certificate, protected by `password`. */
export async function pkcs12Keystore(
  dir: string,
  key: string,
  cert: string,
  password: string,
): Promise<string> {
  const target = join(dir, 'keystore.p12');
  await openssl(
    [
      'pkcs12',
      '-export',
      '-inkey',
      key,
      '-in',
      cert,
      '-passout',
      `pass:${password}`,
      '-out',
      target,
    ],
    dir,
  );
  return target;
}
