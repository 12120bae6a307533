// Every listener of one broker, bound together: a SocketServer per listener in `listeners`
// (each given its listener, so its security protocol decides how it is served), one
// max.connections count across them, and the bound ports by listener name. Binding is all
// or nothing: if one listener cannot be bound, those already bound are closed again.
// They share one bound on request memory (queued.max.request.bytes).

import type { HandlerRegistry } from '../api/handler.ts';
import type { Listener } from '../config/listeners.ts';
import type { Logger } from '../util/logger.ts';
import type { ConnectionLimits, ResponseObserver } from './connection.ts';
import type { ListenerProtection } from './listener-protection.ts';
import { refuseUnservedListeners } from './listener-security.ts';
import { RequestMemory } from './request-memory.ts';
import { SocketServer } from './socket-server.ts';

export interface ListenerServersOptions {
  readonly listeners: readonly Listener[];
  readonly registry: HandlerRegistry;
  readonly logger: Logger;
  readonly limits: ConnectionLimits;
  readonly connectionsMax: number;
  readonly onRequest?: (apiKey: number) => void;
  readonly onResponse?: ResponseObserver;
  /** TLS and SASL of each secured listener, by listener name. */
  readonly protections?: ReadonlyMap<string, ListenerProtection>;
  /** queued.max.request.bytes across all listeners; null for no bound. */
  readonly requestBytesMax: number | null;
}

export class ListenerServers {
  private constructor(private readonly servers: readonly SocketServer[]) {}

  static async listen(o: ListenerServersOptions): Promise<ListenerServers> {
    const protections = o.protections ?? new Map<string, ListenerProtection>();
    refuseUnservedListeners(o.listeners, protections);
    const servers: SocketServer[] = [];
    const connectionsOpen = () => servers.reduce((n, s) => n + s.connectionCount, 0);
    const requestMemory = new RequestMemory(o.requestBytesMax);
    try {
      for (const listener of o.listeners) {
        servers.push(
          await SocketServer.listen({
            listener,
            registry: o.registry,
            logger: o.logger,
            limits: o.limits,
            connectionsMax: o.connectionsMax,
            connectionsOpen,
            requestMemory,
            ...(protections.has(listener.name)
              ? { protection: protections.get(listener.name)! }
              : {}),
            ...(o.onRequest ? { onRequest: o.onRequest } : {}),
            ...(o.onResponse ? { onResponse: o.onResponse } : {}),
          }),
        );
      }
    } catch (err) {
      await Promise.all(servers.map((s) => s.close()));
      throw err;
    }
    return new ListenerServers(servers);
  }

  /** Bound port by listener name, in the order of `listeners`. */
  get ports(): ReadonlyMap<string, number> {
    return new Map(this.servers.map((s) => [s.listenerName, s.port]));
  }

  /** Open connections by listener name, for metrics. */
  get connectionCounts(): Array<{ listener: string; count: number }> {
    return this.servers.map((s) => ({ listener: s.listenerName, count: s.connectionCount }));
  }

  /** The first listener's bound port (the library's `broker.port`). */
  get firstPort(): number {
    return this.servers[0]?.port ?? 0;
  }

  async close(): Promise<void> {
    await Promise.all(this.servers.map((s) => s.close()));
  }
}
