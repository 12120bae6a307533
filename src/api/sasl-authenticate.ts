// SaslAuthenticate handler (key 36), versions 0-2, for connections that are not in a SASL
// exchange (see sasl-handshake.ts): ILLEGAL_SASL_STATE, as Kafka answers it.

import { SaslAuthenticate } from '../protocol/apis/sasl-authenticate.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import type { ApiHandler, ResponseOf } from './handler.ts';

export function saslAuthenticateHandler(): ApiHandler<typeof SaslAuthenticate> {
  return {
    api: SaslAuthenticate,
    minVersion: 0,
    maxVersion: 2,
    handle(): ResponseOf<typeof SaslAuthenticate> {
      return {
        errorCode: ErrorCode.ILLEGAL_SASL_STATE,
        errorMessage: 'SaslAuthenticate is not expected on this connection',
        authBytes: Buffer.alloc(0),
        sessionLifetimeMs: 0,
      };
    },
  };
}
