// `reassign-partitions --throttle` as Kafka's tool does it: --execute marks,
// per topic, the replicas a move reads from (leader.replication.throttled.replicas:
// every current replica of a moving partition) and the ones it writes to
// (follower.replication.throttled.replicas: the new replicas), and sets
// leader.replication.throttled.rate and follower.replication.throttled.rate on
// every broker involved; --verify, once the moves are done, clears all of them
// (unless --preserve-throttles). Pure planning plus the admin calls.

import { AlterConfigOp, ConfigResourceType, incrementalAlterConfigs } from '../client/admin.ts';
import type { KafkaClient } from '../client/kafka-client.ts';

export interface PlannedMove {
  readonly topic: string;
  readonly partition: number;
  /** Replicas now (or, for a partition already moving, the replicas it moves from). */
  readonly sources: readonly number[];
  readonly targets: readonly number[];
}

const LEADER_REPLICAS = 'leader.replication.throttled.replicas';
const FOLLOWER_REPLICAS = 'follower.replication.throttled.replicas';
const LEADER_RATE = 'leader.replication.throttled.rate';
const FOLLOWER_RATE = 'follower.replication.throttled.rate';

export const VERIFY_WARNING =
  'Warning: You must run --verify periodically, until the reassignment completes, to ensure the throttle is removed.';

/** Kafka's calculateLeaderThrottles and calculateFollowerThrottles, per topic. */
export function throttledReplicas(
  moves: readonly PlannedMove[],
): Map<string, { leader: string; follower: string }> {
  const byTopic = new Map<string, { leader: Set<string>; follower: Set<string> }>();
  for (const m of moves) {
    const t = byTopic.get(m.topic) ?? { leader: new Set<string>(), follower: new Set<string>() };
    for (const s of m.sources) t.leader.add(`${m.partition}:${s}`);
    for (const d of m.targets) if (!m.sources.includes(d)) t.follower.add(`${m.partition}:${d}`);
    byTopic.set(m.topic, t);
  }
  const sorted = (s: Set<string>) => [...s].sort().join(',');
  return new Map(
    [...byTopic].map(([topic, t]) => [
      topic,
      { leader: sorted(t.leader), follower: sorted(t.follower) },
    ]),
  );
}

export function reassigningBrokers(moves: readonly PlannedMove[]): number[] {
  return [...new Set(moves.flatMap((m) => [...m.sources, ...m.targets]))].sort((a, b) => a - b);
}

/** Sets the topics' throttled replicas and the brokers' rates; returns the line Kafka prints. */
export async function applyThrottle(
  client: KafkaClient,
  moves: readonly PlannedMove[],
  bytesPerSecond: number,
): Promise<string> {
  for (const [topic, lists] of throttledReplicas(moves)) {
    await incrementalAlterConfigs(client, { type: ConfigResourceType.TOPIC, name: topic }, [
      { name: LEADER_REPLICAS, op: AlterConfigOp.SET, value: lists.leader },
      { name: FOLLOWER_REPLICAS, op: AlterConfigOp.SET, value: lists.follower },
    ]);
  }
  for (const broker of reassigningBrokers(moves)) {
    await incrementalAlterConfigs(
      client,
      { type: ConfigResourceType.BROKER, name: String(broker) },
      [
        { name: LEADER_RATE, op: AlterConfigOp.SET, value: String(bytesPerSecond) },
        { name: FOLLOWER_RATE, op: AlterConfigOp.SET, value: String(bytesPerSecond) },
      ],
    );
  }
  return `The inter-broker throttle limit was set to ${bytesPerSecond} B/s`;
}

/** Kafka's clearAllThrottles: every broker's rates and the topics' replica lists. */
export async function clearThrottles(
  client: KafkaClient,
  brokers: readonly number[],
  topics: readonly string[],
): Promise<string[]> {
  const b = [...new Set(brokers)].sort((x, y) => x - y);
  const t = [...new Set(topics)].sort();
  for (const broker of b) {
    await incrementalAlterConfigs(
      client,
      { type: ConfigResourceType.BROKER, name: String(broker) },
      [
        { name: LEADER_RATE, op: AlterConfigOp.DELETE, value: null },
        { name: FOLLOWER_RATE, op: AlterConfigOp.DELETE, value: null },
      ],
    );
  }
  for (const topic of t) {
    await incrementalAlterConfigs(client, { type: ConfigResourceType.TOPIC, name: topic }, [
      { name: LEADER_REPLICAS, op: AlterConfigOp.DELETE, value: null },
      { name: FOLLOWER_REPLICAS, op: AlterConfigOp.DELETE, value: null },
    ]);
  }
  return [
    `Clearing broker-level throttles on broker${b.length === 1 ? '' : 's'} ${b.join(',')}`,
    `Clearing topic-level throttles on topic${t.length === 1 ? '' : 's'} ${t.join(',')}`,
  ];
}
