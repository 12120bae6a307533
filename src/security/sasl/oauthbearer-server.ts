// SASL/OAUTHBEARER (RFC 7628) on the broker: one client message carrying `auth=Bearer <JWT>`
// and optional extensions, validated by a token validator (unsecured JWS for development,
// or signed JWTs checked against a JWKS). The token's subject becomes the user and its
// expiry bounds the session (KIP-368). Failures answer Kafka's `{"status":"invalid_token"}`.

import { parseClientInitialResponse } from '../../protocol/sasl/oauthbearer-messages.ts';
import {
  failed,
  type SaslServerExchange,
  type SaslServerMechanism,
  type SaslStep,
} from './sasl-mechanism.ts';

export type TokenCheck =
  | { readonly ok: true; readonly user: string; readonly expiresAtMs: number }
  | { readonly ok: false; readonly reason: string };

export interface OAuthTokenValidator {
  validate(token: string, nowMs: number): Promise<TokenCheck>;
}

const INVALID_TOKEN = '{"status":"invalid_token"}';

class OAuthBearerExchange implements SaslServerExchange {
  readonly mechanism = 'OAUTHBEARER' as const;
  private done = false;

  constructor(private readonly validator: OAuthTokenValidator) {}

  async step(token: Buffer, nowMs: number): Promise<SaslStep> {
    if (this.done) return failed(INVALID_TOKEN, 'OAUTHBEARER message after the exchange ended');
    this.done = true;
    const initial = parseClientInitialResponse(token);
    if (initial === null) return failed(INVALID_TOKEN, 'malformed client initial response');
    const check = await this.validator.validate(initial.token, nowMs);
    if (!check.ok) return failed(INVALID_TOKEN, check.reason);
    if (initial.authorizationId !== '' && initial.authorizationId !== check.user) {
      return failed(
        `Authentication failed: Client requested an authorization id (${initial.authorizationId}) ` +
          `that is different from the token's principal name (${check.user})`,
      );
    }
    return {
      kind: 'complete',
      token: Buffer.alloc(0),
      user: check.user,
      credentialExpiresAtMs: check.expiresAtMs,
    };
  }
}

export function oauthBearerMechanism(validator: OAuthTokenValidator): SaslServerMechanism {
  return { mechanism: 'OAUTHBEARER', start: () => new OAuthBearerExchange(validator) };
}
