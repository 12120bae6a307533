// The one place that decides how a listener's security protocol is served. Today only
// PLAINTEXT is: a listener mapped to SSL, SASL_PLAINTEXT or SASL_SSL makes the broker refuse
// to start, naming the listener, because accepting connections on a port it was told to
// secure without securing them is worse than not starting. The TLS/SASL work replaces the
// refusal here (a tls.Server for SSL, an authenticating connection for SASL) and nothing
// else needs to know.

import { createServer, type Server, type Socket } from 'node:net';
import { ConfigError } from '../config/config-error.ts';
import type { Listener, SecurityProtocol } from '../config/listeners.ts';

/** Protocols this build can serve. */
const SERVED_PROTOCOLS: ReadonlySet<SecurityProtocol> = new Set(['PLAINTEXT']);

function refusal(listener: Listener): ConfigError {
  return new ConfigError(
    'GREGOR_ERR_CONFIG_UNSUPPORTED',
    `listener ${listener.name} uses security protocol ${listener.securityProtocol}, which ` +
      'Gregor does not serve yet (only PLAINTEXT); refusing to start rather than accept ' +
      'unsecured connections on it',
    { key: 'listeners' },
  );
}

/** Throws GREGOR_ERR_CONFIG_UNSUPPORTED for the first listener whose protocol is not served. */
export function refuseUnservedListeners(listeners: readonly Listener[]): void {
  const unserved = listeners.find((l) => !SERVED_PROTOCOLS.has(l.securityProtocol));
  if (unserved !== undefined) throw refusal(unserved);
}

/** The server accepting `listener`'s connections, secured as its protocol says. */
export function createListenerServer(
  listener: Listener,
  onConnection: (socket: Socket) => void,
): Server {
  switch (listener.securityProtocol) {
    case 'PLAINTEXT':
      return createServer({ noDelay: true, pauseOnConnect: false }, onConnection);
    case 'SSL':
    case 'SASL_PLAINTEXT':
    case 'SASL_SSL':
      throw refusal(listener);
  }
}
