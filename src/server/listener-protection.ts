// What a listener does to each accepted socket before its Connection sees a request: the TLS
// handshake (SSL, SASL_SSL) and a fresh SASL authenticator (SASL_PLAINTEXT, SASL_SSL), built
// from the listener's ListenerAuth. It also owns the log lines and metric events of
// authentication: failures are logged with the client address and reason (rate-limited, never
// a secret), every outcome is counted through `onEvent`.

import type { Socket } from 'node:net';
import type { ListenerAuth } from '../security/listener-auth.ts';
import { ANONYMOUS, formatPrincipal, type KafkaPrincipal } from '../security/principal.ts';
import { SaslAuthenticator, type SaslOutcome } from '../security/sasl/sasl-authenticator.ts';
import { LogRateLimiter } from '../util/log-rate-limiter.ts';
import type { Logger } from '../util/logger.ts';
import { SaslGate } from './sasl-gate.ts';
import { TlsAcceptor } from './tls-accept.ts';

export type AuthenticationEvent =
  | 'successful-authentication'
  | 'failed-authentication'
  | 'successful-reauthentication'
  | 'failed-reauthentication'
  | 'expired-connections-killed';

export interface ProtectedSocket {
  readonly socket: Socket;
  readonly principal: KafkaPrincipal;
  readonly sasl?: SaslGate;
}

export interface ListenerProtectionOptions {
  readonly auth: ListenerAuth;
  readonly logger: Logger;
  readonly onEvent: (event: AuthenticationEvent, listener: string) => void;
  /** Whether ApiVersions can answer a version (SaslGate keeps retries of others open). */
  readonly apiVersionsSupported: (version: number) => boolean;
}

/** Failed-authentication lines, shared by all listeners: a flood must not flood the log. */
const failureLogLimiter = new LogRateLimiter(20, 10_000);

export class ListenerProtection {
  private readonly tls: TlsAcceptor | null;

  constructor(private readonly o: ListenerProtectionOptions) {
    this.tls = o.auth.tls === null ? null : new TlsAcceptor(o.auth.tls);
  }

  /** True when sockets must be accepted paused (TLS reads the first bytes itself). */
  get pauseOnConnect(): boolean {
    return this.tls !== null;
  }

  /** Secures one accepted socket; null when it was refused (and is already closed). */
  async protect(raw: Socket): Promise<ProtectedSocket | null> {
    const remote = `${raw.remoteAddress ?? '?'}:${raw.remotePort ?? '?'}`;
    const listener = this.o.auth.listenerName;
    let socket: Socket = raw;
    let principal = ANONYMOUS;
    if (this.tls !== null) {
      const result = await this.tls.accept(raw);
      if (!result.ok) {
        this.logFailure(remote, 'SSL', result.reason);
        this.o.onEvent('failed-authentication', listener);
        return null;
      }
      socket = result.socket;
      principal = result.principal;
      if (this.o.auth.sasl === null && principal !== ANONYMOUS) {
        this.o.onEvent('successful-authentication', listener);
      }
    }
    const sasl = this.o.auth.sasl;
    if (sasl === null) return { socket, principal };
    const gate = new SaslGate({
      authenticator: new SaslAuthenticator({
        mechanisms: sasl.mechanisms,
        reauthMsByMechanism: sasl.reauthMsByMechanism,
      }),
      receiveSizeBytesMax: sasl.receiveSizeBytesMax,
      apiVersionsSupported: this.o.apiVersionsSupported,
      onOutcome: (outcome) => this.onOutcome(outcome, remote),
    });
    return { socket, principal, sasl: gate };
  }

  private onOutcome(outcome: SaslOutcome, remote: string): void {
    const listener = this.o.auth.listenerName;
    switch (outcome.kind) {
      case 'authenticated':
        this.o.onEvent(
          outcome.reauthentication ? 'successful-reauthentication' : 'successful-authentication',
          listener,
        );
        this.o.logger.debug(
          {
            remote,
            listener,
            mechanism: outcome.mechanism,
            principal: formatPrincipal(outcome.principal),
          },
          outcome.reauthentication ? 'client re-authenticated' : 'client authenticated',
        );
        return;
      case 'failed':
        this.o.onEvent(
          outcome.reauthentication ? 'failed-reauthentication' : 'failed-authentication',
          listener,
        );
        this.logFailure(remote, outcome.mechanism ?? 'SASL', outcome.reason);
        return;
      case 'expired':
        this.o.onEvent('expired-connections-killed', listener);
        this.o.logger.info(
          { remote, listener, principal: formatPrincipal(outcome.principal) },
          'closing a connection whose SASL session expired without re-authentication',
        );
        return;
    }
  }

  private logFailure(remote: string, mechanism: string, reason: string): void {
    const log = this.o.logger;
    if (
      !failureLogLimiter.allow((count) =>
        log.warn({ count }, 'suppressed failed-authentication lines'),
      )
    ) {
      return;
    }
    log.info(
      { remote, listener: this.o.auth.listenerName, mechanism },
      `Failed authentication with ${remote} (${reason})`,
    );
  }
}
