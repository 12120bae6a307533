// OffsetDelete handler (key 47), version 0.
// Behaviour: removes a group's committed offsets for the given partitions
// (writing tombstones to __consumer_offsets). A group that still consumes a
// topic keeps its offsets for it (GROUP_SUBSCRIBED_TO_TOPIC per partition); a
// non-consumer group with members gets NON_EMPTY_GROUP; an unknown group
// GROUP_ID_NOT_FOUND; a topic that does not exist UNKNOWN_TOPIC_OR_PARTITION.
// Authorization (as Kafka's KafkaApis): Delete on the group
// (GROUP_AUTHORIZATION_FAILED), then Read on each topic
// (TOPIC_AUTHORIZATION_FAILED).
// Version notes: v0 only (KIP-496).

import type { GroupCoordinator } from '../group/group-coordinator.ts';
import { OffsetDelete } from '../protocol/apis/offset-delete.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import type { BrokerServices } from './broker-services.ts';
import type { ApiHandler, RequestContext, RequestOf, ResponseOf } from './handler.ts';

type Response = ResponseOf<typeof OffsetDelete>;

export function offsetDeleteHandler(
  s: BrokerServices,
  groups: GroupCoordinator,
): ApiHandler<typeof OffsetDelete> {
  return {
    api: OffsetDelete,
    minVersion: 0,
    maxVersion: 0,
    async handle(req: RequestOf<typeof OffsetDelete>, ctx: RequestContext): Promise<Response> {
      // Kafka's rule: Delete on the group, then Read on each topic.
      if (!s.authorizer.allowed(ctx, 'DELETE', 'GROUP', req.groupId))
        return { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, throttleTimeMs: 0, topics: [] };
      const readable = s.authorizer.allowedNames(
        ctx,
        'READ',
        'TOPIC',
        req.topics.map((t) => t.name),
      );
      const denied = req.topics
        .filter((t) => !readable.has(t.name))
        .map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => ({
            partitionIndex: p.partitionIndex,
            errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
          })),
        }));
      const r = await groups.deleteOffsets({
        groupId: req.groupId,
        topics: req.topics
          .filter((t) => readable.has(t.name))
          .map((t) => ({
            name: t.name,
            partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex })),
          })),
        topicExists: (name) => s.image.topic(name) !== undefined,
      });
      return {
        errorCode: r.errorCode,
        throttleTimeMs: 0,
        topics: [
          ...r.topics.map((t) => ({
            name: t.name,
            partitions: t.partitions.map((p) => ({ ...p })),
          })),
          ...denied,
        ],
      };
    },
  };
}
