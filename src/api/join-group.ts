// JoinGroup handler (key 11), versions 0-9.
// Behaviour: passes the join to the group coordinator and answers when the
// join phase of the rebalance completes (the request is parked until then, up
// to the rebalance timeout). The member's client id and host ("/<ip>") are
// recorded for DescribeGroups. Errors are the coordinator's: among them
// INCONSISTENT_GROUP_PROTOCOL for a protocol type or protocols that do not
// match the group's, INVALID_SESSION_TIMEOUT outside
// group.min/max.session.timeout.ms, GROUP_MAX_SIZE_REACHED, and (ours, not
// Kafka's) INVALID_REQUEST for member metadata over 1 MiB.
// Authorization (as Kafka's KafkaApis): Read on the group
// (GROUP_AUTHORIZATION_FAILED).
// Version notes: v1 rebalance timeout (v0 uses the session timeout, as does a
// timeout of 0 or less, a client's "unset": see effectiveRebalanceTimeoutMs); v2
// throttle time; v4 new dynamic members first get MEMBER_ID_REQUIRED (KIP-394);
// v5 group.instance.id (static membership, KIP-345); v6 flexible; v7 protocol
// type in the response and a nullable protocol name (KIP-559); v8 join reason
// (KIP-800); v9 skipAssignment for a restarted static leader (KIP-814).

import type { GroupCoordinator } from '../group/group-coordinator.ts';
import { JoinGroup } from '../protocol/apis/join-group.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import type { RequestAuthorizer } from './authorization.ts';
import { clientHostOf, toBuffer } from './group-fields.ts';
import type { ApiHandler, RequestContext, RequestOf, ResponseOf } from './handler.ts';

type Response = ResponseOf<typeof JoinGroup>;

export function joinGroupHandler(
  groups: GroupCoordinator,
  authz: RequestAuthorizer,
): ApiHandler<typeof JoinGroup> {
  return {
    api: JoinGroup,
    minVersion: 0,
    maxVersion: 9,
    async handle(req: RequestOf<typeof JoinGroup>, ctx: RequestContext): Promise<Response> {
      const v = ctx.apiVersion;
      if (!authz.allowed(ctx, 'READ', 'GROUP', req.groupId)) {
        return {
          throttleTimeMs: 0,
          errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED,
          generationId: -1,
          protocolType: null,
          protocolName: v >= 7 ? null : '',
          leader: '',
          skipAssignment: false,
          memberId: '',
          members: [],
        };
      }
      const r = await groups.join({
        apiVersion: v,
        groupId: req.groupId,
        memberId: req.memberId,
        groupInstanceId: v >= 5 ? req.groupInstanceId : null,
        clientId: ctx.clientId ?? '',
        clientHost: clientHostOf(ctx),
        rebalanceTimeoutMs: v >= 1 ? req.rebalanceTimeoutMs : req.sessionTimeoutMs,
        sessionTimeoutMs: req.sessionTimeoutMs,
        protocolType: req.protocolType,
        protocols: req.protocols.map((p) => ({ name: p.name, metadata: p.metadata })),
      });
      return {
        throttleTimeMs: 0,
        errorCode: r.errorCode,
        generationId: r.generationId,
        protocolType: r.protocolType,
        // Before v7 the name is not nullable: Kafka sends "" when there is none.
        protocolName: v >= 7 ? r.protocolName : (r.protocolName ?? ''),
        leader: r.leader,
        skipAssignment: r.skipAssignment,
        memberId: r.memberId,
        members: r.members.map((m) => ({
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          metadata: toBuffer(m.metadata),
        })),
      };
    },
  };
}
