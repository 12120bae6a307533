// The writes of partition reassignment on the broker that receives
// AlterPartitionReassignments (the controller completes them): each change is
// one compare-and-set (partition-write.ts). Decisions come from reassignment.ts.

import type { KeyLayout } from '../metadata/key-layout.ts';
import type { MetaStore } from '../metadata/meta-store.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import type { Logger } from '../util/logger.ts';
import type { MetadataImage } from './metadata-image.ts';
import { writePartitionChange } from './partition-write.ts';
import {
  type AlterOutcome,
  type OngoingTopic,
  ongoingReassignments,
  type PartitionChange,
  planAlter,
} from './reassignment.ts';

/** Tries of one partition's change when concurrent writers (ISR, controller) win the race. */
const WRITE_ATTEMPTS_MAX = 5;

export interface PartitionTarget {
  readonly topic: string;
  readonly partition: number;
  /** The new replicas, or null to cancel the reassignment in progress. */
  readonly replicas: readonly number[] | null;
}

export interface PartitionResult {
  readonly errorCode: number;
  readonly errorMessage: string | null;
}

export interface ReassignmentAdminOptions {
  readonly store: MetaStore;
  readonly keys: KeyLayout;
  readonly image: MetadataImage;
  readonly waitForRevision: (revision: number) => Promise<void>;
  /** unclean.leader.election.enable */
  readonly uncleanLeaderElection: boolean;
  readonly logger: Logger;
}

export class ReassignmentAdmin {
  constructor(private readonly o: ReassignmentAdminOptions) {}

  /** Applies each target in turn; one result per target, in order. */
  async alter(
    targets: readonly PartitionTarget[],
    allowReplicationFactorChange: boolean,
  ): Promise<PartitionResult[]> {
    const out: PartitionResult[] = [];
    for (const t of targets) out.push(await this.alterOne(t, allowReplicationFactorChange));
    return out;
  }

  /** The ongoing reassignments of the named partitions, or of all with null. */
  list(
    wanted: ReadonlyArray<{ name: string; partitionIndexes: readonly number[] }> | null,
  ): OngoingTopic[] {
    return ongoingReassignments(this.o.image, wanted);
  }

  /** The outcome for the image's current state, and the revision it was planned from. */
  private plan(
    t: PartitionTarget,
    allowReplicationFactorChange: boolean,
  ): { outcome: AlterOutcome; modRevision: number } {
    const topic = this.o.image.topic(t.topic);
    const p = topic?.partitions.get(t.partition);
    if (topic === undefined || p === undefined) {
      const what =
        topic === undefined ? `a topic named ${t.topic}` : `partition ${t.topic}-${t.partition}`;
      const outcome: AlterOutcome = {
        kind: 'error',
        errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        errorMessage: `Unable to find ${what}.`,
      };
      return { outcome, modRevision: 0 };
    }
    const brokers = new Set(this.o.image.brokers().map((b) => b.nodeId));
    const outcome = planAlter(p, t.replicas, {
      brokers,
      live: brokers,
      assignment: topic.assignment[t.partition] ?? p.replicas,
      allowReplicationFactorChange,
      uncleanLeaderElection: this.o.uncleanLeaderElection,
    });
    return { outcome, modRevision: p.modRevision };
  }

  private async alterOne(
    t: PartitionTarget,
    allowReplicationFactorChange: boolean,
  ): Promise<PartitionResult> {
    for (let attempt = 0; attempt < WRITE_ATTEMPTS_MAX; attempt++) {
      const { outcome, modRevision } = this.plan(t, allowReplicationFactorChange);
      if (outcome.kind === 'error') {
        return { errorCode: outcome.errorCode, errorMessage: outcome.errorMessage };
      }
      if (outcome.kind === 'none') return { errorCode: ErrorCode.NONE, errorMessage: null };
      const where = { topic: t.topic, partition: t.partition, expectedModRevision: modRevision };
      const r = await writePartitionChange(this.o.store, this.o.keys, where, outcome.change);
      if (r === null) {
        const errorMessage = `Unable to find a topic named ${t.topic}.`;
        return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage };
      }
      if (r.succeeded) {
        await this.o.waitForRevision(r.revision);
        this.logChange(t, outcome.change);
        return { errorCode: ErrorCode.NONE, errorMessage: null };
      }
      // Someone else changed the partition (an ISR change, the controller):
      // plan again from the state they wrote.
      await this.o.waitForRevision(await this.o.store.revision());
    }
    return {
      errorCode: ErrorCode.REQUEST_TIMED_OUT,
      errorMessage: `Partition ${t.topic}-${t.partition} kept changing; try again.`,
    };
  }

  private logChange(t: PartitionTarget, change: PartitionChange): void {
    const rec = change.record;
    const fields = {
      topic: t.topic,
      partition: t.partition,
      replicas: rec.replicas ?? change.assignment,
      adding: rec.addingReplicas ?? [],
      removing: rec.removingReplicas ?? [],
    };
    const what = t.replicas === null ? 'cancelled' : 'started';
    this.o.logger.info(fields, `partition reassignment ${what}`);
  }
}
