// TxnOffsetCommit handler (key 28), versions 0-4.
// Behaviour: the group coordinator writes the offsets to the group's
// __consumer_offsets partition as a transactional batch of the producer and
// keeps them staged; they become the group's committed offsets when the
// transaction's commit marker reaches that partition, and are dropped on
// abort. Until then OffsetFetch with requireStable answers
// UNSTABLE_OFFSET_COMMIT for them. With a member id and generation (v3+) the
// member is checked like an OffsetCommit's (UNKNOWN_MEMBER_ID,
// ILLEGAL_GENERATION, FENCED_INSTANCE_ID). A partition of an unknown topic
// gets UNKNOWN_TOPIC_OR_PARTITION.
// Version notes: v2 committed leader epoch; v3 flexible, member id,
// generation and group.instance.id; v4 TRANSACTION_ABORTABLE (never sent).

import type { GroupCoordinator } from '../group/group-coordinator.ts';
import { TxnOffsetCommit } from '../protocol/apis/txn-offset-commit.ts';
import type { BrokerServices } from './broker-services.ts';
import type { ApiHandler, RequestContext, RequestOf, ResponseOf } from './handler.ts';

export function txnOffsetCommitHandler(
  s: BrokerServices,
  groups: GroupCoordinator,
): ApiHandler<typeof TxnOffsetCommit> {
  return {
    api: TxnOffsetCommit,
    minVersion: 0,
    maxVersion: 4,
    async handle(
      req: RequestOf<typeof TxnOffsetCommit>,
      ctx: RequestContext,
    ): Promise<ResponseOf<typeof TxnOffsetCommit>> {
      const v = ctx.apiVersion;
      const topicExists = (name: string) => s.image.topic(name) !== undefined;
      const partitionExists = (name: string, p: number) => s.image.partition(name, p) !== undefined;
      const r = await groups.txnCommit({
        groupId: req.groupId,
        producerId: req.producerId,
        producerEpoch: req.producerEpoch,
        generationId: v >= 3 ? req.generationId : -1,
        memberId: v >= 3 ? req.memberId : '',
        groupInstanceId: v >= 3 ? req.groupInstanceId : null,
        topics: req.topics.map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => ({
            partitionIndex: p.partitionIndex,
            committedOffset: p.committedOffset,
            committedLeaderEpoch: v >= 2 ? p.committedLeaderEpoch : -1,
            committedMetadata: p.committedMetadata,
          })),
        })),
        topicExists: (name) =>
          topicExists(name) &&
          req.topics
            .filter((t) => t.name === name)
            .every((t) => t.partitions.every((p) => partitionExists(name, p.partitionIndex))),
      });
      return {
        throttleTimeMs: 0,
        topics: r.topics.map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => ({
            partitionIndex: p.partitionIndex,
            errorCode: p.errorCode,
          })),
        })),
      };
    },
  };
}
