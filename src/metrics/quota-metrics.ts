// kafka.server:type={Produce,Fetch,Request},user=..,client-id=..: client
// quota usage and throttling per user and client id, with the names Strimzi's
// JMX exporter gives Kafka's quota MBeans (byte-rate, request-time,
// throttle-time), and a count of throttled requests. Read at scrape time from
// the quota manager's sensors, which exist only while quotas of the type are
// configured (as in Kafka). The source is an interface, so metrics/ needs no
// import of security/.

import { Gauge, type Registry } from 'prom-client';

export type QuotaName = 'producer_byte_rate' | 'consumer_byte_rate' | 'request_percentage';

export interface QuotaUsageSample {
  readonly quota: QuotaName;
  readonly user: string;
  readonly clientId: string;
  readonly rate: number;
  readonly throttleTimeMs: number;
  readonly throttledTotal: number;
}

export interface QuotaMetricsSources {
  readonly quotaUsage: (nowMs: number) => readonly QuotaUsageSample[];
}

const TYPES: Readonly<Record<QuotaName, { type: string; rate: string; rateHelp: string }>> = {
  producer_byte_rate: { type: 'produce', rate: 'byte_rate', rateHelp: 'Produce bytes per second' },
  consumer_byte_rate: { type: 'fetch', rate: 'byte_rate', rateHelp: 'Fetched bytes per second' },
  request_percentage: {
    type: 'request',
    rate: 'request_time',
    rateHelp: 'Request handling time, in percent of one thread',
  },
};

export function registerQuotaMetrics(registry: Registry, s: QuotaMetricsSources): void {
  for (const [quota, t] of Object.entries(TYPES) as Array<[QuotaName, (typeof TYPES)[QuotaName]]>) {
    const mine = () => s.quotaUsage(Date.now()).filter((u) => u.quota === quota);
    const gauge = (name: string, help: string, value: (u: QuotaUsageSample) => number) =>
      new Gauge({
        name: `kafka_server_${t.type}_${name}`,
        help,
        labelNames: ['user', 'client_id'],
        registers: [registry],
        collect() {
          this.reset();
          for (const u of mine()) this.set({ user: u.user, client_id: u.clientId }, value(u));
        },
      });
    gauge(t.rate, `${t.rateHelp} over the quota window, per user and client id.`, (u) => u.rate);
    gauge(
      'throttle_time',
      'Mean throttle time (ms) of throttled requests in the quota window.',
      (u) => u.throttleTimeMs,
    );
    gauge(
      'throttled_requests',
      'Requests throttled since the client was first seen.',
      (u) => u.throttledTotal,
    );
  }
}
