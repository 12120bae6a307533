// kafka.server:type=socket-server-metrics: open client connections per listener, the
// series Strimzi's dashboard sums by listener (kafka_server_socket_server_metrics_connection_count).

import { Gauge, type Registry } from 'prom-client';

export interface SocketServerMetricsSources {
  /** Open connections of each listener, by listener name. */
  readonly connectionCounts: () => ReadonlyArray<{
    readonly listener: string;
    readonly count: number;
  }>;
}

export function registerSocketServerMetrics(
  registry: Registry,
  s: SocketServerMetricsSources,
): void {
  new Gauge({
    name: 'kafka_server_socket_server_metrics_connection_count',
    help: 'Open connections, by listener.',
    labelNames: ['listener'],
    registers: [registry],
    collect() {
      this.reset();
      for (const c of s.connectionCounts()) this.set({ listener: c.listener }, c.count);
    },
  });
}
