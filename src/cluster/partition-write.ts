// The one way a partition's state is written, by the controller, by an admin
// request, or by a leader changing its ISR: a compare-and-set on the partition
// key's revision (the state a decision was made from), fenced, for the
// controller, on its controller epoch, so neither a stale image nor a deposed
// controller or leader overwrites a newer state. A change that settles a
// reassignment also rewrites the topic record's assignment, compared on the
// topic key's revision in the same transaction. Records are built with
// nextPartitionRecord, which carries an ongoing reassignment along.

import type { KeyLayout } from '../metadata/key-layout.ts';
import type { Compare, MetaStore, Op, TxnResult } from '../metadata/meta-store.ts';
import { nextPartitionRecord, type PartitionState, type TopicRecord } from './metadata-image.ts';
import type { PartitionDecision } from './partition-leadership.ts';
import type { PartitionChange } from './reassignment.ts';

/** The condition that the stored controller epoch is still `epoch`. */
export function controllerFence(keys: KeyLayout, epoch: number): Compare {
  return { key: keys.controllerEpoch(), target: 'value', operator: '=', value: String(epoch) };
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

export interface PartitionWriteResult {
  readonly written: boolean;
  /**
   * The revision of the write; when not written, a store revision at least as
   * new as the change that beat it (wait for it before deciding again).
   */
  readonly revision: number;
}

export interface PartitionWriteTarget {
  readonly store: MetaStore;
  readonly keys: KeyLayout;
  /** The writer's controller epoch, compared with the stored one; null for an admin write. */
  readonly controllerEpoch: number | null;
}

/** A leadership decision (election, ISR change by the controller): the partition record only. */
export async function writePartitionDecision(
  t: PartitionWriteTarget,
  d: PartitionDecision,
): Promise<PartitionWriteResult> {
  const fence = t.controllerEpoch === null ? [] : [controllerFence(t.keys, t.controllerEpoch)];
  const change = { record: d.record, assignment: null };
  // Without an assignment there is no topic record to miss, so the result is never null.
  const r = (await writePartitionChange(t.store, t.keys, d, change, fence))!;
  return { written: r.succeeded, revision: r.revision };
}

/** Where a partition leader writes its ISR changes: the store, without a controller epoch. */
export type IsrWriteTarget = Pick<PartitionWriteTarget, 'store' | 'keys'>;

/**
 * A leader's ISR change (Kafka's AlterPartition): the same leader and leader
 * epoch with the new ISR and the next partition epoch, compared on the revision
 * of the state the leader decided from. AlterPartition refuses a stale leader
 * epoch (FENCED_LEADER_EPOCH) or partition epoch (INVALID_UPDATE_VERSION); here
 * any write since that state (a new leader, epoch or ISR) moved the revision,
 * so this write loses and the leader decides again on what its watch brings.
 */
export async function writeIsrChange(
  t: IsrWriteTarget,
  where: { readonly topic: string; readonly partition: number },
  from: PartitionState,
  isr: readonly number[],
): Promise<PartitionWriteResult> {
  const { leader, leaderEpoch } = from;
  return writePartitionDecision(
    { store: t.store, keys: t.keys, controllerEpoch: null },
    {
      ...where,
      expectedModRevision: from.modRevision,
      record: nextPartitionRecord(from, { leader, leaderEpoch, isr }),
    },
  );
}
