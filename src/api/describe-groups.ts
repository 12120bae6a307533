// DescribeGroups handler (key 15), versions 0-5.
// Behaviour: state, protocol type, selected protocol and members of each
// group this broker coordinates; member metadata and assignments are shown
// only while the group is Stable, as Kafka does. An unknown group is
// described as "Dead" with no error (GROUP_ID_NOT_FOUND is v6+); a group
// another broker coordinates gets NOT_COORDINATOR.
// Authorization (as Kafka's KafkaApis): Describe on each group
// (GROUP_AUTHORIZATION_FAILED); authorized operations (v3+) when asked for.
// Version notes: v1 throttle time; v3 authorized operations (KIP-430); v4
// group.instance.id per member (KIP-345); v5 flexible.

import type { GroupCoordinator } from '../group/group-coordinator.ts';
import { DescribeGroups } from '../protocol/apis/describe-groups.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import type { RequestAuthorizer } from './authorization.ts';
import { AUTHORIZED_OPERATIONS_OMITTED, toBuffer } from './group-fields.ts';
import type { ApiHandler, RequestContext, RequestOf, ResponseOf } from './handler.ts';

type Response = ResponseOf<typeof DescribeGroups>;

export function describeGroupsHandler(
  groups: GroupCoordinator,
  authz: RequestAuthorizer,
): ApiHandler<typeof DescribeGroups> {
  return {
    api: DescribeGroups,
    minVersion: 0,
    maxVersion: 5,
    async handle(req: RequestOf<typeof DescribeGroups>, ctx: RequestContext): Promise<Response> {
      const allowed = authz.allowedNames(ctx, 'DESCRIBE', 'GROUP', req.groups);
      const r = await groups.describeGroups({
        groupIds: req.groups.filter((g) => allowed.has(g)),
        apiVersion: ctx.apiVersion,
      });
      const described = new Map(r.groups.map((g) => [g.groupId, g]));
      const operations = (groupId: string) =>
        ctx.apiVersion >= 3 && req.includeAuthorizedOperations
          ? authz.authorizedOperations(ctx, 'GROUP', groupId)
          : AUTHORIZED_OPERATIONS_OMITTED;
      return {
        throttleTimeMs: 0,
        groups: req.groups.map((groupId) => {
          const g = described.get(groupId);
          return g === undefined
            ? deniedGroup(groupId)
            : { ...describedGroup(g), authorizedOperations: operations(groupId) };
        }),
      };
    },
  };
}

function deniedGroup(groupId: string): Response['groups'][number] {
  return {
    errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED,
    groupId,
    groupState: '',
    protocolType: '',
    protocolData: '',
    members: [],
    authorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
  };
}

function describedGroup(
  g: Awaited<ReturnType<GroupCoordinator['describeGroups']>>['groups'][number],
): Response['groups'][number] {
  return {
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
  };
}
