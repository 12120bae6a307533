// Leader elections asked for by an operator (ElectLeaders) or by the
// controller's periodic balance check, as pure functions of the metadata
// image and the live brokers: preferred election moves leadership back to a
// partition's first replica, unclean election gives a leaderless partition
// any live replica. Nothing here writes; callers turn each decision into a
// compare-and-set on the partition key.

import { ErrorCode } from '../protocol/error-codes.ts';
import {
  isReassigning,
  type MetadataImage,
  nextPartitionRecord,
  type PartitionRecord,
  type PartitionState,
} from './metadata-image.ts';
import { NO_LEADER, type PartitionDecision } from './partition-leadership.ts';

/** Kafka's ElectionType on the wire. */
export const ElectionType = { PREFERRED: 0, UNCLEAN: 1 } as const;
export type ElectionTypeValue = (typeof ElectionType)[keyof typeof ElectionType];

export function isElectionType(value: number): value is ElectionTypeValue {
  return value === ElectionType.PREFERRED || value === ElectionType.UNCLEAN;
}

export function electionTypeName(type: ElectionTypeValue): 'PREFERRED' | 'UNCLEAN' {
  return type === ElectionType.PREFERRED ? 'PREFERRED' : 'UNCLEAN';
}

export interface TopicPartitionRef {
  readonly topic: string;
  readonly partition: number;
}

/** A partition's election: the state to write, or why there is none. */
export type ElectionOutcome =
  | { readonly kind: 'elect'; readonly decision: PartitionDecision }
  | {
      readonly kind: 'error';
      readonly topic: string;
      readonly partition: number;
      readonly errorCode: number;
      readonly errorMessage: string | null;
    };

type PartitionElection =
  | { readonly record: PartitionRecord }
  | { readonly errorCode: number; readonly errorMessage: string | null };

/** The preferred replica: the first of the assignment. */
export function preferredReplica(p: PartitionState): number {
  return p.replicas[0] ?? NO_LEADER;
}

/**
 * Preferred election for one partition. The preferred replica may lead only
 * when it is alive and in the ISR, so no acknowledged write is lost.
 */
export function electPreferred(p: PartitionState, live: ReadonlySet<number>): PartitionElection {
  const preferred = preferredReplica(p);
  if (preferred !== NO_LEADER && p.leader === preferred) {
    return { errorCode: ErrorCode.ELECTION_NOT_NEEDED, errorMessage: null };
  }
  if (preferred === NO_LEADER || !live.has(preferred) || !p.isr.includes(preferred)) {
    return {
      errorCode: ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE,
      errorMessage: `Preferred replica ${preferred} is not alive and in the ISR ${JSON.stringify(p.isr)}.`,
    };
  }
  return { record: withLeader(p, preferred, p.isr) };
}

/**
 * Unclean election for one partition: only a partition without a leader
 * needs one. A live in-sync replica is still taken first (that election is
 * clean); only when none is live does any live replica lead, alone in the ISR.
 */
export function electUnclean(p: PartitionState, live: ReadonlySet<number>): PartitionElection {
  if (p.leader !== NO_LEADER && live.has(p.leader)) {
    return { errorCode: ErrorCode.ELECTION_NOT_NEEDED, errorMessage: null };
  }
  const inSync = p.replicas.find((r) => live.has(r) && p.isr.includes(r));
  if (inSync !== undefined) {
    return {
      record: withLeader(
        p,
        inSync,
        p.isr.filter((r) => live.has(r)),
      ),
    };
  }
  const anyLive = p.replicas.find((r) => live.has(r));
  if (anyLive === undefined) {
    return {
      errorCode: ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE,
      errorMessage: `No replica of ${JSON.stringify(p.replicas)} is alive.`,
    };
  }
  return { record: withLeader(p, anyLive, [anyLive]) };
}

function withLeader(p: PartitionState, leader: number, isr: readonly number[]): PartitionRecord {
  return nextPartitionRecord(p, { leader, leaderEpoch: p.leaderEpoch + 1, isr });
}

export function liveBrokers(image: MetadataImage): Set<number> {
  return new Set(image.brokers().map((b) => b.nodeId));
}

