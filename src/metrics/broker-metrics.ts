// Prometheus metrics of one broker, named as Kafka dashboards expect them
// (Strimzi's JMX-exporter names, and kafka_exporter's for offsets and consumer
// lag). This module only composes the registry: each metric family lives in its
// own module beside it (one per Kafka MBean type), computed at scrape time from
// the parts that own the numbers. No part imports metrics/: broker.ts builds it
// and hands the request path callbacks, so the hot path touches a few counters
// and knows nothing of Prometheus.

import { Registry } from 'prom-client';
import type { MetadataImage } from '../cluster/metadata-image.ts';
import type { LogDirHealth } from '../log/log-dir-health.ts';
import type { ReplicaManager } from '../replication/replica-manager.ts';
import { type AuthenticationEvent, AuthenticationMetrics } from './authentication-metrics.ts';
import { BrokerTopicMetrics } from './broker-topic-metrics.ts';
import {
  registerControllerMetrics,
  registerControllerPartitionMetrics,
} from './controller-metrics.ts';
import { type ExporterMetricsSources, registerExporterMetrics } from './exporter-metrics.ts';
import { registerLogDirMetrics } from './log-dir-metrics.ts';
import { registerLogMetrics } from './log-metrics.ts';
import {
  IsrChangeMetrics,
  registerMinIsrMetrics,
  registerReplicaManagerMetrics,
} from './replica-manager-metrics.ts';
import { RequestMetrics } from './request-metrics.ts';
import {
  registerSocketServerMetrics,
  type SocketServerMetricsSources,
} from './socket-server-metrics.ts';

export interface BrokerMetricsSources {
  readonly nodeId: number;
  readonly image: MetadataImage;
  readonly replicas: ReplicaManager;
  readonly logDirHealth: LogDirHealth;
  readonly isActiveController: () => boolean;
  readonly apiName: (apiKey: number) => string;
  readonly minInsyncReplicas: (topic: string) => number;
  readonly connectionCounts: SocketServerMetricsSources['connectionCounts'];
  readonly committedOffsets: ExporterMetricsSources['committedOffsets'];
}

export class BrokerMetrics {
  readonly registry = new Registry();
  private readonly requests: RequestMetrics;
  private readonly topics: BrokerTopicMetrics;
  private readonly isrChanges: IsrChangeMetrics;
  private readonly authentication: AuthenticationMetrics;

  constructor(s: BrokerMetricsSources) {
    registerControllerMetrics(this.registry, s);
    registerControllerPartitionMetrics(this.registry, s);
    registerReplicaManagerMetrics(this.registry, s);
    registerMinIsrMetrics(this.registry, s);
    registerLogMetrics(this.registry, s);
    registerLogDirMetrics(this.registry, s.logDirHealth);
    registerSocketServerMetrics(this.registry, s);
    registerExporterMetrics(this.registry, s);
    this.requests = new RequestMetrics(this.registry, s);
    this.topics = new BrokerTopicMetrics(this.registry, s);
    this.isrChanges = new IsrChangeMetrics(this.registry, s);
    this.isrChanges.observe();
    this.authentication = new AuthenticationMetrics(this.registry);
  }

  countAuthentication(event: AuthenticationEvent, listener: string): void {
    this.authentication.count(event, listener);
  }

  countRequest(apiKey: number): void {
    this.requests.count(apiKey);
  }

  /** An answered request: its time by API, and Produce and Fetch traffic by topic. */
  answered(apiKey: number, request: unknown, response: unknown, elapsedMs: number): void {
    this.requests.answered(apiKey, elapsedMs);
    this.topics.observe(apiKey, request, response);
  }

  /** After metadata changes: counts ISR shrinks and expansions of partitions led here. */
  metadataChanged(): void {
    this.isrChanges.observe();
  }
}
