// kafka.network:type=RequestMetrics: requests decoded and handled, by API.
// The one family the request path increments; broker.ts hands the server a
// callback to `count`, so server/ does not import metrics/.

import { Counter, type Registry } from 'prom-client';

export interface RequestMetricsSources {
  readonly apiName: (apiKey: number) => string;
}

export class RequestMetrics {
  private readonly requests: Counter<'request'>;

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
  }

  count(apiKey: number): void {
    this.requests.inc({ request: this.s.apiName(apiKey) });
  }
}