/** The election of one named partition on the image, including unknown topics and partitions. */
export function decideElection(
  image: MetadataImage,
  type: ElectionTypeValue,
  ref: TopicPartitionRef,
  live: ReadonlySet<number> = liveBrokers(image),
): ElectionOutcome {
  const { topic, partition } = ref;
  const t = image.topic(topic);
  const p = t?.partitions.get(partition);
  if (p === undefined) {
    const errorMessage =
      t === undefined ? `No such topic as ${topic}` : `No such partition as ${topic}-${partition}`;
    return {
      kind: 'error',
      topic,
      partition,
      errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      errorMessage,
    };
  }
  const e = type === ElectionType.PREFERRED ? electPreferred(p, live) : electUnclean(p, live);
  if ('record' in e) {
    return {
      kind: 'elect',
      decision: { topic, partition, expectedModRevision: p.modRevision, record: e.record },
    };
  }
  return { kind: 'error', topic, partition, errorCode: e.errorCode, errorMessage: e.errorMessage };
}

/**
 * Elections for the named partitions, one outcome each, in request order
 * (duplicates once). With null, every partition of every topic is tried and,
 * as Kafka answers, partitions that already have the wanted leader are left out.
 */
export function decideElections(
  image: MetadataImage,
  type: ElectionTypeValue,
  partitions: readonly TopicPartitionRef[] | null,
): ElectionOutcome[] {
  const live = liveBrokers(image);
  if (partitions !== null) {
    const seen = new Set<string>();
    const out: ElectionOutcome[] = [];
    for (const ref of partitions) {
      const id = `${ref.partition}:${ref.topic}`;
      if (seen.has(id)) continue;
      seen.add(id);
      out.push(decideElection(image, type, ref, live));
    }
    return out;
  }
  const out: ElectionOutcome[] = [];
  for (const t of image.topics()) {
    const indexes = [...t.partitions.keys()].sort((a, b) => a - b);
    for (const partition of indexes) {
      const o = decideElection(image, type, { topic: t.name, partition }, live);
      if (o.kind === 'error' && o.errorCode === ErrorCode.ELECTION_NOT_NEEDED) continue;
      out.push(o);
    }
  }
  return out;
}

export interface BrokerLeaderImbalance {
  readonly brokerId: number;
  /** Partitions whose preferred replica is this broker. */
  readonly preferred: number;
  /** Of those, the ones another broker (or nobody) leads. */
  readonly notLed: number;
}

/** Per broker, how many of the partitions preferring it it does not lead (Kafka's imbalance). */
export function leaderImbalance(image: MetadataImage): BrokerLeaderImbalance[] {
  const counts = new Map<number, { preferred: number; notLed: number }>();
  for (const t of image.topics()) {
    for (const p of t.partitions.values()) {
      const preferred = preferredReplica(p);
      if (preferred === NO_LEADER) continue;
      const c = counts.get(preferred) ?? { preferred: 0, notLed: 0 };
      c.preferred++;
      if (p.leader !== preferred) c.notLed++;
      counts.set(preferred, c);
    }
  }
  return [...counts]
    .sort((a, b) => a[0] - b[0])
    .map(([brokerId, c]) => ({ brokerId, preferred: c.preferred, notLed: c.notLed }));
}

/**
 * The periodic balance check: for each broker whose share of partitions it
 * prefers but does not lead is above `imbalancePerBrokerPercentage`, a
 * preferred election for each of those partitions that can have one now.
 * Partitions in the middle of a reassignment are left alone, as Kafka does.
 */
export function decideRebalance(
  image: MetadataImage,
  imbalancePerBrokerPercentage: number,
): PartitionDecision[] {
  const live = liveBrokers(image);
  const overThreshold = new Set(
    leaderImbalance(image)
      .filter((b) => b.notLed > 0 && (b.notLed / b.preferred) * 100 > imbalancePerBrokerPercentage)
      .map((b) => b.brokerId),
  );
  const out: PartitionDecision[] = [];
  if (overThreshold.size === 0) return out;
  for (const t of image.topics()) {
    const indexes = [...t.partitions.keys()].sort((a, b) => a - b);
    for (const partition of indexes) {
      const p = t.partitions.get(partition)!;
      if (!overThreshold.has(preferredReplica(p)) || isReassigning(p)) continue;
      const e = electPreferred(p, live);
      if ('record' in e) {
        out.push({
          topic: t.name,
          partition,
          expectedModRevision: p.modRevision,
          record: e.record,
        });
      }
    }
  }
  return out;
}
