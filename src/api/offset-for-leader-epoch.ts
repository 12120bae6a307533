// OffsetForLeaderEpoch handler (key 23), versions 0-4: consumers (KIP-320)
// and followers ask where a leader epoch ended, to detect log divergence.
// Behaviour: answers from the partition's leader-epoch history: the end
// offset of the requested epoch is the start offset of the next larger epoch,
// or the log end offset for the current epoch; an epoch newer than any known
// gets UNDEFINED (-1, -1) as Kafka answers. Current-leader-epoch fencing as in
// Fetch.
// Authorization (as Kafka's KafkaApis): ClusterAction on the cluster, else
// Describe on each topic (TOPIC_AUTHORIZATION_FAILED).
// Version notes: v1 returns the leader epoch; v2 current leader epoch; v3
// replica id; v4 flexible.

import { OffsetForLeaderEpoch } from '../protocol/apis/offset-for-leader-epoch.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import type { BrokerServices } from './broker-services.ts';
import type { ApiHandler, RequestContext, RequestOf, ResponseOf } from './handler.ts';

type Response = ResponseOf<typeof OffsetForLeaderEpoch>;
type PartitionOut = Response['topics'][number]['partitions'][number];

export function offsetForLeaderEpochHandler(
  s: BrokerServices,
): ApiHandler<typeof OffsetForLeaderEpoch> {
  async function one(
    topic: string,
    p: { partition: number; currentLeaderEpoch: number; leaderEpoch: number },
  ): Promise<PartitionOut> {
    const fail = (errorCode: number): PartitionOut => ({
      errorCode,
      partition: p.partition,
      leaderEpoch: -1,
      endOffset: -1,
    });
    const led = await s.replicas.leaderPartition(topic, p.partition, p.currentLeaderEpoch);
    if ('errorCode' in led) return fail(led.errorCode);
    const end = led.partition.endOffsetForEpoch(p.leaderEpoch);
    return {
      errorCode: ErrorCode.NONE,
      partition: p.partition,
      leaderEpoch: end.leaderEpoch,
      endOffset: end.endOffset,
    };
  }

  return {
    api: OffsetForLeaderEpoch,
    minVersion: 0,
    maxVersion: 4,
    async handle(
      req: RequestOf<typeof OffsetForLeaderEpoch>,
      ctx: RequestContext,
    ): Promise<Response> {
      // Brokers (ClusterAction) may ask for any topic; consumers (KIP-320) need Describe.
      const names = req.topics.map((t) => t.topic);
      const allowed = s.authorizer.cluster(ctx, 'CLUSTER_ACTION', { logIfDenied: false })
        ? new Set(names)
        : s.authorizer.allowedNames(ctx, 'DESCRIBE', 'TOPIC', names);
      const denied = (p: { partition: number }): PartitionOut => ({
        errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
        partition: p.partition,
        leaderEpoch: -1,
        endOffset: -1,
      });
      const topics = await Promise.all(
        req.topics.map(async (t) => ({
          topic: t.topic,
          partitions: await Promise.all(
            t.partitions.map((p) => (allowed.has(t.topic) ? one(t.topic, p) : denied(p))),
          ),
        })),
      );
      return { throttleTimeMs: 0, topics };
    },
  };
}
