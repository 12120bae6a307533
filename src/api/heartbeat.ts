// Heartbeat handler (key 12), versions 0-4.
// Behaviour: keeps the member's session alive; the answer tells it whether a
// rebalance has started (REBALANCE_IN_PROGRESS: rejoin), whether it was
// removed (UNKNOWN_MEMBER_ID) or fenced by a newer instance with its
// group.instance.id (FENCED_INSTANCE_ID), or whether its generation is stale
// (ILLEGAL_GENERATION).
// Authorization (as Kafka's KafkaApis): Read on the group
// (GROUP_AUTHORIZATION_FAILED).
// Version notes: v1 throttle time; v3 group.instance.id (KIP-345); v4 flexible.

import type { GroupCoordinator } from '../group/group-coordinator.ts';
import { Heartbeat } from '../protocol/apis/heartbeat.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import type { RequestAuthorizer } from './authorization.ts';
import type { ApiHandler, RequestContext, RequestOf, ResponseOf } from './handler.ts';

type Response = ResponseOf<typeof Heartbeat>;

export function heartbeatHandler(
  groups: GroupCoordinator,
  authz: RequestAuthorizer,
): ApiHandler<typeof Heartbeat> {
  return {
    api: Heartbeat,
    minVersion: 0,
    maxVersion: 4,
    async handle(req: RequestOf<typeof Heartbeat>, ctx: RequestContext): Promise<Response> {
      if (!authz.allowed(ctx, 'READ', 'GROUP', req.groupId))
        return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED };
      const r = await groups.heartbeat({
        groupId: req.groupId,
        generationId: req.generationId,
        memberId: req.memberId,
        groupInstanceId: ctx.apiVersion >= 3 ? req.groupInstanceId : null,
      });
      return { throttleTimeMs: 0, errorCode: r.errorCode };
    },
  };
}
