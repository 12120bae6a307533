// OffsetFetch handler (key 9), versions 0-9.
// Behaviour: answers a group's committed offsets, whatever the group's state;
// a partition without a committed offset gets offset -1 and no error. A null
// topic list (v2+) asks for every committed offset of the group. v8+ batches
// groups, each with its own error. Before v2 there is no top-level error, so
// a group error (NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS...) is given
// on every requested partition, as Kafka does. requireStable has no effect
// until transactional offset commits exist.
// Authorization (as Kafka's KafkaApis): Describe on the group
// (GROUP_AUTHORIZATION_FAILED); named topics without Describe get
// TOPIC_AUTHORIZATION_FAILED, an all-topics answer leaves them out.
// Version notes: v1 reads Kafka-stored offsets (v0 read ZooKeeper's; served
// alike here); v2 null topics and top-level error; v3 throttle time; v5 leader
// epoch (KIP-320); v6 flexible; v7 requireStable (KIP-447); v8 several groups
// (KIP-709); v9 KIP-848 member id and epoch (not checked for classic groups).

import type { GroupCoordinator } from '../group/group-coordinator.ts';
import type { OffsetFetchResponse as Fetched } from '../group/group-machine-types.ts';
import { OffsetFetch } from '../protocol/apis/offset-fetch.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import type { RequestAuthorizer } from './authorization.ts';
import type { ApiHandler, RequestContext, RequestOf, ResponseOf } from './handler.ts';

type Request = RequestOf<typeof OffsetFetch>;
type Response = ResponseOf<typeof OffsetFetch>;
type RequestedTopics = readonly { name: string; partitionIndexes: number[] }[] | null;

function partitionsOut(f: Fetched) {
  return f.topics.map((t) => ({
    name: t.name,
    partitions: t.partitions.map((p) => ({
      partitionIndex: p.partitionIndex,
      committedOffset: p.committedOffset,
      committedLeaderEpoch: p.committedLeaderEpoch,
      metadata: p.metadata,
      errorCode: p.errorCode,
    })),
  }));
}

/** v0-1: the group's error on every requested partition. */
function groupErrorOnPartitions(topics: RequestedTopics, errorCode: number) {
  return (topics ?? []).map((t) => ({
    name: t.name,
    partitions: t.partitionIndexes.map((partitionIndex) => ({
      partitionIndex,
      committedOffset: -1,
      committedLeaderEpoch: -1,
      metadata: '',
      errorCode,
    })),
  }));
}

export function offsetFetchHandler(
  groups: GroupCoordinator,
  authz: RequestAuthorizer,
): ApiHandler<typeof OffsetFetch> {
  const fetchAny = (groupId: string, topics: RequestedTopics, requireStable: boolean) =>
    groups.fetchOffsets({
      groupId,
      topics: topics?.map((t) => ({ name: t.name, partitionIndexes: t.partitionIndexes })) ?? null,
      requireStable,
    });

  /**
   * Kafka's rule: Describe on the group (else GROUP_AUTHORIZATION_FAILED), and only
   * topics the principal may Describe: named ones it may not get
   * TOPIC_AUTHORIZATION_FAILED, an all-topics answer leaves them out.
   */
  async function fetchOne(
    ctx: RequestContext,
    groupId: string,
    topics: RequestedTopics,
    requireStable: boolean,
  ): Promise<Fetched> {
    if (!authz.allowed(ctx, 'DESCRIBE', 'GROUP', groupId))
      return { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, topics: [] };
    if (topics === null) {
      const f = await fetchAny(groupId, null, requireStable);
      const names = f.topics.map((t) => t.name);
      const allowed = authz.allowedNames(ctx, 'DESCRIBE', 'TOPIC', names, { logIfDenied: false });
      return { errorCode: f.errorCode, topics: f.topics.filter((t) => allowed.has(t.name)) };
    }
    const allowed = authz.allowedNames(
      ctx,
      'DESCRIBE',
      'TOPIC',
      topics.map((t) => t.name),
    );
    const f = await fetchAny(
      groupId,
      topics.filter((t) => allowed.has(t.name)),
      requireStable,
    );
    const denied = groupErrorOnPartitions(
      topics.filter((t) => !allowed.has(t.name)),
      ErrorCode.TOPIC_AUTHORIZATION_FAILED,
    );
    return { errorCode: f.errorCode, topics: [...f.topics, ...denied] };
  }

  return {
    api: OffsetFetch,
    minVersion: 0,
    maxVersion: 9,
    async handle(req: Request, ctx: RequestContext): Promise<Response> {
      const v = ctx.apiVersion;
      const requireStable = v >= 7 && req.requireStable;
      if (v >= 8) {
        const results = await Promise.all(
          req.groups.map(async (g) => {
            const f = await fetchOne(ctx, g.groupId, g.topics, requireStable);
            return { groupId: g.groupId, topics: partitionsOut(f), errorCode: f.errorCode };
          }),
        );
        return { throttleTimeMs: 0, topics: [], errorCode: ErrorCode.NONE, groups: results };
      }
      // v0-1 cannot send a null list; an empty one asks for nothing.
      const requested = v >= 2 ? req.topics : (req.topics ?? []);
      const f = await fetchOne(ctx, req.groupId, requested, requireStable);
      const topics =
        v < 2 && f.errorCode !== ErrorCode.NONE
          ? groupErrorOnPartitions(requested, f.errorCode)
          : partitionsOut(f);
      return { throttleTimeMs: 0, topics, errorCode: f.errorCode, groups: [] };
    },
  };
}
