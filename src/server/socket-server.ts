// Listens on one listener's address and owns the connections accepted there: counts them
// against `max.connections` (shared by all listeners), hands each socket to a Connection
// that knows the listener's name, and on stop answers what is in flight before closing.
// How a listener's security protocol is served is listener-security.ts's decision.

import type { Server, Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { HandlerRegistry } from '../api/handler.ts';
import type { Listener } from '../config/listeners.ts';
import { ANONYMOUS } from '../security/principal.ts';
import type { Logger } from '../util/logger.ts';
import { Connection, type ConnectionLimits, type ResponseObserver } from './connection.ts';
import type { ListenerProtection, ProtectedSocket } from './listener-protection.ts';
import { createListenerServer } from './listener-security.ts';
import type { RequestMemory } from './request-memory.ts';

export interface SocketServerOptions {
  /** The listener to bind; its port may be 0 (a free port). */
  readonly listener: Listener;
  readonly registry: HandlerRegistry;
  readonly logger: Logger;
  readonly limits: ConnectionLimits;
  readonly connectionsMax: number;
  /** Connections open on every listener of this broker, for max.connections. */
  readonly connectionsOpen?: () => number;
  readonly onRequest?: (apiKey: number) => void;
  /** The broker-wide request memory bound, shared by every listener. */
  readonly requestMemory?: RequestMemory;
  readonly onResponse?: ResponseObserver;
  /** TLS and SASL of a secured listener; absent for PLAINTEXT. */
  readonly protection?: ListenerProtection;
}

let nextConnectionId = 1;

/**
 * How long a stopping broker waits for requests in flight. They are quick by then (the
 * replica manager has stopped serving partitions, which answers long polls at once).
 */
const DRAIN_GRACE_MS = 1000;

export class SocketServer {
  private readonly server: Server;
  private readonly connections = new Map<number, Connection>();
  /** Sockets in their TLS handshake: they count against max.connections too. */
  private readonly securing = new Set<Socket>();
  private closing = false;
  private boundPort = 0;

  private constructor(private readonly o: SocketServerOptions) {
    this.server = createListenerServer(o.listener, o.protection ?? null, (s) => this.accept(s));
  }

  static async listen(o: SocketServerOptions): Promise<SocketServer> {
    const s = new SocketServer(o);
    const host = o.listener.host;
    await new Promise<void>((resolve, reject) => {
      s.server.once('error', reject);
      s.server.listen(
        { host: host === '' ? undefined : host, port: o.listener.port, backlog: 1024 },
        () => {
          s.server.off('error', reject);
          resolve();
        },
      );
    });
    const addr = s.server.address();
    s.boundPort = typeof addr === 'object' && addr !== null ? addr.port : o.listener.port;
    return s;
  }

  get listenerName(): string {
    return this.o.listener.name;
  }

  get port(): number {
    return this.boundPort;
  }

  get connectionCount(): number {
    return this.connections.size + this.securing.size;
  }

  private accept(socket: Socket): void {
    const open = this.o.connectionsOpen?.() ?? this.connectionCount;
    if (open >= this.o.connectionsMax) {
      this.o.logger.warn(
        { max: this.o.connectionsMax, listener: this.o.listener.name },
        'refusing connection: max.connections reached',
      );
      socket.destroy();
      return;
    }
    const protection = this.o.protection;
    if (protection === undefined) {
      this.open({ socket, principal: ANONYMOUS });
      return;
    }
    this.securing.add(socket);
    protection.protect(socket).then(
      (secured) => {
        this.securing.delete(socket);
        if (secured === null) return;
        if (this.closing) secured.socket.destroy();
        else this.open(secured);
      },
      (err: unknown) => {
        this.securing.delete(socket);
        socket.destroy();
        this.o.logger.error(
          { err, listener: this.o.listener.name },
          'could not secure a connection',
        );
      },
    );
  }

  private open(secured: ProtectedSocket): void {
    const id = nextConnectionId++;
    const conn = new Connection({
      id,
      socket: secured.socket,
      principal: secured.principal,
      coalesceWrites: secured.socket instanceof TLSSocket,
      ...(secured.sasl === undefined ? {} : { sasl: secured.sasl }),
      registry: this.o.registry,
      logger: this.o.logger,
      limits: this.o.limits,
      listenerName: this.o.listener.name,
      onClose: (closedId) => this.connections.delete(closedId),
      ...(this.o.onRequest ? { onRequest: this.o.onRequest } : {}),
      ...(this.o.requestMemory ? { requestMemory: this.o.requestMemory } : {}),
      ...(this.o.onResponse ? { onResponse: this.o.onResponse } : {}),
    });
    this.connections.set(id, conn);
  }

  /**
   * Stops accepting, lets every connection answer what it has taken in (for at most
   * DRAIN_GRACE_MS; nothing more is read), then closes them.
   */
  async close(): Promise<void> {
    this.closing = true;
    for (const socket of this.securing) socket.destroy();
    this.securing.clear();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    await Promise.all([...this.connections.values()].map((c) => c.drain(DRAIN_GRACE_MS)));
    this.connections.clear();
    await closed;
  }
}
