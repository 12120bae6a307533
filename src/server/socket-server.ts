// Listens on one address and owns the connections accepted there: counts
// them against `max.connections`, hands each socket to a Connection, and
// closes them all on stop.

import { createServer, type Server, type Socket } from 'node:net';
import type { HandlerRegistry } from '../api/handler.ts';
import type { Logger } from '../util/logger.ts';
import { Connection, type ConnectionLimits } from './connection.ts';

export interface SocketServerOptions {
  readonly host: string;
  readonly port: number;
  readonly listenerName: string;
  readonly registry: HandlerRegistry;
  readonly logger: Logger;
  readonly limits: ConnectionLimits;
  readonly connectionsMax: number;
  readonly onRequest?: (apiKey: number) => void;
}

let nextConnectionId = 1;

export class SocketServer {
  private readonly server: Server;
  private readonly connections = new Map<number, Connection>();
  private boundPort = 0;

  private constructor(private readonly o: SocketServerOptions) {
    this.server = createServer({ noDelay: true, pauseOnConnect: false }, (s) => this.accept(s));
  }

  static async listen(o: SocketServerOptions): Promise<SocketServer> {
    const s = new SocketServer(o);
    await new Promise<void>((resolve, reject) => {
      s.server.once('error', reject);
      s.server.listen(
        { host: o.host === '' ? undefined : o.host, port: o.port, backlog: 1024 },
        () => {
          s.server.off('error', reject);
          resolve();
        },
      );
    });
    const addr = s.server.address();
    s.boundPort = typeof addr === 'object' && addr !== null ? addr.port : o.port;
    return s;
  }

  get port(): number {
    return this.boundPort;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  private accept(socket: Socket): void {
    if (this.connections.size >= this.o.connectionsMax) {
      this.o.logger.warn(
        { max: this.o.connectionsMax },
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
      listenerName: this.o.listenerName,
      onClose: (closedId) => this.connections.delete(closedId),
      ...(this.o.onRequest ? { onRequest: this.o.onRequest } : {}),
    });
    this.connections.set(id, conn);
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const c of this.connections.values()) c.close();
    this.connections.clear();
    await closed;
  }
}
