// The contract between the per-connection SASL state machine and one mechanism's server side:
// an exchange takes the client's tokens one at a time and answers with a challenge, a final
// token with the authenticated user, or a failure. A failure carries two texts: the message
// the client may see (Kafka's wording, never a hint whether the user exists) and the reason
// for our log (never a secret).

import type { SaslMechanism } from '../../config/config-def.ts';

export type SaslStep =
  | { readonly kind: 'challenge'; readonly token: Buffer }
  | {
      readonly kind: 'complete';
      readonly token: Buffer;
      /** The authenticated user name: the principal is User:<name>. */
      readonly user: string;
      /** When the credential itself expires (an OAuth token's exp), else null. */
      readonly credentialExpiresAtMs: number | null;
    }
  | { readonly kind: 'failed'; readonly clientMessage: string; readonly logReason: string };

export interface SaslServerExchange {
  readonly mechanism: SaslMechanism;
  /** One client token in, one step out. `nowMs` is wall-clock time (tokens carry epoch times). */
  step(token: Buffer, nowMs: number): Promise<SaslStep>;
}

/** Makes a fresh exchange per authentication (one per connection and re-authentication). */
export interface SaslServerMechanism {
  readonly mechanism: SaslMechanism;
  start(): SaslServerExchange;
}

export function failed(clientMessage: string, logReason: string = clientMessage): SaslStep {
  return { kind: 'failed', clientMessage, logReason };
}
