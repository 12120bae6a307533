// The leader's bookkeeping of its followers and the high watermark it derives
// from them, as pure functions: what a follower's fetch says about it (its log
// end offset and Kafka's lastCaughtUpTimeMs), and the high watermark the ISR
// allows. Partition (the runtime) keeps the state and moves the log's high
// watermark; the cluster simulator (src/testing/) calls the same functions.
// Time comes in as `nowMs`; nothing here reads a clock or does I/O.

/** What the leader knows of one follower. */
export interface FollowerState {
  /** The follower's log end offset: the offset it last asked to fetch. */
  leo: number;
  /** Last time its log reached the leader's log end offset (Kafka's lastCaughtUpTimeMs). */
  lastCaughtUpMs: number;
  /** The leader's log end offset and the time of the follower's previous fetch. */
  lastFetchLeaderLeo: number;
  lastFetchMs: number;
}

/** A follower's state as a new leader epoch starts: caught up as of now (a grace period). */
export function followerAtLeaderStart(nowMs: number): FollowerState {
  return { leo: -1, lastCaughtUpMs: nowMs, lastFetchLeaderLeo: -1, lastFetchMs: nowMs };
}

/**
 * A follower fetched from `fetchOffset` while the leader's log ended at
 * `leaderLeo`. It counts as caught up now if it asked for the log end, or as
 * of its previous fetch if it has reached what the leader held then (Kafka's
 * rule: a follower that keeps up with a busy leader is never exactly at its end).
 */
export function followerAfterFetch(
  prev: FollowerState | undefined,
  fetch: { readonly fetchOffset: number; readonly leaderLeo: number; readonly nowMs: number },
): FollowerState {
  const { fetchOffset, leaderLeo, nowMs } = fetch;
  let lastCaughtUpMs = prev?.lastCaughtUpMs ?? nowMs;
  if (fetchOffset >= leaderLeo) lastCaughtUpMs = nowMs;
  else if (prev !== undefined && fetchOffset >= prev.lastFetchLeaderLeo)
    lastCaughtUpMs = Math.max(lastCaughtUpMs, prev.lastFetchMs);
  return { leo: fetchOffset, lastCaughtUpMs, lastFetchLeaderLeo: leaderLeo, lastFetchMs: nowMs };
}

export interface HighWatermarkInputs {
  readonly nodeId: number;
  /** The leader's own log end offset. */
  readonly leaderLeo: number;
  /** The log's high watermark now; a follower not heard from yet holds it there. */
  readonly highWatermark: number;
  /** The ISR the high watermark must wait for (the leader's own id is skipped). */
  readonly isr: readonly number[];
  readonly followers: ReadonlyMap<number, FollowerState>;
}

/**
 * The high watermark the ISR allows: the smallest log end offset among its
 * members, the leader's own included. The caller moves the log's high
 * watermark only forwards.
 */
export function highWatermarkOf(i: HighWatermarkInputs): number {
  let hw = i.leaderLeo;
  for (const r of i.isr) {
    if (r === i.nodeId) continue;
    const f = i.followers.get(r);
    hw = Math.min(hw, f === undefined || f.leo < 0 ? i.highWatermark : f.leo);
  }
  return hw;
}
