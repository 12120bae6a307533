// The one place that decides how a listener's security protocol is served: PLAINTEXT as it
// comes; SSL, SASL_PLAINTEXT and SASL_SSL through the listener's ListenerProtection (TLS
// handshake, SASL authentication), built at start-up from its settings. A secured listener
// without its protection refuses to start, naming the listener: accepting connections on a
// port the broker was told to secure without securing them is worse than not starting.

import { createServer, type Server, type Socket } from 'node:net';
import { ConfigError } from '../config/config-error.ts';
import type { Listener } from '../config/listeners.ts';
import type { ListenerProtection } from './listener-protection.ts';

function refusal(listener: Listener): ConfigError {
  return new ConfigError(
    'GREGOR_ERR_CONFIG_UNSUPPORTED',
    `listener ${listener.name} uses security protocol ${listener.securityProtocol} but has ` +
      'no TLS or SASL set up for it; refusing to start rather than accept unsecured ' +
      'connections on it',
    { key: 'listeners' },
  );
}

/** Throws GREGOR_ERR_CONFIG_UNSUPPORTED for a secured listener without its protection. */
export function refuseUnservedListeners(
  listeners: readonly Listener[],
  protections: ReadonlyMap<string, unknown>,
): void {
  const unserved = listeners.find(
    (l) => l.securityProtocol !== 'PLAINTEXT' && !protections.has(l.name),
  );
  if (unserved !== undefined) throw refusal(unserved);
}

/**
 * The server accepting `listener`'s connections. Sockets of a TLS listener are accepted
 * paused: the TLS layer reads the first bytes, not the Kafka framing.
 */
export function createListenerServer(
  listener: Listener,
  protection: ListenerProtection | null,
  onConnection: (socket: Socket) => void,
): Server {
  if (listener.securityProtocol !== 'PLAINTEXT' && protection === null) throw refusal(listener);
  const pauseOnConnect = protection?.pauseOnConnect ?? false;
  return createServer({ noDelay: true, pauseOnConnect }, onConnection);
}
