// SCRAM-SHA-256/512 on the broker (RFC 5802, RFC 7677): client-first -> server-first ->
// client-final -> server-final. The server nonce is fresh per exchange, the client-final must
// repeat the combined nonce and the GS2 header exactly, and the proof is checked in constant
// time; a message out of turn, a replayed client-final or a second attempt on one exchange
// fails it. An unknown user gets a made-up credential (stable per name, so a client cannot
// tell it from a real one) and fails at the proof, as a wrong password does.

import { createHmac, randomBytes } from 'node:crypto';
import {
  constantTimeEqual,
  hash,
  hashSpec,
  hmac,
  SCRAM_ITERATIONS_MAX,
  SCRAM_ITERATIONS_MIN,
  type ScramCredential,
  type ScramMechanism,
  xor,
} from '../../protocol/sasl/scram-crypto.ts';
import {
  type ClientFirstMessage,
  formatServerFinal,
  formatServerFirst,
  parseClientFinal,
  parseClientFirst,
} from '../../protocol/sasl/scram-messages.ts';
import {
  failed,
  type SaslServerExchange,
  type SaslServerMechanism,
  type SaslStep,
} from './sasl-mechanism.ts';

/** Where stored SCRAM credentials are read (the metadata store). */
export interface ScramCredentials {
  get(user: string, mechanism: ScramMechanism): Promise<ScramCredential | null>;
}

type State =
  | { readonly name: 'client-first' }
  | {
      readonly name: 'client-final';
      readonly first: ClientFirstMessage;
      readonly serverFirst: string;
      readonly nonce: string;
      readonly credential: ScramCredential;
      readonly known: boolean;
    }
  | { readonly name: 'done' };

/** Per-process secret for made-up credentials of unknown users. */
const DECOY_SECRET = randomBytes(32);

function decoyCredential(mechanism: ScramMechanism, user: string): ScramCredential {
  const seed = createHmac('sha256', DECOY_SECRET).update(`${mechanism}\u0000${user}`).digest();
  const size = hashSpec(mechanism).sizeBytes;
  return {
    salt: seed.subarray(0, 16),
    iterations: SCRAM_ITERATIONS_MIN,
    storedKey: randomBytes(size),
    serverKey: randomBytes(size),
  };
}

/**
 * The client-final must repeat the combined nonce. librdkafka 2.0.2 sends its own nonce
 * before the combined one (Kafka accepts any nonce that ends with the combined one); that
 * form is accepted too: it still carries this exchange's fresh server nonce, and the proof
 * covers the message as sent.
 */
function nonceRepeated(
  nonce: string,
  state: { readonly nonce: string; readonly first: ClientFirstMessage },
): boolean {
  return nonce === state.nonce || nonce === state.first.nonce + state.nonce;
}

class ScramExchange implements SaslServerExchange {
  private state: State = { name: 'client-first' };
  private readonly invalid: string;

  constructor(
    readonly mechanism: ScramMechanism,
    private readonly credentials: ScramCredentials,
  ) {
    this.invalid =
      'Authentication failed during authentication due to invalid credentials with SASL ' +
      `mechanism ${mechanism}`;
  }

  async step(token: Buffer): Promise<SaslStep> {
    const state = this.state;
    this.state = { name: 'done' };
    switch (state.name) {
      case 'client-first':
        return this.onClientFirst(token);
      case 'client-final':
        return this.onClientFinal(state, token);
      case 'done':
        return failed(this.invalid, 'SCRAM message after the exchange ended');
    }
  }

  private async onClientFirst(token: Buffer): Promise<SaslStep> {
    const first = parseClientFirst(token.toString('utf8'));
    if (first === null) return failed(this.invalid, 'malformed client-first message');
    if (first.extensions.get('tokenauth') === 'true') {
      return failed(this.invalid, 'delegation tokens are not supported');
    }
    if (first.authorizationId !== '' && first.authorizationId !== first.username) {
      return failed(
        'Authentication failed: Client requested an authorization id that is different from username',
      );
    }
    const stored = await this.credentials.get(first.username, this.mechanism);
    const usable =
      stored !== null &&
      stored.iterations >= SCRAM_ITERATIONS_MIN &&
      stored.iterations <= SCRAM_ITERATIONS_MAX;
    const credential = usable ? stored : decoyCredential(this.mechanism, first.username);
    const nonce = first.nonce + randomBytes(24).toString('base64');
    const serverFirst = formatServerFirst(nonce, credential.salt, credential.iterations);
    this.state = { name: 'client-final', first, serverFirst, nonce, credential, known: usable };
    return { kind: 'challenge', token: Buffer.from(serverFirst, 'utf8') };
  }

  private onClientFinal(state: Extract<State, { name: 'client-final' }>, token: Buffer): SaslStep {
    const final = parseClientFinal(token.toString('utf8'));
    if (final === null) return failed(this.invalid, 'malformed client-final message');
    if (!nonceRepeated(final.nonce, state))
      return failed(this.invalid, 'nonce mismatch (replayed?)');
    const expectedBinding = Buffer.from(state.first.gs2Header, 'utf8').toString('base64');
    if (final.channelBinding !== expectedBinding) {
      return failed(this.invalid, 'channel binding differs from the GS2 header');
    }
    const authMessage = `${state.first.bare},${state.serverFirst},${final.withoutProof}`;
    const { storedKey, serverKey } = state.credential;
    if (final.proof.length !== storedKey.length) return failed(this.invalid, 'proof size');
    const clientSignature = hmac(this.mechanism, storedKey, authMessage);
    const clientKey = xor(final.proof, clientSignature);
    const proofOk = constantTimeEqual(hash(this.mechanism, clientKey), storedKey);
    if (!proofOk || !state.known) {
      return failed(this.invalid, state.known ? 'wrong password' : 'unknown user');
    }
    const serverSignature = hmac(this.mechanism, serverKey, authMessage);
    return {
      kind: 'complete',
      token: Buffer.from(formatServerFinal(serverSignature), 'utf8'),
      user: state.first.username,
      credentialExpiresAtMs: null,
    };
  }
}

export function scramMechanism(
  mechanism: ScramMechanism,
  credentials: ScramCredentials,
): SaslServerMechanism {
  return { mechanism, start: () => new ScramExchange(mechanism, credentials) };
}
