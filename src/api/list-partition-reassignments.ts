// ListPartitionReassignments handler (key 46), version 0.
// Behaviour: the reassignments in progress with the current replicas and
// those being added and removed, for the named partitions or (null topics)
// for every topic. Partitions with nothing in progress, and unknown topics
// and partitions, are left out, as Kafka answers.
// Authorization (as Kafka's KafkaApis): Describe on the cluster
// (CLUSTER_AUTHORIZATION_FAILED).

import type { ReassignmentAdmin } from '../cluster/reassignment-admin.ts';
import { ListPartitionReassignments } from '../protocol/apis/list-partition-reassignments.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import type { RequestAuthorizer } from './authorization.ts';
import type { ApiHandler, RequestContext, RequestOf, ResponseOf } from './handler.ts';

type Response = ResponseOf<typeof ListPartitionReassignments>;

export function listPartitionReassignmentsHandler(
  admin: ReassignmentAdmin,
  authz: RequestAuthorizer,
): ApiHandler<typeof ListPartitionReassignments> {
  return {
    api: ListPartitionReassignments,
    minVersion: 0,
    maxVersion: 0,
    handle(req: RequestOf<typeof ListPartitionReassignments>, ctx: RequestContext): Response {
      if (!authz.cluster(ctx, 'DESCRIBE')) {
        return {
          throttleTimeMs: 0,
          errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
          errorMessage: 'Cluster authorization failed.',
          topics: [],
        };
      }
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        topics: admin.list(req.topics),
      };
    },
  };
}
