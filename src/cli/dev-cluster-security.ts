// What `gregor dev cluster --secure` adds: a throw-away CA and broker certificate (openssl),
// one SASL_SSL listener per broker used by clients and by the brokers themselves
// (SCRAM-SHA-512 between brokers), an `admin` SCRAM user created on first start, and a
// client.properties file with everything a Kafka tool needs to connect. Secrets reach the
// brokers through their environment, never their command line; files holding them are 0600.

import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { envNameForKey } from '../config/env-names.ts';
import { makeDevCertificates } from './dev-certificates.ts';

export const SECURE_ADMIN_USER = 'admin';
const PASSWORD_FILE = 'admin.password';

export interface SecureClusterSetup {
  /** Broker properties without secrets. */
  readonly overrides: Record<string, string>;
  /** GREGOR_* variables carrying the secrets. */
  readonly env: Record<string, string>;
  /** Kafka client properties for tools (`--command-config`, kafka-*.sh). */
  readonly clientProperties: string;
  readonly caCert: string;
  readonly password: string;
}

async function adminPassword(dataDir: string, keep: boolean): Promise<string> {
  const path = join(dataDir, PASSWORD_FILE);
  if (keep) {
    const stored = (await readFile(path, 'utf8').catch(() => '')).trim();
    if (stored !== '') return stored;
  }
  const password = randomBytes(18).toString('base64url');
  await writeFile(path, `${password}\n`, { mode: 0o600 });
  return password;
}

export async function prepareSecureCluster(
  dataDir: string,
  keep: boolean,
): Promise<SecureClusterSetup> {
  const certs = await makeDevCertificates(dataDir);
  const password = await adminPassword(dataDir, keep);
  const jaas =
    'org.apache.kafka.common.security.scram.ScramLoginModule required ' +
    `username="${SECURE_ADMIN_USER}" password="${password}";`;
  const clientProperties = join(dataDir, 'client.properties');
  const properties = [
    'security.protocol=SASL_SSL',
    'sasl.mechanism=SCRAM-SHA-512',
    `sasl.jaas.config=${jaas}`,
    'ssl.truststore.type=PEM',
    `ssl.truststore.location=${certs.caCert}`,
  ];
  await writeFile(clientProperties, `${properties.join('\n')}\n`, { mode: 0o600 });
  return {
    overrides: {
      'inter.broker.listener.name': 'SASL_SSL',
      'sasl.enabled.mechanisms': 'SCRAM-SHA-256,SCRAM-SHA-512',
      'sasl.mechanism.inter.broker.protocol': 'SCRAM-SHA-512',
      'ssl.keystore.location': certs.brokerKeystore,
      'ssl.truststore.location': certs.caCert,
    },
    env: {
      [envNameForKey('listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config')]: jaas,
      GREGOR_ADD_SCRAM: [
        `SCRAM-SHA-512=[name=${SECURE_ADMIN_USER},password=${password}]`,
        `SCRAM-SHA-256=[name=${SECURE_ADMIN_USER},password=${password}]`,
      ].join(';'),
    },
    clientProperties,
    caCert: certs.caCert,
    password,
  };
}
