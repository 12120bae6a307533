// The series kafka_exporter publishes (and Strimzi's Kafka Exporter dashboard and alert rules
// query), served by the brokers themselves so no exporter needs deploying: per partition from
// its leader (current and oldest offset, replicas, in-sync replicas, under-replication, whether
// the preferred replica leads), per topic from the active controller, and per consumer group
// and partition from the group's coordinator (committed offset and lag). Each series comes
// from exactly one broker, so sums over the cluster count everything once.

import { Gauge, type Registry } from 'prom-client';
import { isUnderReplicated, type MetadataImage } from '../cluster/metadata-image.ts';
import type { ReplicaManager } from '../replication/replica-manager.ts';

export interface ExporterMetricsSources {
  readonly nodeId: number;
  readonly image: MetadataImage;
  readonly replicas: ReplicaManager;
  readonly isActiveController: () => boolean;
  /** Offsets committed by the groups this broker coordinates. */
  readonly committedOffsets: () => ReadonlyArray<{
    readonly group: string;
    readonly topic: string;
    readonly partition: number;
    readonly offset: number;
  }>;
}

type PartitionLabels = 'topic' | 'partition';

export function registerExporterMetrics(registry: Registry, s: ExporterMetricsSources): void {
  const registers = [registry];
  const led = () =>
    s.replicas.all().flatMap((p) => {
      const st = s.image.partition(p.topic, p.index);
      return st !== undefined && st.leader === s.nodeId ? [{ p, st }] : [];
    });
  const perPartition = (
    name: string,
    help: string,
    value: (x: ReturnType<typeof led>[number]) => number,
  ) =>
    new Gauge<PartitionLabels>({
      name,
      help,
      labelNames: ['topic', 'partition'],
      registers,
      collect() {
        this.reset();
        for (const x of led())
          this.set({ topic: x.p.topic, partition: String(x.p.index) }, value(x));
      },
    });
  perPartition(
    'kafka_topic_partition_current_offset',
    'High watermark of a partition led here (the next offset a consumer can read up to).',
    (x) => x.p.log.highWatermark,
  );
  perPartition(
    'kafka_topic_partition_oldest_offset',
    'Log start offset of a partition led here.',
    (x) => x.p.log.logStartOffset,
  );
  perPartition(
    'kafka_topic_partition_replicas',
    'Replicas of a partition led here.',
    (x) => x.st.replicas.length - x.st.addingReplicas.length,
  );
  perPartition(
    'kafka_topic_partition_in_sync_replica',
    'In-sync replicas of a partition led here.',
    (x) => x.st.isr.length,
  );
  perPartition('kafka_topic_partition_leader', 'Leader of a partition led here.', () => s.nodeId);
  perPartition(
    'kafka_topic_partition_under_replicated_partition',
    '1 when a partition led here has fewer in-sync replicas than replicas.',
    (x) => (isUnderReplicated(x.st) ? 1 : 0),
  );
  perPartition(
    'kafka_topic_partition_leader_is_preferred',
    '1 when a partition led here is led by its preferred (first) replica.',
    (x) => (x.st.replicas[0] === s.nodeId ? 1 : 0),
  );
  new Gauge<'topic'>({
    name: 'kafka_topic_partitions',
    help: 'Partitions of each topic (from the active controller only).',
    labelNames: ['topic'],
    registers,
    collect() {
      this.reset();
      if (!s.isActiveController()) return;
      for (const t of s.image.topics()) this.set({ topic: t.name }, t.partitions.size);
    },
  });
  registerGroupMetrics(registry, s);
}

function registerGroupMetrics(registry: Registry, s: ExporterMetricsSources): void {
  const labelNames = ['consumergroup', 'topic', 'partition'] as const;
  /** The partition's high watermark where a replica of it is on this broker, else null. */
  const highWatermark = (topic: string, partition: number) =>
    s.replicas.partition(topic, partition)?.log.highWatermark ?? null;
  new Gauge({
    name: 'kafka_consumergroup_current_offset',
    help: 'Offset a consumer group committed, from its coordinator.',
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const c of s.committedOffsets())
        this.set(
          { consumergroup: c.group, topic: c.topic, partition: String(c.partition) },
          c.offset,
        );
    },
  });
  new Gauge({
    name: 'kafka_consumergroup_lag',
    help:
      'High watermark minus the committed offset, from the group coordinator where it holds a ' +
      'replica of the partition (a follower high watermark may trail the leader by one fetch).',
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const c of s.committedOffsets()) {
        const hw = highWatermark(c.topic, c.partition);
        if (hw === null) continue;
        const labels = { consumergroup: c.group, topic: c.topic, partition: String(c.partition) };
        this.set(labels, Math.max(0, hw - c.offset));
      }
    },
  });
}
