// Authenticating a client connection with SASL as Kafka's clients do: SaslHandshake v1 naming
// the mechanism, then the mechanism's tokens in SaslAuthenticate requests until it is done.
// A refused mechanism or credential becomes a KafkaError carrying the broker's message; the
// session lifetime the broker returns (KIP-368) tells the connection when to do it again.

import { SaslAuthenticate } from '../protocol/apis/sasl-authenticate.ts';
import { SaslHandshake } from '../protocol/apis/sasl-handshake.ts';
import type { MessageValue } from '../protocol/codec.ts';
import { ErrorCode, kafkaError } from './errors.ts';
import { type SaslClientCredentials, startSaslClient } from './sasl-client.ts';

type Send = <A extends typeof SaslHandshake | typeof SaslAuthenticate>(
  api: A,
  body: MessageValue<A['request']>,
  version: number,
) => Promise<MessageValue<A['response']>>;

/** Round trips the exchange may take before we call it a broken server. */
const SASL_ROUND_TRIPS_MAX = 8;

/** Runs one authentication; resolves with the session lifetime in ms (0: none). */
export async function authenticateSasl(
  send: Send,
  credentials: SaslClientCredentials,
  authenticateVersion: number,
): Promise<number> {
  const handshake = await send(SaslHandshake, { mechanism: credentials.mechanism }, 1);
  if (handshake.errorCode !== ErrorCode.NONE) {
    const offered = handshake.mechanisms.join(', ');
    throw kafkaError(
      handshake.errorCode,
      `The broker does not offer SASL mechanism ${credentials.mechanism} (it offers ${offered})`,
    );
  }
  const exchange = startSaslClient(credentials);
  let token: Buffer | null = exchange.first();
  for (let round = 0; round < SASL_ROUND_TRIPS_MAX; round++) {
    const answer = await send(SaslAuthenticate, { authBytes: token }, authenticateVersion);
    if (answer.errorCode !== ErrorCode.NONE)
      throw kafkaError(answer.errorCode, answer.errorMessage);
    const step = exchange.next(answer.authBytes);
    if (step.kind === 'failed') throw kafkaError(ErrorCode.SASL_AUTHENTICATION_FAILED, step.reason);
    if (step.kind === 'done') return Number(answer.sessionLifetimeMs ?? 0);
    token = step.token;
  }
  throw kafkaError(ErrorCode.SASL_AUTHENTICATION_FAILED, 'SASL exchange did not finish');
}
