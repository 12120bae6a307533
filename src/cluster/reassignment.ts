// Partition reassignment decisions, as pure functions of a partition's state
// (Kafka's KIP-455 as its KRaft controller does it): a new target first grows
// the replica set to target ∪ current and marks the adding and removing
// replicas; once every adding replica is in the ISR the set shrinks to the
// target, moving leadership off a removed leader. A cancel reverts to the
// replicas from before. Nothing here writes; reassignment-admin.ts and the
// controller turn each change into a compare-and-set transaction.

import { ErrorCode } from '../protocol/error-codes.ts';
import {
  isReassigning,
  type MetadataImage,
  type PartitionRecord,
  type PartitionState,
} from './metadata-image.ts';
import { NO_LEADER } from './partition-leadership.ts';

/** A partition's next state, and the topic record's assignment for it when that changes too. */
export interface PartitionChange {
  readonly record: PartitionRecord;
  /** The new settled replicas for the topic record, or null to leave it as it is. */
  readonly assignment: readonly number[] | null;
}

export type AlterOutcome =
  | { readonly kind: 'error'; readonly errorCode: number; readonly errorMessage: string }
  /** The partition already is as asked. */
  | { readonly kind: 'none' }
  | { readonly kind: 'change'; readonly change: PartitionChange };

export interface AlterContext {
  /** Registered brokers: a target may name only these. */
  readonly brokers: ReadonlySet<number>;
  /** Brokers with a live session: only they may take over leadership. */
  readonly live: ReadonlySet<number>;
  /** The topic record's assignment of this partition. */
  readonly assignment: readonly number[];
  /** AlterPartitionReassignments v1: false refuses a target of another size. */
  readonly allowReplicationFactorChange: boolean;
  /** unclean.leader.election.enable: a cancel may then leave only an out-of-sync replica. */
  readonly uncleanLeaderElection: boolean;
}

export interface ReassignmentDecision {
  readonly topic: string;
  readonly partition: number;
  /** The state the decision was made from; the write compares against it. */
  readonly expectedModRevision: number;
  readonly change: PartitionChange;
}

export interface OngoingReassignment {
  readonly partitionIndex: number;
  readonly replicas: number[];
  readonly addingReplicas: number[];
  readonly removingReplicas: number[];
}

export interface OngoingTopic {
  readonly name: string;
  readonly partitions: OngoingReassignment[];
}

function error(errorCode: number, errorMessage: string): AlterOutcome {
  return { kind: 'error', errorCode, errorMessage };
}

function sameList(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => b[i] === x);
}

