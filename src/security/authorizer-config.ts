// Reads the authorizer's settings from the broker configuration, with
// Kafka's names: `authorizer.class.name` (empty: no authorizer, every request
// allowed), `super.users` (semicolon-separated principals) and
// `allow.everyone.if.no.acl.found`. The values were validated when the
// configuration was built (config/config-def.ts).

import type { BrokerConfig } from '../config/broker-config.ts';
import type { AuthorizerSettings } from './authorizer.ts';

export interface AuthorizerConfig {
  /** False when authorizer.class.name is empty. */
  readonly enabled: boolean;
  readonly settings: AuthorizerSettings;
}

export function parseSuperUsers(text: string): Set<string> {
  return new Set(
    text
      .split(';')
      .map((p) => p.trim())
      .filter((p) => p !== ''),
  );
}

export function authorizerConfigOf(config: Pick<BrokerConfig, 'get'>): AuthorizerConfig {
  return {
    enabled: String(config.get('authorizer.class.name') ?? '') !== '',
    settings: {
      superUsers: parseSuperUsers(String(config.get('super.users') ?? '')),
      allowEveryoneIfNoAclFound: config.get('allow.everyone.if.no.acl.found') === true,
    },
  };
}
