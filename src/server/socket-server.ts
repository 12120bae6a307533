// Listens on one listener's address and owns the connections accepted there: counts them
// against `max.connections` (shared by all listeners), hands each socket to a Connection
// that knows the listener's name, and on stop answers what is in flight before closing.
// How a listener's security protocol is served is listener-security.ts's decision.

import type { Server, Socket } from 'node:net';
import type { HandlerRegistry } from '../api/handler.ts';
import type { Listener } from '../config/listeners.ts';
import type { Logger } from '../util/logger.ts';
import { Connection, type ConnectionLimits, type ResponseObserver } from './connection.ts';
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
  private boundPort = 0;

  private constructor(private readonly o: SocketServerOptions) {
    this.server = createListenerServer(o.listener, (s) => this.accept(s));
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
    return this.connections.size;
  }

  private accept(socket: Socket): void {
    const open = this.o.connectionsOpen?.() ?? this.connections.size;
    if (open >= this.o.connectionsMax) {
      this.o.logger.warn(
        { max: this.o.connectionsMax, listener: this.o.listener.name },
        'refusing connection: max.connections reached',
      );
      socket.destroy();
      return;
    }
    const id = nextConnectionId++;
    const conn = new Connection({
      id,
      socket,
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
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    await Promise.all([...this.connections.values()].map((c) => c.drain(DRAIN_GRACE_MS)));
    this.connections.clear();
    await closed;
  }
}
