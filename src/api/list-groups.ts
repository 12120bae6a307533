// ListGroups handler (key 16), versions 0-5.
// Behaviour: the groups this broker coordinates (admin tools ask every
// broker), optionally filtered by state (v4+, case-insensitive) and type
// (v5+; every group here is "classic"). While a __consumer_offsets partition
// is loading the list comes with COORDINATOR_LOAD_IN_PROGRESS.
// Authorization (as Kafka's KafkaApis): Describe on the cluster lists every
// group; otherwise only the groups the principal may Describe.
// Version notes: v1 throttle time; v3 flexible; v4 states filter and each
// group's state (KIP-518); v5 types filter and each group's type (KIP-848).

import type { GroupCoordinator } from '../group/group-coordinator.ts';
import { ListGroups } from '../protocol/apis/list-groups.ts';
import type { RequestAuthorizer } from './authorization.ts';
import type { ApiHandler, RequestContext, RequestOf, ResponseOf } from './handler.ts';

type Response = ResponseOf<typeof ListGroups>;

export function listGroupsHandler(
  groups: GroupCoordinator,
  authz: RequestAuthorizer,
): ApiHandler<typeof ListGroups> {
  return {
    api: ListGroups,
    minVersion: 0,
    maxVersion: 5,
    async handle(req: RequestOf<typeof ListGroups>, ctx: RequestContext): Promise<Response> {
      const v = ctx.apiVersion;
      const r = await groups.listGroups({
        statesFilter: v >= 4 ? req.statesFilter : [],
        typesFilter: v >= 5 ? req.typesFilter : [],
      });
      // Describe on the cluster lists every group; otherwise those the principal may Describe.
      const all = authz.cluster(ctx, 'DESCRIBE', { logIfDenied: false });
      const visible = all
        ? r.groups
        : r.groups.filter((g) =>
            authz.allowed(ctx, 'DESCRIBE', 'GROUP', g.groupId, { logIfDenied: false }),
          );
      return {
        throttleTimeMs: 0,
        errorCode: r.errorCode,
        groups: visible.map((g) => ({ ...g })),
      };
    },
  };
}
