// DescribeGroups handler (key 15), versions 0-5.
// Behaviour: state, protocol type, selected protocol and members of each
// group this broker coordinates; member metadata and assignments are shown
// only while the group is Stable, as Kafka does. An unknown group is
// described as "Dead" with no error (GROUP_ID_NOT_FOUND is v6+); a group
// another broker coordinates gets NOT_COORDINATOR. Authorized operations are
// left at Kafka's "not requested" value.
// Version notes: v1 throttle time; v3 authorized operations (KIP-430); v4
// group.instance.id per member (KIP-345); v5 flexible.

import type { GroupCoordinator } from '../group/group-coordinator.ts';
import { DescribeGroups } from '../protocol/apis/describe-groups.ts';
import { AUTHORIZED_OPERATIONS_OMITTED, toBuffer } from './group-fields.ts';
import type { ApiHandler, RequestContext, RequestOf, ResponseOf } from './handler.ts';

type Response = ResponseOf<typeof DescribeGroups>;

export function describeGroupsHandler(groups: GroupCoordinator): ApiHandler<typeof DescribeGroups> {
  return {
    api: DescribeGroups,
    minVersion: 0,
    maxVersion: 5,
    async handle(req: RequestOf<typeof DescribeGroups>, ctx: RequestContext): Promise<Response> {
      const r = await groups.describeGroups({ groupIds: req.groups, apiVersion: ctx.apiVersion });
      return {
        throttleTimeMs: 0,
        groups: r.groups.map((g) => ({
          errorCode: g.errorCode,
          groupId: g.groupId,
          groupState: g.groupState,
          protocolType: g.protocolType,
          protocolData: g.protocolData,
          members: g.members.map((m) => ({
            memberId: m.memberId,
            groupInstanceId: m.groupInstanceId,
            clientId: m.clientId,
            clientHost: m.clientHost,
            memberMetadata: toBuffer(m.memberMetadata),
            memberAssignment: toBuffer(m.memberAssignment),
          })),
          authorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
        })),
      };
    },
  };
}
