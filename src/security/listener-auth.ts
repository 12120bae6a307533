// Everything one listener needs to secure its connections, built once at start-up from the
// broker configuration: the TLS material (SSL, SASL_SSL) and the SASL mechanisms with their
// user sources (SASL_PLAINTEXT, SASL_SSL), each read with the listener's
// `listener.name.<l>.` overrides. Anything incomplete (a SASL listener without users for
// PLAIN, a JWKS validator without its URL, a TLS listener without a keystore) refuses the
// start, naming the listener and the setting.

import type { BrokerConfig } from '../config/broker-config.ts';
import type { SaslMechanism } from '../config/config-def.ts';
import { ConfigError } from '../config/config-error.ts';
import { checkLoginModule, type JaasEntry, parseJaasConfig } from '../config/jaas-config.ts';
import type { Listener, SecurityProtocol } from '../config/listeners.ts';
import { brokerSslReader, readSslSettings } from '../config/ssl-settings.ts';
import { isScramMechanism } from '../protocol/sasl/scram-crypto.ts';
import type { Logger } from '../util/logger.ts';
import { jwksValidator, unsecuredValidator } from './sasl/oauth-token-validators.ts';
import { oauthBearerMechanism } from './sasl/oauthbearer-server.ts';
import { plainMechanism } from './sasl/plain-server.ts';
import { openPlainUsers, usersFromJaasOptions } from './sasl/plain-users.ts';
import type { SaslServerMechanism } from './sasl/sasl-mechanism.ts';
import { type ScramCredentials, scramMechanism } from './sasl/scram-server.ts';
import { TlsContextSource } from './tls/tls-context.ts';

export interface SaslListenerSettings {
  readonly mechanisms: readonly SaslServerMechanism[];
  readonly reauthMsByMechanism: ReadonlyMap<SaslMechanism, number>;
  /** sasl.server.max.receive.size: the frame limit until authentication completes. */
  readonly receiveSizeBytesMax: number;
}

export interface ListenerAuth {
  readonly listenerName: string;
  readonly protocol: SecurityProtocol;
  readonly tls: TlsContextSource | null;
  readonly sasl: SaslListenerSettings | null;
}

export interface ListenerAuthDeps {
  readonly scramCredentials: ScramCredentials;
  readonly logger: Logger;
}

const SECURED_OAUTH_CLASS = /\.OAuthBearerValidatorCallbackHandler$/;

function refuse(listener: string, key: string, message: string): ConfigError {
  return new ConfigError('GREGOR_ERR_CONFIG_INVALID', `listener ${listener}: ${message}`, { key });
}

export function usesTls(protocol: SecurityProtocol): boolean {
  return protocol === 'SSL' || protocol === 'SASL_SSL';
}

export function usesSasl(protocol: SecurityProtocol): boolean {
  return protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL';
}

function jaasFor(
  config: BrokerConfig,
  listener: string,
  mechanism: SaslMechanism,
): JaasEntry | null {
  const setting = config.forListener(listener, 'sasl.jaas.config', mechanism);
  if (typeof setting.value !== 'string' || setting.value === '') return null;
  const parsed = parseJaasConfig(setting.value);
  if (!parsed.ok) throw refuse(listener, setting.name, `${setting.name}: ${parsed.reason}`);
  const wrongModule = checkLoginModule(parsed.value, mechanism);
  if (wrongModule === null) return parsed.value;
  // A listener-wide or broker-wide entry serves the mechanism it names; for another
  // mechanism it is not meant (Kafka only ignores it less visibly). A mechanism's own
  // entry naming the wrong module is a mistake.
  const own = setting.name.endsWith(`.${mechanism.toLowerCase()}.sasl.jaas.config`);
  if (own) throw refuse(listener, setting.name, `${setting.name}: ${wrongModule}`);
  return null;
}

async function plainFor(
  config: BrokerConfig,
  listener: string,
  logger: Logger,
): Promise<SaslServerMechanism> {
  const jaas = jaasFor(config, listener, 'PLAIN');
  const file = config.forListener(listener, 'sasl.plain.users.file').value;
  const users = await openPlainUsers({
    jaasUsers: usersFromJaasOptions(jaas?.options ?? new Map()),
    usersFile: typeof file === 'string' && file !== '' ? file : null,
    onReloadError: (err) =>
      logger.warn(
        { err, listener },
        'could not re-read sasl.plain.users.file; keeping the last users',
      ),
  });
  if (users.count() === 0) {
    throw refuse(
      listener,
      'sasl.jaas.config',
      'PLAIN has no users: set user_<name> options in ' +
        `listener.name.${listener.toLowerCase()}.plain.sasl.jaas.config or sasl.plain.users.file`,
    );
  }
  return plainMechanism(users);
}

function numberSetting(config: BrokerConfig, listener: string, name: string): number {
  const v = config.forListener(listener, name).value;
  return typeof v === 'number' ? v : Number(v);
}

function listSetting(config: BrokerConfig, listener: string, name: string): string[] {
  const v = config.forListener(listener, name).value;
  return Array.isArray(v) ? [...v] : [];
}

