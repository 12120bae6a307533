// The security APIs a broker serves: SCRAM credential management (50, 51) on the metadata
// store, and SaslHandshake/SaslAuthenticate (17, 36) for connections outside a SASL exchange
// (a SASL listener's connections have them answered by their authenticator first).

import type { ScramCredentialStore } from '../security/scram-credential-store.ts';
import { alterUserScramCredentialsHandler } from './alter-user-scram-credentials.ts';
import { describeUserScramCredentialsHandler } from './describe-user-scram-credentials.ts';
import type { HandlerRegistry } from './handler.ts';
import { saslAuthenticateHandler } from './sasl-authenticate.ts';
import { saslHandshakeHandler } from './sasl-handshake.ts';

export function registerSecurityHandlers(
  registry: HandlerRegistry,
  credentials: ScramCredentialStore,
): void {
  registry
    .add(saslHandshakeHandler())
    .add(saslAuthenticateHandler())
    .add(describeUserScramCredentialsHandler(credentials))
    .add(alterUserScramCredentialsHandler(credentials));
}
