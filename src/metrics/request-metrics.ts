// kafka.network:type=RequestMetrics: requests decoded and handled, and the time from decoding
// a request to having its answer, by API, as the JMX exporter names them
// (kafka_network_requestmetrics_requests_total{request="Produce"}, and the TotalTimeMs family
// as a Prometheus histogram). The request path increments these through callbacks broker.ts
// hands the server, so server/ does not import metrics/.

import { Counter, Histogram, type Registry } from 'prom-client';

export interface RequestMetricsSources {
  readonly apiName: (apiKey: number) => string;
}

/** Upper bounds in ms: from a Metadata answered at once to a long-polling Fetch. */
const TOTAL_TIME_BUCKETS_MS = [
  1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000,
];

export class RequestMetrics {
  private readonly requests: Counter<'request'>;
  private readonly totalTime: Histogram<'request'>;

  constructor(
    registry: Registry,
    private readonly s: RequestMetricsSources,
  ) {
    this.requests = new Counter({
      name: 'kafka_network_requestmetrics_requests_total',
      help: 'Requests decoded and handled, by API.',
      labelNames: ['request'],
      registers: [registry],
    });
    this.totalTime = new Histogram({
      name: 'kafka_network_requestmetrics_totaltimems',
      help: 'Milliseconds from a decoded request to its answer (long polls included), by API.',
      labelNames: ['request'],
      buckets: TOTAL_TIME_BUCKETS_MS,
      registers: [registry],
    });
  }

  count(apiKey: number): void {
    this.requests.inc({ request: this.s.apiName(apiKey) });
  }

  answered(apiKey: number, elapsedMs: number): void {
    this.totalTime.observe({ request: this.s.apiName(apiKey) }, elapsedMs);
  }
}