function oauthFor(config: BrokerConfig, listener: string, logger: Logger): SaslServerMechanism {
  const read = (name: string) => config.forListener(listener, name, 'OAUTHBEARER').value;
  const url = read('sasl.oauthbearer.jwks.endpoint.url');
  const handler = read('sasl.server.callback.handler.class');
  const secured = typeof handler === 'string' && SECURED_OAUTH_CLASS.test(handler);
  if (typeof url === 'string' && url !== '') {
    const issuer = read('sasl.oauthbearer.expected.issuer');
    return oauthBearerMechanism(
      jwksValidator({
        jwksUrl: url,
        expectedAudience: listSetting(config, listener, 'sasl.oauthbearer.expected.audience'),
        expectedIssuer: typeof issuer === 'string' && issuer !== '' ? issuer : null,
        subClaimName: String(read('sasl.oauthbearer.sub.claim.name')),
        scopeClaimName: String(read('sasl.oauthbearer.scope.claim.name')),
        clockSkewSeconds: numberSetting(config, listener, 'sasl.oauthbearer.clock.skew.seconds'),
        refreshMs: numberSetting(config, listener, 'sasl.oauthbearer.jwks.endpoint.refresh.ms'),
        retryBackoffMs: numberSetting(
          config,
          listener,
          'sasl.oauthbearer.jwks.endpoint.retry.backoff.ms',
        ),
        requestTimeoutMs: numberSetting(
          config,
          listener,
          'sasl.oauthbearer.jwks.endpoint.retry.backoff.max.ms',
        ),
      }),
    );
  }
  if (secured) {
    throw refuse(
      listener,
      'sasl.oauthbearer.jwks.endpoint.url',
      `${String(handler)} needs sasl.oauthbearer.jwks.endpoint.url`,
    );
  }
  const options = jaasFor(config, listener, 'OAUTHBEARER')?.options ?? new Map<string, string>();
  const skew = Number(options.get('unsecuredValidatorAllowableClockSkewMs') ?? '0');
  if (!Number.isSafeInteger(skew) || skew < 0) {
    throw refuse(
      listener,
      'sasl.jaas.config',
      'unsecuredValidatorAllowableClockSkewMs is not a count of ms',
    );
  }
  logger.warn(
    { listener },
    'OAUTHBEARER accepts unsecured (unsigned) tokens on this listener: for development only; ' +
      'set sasl.oauthbearer.jwks.endpoint.url to require signed tokens',
  );
  return oauthBearerMechanism(
    unsecuredValidator({
      principalClaimName: options.get('unsecuredValidatorPrincipalClaimName') ?? 'sub',
      scopeClaimName: options.get('unsecuredValidatorScopeClaimName') ?? 'scope',
      requiredScope: (options.get('unsecuredValidatorRequiredScope') ?? '')
        .split(' ')
        .filter((s) => s !== ''),
      allowableClockSkewMs: skew,
    }),
  );
}

async function saslFor(
  config: BrokerConfig,
  listener: string,
  deps: ListenerAuthDeps,
): Promise<SaslListenerSettings> {
  const names = listSetting(config, listener, 'sasl.enabled.mechanisms') as SaslMechanism[];
  if (names.length === 0) {
    throw refuse(
      listener,
      'sasl.enabled.mechanisms',
      'a SASL listener needs sasl.enabled.mechanisms',
    );
  }
  const mechanisms: SaslServerMechanism[] = [];
  const reauth = new Map<SaslMechanism, number>();
  for (const name of names) {
    jaasFor(config, listener, name); // a broken entry refuses the start whatever uses it
    if (name === 'PLAIN') mechanisms.push(await plainFor(config, listener, deps.logger));
    else if (isScramMechanism(name)) mechanisms.push(scramMechanism(name, deps.scramCredentials));
    else mechanisms.push(oauthFor(config, listener, deps.logger));
    const reauthMs = config.forListener(listener, 'connections.max.reauth.ms', name).value;
    reauth.set(name, typeof reauthMs === 'number' ? reauthMs : 0);
  }
  return {
    mechanisms,
    reauthMsByMechanism: reauth,
    receiveSizeBytesMax: numberSetting(config, listener, 'sasl.server.max.receive.size'),
  };
}

/** Builds and checks one listener's security; throws ConfigError when it cannot work. */
export async function openListenerAuth(
  config: BrokerConfig,
  listener: Listener,
  deps: ListenerAuthDeps,
): Promise<ListenerAuth> {
  const name = listener.name;
  let tls: TlsContextSource | null = null;
  if (usesTls(listener.securityProtocol)) {
    const ssl = readSslSettings(brokerSslReader(config, name), `listener ${name}`);
    tls = new TlsContextSource(ssl, `listener ${name}`, true, {
      onReloadError: (err) =>
        deps.logger.warn(
          { err, listener: name },
          'could not reload TLS files; serving the previous certificate',
        ),
      onReloaded: () =>
        deps.logger.info({ listener: name }, 'TLS files changed; new connections get them'),
    });
    await tls.start();
  }
  const sasl = usesSasl(listener.securityProtocol) ? await saslFor(config, name, deps) : null;
  return { listenerName: name, protocol: listener.securityProtocol, tls, sasl };
}

/** The security of every secured listener, by name; PLAINTEXT listeners have none. */
export async function openListenerAuths(
  config: BrokerConfig,
  deps: ListenerAuthDeps,
): Promise<Map<string, ListenerAuth>> {
  const auths = new Map<string, ListenerAuth>();
  for (const listener of config.listeners) {
    if (listener.securityProtocol === 'PLAINTEXT') continue;
    auths.set(listener.name, await openListenerAuth(config, listener, deps));
  }
  return auths;
}
