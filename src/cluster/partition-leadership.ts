// The controller's leadership decisions, as pure functions of the metadata
// image and the set of live brokers: which partitions need a new leader or a
// smaller ISR because a broker's session ended, and which offline partitions
// can get a leader again because a replica came back. Nothing here writes;
// the controller turns the decisions into compare-and-set transactions.

import {
  type MetadataImage,
  nextPartitionRecord,
  type PartitionRecord,
  type PartitionState,
} from './metadata-image.ts';

export const NO_LEADER = -1;

export interface PartitionDecision {
  readonly topic: string;
  readonly partition: number;
  /** The state the decision was made from; the write compares against it. */
  readonly expectedModRevision: number;
  readonly record: PartitionRecord;
}

export interface LeadershipOptions {
  /** unclean.leader.election.enable: elect an out-of-sync replica rather than stay offline. */
  readonly uncleanLeaderElection: boolean;
}

/**
 * What a partition's state should become given the live brokers, or null if
 * it is fine as it is. Dead brokers leave the ISR, except the last member,
 * which stays so that it can lead again when it returns (no acknowledged
 * write is lost by electing a replica that may lack it).
 */
export function decidePartition(
  p: PartitionState,
  live: ReadonlySet<number>,
  opts: LeadershipOptions,
): PartitionRecord | null {
  const liveIsr = p.isr.filter((b) => live.has(b));
  const isr = liveIsr.length > 0 ? liveIsr : [...p.isr];
  let leader = p.leader;
  if (!(live.has(leader) && isr.includes(leader))) {
    leader = p.replicas.find((r) => live.has(r) && isr.includes(r)) ?? NO_LEADER;
  }
  let finalIsr = isr;
  if (leader === NO_LEADER && opts.uncleanLeaderElection) {
    const anyLive = p.replicas.find((r) => live.has(r));
    if (anyLive !== undefined) {
      leader = anyLive;
      finalIsr = [anyLive];
    }
  }
  const isrChanged = finalIsr.length !== p.isr.length || finalIsr.some((b, i) => p.isr[i] !== b);
  const leaderChanged = leader !== p.leader;
  if (!isrChanged && !leaderChanged) return null;
  return nextPartitionRecord(p, {
    leader,
    leaderEpoch: leaderChanged ? p.leaderEpoch + 1 : p.leaderEpoch,
    isr: finalIsr,
  });
}

/** Every partition whose state must change for the current live brokers. */
export function decideLeadership(
  image: MetadataImage,
  opts: LeadershipOptions,
): PartitionDecision[] {
  const live = new Set(image.brokers().map((b) => b.nodeId));
  // A replica in a failed log directory counts as down for its partition (KIP-858).
  const offline = new Map<string, number[]>();
  for (const b of image.brokers()) {
    for (const r of b.offlineReplicas ?? []) offline.set(r, [...(offline.get(r) ?? []), b.nodeId]);
  }
  const out: PartitionDecision[] = [];
  for (const t of image.topics()) {
    for (const p of t.partitions.values()) {
      const lost = offline.get(`${t.name}:${p.partition}`);
      const liveHere =
        lost === undefined ? live : new Set([...live].filter((b) => !lost.includes(b)));
      const record = decidePartition(p, liveHere, opts);
      if (record !== null) {
        out.push({
          topic: t.name,
          partition: p.partition,
          expectedModRevision: p.modRevision,
          record,
        });
      }
    }
  }
  return out;
}
