// SaslHandshake handler (key 17), versions 0-1, for connections that are not in a SASL
// exchange: on a PLAINTEXT or SSL listener Kafka answers ILLEGAL_SASL_STATE and lists no
// mechanisms. On SASL listeners the connection's authenticator (server/sasl-gate.ts) answers
// handshakes itself and this handler is never reached; it is registered so that ApiVersions
// advertises the API, as Kafka does on every listener.

import { SaslHandshake } from '../protocol/apis/sasl-handshake.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import type { ApiHandler, ResponseOf } from './handler.ts';

export function saslHandshakeHandler(): ApiHandler<typeof SaslHandshake> {
  return {
    api: SaslHandshake,
    minVersion: 0,
    maxVersion: 1,
    handle(): ResponseOf<typeof SaslHandshake> {
      return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: [] };
    },
  };
}
