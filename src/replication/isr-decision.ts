// The leader's ISR decision as a pure function (Kafka's maybeShrinkIsr and
// maybeExpandIsr): a follower that has not caught up within
// replica.lag.time.max.ms leaves the ISR, a live one that has reached the high
// watermark joins it. isr-manager.ts (the runtime) and the cluster simulator
// (src/testing/) both decide with it; neither reads a clock here.

import type { FollowerState } from './high-watermark.ts';

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
