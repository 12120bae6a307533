// SASL/OAUTHBEARER (RFC 7628) on the broker: one client message carrying `auth=Bearer <JWT>`
// and optional extensions, validated by a token validator (unsecured JWS for development,
// or signed JWTs checked against a JWKS). The token's subject becomes the user and its
// expiry bounds the session (KIP-368). Failures answer Kafka's `{"status":"invalid_token"}`.

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

export interface ClientInitialResponse {
  readonly authorizationId: string;
  readonly token: string;
  readonly extensions: ReadonlyMap<string, string>;
}

const KV_KEY = /^[A-Za-z]+$/;
const KV_VALUE = /^[\x21-\x7e \t\r\n]+$/;
const AUTH_VALUE = /^([A-Za-z0-9_]+) +([-_.A-Za-z0-9]+)$/;
const INVALID_TOKEN = '{"status":"invalid_token"}';

/** Parses `n,[a=authzid],^Aauth=Bearer <token>^A[key=value^A]*^A`; null when malformed. */
export function parseClientInitialResponse(token: Buffer): ClientInitialResponse | null {
  const text = token.toString('utf8');
  const kvStart = text.indexOf('\u0001');
  if (kvStart < 0 || !text.endsWith('\u0001\u0001')) return null;
  const gs2 = text.slice(0, kvStart).split(',');
  if (gs2.length !== 3 || (gs2[0] !== 'n' && gs2[0] !== 'y') || gs2[2] !== '') return null;
  const authz = gs2[1] ?? '';
  if (authz !== '' && !authz.startsWith('a=')) return null;
  const pairs = text.slice(kvStart + 1, -2).split('\u0001');
  const extensions = new Map<string, string>();
  let auth: string | null = null;
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const key = pair.slice(0, eq);
    const value = pair.slice(eq + 1);
    if (eq <= 0 || !KV_KEY.test(key) || !KV_VALUE.test(value)) return null;
    if (key === 'auth') auth = value;
    else extensions.set(key, value);
  }
  const bearer = auth === null ? null : AUTH_VALUE.exec(auth);
  if (bearer === null || bearer[1]!.toLowerCase() !== 'bearer') return null;
  return { authorizationId: authz.slice(2), token: bearer[2]!, extensions };
}

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
