// One in-process broker with every kind of listener, for testing real clients against TLS and
// SASL: PLAINTEXT (inter-broker and setup), SSL, MTLS (SSL with ssl.client.auth=required),
// SASL_PLAINTEXT and SASL_SSL with PLAIN, SCRAM-SHA-256/512 and unsecured OAUTHBEARER.
// Certificates come from a throw-away CA; SCRAM users are created through
// AlterUserScramCredentials, as an operator would. Also the list of cases the client tests run.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DevCertificates, makeDevCertificates } from '../../src/cli/dev-certificates.ts';
import { KafkaClient } from '../../src/client/kafka-client.ts';
import { alterUserScramCredentials } from '../../src/client/scram-admin.ts';
import { type Broker, startBroker } from '../../src/index.ts';
import { createLogger, silentLogger } from '../../src/util/logger.ts';

export type ListenerName = 'PLAINTEXT' | 'SSL' | 'MTLS' | 'SASL_PLAINTEXT' | 'SASL_SSL';
export type Mechanism = 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512' | 'OAUTHBEARER';

export const PLAIN_USER = { name: 'alice', password: 'alice-secret' } as const;
export const SCRAM_USER = { name: 'bob', password: 'bob-secret' } as const;
export const OAUTH_SUBJECT = 'carol';

export interface SecureTestBroker {
  readonly broker: Broker;
  readonly certs: DevCertificates;
  /** host:port of a listener. */
  address(listener: ListenerName): string;
  stop(): Promise<void>;
}

export interface SecureCase {
  /** For test names: `SASL_SSL SCRAM-SHA-256`. */
  readonly name: string;
  readonly listener: ListenerName;
  /** Kafka's security.protocol for the client. */
  readonly protocol: 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';
  readonly mechanism: Mechanism | null;
  readonly username: string;
  readonly password: string;
  readonly clientCertificate: boolean;
  /** True when the client must be refused. */
  readonly refused: boolean;
}

function saslCase(
  listener: 'SASL_PLAINTEXT' | 'SASL_SSL',
  mechanism: Mechanism,
  wrong = false,
): SecureCase {
  const user =
    mechanism === 'PLAIN'
      ? PLAIN_USER
      : mechanism === 'OAUTHBEARER'
        ? { name: OAUTH_SUBJECT, password: '' }
        : SCRAM_USER;
  return {
    name: `${listener} ${mechanism}${wrong ? ' wrong password' : ''}`,
    listener,
    protocol: listener,
    mechanism,
    username: user.name,
    password: wrong ? 'not-the-password' : user.password,
    clientCertificate: false,
    refused: wrong,
  };
}

const SSL_BASE = { protocol: 'SSL', mechanism: null, username: '', password: '' } as const;

/** The cases every client runs; `oauth` false for a client without OAUTHBEARER. */
export function secureCases(o: { oauth: boolean }): SecureCase[] {
  const mechanisms: Mechanism[] = [
    'PLAIN',
    'SCRAM-SHA-256',
    'SCRAM-SHA-512',
    ...(o.oauth ? (['OAUTHBEARER'] as const) : []),
  ];
  return [
    { ...SSL_BASE, name: 'SSL', listener: 'SSL', clientCertificate: false, refused: false },
    {
      ...SSL_BASE,
      name: 'SSL with a client certificate (mutual TLS)',
      listener: 'MTLS',
      clientCertificate: true,
      refused: false,
    },
    {
      ...SSL_BASE,
      name: 'mutual TLS without a client certificate',
      listener: 'MTLS',
      clientCertificate: false,
      refused: true,
    },
    ...mechanisms.map((m) => saslCase('SASL_PLAINTEXT', m)),
    ...mechanisms.map((m) => saslCase('SASL_SSL', m)),
    saslCase('SASL_SSL', 'PLAIN', true),
    saslCase('SASL_PLAINTEXT', 'SCRAM-SHA-512', true),
  ];
}

const LISTENERS: readonly ListenerName[] = [
  'PLAINTEXT',
  'SSL',
  'MTLS',
  'SASL_PLAINTEXT',
  'SASL_SSL',
];

export async function startSecureBroker(
  extra: Record<string, string> = {},
): Promise<SecureTestBroker> {
  const dir = await mkdtemp(join(tmpdir(), 'gregor-secure-'));
  const certs = await makeDevCertificates(join(dir), '/O=gregor-test/CN=mtls-client');
  const broker = await startBroker({
    logger: process.env['GREGOR_TEST_BROKER_LOG'] === '1' ? createLogger() : silentLogger(),
    config: {
      'log.dirs': join(dir, 'data'),
      listeners: LISTENERS.map((l) => `${l}://127.0.0.1:0`).join(','),
      'listener.security.protocol.map':
        'PLAINTEXT:PLAINTEXT,SSL:SSL,MTLS:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL',
      'inter.broker.listener.name': 'PLAINTEXT',
      'ssl.keystore.location': certs.brokerKeystore,
      'ssl.truststore.location': certs.caCert,
      'listener.name.mtls.ssl.client.auth': 'required',
      'listener.name.mtls.ssl.principal.mapping.rules': 'RULE:^CN=([^,]*),.*$/$1/,DEFAULT',
      'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512,OAUTHBEARER',
      'sasl.jaas.config': `org.apache.kafka.common.security.plain.PlainLoginModule required user_${PLAIN_USER.name}="${PLAIN_USER.password}";`,
      'auto.create.topics.enable': 'true',
      ...extra,
    },
  });
  const address = (l: ListenerName) => `127.0.0.1:${broker.listenerPorts.get(l)}`;
  const admin = new KafkaClient({ bootstrapServers: [address('PLAINTEXT')], clientId: 'setup' });
  try {
    await alterUserScramCredentials(admin, [
      {
        kind: 'upsert',
        user: SCRAM_USER.name,
        mechanism: 'SCRAM-SHA-256',
        iterations: 4096,
        password: SCRAM_USER.password,
      },
      {
        kind: 'upsert',
        user: SCRAM_USER.name,
        mechanism: 'SCRAM-SHA-512',
        iterations: 8192,
        password: SCRAM_USER.password,
      },
    ]);
  } finally {
    admin.close();
  }
  return {
    broker,
    certs,
    address,
    async stop() {
      await broker.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
