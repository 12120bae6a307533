// kafka.server:type=ReplicaManager: the partitions this broker hosts, leads,
// and leads with fewer in-sync replicas than their replication factor, read
// from the replica manager and the metadata image at scrape time.

import { Counter, Gauge, type Registry } from 'prom-client';
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

export interface MinIsrMetricsSources extends ReplicaManagerMetricsSources {
  readonly minInsyncReplicas: (topic: string) => number;
}

/**
 * Partitions led here at or under min.insync.replicas: the ReplicaManager counts
 * (UnderMinIsrPartitionCount, AtMinIsrPartitionCount) and kafka.cluster:type=Partition's
 * per-partition 0/1 gauges that Strimzi's dashboard sums.
 */
export function registerMinIsrMetrics(registry: Registry, s: MinIsrMetricsSources): void {
  const registers = [registry];
  const led = () =>
    s.replicas.all().flatMap((p) => {
      const st = s.image.partition(p.topic, p.index);
      if (st === undefined || st.leader !== s.nodeId) return [];
      return [
        {
          topic: p.topic,
          partition: String(p.index),
          isr: st.isr.length,
          min: s.minInsyncReplicas(p.topic),
        },
      ];
    });
  new Gauge({
    name: 'kafka_server_replicamanager_underminisrpartitioncount',
    help: 'Partitions led here with fewer in-sync replicas than min.insync.replicas: acks=all writes fail.',
    registers,
    collect() {
      this.set(led().filter((p) => p.isr < p.min).length);
    },
  });
  new Gauge({
    name: 'kafka_server_replicamanager_atminisrpartitioncount',
    help: 'Partitions led here with exactly min.insync.replicas in sync: one more loss stops acks=all writes.',
    registers,
    collect() {
      this.set(led().filter((p) => p.isr === p.min).length);
    },
  });
  for (const [name, test] of [
    ['kafka_cluster_partition_underminisr', (p: { isr: number; min: number }) => p.isr < p.min],
    ['kafka_cluster_partition_atminisr', (p: { isr: number; min: number }) => p.isr === p.min],
  ] as const) {
    new Gauge({
      name,
      help: `1 for a partition led here that is ${name.endsWith('underminisr') ? 'under' : 'at'} min.insync.replicas.`,
      labelNames: ['topic', 'partition'],
      registers,
      collect() {
        this.reset();
        for (const p of led())
          this.set({ topic: p.topic, partition: p.partition }, test(p) ? 1 : 0);
      },
    });
  }
}

/**
 * IsrShrinksPerSec and IsrExpandsPerSec of the partitions led here, as counters: each
 * metadata change that removes members from (or adds them to) the ISR of a partition this
 * broker leads counts once. A partition this broker starts leading is a new baseline.
 */
export class IsrChangeMetrics {
  private readonly shrinks: Counter;
  private readonly expands: Counter;
  private readonly last = new Map<string, readonly number[]>();

  constructor(
    registry: Registry,
    private readonly s: ReplicaManagerMetricsSources,
  ) {
    this.shrinks = new Counter({
      name: 'kafka_server_replicamanager_isrshrinks_total',
      help: 'ISR shrinks of partitions led here.',
      registers: [registry],
    });
    this.expands = new Counter({
      name: 'kafka_server_replicamanager_isrexpands_total',
      help: 'ISR expansions of partitions led here.',
      registers: [registry],
    });
  }

  /** Compares every led partition's ISR with the one seen before; call after metadata changes. */
  observe(): void {
    const seen = new Set<string>();
    for (const t of this.s.image.topics()) {
      for (const p of t.partitions.values()) {
        if (p.leader !== this.s.nodeId) continue;
        const key = `${t.name}\u0000${p.partition}`;
        seen.add(key);
        const before = this.last.get(key);
        this.last.set(key, p.isr);
        if (before === undefined) continue;
        if (before.some((r) => !p.isr.includes(r))) this.shrinks.inc();
        if (p.isr.some((r) => !before.includes(r))) this.expands.inc();
      }
    }
    for (const key of [...this.last.keys()]) if (!seen.has(key)) this.last.delete(key);
  }
}
