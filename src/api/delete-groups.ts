// DeleteGroups handler (key 42), versions 0-2.
// Behaviour: deletes empty groups with their committed offsets (tombstones in
// __consumer_offsets). A group with members gets NON_EMPTY_GROUP, an unknown
// one GROUP_ID_NOT_FOUND, one another broker coordinates NOT_COORDINATOR.
// Duplicate names are answered once.
// Authorization (as Kafka's KafkaApis): Delete on each group
// (GROUP_AUTHORIZATION_FAILED).
// Version notes: v1 only changes throttling; v2 flexible.

import type { GroupCoordinator } from '../group/group-coordinator.ts';
import { DeleteGroups } from '../protocol/apis/delete-groups.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import type { RequestAuthorizer } from './authorization.ts';
import type { ApiHandler, RequestContext, RequestOf, ResponseOf } from './handler.ts';

type Response = ResponseOf<typeof DeleteGroups>;

export function deleteGroupsHandler(
  groups: GroupCoordinator,
  authz: RequestAuthorizer,
): ApiHandler<typeof DeleteGroups> {
  return {
    api: DeleteGroups,
    minVersion: 0,
    maxVersion: 2,
    async handle(req: RequestOf<typeof DeleteGroups>, ctx: RequestContext): Promise<Response> {
      const deletable = authz.allowedNames(ctx, 'DELETE', 'GROUP', req.groupsNames);
      const r = await groups.deleteGroups({
        groupIds: req.groupsNames.filter((g) => deletable.has(g)),
      });
      const denied = req.groupsNames
        .filter((g) => !deletable.has(g))
        .map((groupId) => ({ groupId, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED }));
      return { throttleTimeMs: 0, results: [...r.results.map((g) => ({ ...g })), ...denied] };
    },
  };
}
