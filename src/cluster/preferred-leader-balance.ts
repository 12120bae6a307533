// The controller's automatic preferred-leader balancing
// (auto.leader.rebalance.enable): every leader.imbalance.check.interval.seconds
// the active controller moves leadership back to preferred replicas on brokers
// that lead too few of the partitions preferring them. A broker that returns
// and rejoins the ISR gets its leaderships back only through this check, as in
// Kafka. Writes are fenced by controller epoch and partition revision.

import type { KeyLayout } from '../metadata/key-layout.ts';
import type { MetaStore } from '../metadata/meta-store.ts';
import type { Logger } from '../util/logger.ts';
import type { MetadataImage } from './metadata-image.ts';
import { writePartitionDecision } from './partition-write.ts';
import { decideRebalance } from './preferred-leader.ts';

/** Arms a repeating timer and returns the function that cancels it. */
export type RepeatingTimer = (intervalMs: number, tick: () => void) => () => void;

/** Node turns a longer delay into 1 ms: a huge configured interval must not mean "always". */
const TIMER_DELAY_MS_MAX = 2_147_483_647;

/** A setInterval that does not keep the process alive. */
export const unrefInterval: RepeatingTimer = (intervalMs, tick) => {
  const timer = setInterval(tick, Math.min(Math.max(intervalMs, 1), TIMER_DELAY_MS_MAX));
  timer.unref();
  return () => clearInterval(timer);
};

export interface LeaderBalanceOptions {
  /** auto.leader.rebalance.enable */
  readonly enabled: boolean;
  /** leader.imbalance.check.interval.seconds, in ms. */
  readonly checkIntervalMs: number;
  /** leader.imbalance.per.broker.percentage */
  readonly imbalancePerBrokerPercentage: number;
  /** The timer to use; an unref'd setInterval by default (tests inject their own). */
  readonly every?: RepeatingTimer;
}

export interface BalanceTarget {
  readonly store: MetaStore;
  readonly keys: KeyLayout;
  readonly image: MetadataImage;
  readonly logger: Logger;
  readonly controllerEpoch: number;
  readonly imbalancePerBrokerPercentage: number;
}

/** One balance pass; returns the revision of the last write, or 0 when nothing was written. */
export async function balancePreferredLeaders(t: BalanceTarget): Promise<number> {
  const decisions = decideRebalance(t.image, t.imbalancePerBrokerPercentage);
  let lastRevision = 0;
  for (const d of decisions) {
    const r = await writePartitionDecision(t, d);
    if (!r.written) continue;
    lastRevision = r.revision;
    t.logger.info(
      {
        topic: d.topic,
        partition: d.partition,
        leader: d.record.leader,
        leaderEpoch: d.record.leaderEpoch,
      },
      'preferred replica elected by the leader balance check',
    );
  }
  return lastRevision;
}
