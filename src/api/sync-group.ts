// SyncGroup handler (key 14), versions 0-5.
// Behaviour: the leader's SyncGroup carries every member's assignment; the
// coordinator stores the group (a record in __consumer_offsets) before any
// member gets its assignment, and parks followers' requests until then.
// Errors are the coordinator's: UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION,
// REBALANCE_IN_PROGRESS, FENCED_INSTANCE_ID, and for v5 a protocol type or
// name that differs from the group's, INCONSISTENT_GROUP_PROTOCOL.
// Authorization (as Kafka's KafkaApis): Read on the group
// (GROUP_AUTHORIZATION_FAILED).
// Version notes: v1 throttle time; v3 group.instance.id; v4 flexible; v5
// protocol type and name in request and response (KIP-559).

import type { GroupCoordinator } from '../group/group-coordinator.ts';
import { SyncGroup } from '../protocol/apis/sync-group.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import type { RequestAuthorizer } from './authorization.ts';
import { toBuffer } from './group-fields.ts';
import type { ApiHandler, RequestContext, RequestOf, ResponseOf } from './handler.ts';

type Response = ResponseOf<typeof SyncGroup>;

export function syncGroupHandler(
  groups: GroupCoordinator,
  authz: RequestAuthorizer,
): ApiHandler<typeof SyncGroup> {
  return {
    api: SyncGroup,
    minVersion: 0,
    maxVersion: 5,
    async handle(req: RequestOf<typeof SyncGroup>, ctx: RequestContext): Promise<Response> {
      const v = ctx.apiVersion;
      if (!authz.allowed(ctx, 'READ', 'GROUP', req.groupId)) {
        return {
          throttleTimeMs: 0,
          errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED,
          protocolType: null,
          protocolName: null,
          assignment: Buffer.alloc(0),
        };
      }
      const r = await groups.sync({
        groupId: req.groupId,
        generationId: req.generationId,
        memberId: req.memberId,
        groupInstanceId: v >= 3 ? req.groupInstanceId : null,
        protocolType: v >= 5 ? req.protocolType : null,
        protocolName: v >= 5 ? req.protocolName : null,
        assignments: req.assignments.map((a) => ({
          memberId: a.memberId,
          assignment: a.assignment,
        })),
      });
      return {
        throttleTimeMs: 0,
        errorCode: r.errorCode,
        protocolType: r.protocolType,
        protocolName: r.protocolName,
        assignment: toBuffer(r.assignment),
      };
    },
  };
}
