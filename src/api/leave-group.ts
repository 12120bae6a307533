// LeaveGroup handler (key 13), versions 0-5.
// Behaviour: removes the named members and starts a rebalance for the rest.
// v3+ batches members, static ones by group.instance.id, with an error per
// member; for v0-2 the single member's error is the top-level error.
// Authorization (as Kafka's KafkaApis): Read on the group
// (GROUP_AUTHORIZATION_FAILED).
// Version notes: v1 throttle time; v3 member batch (KIP-345); v4 flexible;
// v5 a reason per member (KIP-800), which is not stored.

import type { GroupCoordinator } from '../group/group-coordinator.ts';
import { LeaveGroup } from '../protocol/apis/leave-group.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import type { RequestAuthorizer } from './authorization.ts';
import type { ApiHandler, RequestContext, RequestOf, ResponseOf } from './handler.ts';

type Response = ResponseOf<typeof LeaveGroup>;

export function leaveGroupHandler(
  groups: GroupCoordinator,
  authz: RequestAuthorizer,
): ApiHandler<typeof LeaveGroup> {
  return {
    api: LeaveGroup,
    minVersion: 0,
    maxVersion: 5,
    async handle(req: RequestOf<typeof LeaveGroup>, ctx: RequestContext): Promise<Response> {
      if (!authz.allowed(ctx, 'READ', 'GROUP', req.groupId))
        return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, members: [] };
      const batched = ctx.apiVersion >= 3;
      const members = batched
        ? req.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId }))
        : [{ memberId: req.memberId, groupInstanceId: null }];
      const r = await groups.leave({ groupId: req.groupId, members });
      if (batched) {
        return {
          throttleTimeMs: 0,
          errorCode: r.errorCode,
          members: r.members.map((m) => ({ ...m })),
        };
      }
      const memberError = r.members[0]?.errorCode ?? ErrorCode.NONE;
      const errorCode = r.errorCode !== ErrorCode.NONE ? r.errorCode : memberError;
      return { throttleTimeMs: 0, errorCode, members: [] };
    },
  };
}
