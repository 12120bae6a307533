// Prometheus metrics of one broker, named as Kafka dashboards expect them
// (Strimzi's JMX-exporter names). This module only composes the registry:
// each metric family lives in its own module beside it (one per Kafka MBean
// type), computed at scrape time from the parts that own the numbers. No part
// imports metrics/: broker.ts builds it and hands the request path a callback,
// so the hot path touches one counter and knows nothing of Prometheus.

import { Registry } from 'prom-client';
import type { MetadataImage } from '../cluster/metadata-image.ts';
import type { LogDirHealth } from '../log/log-dir-health.ts';
import type { ReplicaManager } from '../replication/replica-manager.ts';
import { type AuthenticationEvent, AuthenticationMetrics } from './authentication-metrics.ts';
import { registerControllerMetrics } from './controller-metrics.ts';
import { registerLogDirMetrics } from './log-dir-metrics.ts';
import { registerLogMetrics } from './log-metrics.ts';
import { registerReplicaManagerMetrics } from './replica-manager-metrics.ts';
import { RequestMetrics } from './request-metrics.ts';

export interface BrokerMetricsSources {
  readonly nodeId: number;
  readonly image: MetadataImage;
  readonly replicas: ReplicaManager;
  readonly logDirHealth: LogDirHealth;
  readonly isActiveController: () => boolean;
  readonly apiName: (apiKey: number) => string;
}

export class BrokerMetrics {
  readonly registry = new Registry();
  private readonly requests: RequestMetrics;
  private readonly authentication: AuthenticationMetrics;

  constructor(s: BrokerMetricsSources) {
    registerControllerMetrics(this.registry, s);
    registerReplicaManagerMetrics(this.registry, s);
    registerLogMetrics(this.registry, s);
    registerLogDirMetrics(this.registry, s.logDirHealth);
    this.requests = new RequestMetrics(this.registry, s);
    this.authentication = new AuthenticationMetrics(this.registry);
  }

  countAuthentication(event: AuthenticationEvent, listener: string): void {
    this.authentication.count(event, listener);
  }

  countRequest(apiKey: number): void {
    this.requests.count(apiKey);
  }
}
