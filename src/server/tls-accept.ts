// The TLS side of accepting a connection on an SSL or SASL_SSL listener: wraps the TCP socket
// with the listener's current TLS material (re-read if its files changed, so a renewed
// certificate serves this connection), waits for the handshake within a deadline, and works
// out the principal of a client certificate (ssl.principal.mapping.rules). A failed handshake,
// an untrusted certificate under ssl.client.auth=requested, or a subject no rule maps is
// refused; the caller closes the socket and counts it.

import type { Socket } from 'node:net';
import { createServer as createTlsServer, type Server, type TLSSocket } from 'node:tls';
import { ANONYMOUS, type KafkaPrincipal, userPrincipal } from '../security/principal.ts';
import { mapPrincipalName, rfc2253Subject } from '../security/tls/ssl-principal.ts';
import type { TlsContextSource, TlsMaterial } from '../security/tls/tls-context.ts';

export type TlsAcceptResult =
  | { readonly ok: true; readonly socket: TLSSocket; readonly principal: KafkaPrincipal }
  | { readonly ok: false; readonly reason: string };

/** A client that opens TCP and never finishes the handshake holds a slot no longer than this. */
export const TLS_HANDSHAKE_TIMEOUT_MS = 10_000;

function principalOf(socket: TLSSocket, tls: TlsContextSource): TlsAcceptResult {
  const certificate = socket.getPeerX509Certificate();
  if (certificate === undefined) return { ok: true, socket, principal: ANONYMOUS };
  if (!socket.authorized) {
    return {
      ok: false,
      reason: `client certificate not trusted: ${String(socket.authorizationError)}`,
    };
  }
  const subject = rfc2253Subject(certificate);
  const name = mapPrincipalName(tls.ssl.principalMappingRules, subject);
  if (name === null)
    return { ok: false, reason: `no ssl.principal.mapping.rules entry maps ${subject}` };
  return { ok: true, socket, principal: userPrincipal(name) };
}

/**
 * Accepts the TLS connections of one listener. A Node TLS server that never listens does the
 * handshakes (`emit('connection')` hands it each socket), so client certificates are verified
 * as Node verifies them; before each handshake its context is replaced if the listener's
 * files changed.
 */
export class TlsAcceptor {
  private readonly server: Server;
  private applied: TlsMaterial | null = null;
  private readonly waiting = new Map<string, (result: TlsAcceptResult) => void>();

  constructor(
    private readonly tls: TlsContextSource,
    handshakeTimeoutMs: number = TLS_HANDSHAKE_TIMEOUT_MS,
  ) {
    const clientAuth = tls.ssl.clientAuth;
    this.server = createTlsServer({
      requestCert: clientAuth !== 'none',
      rejectUnauthorized: clientAuth === 'required',
      handshakeTimeout: handshakeTimeoutMs,
    });
    this.server.on('secureConnection', (socket: TLSSocket) => {
      const result = principalOf(socket, this.tls);
      if (!result.ok) socket.destroy();
      this.settle(socket, result);
    });
    this.server.on('tlsClientError', (err: Error, socket: TLSSocket) => {
      socket.destroy();
      this.settle(socket, { ok: false, reason: `TLS handshake failed: ${err.message}` });
    });
  }

  /** Runs the TLS handshake on an accepted TCP socket (best accepted paused). */
  async accept(raw: Socket): Promise<TlsAcceptResult> {
    const material = await this.tls.current();
    if (raw.destroyed) return { ok: false, reason: 'closed before the TLS handshake' };
    if (material !== this.applied) {
      this.server.setSecureContext(material.options);
      this.applied = material;
    }
    const key = keyOf(raw);
    const result = new Promise<TlsAcceptResult>((resolve) => this.waiting.set(key, resolve));
    const onClose = () =>
      this.settleKey(key, { ok: false, reason: 'closed during the TLS handshake' });
    raw.once('close', onClose);
    this.server.emit('connection', raw);
    const settled = await result;
    raw.off('close', onClose);
    return settled;
  }

  private settle(socket: TLSSocket, result: TlsAcceptResult): void {
    this.settleKey(keyOf(socket), result);
  }

  private settleKey(key: string, result: TlsAcceptResult): void {
    const resolve = this.waiting.get(key);
    if (resolve === undefined) return;
    this.waiting.delete(key);
    resolve(result);
  }
}

/** The TCP socket and its TLS wrapper share one handle: the peer address names both. */
function keyOf(socket: Socket): string {
  return `${socket.remoteAddress ?? '?'}|${socket.remotePort ?? '?'}`;
}
