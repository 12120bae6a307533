// The TLS side of accepting a connection on an SSL or SASL_SSL listener: wraps the TCP socket
// with the listener's current TLS material (re-read if its files changed, so a renewed
// certificate serves this connection), waits for the handshake within a deadline, and works
// out the principal of a client certificate (ssl.principal.mapping.rules). A failed handshake,
// an untrusted certificate under ssl.client.auth=requested, or a subject no rule maps is
// refused; the caller closes the socket and counts it.

import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { ANONYMOUS, type KafkaPrincipal, userPrincipal } from '../security/principal.ts';
import { mapPrincipalName, rfc2253Subject } from '../security/tls/ssl-principal.ts';
import type { TlsContextSource } from '../security/tls/tls-context.ts';

export type TlsAcceptResult =
  | { readonly ok: true; readonly socket: TLSSocket; readonly principal: KafkaPrincipal }
  | { readonly ok: false; readonly reason: string };

/** A client that opens TCP and never finishes the handshake holds a slot no longer than this. */
export const TLS_HANDSHAKE_TIMEOUT_MS = 10_000;

function handshake(socket: TLSSocket, timeoutMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => done('TLS handshake timed out'), timeoutMs);
    function done(failure: string | null): void {
      clearTimeout(timer);
      socket.off('secure', onSecure);
      socket.off('error', onError);
      socket.off('close', onClose);
      resolve(failure);
    }
    const onSecure = () => done(null);
    const onError = (err: Error) => done(`TLS handshake failed: ${err.message}`);
    const onClose = () => done('closed during the TLS handshake');
    socket.once('secure', onSecure);
    socket.once('error', onError);
    socket.once('close', onClose);
  });
}

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

export async function acceptTls(
  raw: Socket,
  tls: TlsContextSource,
  timeoutMs: number = TLS_HANDSHAKE_TIMEOUT_MS,
): Promise<TlsAcceptResult> {
  raw.pause();
  const material = await tls.current();
  if (raw.destroyed) return { ok: false, reason: 'closed before the TLS handshake' };
  const clientAuth = tls.ssl.clientAuth;
  const socket = new TLSSocket(raw, {
    isServer: true,
    secureContext: material.context,
    requestCert: clientAuth !== 'none',
    rejectUnauthorized: clientAuth === 'required',
  });
  const failure = await handshake(socket, timeoutMs);
  if (failure !== null) {
    socket.destroy();
    return { ok: false, reason: failure };
  }
  const result = principalOf(socket, tls);
  if (!result.ok) socket.destroy();
  return result;
}
