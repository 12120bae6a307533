// AlterPartitionReassignments handler (key 45), versions 0-1.
// Behaviour: each partition gets its own result. A target starts (or
// redirects) a reassignment: the new replicas join, catch up, enter the ISR,
// and the controller then drops the old ones. Null replicas cancel one in
// progress (NO_REASSIGNMENT_IN_PROGRESS when there is none). Unknown topic
// or partition: UNKNOWN_TOPIC_OR_PARTITION; an empty or repeating target or
// an unregistered broker: INVALID_REPLICA_ASSIGNMENT. Any broker answers
// (the write is a compare-and-set on the metadata store), not only the controller.
// Authorization (as Kafka's KafkaApis): Alter on the cluster
// (CLUSTER_AUTHORIZATION_FAILED).
// Version notes: v1 adds allowReplicationFactorChange (false: a target of
// another size is INVALID_REPLICATION_FACTOR), echoed in the response.

import type { PartitionTarget, ReassignmentAdmin } from '../cluster/reassignment-admin.ts';
import { AlterPartitionReassignments } from '../protocol/apis/alter-partition-reassignments.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import type { RequestAuthorizer } from './authorization.ts';
import type { ApiHandler, RequestContext, RequestOf, ResponseOf } from './handler.ts';

type Response = ResponseOf<typeof AlterPartitionReassignments>;

export function alterPartitionReassignmentsHandler(
  admin: ReassignmentAdmin,
  authz: RequestAuthorizer,
): ApiHandler<typeof AlterPartitionReassignments> {
  return {
    api: AlterPartitionReassignments,
    minVersion: 0,
    maxVersion: 1,
    async handle(
      req: RequestOf<typeof AlterPartitionReassignments>,
      ctx: RequestContext,
    ): Promise<Response> {
      if (!authz.cluster(ctx, 'ALTER')) {
        const errorCode = ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
        const errorMessage = 'Cluster authorization failed.';
        return {
          throttleTimeMs: 0,
          allowReplicationFactorChange: req.allowReplicationFactorChange,
          errorCode,
          errorMessage,
          responses: req.topics.map((t) => ({
            name: t.name,
            partitions: t.partitions.map((p) => ({
              partitionIndex: p.partitionIndex,
              errorCode,
              errorMessage,
            })),
          })),
        };
      }
      const targets: PartitionTarget[] = req.topics.flatMap((t) =>
        t.partitions.map((p) => ({
          topic: t.name,
          partition: p.partitionIndex,
          replicas: p.replicas,
        })),
      );
      const results = await admin.alter(targets, req.allowReplicationFactorChange);
      let i = 0;
      const responses: Response['responses'] = req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => {
          const r = results[i++]!;
          return {
            partitionIndex: p.partitionIndex,
            errorCode: r.errorCode,
            errorMessage: r.errorMessage,
          };
        }),
      }));
      return {
        throttleTimeMs: 0,
        allowReplicationFactorChange: req.allowReplicationFactorChange,
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        responses,
      };
    },
  };
}
