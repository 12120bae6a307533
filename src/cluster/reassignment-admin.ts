// The writes of partition reassignment: AlterPartitionReassignments on the
// broker that receives it, and the controller's completion of a finished
// one. Each change is one compare-and-set transaction on the partition key's
// revision; a change that settles the replicas also rewrites the topic
// record's assignment, compared on the topic key's revision in the same
// transaction. Decisions come from reassignment.ts.

import type { KeyLayout } from '../metadata/key-layout.ts';
import type { Compare, MetaStore, Op, TxnResult } from '../metadata/meta-store.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import type { Logger } from '../util/logger.ts';
import type { MetadataImage, TopicRecord } from './metadata-image.ts';
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

/**
 * Writes one partition change; null when the topic is gone. `fence` adds
 * conditions (the controller's epoch). The topic record goes first in the
 * transaction so the image sees the new assignment with the partition state.
 */
export async function writePartitionChange(
  store: MetaStore,
  keys: KeyLayout,
  where: {
    readonly topic: string;
    readonly partition: number;
    readonly expectedModRevision: number;
  },
  change: PartitionChange,
  fence: readonly Compare[] = [],
): Promise<TxnResult | null> {
  const partitionKey = keys.partition(where.topic, where.partition);
  const compares: Compare[] = [
    ...fence,
    { key: partitionKey, target: 'modRevision', operator: '=', value: where.expectedModRevision },
  ];
  const ops: Op[] = [];
  if (change.assignment !== null) {
    const topicKey = keys.topic(where.topic);
    const kv = await store.get(topicKey);
    if (kv === null) return null;
    const topic = JSON.parse(kv.value) as TopicRecord;
    if (where.partition >= topic.replicas.length) return null;
    const assignment = change.assignment;
    const replicas = topic.replicas.map((r, i) => (i === where.partition ? assignment : r));
    ops.push({ type: 'put', key: topicKey, value: JSON.stringify({ ...topic, replicas }) });
    compares.push({ key: topicKey, target: 'modRevision', operator: '=', value: kv.modRevision });
  }
  ops.push({ type: 'put', key: partitionKey, value: JSON.stringify(change.record) });
  return store.txn(compares, ops);
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
