// `--command-config FILE`: a Kafka client properties file (security.protocol, sasl.*, ssl.*)
// turned into the TLS and SASL options of the tools' client, so a user's existing
// kafka-topics.sh file works against a secured Gregor unchanged.

import { readFileSync } from 'node:fs';
import type { ClientOptions } from '../client/kafka-client.ts';
import { type ClientSecuritySettings, parseClientProperties } from '../config/client-properties.ts';
import { loadTlsClientOptions } from '../util/tls-files.ts';

export type ClientSecurityOptions = Pick<ClientOptions, 'tls' | 'sasl'>;

export function clientSecurityOptions(settings: ClientSecuritySettings): ClientSecurityOptions {
  const { ssl, sasl } = settings;
  return {
    ...(ssl === null ? {} : { tls: () => loadTlsClientOptions(ssl, ssl.endpointIdentification) }),
    ...(sasl === null
      ? {}
      : {
          sasl: {
            mechanism: sasl.mechanism,
            username: sasl.username,
            password: sasl.password,
            unsecuredClaims: sasl.unsecuredClaims,
            unsecuredLifetimeSeconds: sasl.unsecuredLifetimeSeconds,
          },
        }),
  };
}

/** Reads `--command-config`; a missing or unreadable file fails naming it. */
export function readCommandConfig(path: string): ClientSecuritySettings {
  let text: string;
  try {
    text = readFileSync(path, { encoding: 'utf8' });
  } catch (err) {
    throw new Error(`Cannot read --command-config ${path}: ${(err as Error).message}`);
  }
  return parseClientProperties(text, path);
}
