// The client side of the SASL mechanisms, for the broker's own connections (followers, the
// controller) and the CLI tools: PLAIN, SCRAM-SHA-256/512 (checking the server's nonce and
// signature, so a broker that does not know the password cannot pass as the real one), and
// OAUTHBEARER with Kafka's unsecured JWS from `unsecuredLoginStringClaim_*` options.
// Each exchange is a small state machine: first token, then one answer per server token.

import { randomBytes } from 'node:crypto';
import {
  formatClientInitialResponse,
  unsecuredJws,
} from '../protocol/sasl/oauthbearer-messages.ts';
import {
  clientKeyOf,
  constantTimeEqual,
  hash,
  hmac,
  SCRAM_ITERATIONS_MAX,
  SCRAM_ITERATIONS_MIN,
  type ScramMechanism,
  saltedPassword,
  serverKeyOf,
  xor,
} from '../protocol/sasl/scram-crypto.ts';
import {
  encodeSaslName,
  parseServerFinal,
  parseServerFirst,
} from '../protocol/sasl/scram-messages.ts';

/** The SASL mechanisms this client speaks (Kafka's names). */
export type SaslMechanism = 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512' | 'OAUTHBEARER';

export type ClientStep =
  | { readonly kind: 'send'; readonly token: Buffer }
  | { readonly kind: 'done' }
  | { readonly kind: 'failed'; readonly reason: string };

export interface SaslClientExchange {
  readonly mechanism: SaslMechanism;
  first(): Buffer;
  /** The server's answer to the last token sent. */
  next(challenge: Buffer): ClientStep;
}

export interface SaslClientCredentials {
  readonly mechanism: SaslMechanism;
  readonly username: string;
  readonly password: string;
  /** OAUTHBEARER: the token to send (an unsecured JWS when none is given). */
  readonly token?: string;
  /** OAUTHBEARER: claims of the unsecured JWS (`unsecuredLoginStringClaim_<name>`). */
  readonly unsecuredClaims?: ReadonlyMap<string, string>;
  readonly unsecuredLifetimeSeconds?: number;
}

class PlainClient implements SaslClientExchange {
  readonly mechanism = 'PLAIN' as const;
  constructor(private readonly c: SaslClientCredentials) {}
  first(): Buffer {
    return Buffer.from(`\u0000${this.c.username}\u0000${this.c.password}`, 'utf8');
  }
  next(): ClientStep {
    return { kind: 'done' };
  }
}

type ScramClientState =
  | { readonly name: 'server-first'; readonly bare: string; readonly nonce: string }
  | { readonly name: 'server-final'; readonly expectedSignature: Buffer }
  | { readonly name: 'done' };

const GS2_HEADER = 'n,,';

export class ScramClient implements SaslClientExchange {
  private state: ScramClientState;

  constructor(
    readonly mechanism: ScramMechanism,
    private readonly c: SaslClientCredentials,
    nonce: string = randomBytes(24).toString('base64'),
  ) {
    const bare = `n=${encodeSaslName(c.username)},r=${nonce}`;
    this.state = { name: 'server-first', bare, nonce };
  }

  first(): Buffer {
    if (this.state.name !== 'server-first') throw new Error('SCRAM client already started');
    return Buffer.from(GS2_HEADER + this.state.bare, 'utf8');
  }

  next(challenge: Buffer): ClientStep {
    const state = this.state;
    this.state = { name: 'done' };
    if (state.name === 'server-first') return this.onServerFirst(state, challenge.toString('utf8'));
    if (state.name === 'server-final') return this.onServerFinal(state, challenge.toString('utf8'));
    return { kind: 'failed', reason: 'SCRAM exchange already finished' };
  }

  private onServerFirst(
    state: Extract<ScramClientState, { name: 'server-first' }>,
    text: string,
  ): ClientStep {
    const first = parseServerFirst(text);
    if (first === null) return { kind: 'failed', reason: 'malformed SCRAM server-first message' };
    if (!first.nonce.startsWith(state.nonce) || first.nonce.length === state.nonce.length) {
      return { kind: 'failed', reason: 'SCRAM server nonce does not extend ours' };
    }
    if (first.iterations < SCRAM_ITERATIONS_MIN || first.iterations > SCRAM_ITERATIONS_MAX) {
      return { kind: 'failed', reason: `SCRAM iterations ${first.iterations} out of range` };
    }
    const m = this.mechanism;
    const salted = saltedPassword(m, this.c.password, first.salt, first.iterations);
    const clientKey = clientKeyOf(m, salted);
    const withoutProof = `c=${Buffer.from(GS2_HEADER).toString('base64')},r=${first.nonce}`;
    const authMessage = `${state.bare},${text},${withoutProof}`;
    const proof = xor(clientKey, hmac(m, hash(m, clientKey), authMessage));
    const expectedSignature = hmac(m, serverKeyOf(m, salted), authMessage);
    this.state = { name: 'server-final', expectedSignature };
    return { kind: 'send', token: Buffer.from(`${withoutProof},p=${proof.toString('base64')}`) };
  }

  private onServerFinal(
    state: Extract<ScramClientState, { name: 'server-final' }>,
    text: string,
  ): ClientStep {
    const final = parseServerFinal(text);
    if (final === null) return { kind: 'failed', reason: 'malformed SCRAM server-final message' };
    if ('error' in final) return { kind: 'failed', reason: `SCRAM server error ${final.error}` };
    if (!constantTimeEqual(final.signature, state.expectedSignature)) {
      return { kind: 'failed', reason: 'SCRAM server signature is wrong: not the real broker' };
    }
    return { kind: 'done' };
  }
}

class OAuthBearerClient implements SaslClientExchange {
  readonly mechanism = 'OAUTHBEARER' as const;
  constructor(
    private readonly c: SaslClientCredentials,
    private readonly nowMs: number,
  ) {}
  first(): Buffer {
    const claims = this.c.unsecuredClaims ?? new Map([['sub', this.c.username]]);
    const token =
      this.c.token ?? unsecuredJws(claims, this.c.unsecuredLifetimeSeconds ?? 3600, this.nowMs);
    return formatClientInitialResponse(token);
  }
  next(challenge: Buffer): ClientStep {
    if (challenge.length === 0) return { kind: 'done' };
    return {
      kind: 'failed',
      reason: `OAUTHBEARER refused: ${challenge.toString('utf8').slice(0, 200)}`,
    };
  }
}

export function startSaslClient(
  c: SaslClientCredentials,
  nowMs: number = Date.now(),
): SaslClientExchange {
  switch (c.mechanism) {
    case 'PLAIN':
      return new PlainClient(c);
    case 'SCRAM-SHA-256':
    case 'SCRAM-SHA-512':
      return new ScramClient(c.mechanism, c);
    case 'OAUTHBEARER':
      return new OAuthBearerClient(c, nowMs);
  }
}
