// A deliberately wrong leader election for the simulator's mutation test:
// when a partition's leader is gone it prefers a live replica that is NOT in
// the ISR (the bug behind Kafka 0.8's lost writes in Jepsen's 2013 audit), and
// puts it in the ISR with the surviving members. The simulator must catch it.

import type { MetadataImage } from '../../src/cluster/metadata-image.ts';
import { nextPartitionRecord } from '../../src/cluster/metadata-image.ts';
import type { PartitionDecision } from '../../src/cluster/partition-leadership.ts';

export function electOutsideIsr(image: MetadataImage): PartitionDecision[] {
  const live = new Set(image.brokers().map((b) => b.nodeId));
  const out: PartitionDecision[] = [];
  for (const t of image.topics()) {
    for (const p of t.partitions.values()) {
      if (live.has(p.leader)) continue;
      const outside = p.replicas.find((r) => live.has(r) && !p.isr.includes(r));
      const leader = outside ?? p.replicas.find((r) => live.has(r) && p.isr.includes(r)) ?? -1;
      if (leader === p.leader) continue;
      const isr =
        leader < 0 ? [...p.isr] : [leader, ...p.isr.filter((r) => live.has(r) && r !== leader)];
      out.push({
        topic: t.name,
        partition: p.partition,
        expectedModRevision: p.modRevision,
        record: nextPartitionRecord(p, { leader, leaderEpoch: p.leaderEpoch + 1, isr }),
      });
    }
  }
  return out;
}
