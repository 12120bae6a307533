// Prometheus metrics of one broker, named as Kafka dashboards expect them
// (Strimzi's JMX-exporter names). This module only composes the registry:
// each metric family lives in its own module beside it (one per Kafka MBean
// type), computed at scrape time from the parts that own the numbers. No part
// imports metrics/: broker.ts builds it and hands the request path a callback,
// so the hot path touches one counter and knows nothing of Prometheus.

import { Registry } from 'prom-client';
import type { MetadataImage } from '../cluster/metadata-image.ts';
import type { ReplicaManager } from '../replication/replica-manager.ts';
import { registerControllerMetrics } from './controller-metrics.ts';
import { registerLogMetrics } from './log-metrics.ts';
import { type QuotaUsageSample, registerQuotaMetrics } from './quota-metrics.ts';
import { registerReplicaManagerMetrics } from './replica-manager-metrics.ts';
import { RequestMetrics } from './request-metrics.ts';

export interface BrokerMetricsSources {
  readonly nodeId: number;
  readonly image: MetadataImage;
  readonly replicas: ReplicaManager;
  readonly isActiveController: () => boolean;
  readonly apiName: (apiKey: number) => string;
  /** Client quota usage per user and client id (none without client quotas). */
  readonly quotaUsage?: (nowMs: number) => readonly QuotaUsageSample[];
}

export class BrokerMetrics {
  readonly registry = new Registry();
  private readonly requests: RequestMetrics;

  constructor(s: BrokerMetricsSources) {
    registerControllerMetrics(this.registry, s);
    registerReplicaManagerMetrics(this.registry, s);
    registerLogMetrics(this.registry, s);
    this.requests = new RequestMetrics(this.registry, s);
    registerQuotaMetrics(this.registry, { quotaUsage: s.quotaUsage ?? (() => []) });
  }

  countRequest(apiKey: number): void {
    this.requests.count(apiKey);
  }
}
