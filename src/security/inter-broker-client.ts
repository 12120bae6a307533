// How this broker connects to the others (followers fetching from leaders), as Kafka derives
// it: the inter-broker listener's security protocol; over TLS that listener's ssl.* settings
// (its truststore checks the other broker, its keystore is our certificate when the other side
// asks for one); with SASL the mechanism sasl.mechanism.inter.broker.protocol and the
// credentials of that listener's JAAS entry for it (username and password, or for
// OAUTHBEARER the unsecured claims).

import type { ConnectionOptions } from 'node:tls';
import type { BrokerConfig } from '../config/broker-config.ts';
import type { SaslMechanism } from '../config/config-def.ts';
import { ConfigError } from '../config/config-error.ts';
import { parseJaasConfig } from '../config/jaas-config.ts';
import { brokerSslReader, readSslSettings } from '../config/ssl-settings.ts';
import { loadTlsClientOptions } from '../util/tls-files.ts';
import { usesSasl, usesTls } from './listener-auth.ts';

export interface InterBrokerSasl {
  readonly mechanism: SaslMechanism;
  readonly username: string;
  readonly password: string;
  readonly unsecuredClaims?: ReadonlyMap<string, string>;
}

export interface InterBrokerClientSecurity {
  readonly tls?: () => Promise<ConnectionOptions>;
  readonly sasl?: InterBrokerSasl;
}

const CLAIM_PREFIX = 'unsecuredLoginStringClaim_';

function refuse(key: string, message: string): ConfigError {
  return new ConfigError('GREGOR_ERR_CONFIG_INVALID', message, { key });
}

function interBrokerSasl(config: BrokerConfig, listener: string): InterBrokerSasl {
  const mechanism = config.get('sasl.mechanism.inter.broker.protocol') as SaslMechanism;
  const setting = config.forListener(listener, 'sasl.jaas.config', mechanism);
  const text = typeof setting.value === 'string' ? setting.value : '';
  const jaas = parseJaasConfig(text);
  if (!jaas.ok) {
    throw refuse(
      'sasl.jaas.config',
      `the inter-broker listener ${listener} uses SASL ${mechanism}: ` +
        `listener.name.${listener.toLowerCase()}.${mechanism.toLowerCase()}.sasl.jaas.config ` +
        `needs the broker's own credentials (${jaas.reason})`,
    );
  }
  const options = jaas.value.options;
  const claims = new Map<string, string>();
  for (const [k, v] of options)
    if (k.startsWith(CLAIM_PREFIX)) claims.set(k.slice(CLAIM_PREFIX.length), v);
  const username = options.get('username') ?? claims.get('sub');
  const password = options.get('password') ?? '';
  if (username === undefined || (mechanism !== 'OAUTHBEARER' && password === '')) {
    throw refuse(
      setting.name,
      `${setting.name}: the inter-broker ${mechanism} login needs username and password ` +
        '(or unsecuredLoginStringClaim_sub for OAUTHBEARER)',
    );
  }
  return { mechanism, username, password, ...(claims.size > 0 ? { unsecuredClaims: claims } : {}) };
}

/** The client security of inter-broker connections; throws ConfigError when incomplete. */
export function interBrokerClientSecurity(config: BrokerConfig): InterBrokerClientSecurity {
  const name = config.interBrokerListenerName;
  const listener = config.listeners.find((l) => l.name === name);
  const protocol =
    listener?.securityProtocol ?? config.listenerSecurityProtocolMap.get(name) ?? 'PLAINTEXT';
  const out: { tls?: () => Promise<ConnectionOptions>; sasl?: InterBrokerSasl } = {};
  if (usesTls(protocol)) {
    const ssl = readSslSettings(brokerSslReader(config, name), `inter-broker listener ${name}`);
    out.tls = () => loadTlsClientOptions(ssl, ssl.endpointIdentification);
  }
  if (usesSasl(protocol)) out.sasl = interBrokerSasl(config, name);
  return out;
}
