// The two ways OAUTHBEARER tokens are judged, as in Kafka. Unsecured: an unsigned JWS
// (`alg: none`), checked for a principal claim, expiry, issued-at and required scopes with
// Kafka's `unsecuredValidator*` JAAS options: for development only. Secured: a JWT signed
// with a key from the issuer's JWKS (an https endpoint, or a file read again when it
// changes), checked by `jose` for signature, expiry, not-before, issuer and audience with the
// configured clock skew; the subject claim names the user.

import { readFile, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  type JSONWebKeySet,
  type JWTPayload,
  errors as joseErrors,
  jwtVerify,
} from 'jose';
import type { OAuthTokenValidator, TokenCheck } from './oauthbearer-server.ts';

export interface UnsecuredValidatorOptions {
  readonly principalClaimName: string;
  readonly scopeClaimName: string;
  readonly requiredScope: readonly string[];
  readonly allowableClockSkewMs: number;
}

export interface JwksValidatorOptions {
  /** https:, http: or file: URL of the JWKS. */
  readonly jwksUrl: string;
  readonly expectedAudience: readonly string[];
  readonly expectedIssuer: string | null;
  readonly subClaimName: string;
  readonly scopeClaimName: string;
  readonly clockSkewSeconds: number;
  readonly refreshMs: number;
  readonly retryBackoffMs: number;
  readonly requestTimeoutMs: number;
}

/** Signature algorithms accepted from a JWKS: asymmetric only (no `none`, no shared secrets). */
const ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
];
const TOKEN_CHARS_MAX = 16 * 1024;

function decodeSegment(segment: string): Record<string, unknown> | null {
  if (!/^[A-Za-z0-9_-]*$/.test(segment)) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

function scopesOf(claim: unknown): string[] | null {
  if (claim === undefined) return [];
  if (typeof claim === 'string') return claim.split(' ').filter((s) => s !== '');
  if (Array.isArray(claim) && claim.every((s) => typeof s === 'string')) return claim as string[];
  return null;
}

/** Kafka's OAuthBearerUnsecuredValidatorCallbackHandler checks, on an unsigned JWS. */
export function unsecuredJwsCheck(
  token: string,
  nowMs: number,
  o: UnsecuredValidatorOptions,
): TokenCheck {
  if (token.length > TOKEN_CHARS_MAX) return { ok: false, reason: 'token too long' };
  const parts = token.split('.');
  if (parts.length !== 3 || parts[2] !== '') {
    return { ok: false, reason: 'not an unsecured JWS (three parts, empty signature)' };
  }
  const header = decodeSegment(parts[0]!);
  const claims = decodeSegment(parts[1]!);
  if (header === null || claims === null) return { ok: false, reason: 'undecodable JWS' };
  if (header['alg'] !== 'none') return { ok: false, reason: 'unsecured JWS must have alg none' };
  const principal = claims[o.principalClaimName];
  if (typeof principal !== 'string' || principal.trim() === '') {
    return { ok: false, reason: `no string claim ${o.principalClaimName}` };
  }
  const exp = claims['exp'];
  const iat = claims['iat'];
  if (typeof exp !== 'number') return { ok: false, reason: 'no numeric exp claim' };
  if (iat !== undefined && typeof iat !== 'number') return { ok: false, reason: 'bad iat claim' };
  if (nowMs - o.allowableClockSkewMs >= exp * 1000) return { ok: false, reason: 'token expired' };
  if (typeof iat === 'number' && iat * 1000 > nowMs + o.allowableClockSkewMs) {
    return { ok: false, reason: 'token issued in the future' };
  }
  if (typeof iat === 'number' && exp <= iat) return { ok: false, reason: 'exp not after iat' };
  const scopes = scopesOf(claims[o.scopeClaimName]);
  if (scopes === null) return { ok: false, reason: `bad ${o.scopeClaimName} claim` };
  const missing = o.requiredScope.filter((s) => !scopes.includes(s));
  if (missing.length > 0) return { ok: false, reason: `missing scope ${missing.join(' ')}` };
  return { ok: true, user: principal, expiresAtMs: exp * 1000 };
}

export function unsecuredValidator(o: UnsecuredValidatorOptions): OAuthTokenValidator {
  return { validate: async (token, nowMs) => unsecuredJwsCheck(token, nowMs, o) };
}

type KeySet = Parameters<typeof jwtVerify>[1] & object;

/** A JWKS file, parsed again when its modification time or size changes. */
function fileKeySet(path: string): () => Promise<KeySet> {
  let loaded: { signature: string; keys: ReturnType<typeof createLocalJWKSet> } | null = null;
  return async () => {
    const s = await stat(path);
    const signature = `${s.mtimeMs}:${s.size}:${s.ino}`;
    if (loaded?.signature !== signature) {
      const json = JSON.parse(await readFile(path, 'utf8')) as JSONWebKeySet;
      loaded = { signature, keys: createLocalJWKSet(json) };
    }
    return loaded.keys;
  };
}

function keySetFor(o: JwksValidatorOptions): () => Promise<KeySet> {
  const url = new URL(o.jwksUrl);
  if (url.protocol === 'file:') return fileKeySet(fileURLToPath(url));
  const remote = createRemoteJWKSet(url, {
    cacheMaxAge: o.refreshMs,
    cooldownDuration: o.retryBackoffMs,
    timeoutDuration: o.requestTimeoutMs,
  });
  return async () => remote;
}

function describeJoseError(err: unknown): string {
  if (err instanceof joseErrors.JOSEError) return `${err.code}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}

function subjectCheck(payload: JWTPayload, o: JwksValidatorOptions): TokenCheck {
  const user = payload[o.subClaimName];
  if (typeof user !== 'string' || user.trim() === '') {
    return { ok: false, reason: `no string claim ${o.subClaimName}` };
  }
  if (typeof payload.exp !== 'number') return { ok: false, reason: 'no exp claim' };
  if (scopesOf(payload[o.scopeClaimName]) === null) {
    return { ok: false, reason: `bad ${o.scopeClaimName} claim` };
  }
  return { ok: true, user, expiresAtMs: payload.exp * 1000 };
}

/** Kafka's OAuthBearerValidatorCallbackHandler: signed JWTs checked against a JWKS. */
export function jwksValidator(o: JwksValidatorOptions): OAuthTokenValidator {
  const keys = keySetFor(o);
  return {
    async validate(token, nowMs) {
      if (token.length > TOKEN_CHARS_MAX) return { ok: false, reason: 'token too long' };
      try {
        const { payload } = await jwtVerify(token, await keys(), {
          algorithms: ALGORITHMS,
          clockTolerance: o.clockSkewSeconds,
          currentDate: new Date(nowMs),
          requiredClaims: ['exp'],
          ...(o.expectedIssuer === null ? {} : { issuer: o.expectedIssuer }),
          ...(o.expectedAudience.length === 0 ? {} : { audience: [...o.expectedAudience] }),
        });
        return subjectCheck(payload, o);
      } catch (err) {
        return { ok: false, reason: describeJoseError(err) };
      }
    },
  };
}
