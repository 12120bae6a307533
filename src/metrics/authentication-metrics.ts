// kafka.server:type=socket-server-metrics, the authentication counters Kafka dashboards read
// (Strimzi's names): successful and failed authentications and re-authentications per
// listener, and sessions killed for expiring without re-authentication. broker.ts counts
// the outcomes its SASL and TLS listeners report; nothing here sees a user or a secret.

import { Counter, type Registry } from 'prom-client';

export type AuthenticationEvent =
  | 'successful-authentication'
  | 'failed-authentication'
  | 'successful-reauthentication'
  | 'failed-reauthentication'
  | 'expired-connections-killed';

const NAMES: Readonly<Record<AuthenticationEvent, [string, string]>> = {
  'successful-authentication': [
    'kafka_server_socket_server_metrics_successful_authentication_total',
    'Connections that authenticated (SASL, or TLS with a client certificate).',
  ],
  'failed-authentication': [
    'kafka_server_socket_server_metrics_failed_authentication_total',
    'Connections that failed to authenticate (wrong credentials, bad handshakes, requests before authentication).',
  ],
  'successful-reauthentication': [
    'kafka_server_socket_server_metrics_successful_reauthentication_total',
    'SASL re-authentications that succeeded (KIP-368).',
  ],
  'failed-reauthentication': [
    'kafka_server_socket_server_metrics_failed_reauthentication_total',
    'SASL re-authentications that failed.',
  ],
  'expired-connections-killed': [
    'kafka_server_socket_server_metrics_expired_connections_killed_count',
    'Connections closed because their SASL session expired without re-authentication.',
  ],
};

export class AuthenticationMetrics {
  private readonly counters: Map<AuthenticationEvent, Counter<'listener'>>;

  constructor(registry: Registry) {
    this.counters = new Map(
      (Object.keys(NAMES) as AuthenticationEvent[]).map((event) => {
        const [name, help] = NAMES[event];
        return [
          event,
          new Counter({ name, help, labelNames: ['listener'], registers: [registry] }),
        ];
      }),
    );
  }

  count(event: AuthenticationEvent, listener: string): void {
    this.counters.get(event)?.inc({ listener });
  }
}
