// ElectLeaders handler (key 43), versions 0-2 (kafka-leader-election.sh).
// Behaviour: preferred (0) or unclean (1) elections on the named partitions,
// or on every partition when the list is null, done by this broker with a
// compare-and-set per partition (cluster/preferred-leader-elections.ts); the
// answer waits, within timeoutMs, until this broker's metadata shows them.
// Authorization (as Kafka's KafkaApis): Alter on the cluster
// (CLUSTER_AUTHORIZATION_FAILED).
// Version notes: v0 is always preferred; v1 adds the election type and a
// top-level error code (INVALID_REQUEST for an unknown type); v2 flexible.

import { isElectionType, type TopicPartitionRef } from '../cluster/preferred-leader.ts';
import type { ElectionResult } from '../cluster/preferred-leader-elections.ts';
import { ElectLeaders } from '../protocol/apis/elect-leaders.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import type { BrokerServices } from './broker-services.ts';
import type { ApiHandler, RequestContext, RequestOf, ResponseOf } from './handler.ts';

type Request = RequestOf<typeof ElectLeaders>;
type Response = ResponseOf<typeof ElectLeaders>;

export function electLeadersHandler(s: BrokerServices): ApiHandler<typeof ElectLeaders> {
  return {
    api: ElectLeaders,
    minVersion: 0,
    maxVersion: 2,
    async handle(req: Request, ctx: RequestContext): Promise<Response> {
      const partitions = requestedPartitions(req);
      if (!s.authorizer.cluster(ctx, 'ALTER')) {
        const errorCode = ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
        const results = (partitions ?? []).map((p) => ({ ...p, errorCode, errorMessage: null }));
        return { throttleTimeMs: 0, errorCode, replicaElectionResults: byTopic(results) };
      }
      if (!isElectionType(req.electionType)) {
        const errorMessage = `Unknown election type ${req.electionType}`;
        const results = (partitions ?? []).map((p) => ({
          ...p,
          errorCode: ErrorCode.INVALID_REQUEST,
          errorMessage,
        }));
        return {
          throttleTimeMs: 0,
          errorCode: ErrorCode.INVALID_REQUEST,
          replicaElectionResults: byTopic(results),
        };
      }
      const results = await s.leaderElections.elect(req.electionType, partitions, req.timeoutMs);
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.NONE,
        replicaElectionResults: byTopic(results),
      };
    },
  };
}

function requestedPartitions(req: Request): TopicPartitionRef[] | null {
  if (req.topicPartitions === null) return null;
  return req.topicPartitions.flatMap((t) =>
    t.partitions.map((partition) => ({ topic: t.topic, partition })),
  );
}

/** Results grouped by topic, topics in the order they first appear. */
function byTopic(results: readonly ElectionResult[]): Response['replicaElectionResults'] {
  const topics = new Map<string, Response['replicaElectionResults'][number]['partitionResult']>();
  for (const r of results) {
    let list = topics.get(r.topic);
    if (list === undefined) {
      list = [];
      topics.set(r.topic, list);
    }
    list.push({ partitionId: r.partition, errorCode: r.errorCode, errorMessage: r.errorMessage });
  }
  return [...topics].map(([topic, partitionResult]) => ({ topic, partitionResult }));
}
