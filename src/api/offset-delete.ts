// OffsetDelete handler (key 47), version 0.
// Behaviour: removes a group's committed offsets for the given partitions
// (writing tombstones to __consumer_offsets). A group that still consumes a
// topic keeps its offsets for it (GROUP_SUBSCRIBED_TO_TOPIC per partition); a
// non-consumer group with members gets NON_EMPTY_GROUP; an unknown group
// GROUP_ID_NOT_FOUND; a topic that does not exist UNKNOWN_TOPIC_OR_PARTITION.
// Version notes: v0 only (KIP-496).

import type { GroupCoordinator } from '../group/group-coordinator.ts';
import { OffsetDelete } from '../protocol/apis/offset-delete.ts';
import type { BrokerServices } from './broker-services.ts';
import type { ApiHandler, RequestOf, ResponseOf } from './handler.ts';

type Response = ResponseOf<typeof OffsetDelete>;

export function offsetDeleteHandler(
  s: BrokerServices,
  groups: GroupCoordinator,
): ApiHandler<typeof OffsetDelete> {
  return {
    api: OffsetDelete,
    minVersion: 0,
    maxVersion: 0,
    async handle(req: RequestOf<typeof OffsetDelete>): Promise<Response> {
      const r = await groups.deleteOffsets({
        groupId: req.groupId,
        topics: req.topics.map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex })),
        })),
        topicExists: (name) => s.image.topic(name) !== undefined,
      });
      return {
        errorCode: r.errorCode,
        throttleTimeMs: 0,
        topics: r.topics.map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => ({ ...p })),
        })),
      };
    },
  };
}
