// Writes one election decision to its partition key as a compare-and-set on
// the revision the decision was made from and, for the controller, on its
// controller epoch (as reconcile() does), so neither a stale image nor a
// deposed controller can overwrite a newer state. Decisions are built with
// nextPartitionRecord, which carries an ongoing reassignment along.

import type { KeyLayout } from '../metadata/key-layout.ts';
import type { Compare, MetaStore } from '../metadata/meta-store.ts';
import type { PartitionDecision } from './partition-leadership.ts';

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

export async function writePartitionDecision(
  t: PartitionWriteTarget,
  d: PartitionDecision,
): Promise<PartitionWriteResult> {
  const key = t.keys.partition(d.topic, d.partition);
  const compares: Compare[] = [
    { key, target: 'modRevision', operator: '=', value: d.expectedModRevision },
  ];
  if (t.controllerEpoch !== null) {
    compares.push({
      key: t.keys.controllerEpoch(),
      target: 'value',
      operator: '=',
      value: String(t.controllerEpoch),
    });
  }
  const r = await t.store.txn(compares, [{ type: 'put', key, value: JSON.stringify(d.record) }]);
  return { written: r.succeeded, revision: r.revision };
}
