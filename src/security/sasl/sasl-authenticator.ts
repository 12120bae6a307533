// The SASL state of one connection on a SASL listener, as Kafka's SaslServerAuthenticator
// keeps it: ApiVersions (optional, once), SaslHandshake naming an enabled mechanism, then
// the mechanism's tokens (in SaslAuthenticate requests after a v1 handshake, as raw frames
// after a v0 one) until the mechanism completes or fails. Before that, every other request
// closes the connection. Once authenticated the session may carry an expiry (the smaller of
// connections.max.reauth.ms and the credential's own expiry, KIP-368): after it only a new
// SaslHandshake (re-authentication, same mechanism and principal) is accepted.
//
// It is driven by the connection with one call per request and answers with what to send
// and whether to close; time is passed in, nothing here does I/O except through the
// mechanism (credential look-ups).

import type { SaslMechanism } from '../../config/config-def.ts';
import { ErrorCode } from '../../protocol/error-codes.ts';
import { type KafkaPrincipal, userPrincipal } from '../principal.ts';
import type { SaslServerExchange, SaslServerMechanism } from './sasl-mechanism.ts';

export const SASL_HANDSHAKE_KEY = 17;
export const SASL_AUTHENTICATE_KEY = 36;
export const API_VERSIONS_API_KEY = 18;

export interface SaslAuthenticatorOptions {
  /** Enabled mechanisms, in the order the handshake response lists them. */
  readonly mechanisms: readonly SaslServerMechanism[];
  /** connections.max.reauth.ms per mechanism; 0 or absent: no limit of ours. */
  readonly reauthMsByMechanism: ReadonlyMap<SaslMechanism, number>;
}

export type Admission =
  /** Authenticated: handle the request as usual. */
  | { readonly kind: 'pass' }
  /** A SASL request this authenticator answers (handshake, authenticate, early ApiVersions). */
  | { readonly kind: 'sasl' }
  | { readonly kind: 'close'; readonly reason: string };

export interface HandshakeAnswer {
  readonly errorCode: number;
  readonly mechanisms: string[];
  readonly close: string | null;
}

export interface AuthenticateAnswer {
  readonly errorCode: number;
  readonly errorMessage: string | null;
  readonly authBytes: Buffer;
  readonly sessionLifetimeMs: number;
  /** Set when the connection must close once this answer is sent. */
  readonly close: string | null;
}

/** What happened, for the log and the authentication metrics. */
export type SaslOutcome =
  | {
      readonly kind: 'authenticated';
      readonly reauthentication: boolean;
      readonly principal: KafkaPrincipal;
      readonly mechanism: SaslMechanism;
    }
  | {
      readonly kind: 'failed';
      readonly reauthentication: boolean;
      readonly mechanism: SaslMechanism | null;
      readonly reason: string;
    }
  /** A session used after its lifetime without re-authenticating (Kafka kills it). */
  | { readonly kind: 'expired'; readonly principal: KafkaPrincipal };

type State =
  | { readonly name: 'initial' }
  | { readonly name: 'handshake' }
  | {
      readonly name: 'authenticating';
      readonly exchange: SaslServerExchange;
      /** After a v0 handshake the tokens come as raw frames. */
      readonly raw: boolean;
      readonly previous: Authenticated | null;
    }
  | Authenticated
  | { readonly name: 'failed' };

interface Authenticated {
  readonly name: 'authenticated';
  readonly principal: KafkaPrincipal;
  readonly mechanism: SaslMechanism;
  /** Epoch ms after which only re-authentication is accepted; null: never. */
  readonly expiresAtMs: number | null;
}

export class SaslAuthenticator {
  private state: State = { name: 'initial' };
  private readonly outcomes: SaslOutcome[] = [];

  constructor(private readonly o: SaslAuthenticatorOptions) {}

  /** The authenticated principal, or null before (and during the first) authentication. */
  get principal(): KafkaPrincipal | null {
    if (this.state.name === 'authenticated') return this.state.principal;
    if (this.state.name === 'authenticating') return this.state.previous?.principal ?? null;
    return null;
  }

  /** True until the first authentication completes: the small frame limit applies. */
  get unauthenticated(): boolean {
    return this.principal === null;
  }

  /** True when the next frame is a raw SASL token (after a v0 handshake). */
  get expectsRawToken(): boolean {
    return this.state.name === 'authenticating' && this.state.raw;
  }

  /** Outcomes since the last call, for logging and metrics. */
  takeOutcomes(): SaslOutcome[] {
    return this.outcomes.splice(0);
  }

  /** Decides what happens to a request with this key, before it is decoded. */
  admit(apiKey: number, nowMs: number): Admission {
    const s = this.state;
    switch (s.name) {
      case 'initial':
        if (apiKey === API_VERSIONS_API_KEY || apiKey === SASL_HANDSHAKE_KEY)
          return { kind: 'sasl' };
        return this.refuse(`unexpected request (api key ${apiKey}) during SASL handshake`);
      case 'handshake':
        if (apiKey === SASL_HANDSHAKE_KEY) return { kind: 'sasl' };
        return this.refuse(`unexpected request (api key ${apiKey}) during SASL handshake`);
      case 'authenticating':
        if (apiKey === SASL_AUTHENTICATE_KEY && !s.raw) return { kind: 'sasl' };
        return this.refuse(`unexpected request (api key ${apiKey}) during SASL authentication`);
      case 'authenticated':
        if (apiKey === SASL_HANDSHAKE_KEY) return { kind: 'sasl' };
        if (s.expiresAtMs !== null && nowMs >= s.expiresAtMs) {
          this.state = { name: 'failed' };
          this.outcomes.push({ kind: 'expired', principal: s.principal });
          return { kind: 'close', reason: 'SASL session expired without re-authentication' };
        }
        return { kind: 'pass' };
      case 'failed':
        return { kind: 'close', reason: 'SASL authentication failed' };
    }
  }

