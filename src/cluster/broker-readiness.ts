// Whether this broker is ready to take traffic, as Kubernetes' readiness probe asks (/readyz):
// it has finished start-up (logs recovered), holds a live registration, its metadata image has
// caught up with that registration, and it is back in the ISR of every partition it
// replicates. It is a statement about this broker only: a partition whose leader is gone or
// offline does not count against it, so an outage elsewhere never empties the Service; and a
// rolling restart that waits for readiness never stops the next broker while this one still
// lacks data that only the next one may have.

import type { MetadataImage } from './metadata-image.ts';

export interface ReadinessState {
  readonly nodeId: number;
  readonly image: MetadataImage;
  /** Start-up has finished: logs recovered and opened, fetchers running. */
  readonly started: boolean;
  /** This broker's session in the metadata store is alive. */
  readonly registered: boolean;
  /** The image has seen this broker's latest registration (the leader fence is clear). */
  readonly metadataCurrent: boolean;
}

/** Partition names listed in a reason; the count says how many more. */
const NAMES_SHOWN_MAX = 5;

/**
 * Partitions this broker replicates whose leader is another live broker and whose ISR does
 * not include this broker. Replicas a reassignment is adding or removing do not count: they
 * are moving, not catching up after a restart.
 */
export function partitionsAwaitingIsr(nodeId: number, image: MetadataImage): string[] {
  const out: string[] = [];
  for (const t of image.topics()) {
    for (const p of t.partitions.values()) {
      if (!p.replicas.includes(nodeId) || p.isr.includes(nodeId)) continue;
      if (p.addingReplicas.includes(nodeId) || p.removingReplicas.includes(nodeId)) continue;
      if (p.leader < 0 || p.leader === nodeId || image.broker(p.leader) === undefined) continue;
      out.push(`${t.name}-${p.partition}`);
    }
  }
  return out.sort();
}

/** Why the broker is not ready, one line each; empty when it is ready. */
export function notReadyReasons(s: ReadinessState): string[] {
  if (!s.started) return ['starting: recovering logs, registering, loading metadata'];
  const reasons: string[] = [];
  if (!s.registered) reasons.push('not registered: no live session with the metadata store');
  if (!s.metadataCurrent) reasons.push('metadata not caught up with this broker registration');
  const awaiting = partitionsAwaitingIsr(s.nodeId, s.image);
  if (awaiting.length > 0) {
    const shown = awaiting.slice(0, NAMES_SHOWN_MAX).join(', ');
    const more =
      awaiting.length > NAMES_SHOWN_MAX ? ` and ${awaiting.length - NAMES_SHOWN_MAX} more` : '';
    reasons.push(`not yet back in the ISR of ${awaiting.length} partition(s): ${shown}${more}`);
  }
  return reasons;
}
