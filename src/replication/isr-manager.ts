// The leader's side of in-sync replicas: a follower that has not caught up
// within replica.lag.time.max.ms leaves the ISR, one that has caught up to the
// high watermark joins it again. The leader writes each change itself through
// cluster/partition-write.ts (a compare-and-set on the partition key's
// revision, and so on its leader and partition epochs), and acts on it only
// once it comes back through the metadata watch.

import type { MetadataImage } from '../cluster/metadata-image.ts';
import { type IsrWriteTarget, writeIsrChange } from '../cluster/partition-write.ts';
import type { Logger } from '../util/logger.ts';
import type { FollowerState } from './partition.ts';
import type { ReplicaManager } from './replica-manager.ts';

export interface IsrInputs {
  readonly nodeId: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  readonly highWatermark: number;
  readonly followers: ReadonlyMap<number, FollowerState>;
  readonly nowMs: number;
  readonly lagTimeMaxMs: number;
  /** Brokers with a live session: only they may join the ISR. */
  readonly live: ReadonlySet<number>;
}

/** The ISR the leader should have now, or null when it is right as it is. */
export function decideIsr(i: IsrInputs): number[] | null {
  const keep = i.isr.filter((r) => {
    if (r === i.nodeId) return true;
    const f = i.followers.get(r);
    return f !== undefined && i.nowMs - f.lastCaughtUpMs <= i.lagTimeMaxMs;
  });
  const join = i.replicas.filter((r) => {
    if (r === i.nodeId || keep.includes(r) || !i.live.has(r)) return false;
    const f = i.followers.get(r);
    return (
      f !== undefined && f.leo >= i.highWatermark && i.nowMs - f.lastCaughtUpMs <= i.lagTimeMaxMs
    );
  });
  const next = [...keep, ...join];
  const same = next.length === i.isr.length && next.every((r) => i.isr.includes(r));
  return same ? null : next;
}

/** `store` and `keys` (IsrWriteTarget) are where the ISR changes are written. */
export interface IsrManagerOptions extends IsrWriteTarget {
  readonly nodeId: number;
  readonly image: MetadataImage;
  readonly replicas: ReplicaManager;
  readonly lagTimeMaxMs: number;
  readonly now: () => number;
  readonly logger: Logger;
}

export class IsrManager {
  private timer: NodeJS.Timeout | null = null;
  private running = false;

  constructor(private readonly o: IsrManagerOptions) {}

  start(): void {
    const intervalMs = Math.max(100, Math.min(1000, Math.floor(this.o.lagTimeMaxMs / 4)));
    this.timer = setInterval(() => void this.check(), intervalMs);
    this.timer.unref();
  }

  /** One pass over the partitions this broker leads. */
  async check(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const live = new Set(this.o.image.brokers().map((b) => b.nodeId));
      for (const p of this.o.replicas.all()) {
        const st = this.o.image.partition(p.topic, p.index);
        if (st === undefined || st.leader !== this.o.nodeId || st.replicas.length < 2) continue;
        const isr = decideIsr({
          nodeId: this.o.nodeId,
          replicas: st.replicas,
          isr: st.isr,
          highWatermark: p.log.highWatermark,
          followers: p.followers,
          nowMs: this.o.now(),
          lagTimeMaxMs: this.o.lagTimeMaxMs,
          live,
        });
        if (isr === null) continue;
        // Replicas a reassignment adds are followers like any other: they join
        // once caught up, which is what lets the controller complete it.
        const r = await writeIsrChange(this.o, { topic: p.topic, partition: p.index }, st, isr);
        if (r.written) {
          this.o.logger.info(
            { topic: p.topic, partition: p.index, from: st.isr, to: isr },
            'ISR changed',
          );
        }
      }
    } catch (err) {
      this.o.logger.warn({ err }, 'ISR check failed; will retry');
    } finally {
      this.running = false;
    }
  }

  close(): void {
    if (this.timer !== null) clearInterval(this.timer);
  }
}
