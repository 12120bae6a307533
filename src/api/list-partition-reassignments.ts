// ListPartitionReassignments handler (key 46), version 0.
// Behaviour: the reassignments in progress with the current replicas and
// those being added and removed, for the named partitions or (null topics)
// for every topic. Partitions with nothing in progress, and unknown topics
// and partitions, are left out, as Kafka answers.

import type { ReassignmentAdmin } from '../cluster/reassignment-admin.ts';
import { ListPartitionReassignments } from '../protocol/apis/list-partition-reassignments.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import type { ApiHandler, RequestOf, ResponseOf } from './handler.ts';

type Response = ResponseOf<typeof ListPartitionReassignments>;

export function listPartitionReassignmentsHandler(
  admin: ReassignmentAdmin,
): ApiHandler<typeof ListPartitionReassignments> {
  return {
    api: ListPartitionReassignments,
    minVersion: 0,
    maxVersion: 0,
    handle(req: RequestOf<typeof ListPartitionReassignments>): Response {
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        topics: admin.list(req.topics),
      };
    },
  };
}
