// Prometheus metrics of one broker, named as Kafka dashboards expect them
// (Strimzi's JMX-exporter names), computed at scrape time from the parts
// that own the numbers. Counters that the request path increments live here
// too, so the hot path touches one object.

import { Counter, Gauge, Registry } from 'prom-client';
import { isUnderReplicated, type MetadataImage } from '../cluster/metadata-image.ts';
import type { ReplicaManager } from '../replication/replica-manager.ts';

export interface BrokerMetricsSources {
  readonly nodeId: number;
  readonly image: MetadataImage;
  readonly replicas: ReplicaManager;
  readonly isActiveController: () => boolean;
  readonly apiName: (apiKey: number) => string;
}

export class BrokerMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'request'>;

  constructor(s: BrokerMetricsSources) {
    const registers = [this.registry];
    new Gauge({
      name: 'kafka_controller_kafkacontroller_activecontrollercount',
      help: '1 on the broker that is the active controller, else 0; the cluster sum must be 1.',
      registers,
      collect() {
        this.set(s.isActiveController() ? 1 : 0);
      },
    });
    new Gauge({
      name: 'kafka_server_replicamanager_partitioncount',
      help: 'Partitions this broker hosts.',
      registers,
      collect() {
        this.set(s.replicas.all().length);
      },
    });
    new Gauge({
      name: 'kafka_server_replicamanager_leadercount',
      help: 'Partitions this broker leads.',
      registers,
      collect() {
        this.set(
          s.replicas.all().filter((p) => s.image.partition(p.topic, p.index)?.leader === s.nodeId)
            .length,
        );
      },
    });
    new Gauge({
      name: 'kafka_server_replicamanager_underreplicatedpartitions',
      help: 'Partitions led here with fewer in-sync replicas than their replication factor (replicas being added do not count).',
      registers,
      collect() {
        let n = 0;
        for (const p of s.replicas.all()) {
          const st = s.image.partition(p.topic, p.index);
          if (st !== undefined && st.leader === s.nodeId && isUnderReplicated(st)) n++;
        }
        this.set(n);
      },
    });
    new Gauge({
      name: 'kafka_log_log_size',
      help: 'Bytes of each partition log on disk.',
      labelNames: ['topic', 'partition'],
      registers,
      collect() {
        this.reset();
        for (const p of s.replicas.all())
          this.set({ topic: p.topic, partition: String(p.index) }, p.log.sizeBytes);
      },
    });
    this.requests = new Counter({
      name: 'kafka_network_requestmetrics_requests_total',
      help: 'Requests decoded and handled, by API.',
      labelNames: ['request'],
      registers,
    });
    this.apiName = s.apiName;
  }

  private readonly apiName: (apiKey: number) => string;

  countRequest(apiKey: number): void {
    this.requests.inc({ request: this.apiName(apiKey) });
  }
}
