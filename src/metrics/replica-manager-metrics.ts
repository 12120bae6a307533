// kafka.server:type=ReplicaManager: the partitions this broker hosts, leads,
// and leads with fewer in-sync replicas than their replication factor, read
// from the replica manager and the metadata image at scrape time.

import { Gauge, type Registry } from 'prom-client';
import { isUnderReplicated, type MetadataImage } from '../cluster/metadata-image.ts';
import type { ReplicaManager } from '../replication/replica-manager.ts';

export interface ReplicaManagerMetricsSources {
  readonly nodeId: number;
  readonly image: MetadataImage;
  readonly replicas: ReplicaManager;
}

export function registerReplicaManagerMetrics(
  registry: Registry,
  s: ReplicaManagerMetricsSources,
): void {
  const registers = [registry];
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
}
