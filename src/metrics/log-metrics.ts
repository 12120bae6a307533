// kafka.log:type=Log: per partition log, its size on disk.

import { Gauge, type Registry } from 'prom-client';
import type { ReplicaManager } from '../replication/replica-manager.ts';

export interface LogMetricsSources {
  readonly replicas: ReplicaManager;
}

export function registerLogMetrics(registry: Registry, s: LogMetricsSources): void {
  new Gauge({
    name: 'kafka_log_log_size',
    help: 'Bytes of each partition log on disk.',
    labelNames: ['topic', 'partition'],
    registers: [registry],
    collect() {
      this.reset();
      for (const p of s.replicas.all())
        this.set({ topic: p.topic, partition: String(p.index) }, p.log.sizeBytes);
    },
  });
}
