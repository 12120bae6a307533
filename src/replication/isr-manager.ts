// The leader's side of in-sync replicas: a follower that has not caught up
// within replica.lag.time.max.ms leaves the ISR, one that has caught up to the
// high watermark joins it again. The leader writes each change itself through
// cluster/partition-write.ts (a compare-and-set on the partition key's
// revision, and so on its leader and partition epochs), and acts on it only
// once it comes back through the metadata watch. The decision itself is
// isr-decision.ts's (pure); this module runs it and writes its result.

import type { MetadataImage } from '../cluster/metadata-image.ts';
import { type IsrWriteTarget, writeIsrChange } from '../cluster/partition-write.ts';
import type { Logger } from '../util/logger.ts';
import { decideIsr } from './isr-decision.ts';
import type { ReplicaManager } from './replica-manager.ts';

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
        const unsettled = p.unsettledIsrWrite();
        if (unsettled !== null) {
          // An earlier write's call failed, so its outcome is unknown. If the
          // key is still at the revision it was based on, it did not land: its
          // replicas stop holding the high watermark (one may have died since).
          const kv = await this.o.store.get(this.o.keys.partition(p.topic, p.index));
          if (kv !== null && kv.modRevision === unsettled) p.isrWriteSettled(unsettled);
        }
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
        // From here the store may name the added replicas in-sync (and elect
        // one) before our image does: the high watermark waits for them now.
        p.expectIsr(isr, st.modRevision);
        // Replicas a reassignment adds are followers like any other: they join
        // once caught up, which is what lets the controller complete it.
        const r = await writeIsrChange(this.o, { topic: p.topic, partition: p.index }, st, isr);
        if (!r.written) p.isrWriteSettled(st.modRevision);
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