  /** ApiVersions before the handshake; a supported version moves on to the handshake. */
  apiVersionsAnswered(supportedVersion: boolean): void {
    if (this.state.name === 'initial' && supportedVersion) this.state = { name: 'handshake' };
  }

  handshake(version: number, mechanism: string): HandshakeAnswer {
    const s = this.state;
    const names = this.o.mechanisms.map((m) => m.mechanism as string);
    const previous = s.name === 'authenticated' ? s : null;
    if (previous !== null && version < 1) {
      return this.handshakeFailure(
        ErrorCode.ILLEGAL_SASL_STATE,
        names,
        're-authentication needs v1',
      );
    }
    const chosen = this.o.mechanisms.find((m) => m.mechanism === mechanism);
    if (chosen === undefined) {
      return this.handshakeFailure(
        ErrorCode.UNSUPPORTED_SASL_MECHANISM,
        names,
        `unsupported SASL mechanism ${mechanism.slice(0, 64)}`,
      );
    }
    if (previous !== null && previous.mechanism !== chosen.mechanism) {
      return this.handshakeFailure(
        ErrorCode.ILLEGAL_SASL_STATE,
        names,
        `re-authentication changed the mechanism from ${previous.mechanism} to ${mechanism}`,
      );
    }
    this.state = { name: 'authenticating', exchange: chosen.start(), raw: version === 0, previous };
    return { errorCode: ErrorCode.NONE, mechanisms: names, close: null };
  }

  /** One SaslAuthenticate request (v1 handshake) or one raw token (v0 handshake). */
  async authenticate(authBytes: Buffer, nowMs: number): Promise<AuthenticateAnswer> {
    const s = this.state;
    if (s.name !== 'authenticating') {
      this.state = { name: 'failed' };
      return answerFailure(ErrorCode.ILLEGAL_SASL_STATE, 'Unexpected SaslAuthenticate request');
    }
    const step = await s.exchange.step(authBytes, nowMs);
    const reauthentication = s.previous !== null;
    switch (step.kind) {
      case 'challenge':
        return { ...OK, authBytes: step.token };
      case 'failed':
        return this.authenticationFailed(s, step.clientMessage, step.logReason);
      case 'complete': {
        const principal = userPrincipal(step.user);
        if (s.previous !== null && s.previous.principal.name !== principal.name) {
          return this.authenticationFailed(
            s,
            'Cannot change principals during re-authentication',
            `re-authentication as ${principal.name}`,
          );
        }
        const lifetimeMs = this.sessionLifetimeMs(s.exchange.mechanism, step, nowMs);
        this.state = {
          name: 'authenticated',
          principal,
          mechanism: s.exchange.mechanism,
          expiresAtMs: lifetimeMs === null ? null : nowMs + lifetimeMs,
        };
        this.outcomes.push({
          kind: 'authenticated',
          reauthentication,
          principal,
          mechanism: s.exchange.mechanism,
        });
        return { ...OK, authBytes: step.token, sessionLifetimeMs: lifetimeMs ?? 0 };
      }
    }
  }

  /** Kafka's rule: the smaller of connections.max.reauth.ms and the credential's expiry. */
  private sessionLifetimeMs(
    mechanism: SaslMechanism,
    step: { readonly credentialExpiresAtMs: number | null },
    nowMs: number,
  ): number | null {
    const configured = this.o.reauthMsByMechanism.get(mechanism) ?? 0;
    const limits: number[] = [];
    if (configured > 0) limits.push(configured);
    if (step.credentialExpiresAtMs !== null) limits.push(step.credentialExpiresAtMs - nowMs);
    if (limits.length === 0) return null;
    return Math.max(0, Math.min(...limits));
  }

  private authenticationFailed(
    s: Extract<State, { name: 'authenticating' }>,
    clientMessage: string,
    logReason: string,
  ): AuthenticateAnswer {
    this.state = { name: 'failed' };
    this.outcomes.push({
      kind: 'failed',
      reauthentication: s.previous !== null,
      mechanism: s.exchange.mechanism,
      reason: logReason,
    });
    return answerFailure(ErrorCode.SASL_AUTHENTICATION_FAILED, clientMessage);
  }

  private handshakeFailure(
    errorCode: number,
    mechanisms: string[],
    reason: string,
  ): HandshakeAnswer {
    const reauthentication = this.state.name === 'authenticated';
    this.state = { name: 'failed' };
    this.outcomes.push({ kind: 'failed', reauthentication, mechanism: null, reason });
    return { errorCode, mechanisms, close: reason };
  }

  private refuse(reason: string): Admission {
    const reauthentication = this.state.name === 'authenticated';
    this.state = { name: 'failed' };
    this.outcomes.push({ kind: 'failed', reauthentication, mechanism: null, reason });
    return { kind: 'close', reason };
  }
}

const OK = {
  errorCode: ErrorCode.NONE,
  errorMessage: null,
  sessionLifetimeMs: 0,
  close: null,
} as const;

function answerFailure(errorCode: number, message: string): AuthenticateAnswer {
  return {
    errorCode,
    errorMessage: message,
    authBytes: Buffer.alloc(0),
    sessionLifetimeMs: 0,
    close: message,
  };
}
