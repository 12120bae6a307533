// DeleteGroups handler (key 42), versions 0-2.
// Behaviour: deletes empty groups with their committed offsets (tombstones in
// __consumer_offsets). A group with members gets NON_EMPTY_GROUP, an unknown
// one GROUP_ID_NOT_FOUND, one another broker coordinates NOT_COORDINATOR.
// Duplicate names are answered once.
// Version notes: v1 only changes throttling; v2 flexible.

import type { GroupCoordinator } from '../group/group-coordinator.ts';
import { DeleteGroups } from '../protocol/apis/delete-groups.ts';
import type { ApiHandler, RequestOf, ResponseOf } from './handler.ts';

type Response = ResponseOf<typeof DeleteGroups>;

export function deleteGroupsHandler(groups: GroupCoordinator): ApiHandler<typeof DeleteGroups> {
  return {
    api: DeleteGroups,
    minVersion: 0,
    maxVersion: 2,
    async handle(req: RequestOf<typeof DeleteGroups>): Promise<Response> {
      const r = await groups.deleteGroups({ groupIds: req.groupsNames });
      return { throttleTimeMs: 0, results: r.results.map((g) => ({ ...g })) };
    },
  };
}