function sameSet(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

/** What is wrong with a target replica list, or null. */
export function targetProblem(
  target: readonly number[],
  brokers: ReadonlySet<number>,
): string | null {
  if (target.length === 0) return 'The replica list is empty.';
  if (new Set(target).size !== target.length) {
    return `The replica list ${JSON.stringify(target)} names a broker more than once.`;
  }
  const unknown = target.find((b) => !brokers.has(b));
  if (unknown !== undefined) return `Broker ${unknown} is not registered.`;
  return null;
}

/** The replicas from before the reassignment: the current ones without those being added. */
export function originalReplicas(p: PartitionState): number[] {
  return p.replicas.filter((r) => !p.addingReplicas.includes(r));
}

/**
 * The partition settled on `replicas` (no reassignment): the ISR keeps its
 * members among them and a leader outside them hands over to the first of
 * them that is alive and in sync. Null when no in-sync replica remains, or
 * when `requireLeader` and none of them can lead now.
 */
function settle(
  p: PartitionState,
  replicas: readonly number[],
  live: ReadonlySet<number>,
  requireLeader: boolean,
): PartitionRecord | null {
  const isr = p.isr.filter((r) => replicas.includes(r));
  if (isr.length === 0) return null;
  let leader = p.leader;
  if (!replicas.includes(leader)) {
    leader = replicas.find((r) => isr.includes(r) && live.has(r)) ?? NO_LEADER;
    if (leader === NO_LEADER && requireLeader) return null;
  }
  return {
    leader,
    leaderEpoch: leader === p.leader ? p.leaderEpoch : p.leaderEpoch + 1,
    isr,
    partitionEpoch: p.partitionEpoch + 1,
  };
}

function settledChange(
  record: PartitionRecord,
  replicas: readonly number[],
  assignment: readonly number[],
): PartitionChange {
  return { record, assignment: sameList(replicas, assignment) ? null : [...replicas] };
}

/**
 * A reassignment may finish once every replica it adds is in the ISR and
 * the target keeps an in-sync replica that can lead: the replicas become the
 * target, the ISR drops the removed ones, a removed leader hands over.
 */
export function decideCompletion(
  p: PartitionState,
  live: ReadonlySet<number>,
  assignment: readonly number[],
): PartitionChange | null {
  if (!isReassigning(p)) return null;
  if (!p.addingReplicas.every((r) => p.isr.includes(r))) return null;
  const target = p.replicas.filter((r) => !p.removingReplicas.includes(r));
  const record = settle(p, target, live, true);
  return record === null ? null : settledChange(record, target, assignment);
}

/** Reverts an ongoing reassignment to the replicas from before it. */
export function planCancel(p: PartitionState, ctx: AlterContext): AlterOutcome {
  if (!isReassigning(p)) {
    return error(
      ErrorCode.NO_REASSIGNMENT_IN_PROGRESS,
      `No reassignment of partition ${p.partition} is in progress.`,
    );
  }
  // In the order they had: the union put the target first.
  const before = originalReplicas(p);
  const original = sameSet(before, ctx.assignment) ? [...ctx.assignment] : before;
  const record = settle(p, original, ctx.live, false);
  if (record !== null) {
    return { kind: 'change', change: settledChange(record, original, ctx.assignment) };
  }
  // Only replicas being added are in sync: going back means electing one
  // that may lack acknowledged records.
  if (!ctx.uncleanLeaderElection || original.length === 0) {
    return error(
      ErrorCode.INVALID_REPLICA_ASSIGNMENT,
      `Reverting partition ${p.partition} to ${JSON.stringify(original)} would need an unclean leader election.`,
    );
  }
  const leader = original[0]!;
  const unclean: PartitionRecord = {
    leader: ctx.live.has(leader) ? leader : NO_LEADER,
    leaderEpoch: p.leaderEpoch + 1,
    isr: [leader],
    partitionEpoch: p.partitionEpoch + 1,
  };
  return { kind: 'change', change: settledChange(unclean, original, ctx.assignment) };
}

/**
 * Starts (or redirects) a reassignment to `target`. As in Kafka, the
 * current replicas (including any a running reassignment added) are the
 * base: replicas = target ∪ current, adding = target − current, removing =
 * current − target. A target that needs no new replica in sync finishes at once.
 */
export function planAlter(
  p: PartitionState,
  target: readonly number[] | null,
  ctx: AlterContext,
): AlterOutcome {
  if (target === null) return planCancel(p, ctx);
  const problem = targetProblem(target, ctx.brokers);
  if (problem !== null) return error(ErrorCode.INVALID_REPLICA_ASSIGNMENT, problem);
  const original = originalReplicas(p);
  if (!ctx.allowReplicationFactorChange && target.length !== original.length) {
    return error(
      ErrorCode.INVALID_REPLICATION_FACTOR,
      `The target has ${target.length} replicas but the partition has ${original.length}, and the request does not allow changing the replication factor.`,
    );
  }
  const adding = target.filter((r) => !p.replicas.includes(r));
  const removing = p.replicas.filter((r) => !target.includes(r));
  const replicas = [...target, ...removing];
  if (
    adding.length === 0 &&
    removing.length === 0 &&
    !isReassigning(p) &&
    sameList(target, p.replicas)
  ) {
    return { kind: 'none' };
  }
  if (adding.length === 0 && removing.length === 0) {
    // A reordering of the current replicas: settled at once.
    const record = settle(p, target, ctx.live, false);
    if (record === null) {
      return error(
        ErrorCode.INVALID_REPLICA_ASSIGNMENT,
        `Partition ${p.partition} has no in-sync replica.`,
      );
    }
    return { kind: 'change', change: settledChange(record, target, ctx.assignment) };
  }
  if (adding.length === 0) {
    // Only removing: done now if an in-sync replica of the target can lead.
    const ongoing: PartitionState = {
      ...p,
      replicas,
      addingReplicas: adding,
      removingReplicas: removing,
    };
    const now = decideCompletion(ongoing, ctx.live, ctx.assignment);
    if (now !== null) return { kind: 'change', change: now };
  }
  const record: PartitionRecord = {
    leader: p.leader,
    leaderEpoch: p.leaderEpoch,
    isr: [...p.isr],
    partitionEpoch: p.partitionEpoch + 1,
    replicas,
    addingReplicas: adding,
    removingReplicas: removing,
  };
  return { kind: 'change', change: { record, assignment: null } };
}

/** Every reassignment that can finish now, for the controller. */
export function decideCompletions(image: MetadataImage): ReassignmentDecision[] {
  const live = new Set(image.brokers().map((b) => b.nodeId));
  const out: ReassignmentDecision[] = [];
  for (const t of image.topics()) {
    for (const p of t.partitions.values()) {
      const change = decideCompletion(p, live, t.assignment[p.partition] ?? []);
      if (change === null) continue;
      out.push({
        topic: t.name,
        partition: p.partition,
        expectedModRevision: p.modRevision,
        change,
      });
    }
  }
  return out;
}

function ongoingOf(p: PartitionState): OngoingReassignment {
  return {
    partitionIndex: p.partition,
    replicas: [...p.replicas],
    addingReplicas: [...p.addingReplicas],
    removingReplicas: [...p.removingReplicas],
  };
}

/**
 * ListPartitionReassignments: the ongoing reassignments of the named
 * partitions, or of all with null. Unknown topics and partitions, and
 * topics with nothing in progress, are left out (as Kafka answers).
 */
export function ongoingReassignments(
  image: MetadataImage,
  wanted: ReadonlyArray<{
    readonly name: string;
    readonly partitionIndexes: readonly number[];
  }> | null,
): OngoingTopic[] {
  const requests =
    wanted ??
    image.topics().map((t) => ({
      name: t.name,
      partitionIndexes: [...t.partitions.keys()].sort((a, b) => a - b),
    }));
  const out: OngoingTopic[] = [];
  for (const w of requests) {
    const t = image.topic(w.name);
    if (t === undefined) continue;
    const partitions: OngoingReassignment[] = [];
    for (const index of new Set(w.partitionIndexes)) {
      const p = t.partitions.get(index);
      if (p !== undefined && isReassigning(p)) partitions.push(ongoingOf(p));
    }
    if (partitions.length > 0) out.push({ name: w.name, partitions });
  }
  return out;
}
