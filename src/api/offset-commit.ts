// OffsetCommit handler (key 8), versions 0-9.
// Behaviour: stores the consumer's positions in __consumer_offsets and answers
// once the records are appended. Members commit with their generation; a
// consumer outside group management commits with generation -1 while the group
// is empty. A partition of a topic that does not exist, or beyond the topic's
// partitions, gets UNKNOWN_TOPIC_OR_PARTITION; metadata longer than
// offset.metadata.max.bytes gets OFFSET_METADATA_TOO_LARGE; the other
// partitions are committed. v0 commits are stored like v1 commits with
// generation -1 (Kafka once kept them in ZooKeeper).
// Authorization (as Kafka's KafkaApis): Read on the group
// (GROUP_AUTHORIZATION_FAILED on every partition), then Read on each topic
// (TOPIC_AUTHORIZATION_FAILED).
// Version notes: v1 generation, member id and a per-partition commit
// timestamp; v2-4 retention time (v5 drops it); v3 throttle time; v6 leader
// epoch (KIP-320); v7 group.instance.id (KIP-345); v8 flexible; v9 KIP-848
// member epochs (classic groups read it as the generation).

import type { GroupCoordinator } from '../group/group-coordinator.ts';
import type { OffsetCommitPartitionInput } from '../group/group-machine-types.ts';
import { OffsetCommit } from '../protocol/apis/offset-commit.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import type { BrokerServices } from './broker-services.ts';
import type { ApiHandler, RequestContext, RequestOf, ResponseOf } from './handler.ts';

type Request = RequestOf<typeof OffsetCommit>;
type Response = ResponseOf<typeof OffsetCommit>;
type RequestPartition = Request['topics'][number]['partitions'][number];

function partitionKey(topic: string, partition: number): string {
  return JSON.stringify([topic, partition]);
}

/** Every requested partition with one error code. */
function everyPartition(req: Request, errorCode: number): Response {
  return {
    throttleTimeMs: 0,
    topics: req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })),
    })),
  };
}

export function offsetCommitHandler(
  s: BrokerServices,
  groups: GroupCoordinator,
): ApiHandler<typeof OffsetCommit> {
  /** Whether the partition exists; commits to a missing topic are left to the coordinator. */
  const partitionMissing = (topic: string, partition: number): boolean => {
    const t = s.image.topic(topic);
    return t !== undefined && !t.partitions.has(partition);
  };

  function missingPartitions(req: Request): Set<string> {
    const missing = new Set<string>();
    for (const t of req.topics) {
      for (const p of t.partitions) {
        if (partitionMissing(t.name, p.partitionIndex)) {
          missing.add(partitionKey(t.name, p.partitionIndex));
        }
      }
    }
    return missing;
  }

  function partitionInput(v: number, p: RequestPartition): OffsetCommitPartitionInput {
    return {
      partitionIndex: p.partitionIndex,
      committedOffset: p.committedOffset,
      committedLeaderEpoch: v >= 6 ? p.committedLeaderEpoch : -1,
      commitTimestamp: v === 1 ? p.commitTimestamp : -1,
      committedMetadata: p.committedMetadata,
    };
  }

  return {
    api: OffsetCommit,
    minVersion: 0,
    maxVersion: 9,
    async handle(req: Request, ctx: RequestContext): Promise<Response> {
      const v = ctx.apiVersion;
      // Kafka's rule: Read on the group (else every partition GROUP_AUTHORIZATION_FAILED),
      // then Read on each topic (else its partitions TOPIC_AUTHORIZATION_FAILED).
      if (!s.authorizer.allowed(ctx, 'READ', 'GROUP', req.groupId))
        return everyPartition(req, ErrorCode.GROUP_AUTHORIZATION_FAILED);
      const readable = s.authorizer.allowedNames(
        ctx,
        'READ',
        'TOPIC',
        req.topics.map((t) => t.name),
      );
      // Decided once, so the answer agrees with what was sent even if metadata changes meanwhile.
      const missing = missingPartitions(req);
      const topics = req.topics
        .filter((t) => readable.has(t.name))
        .map((t) => ({
          name: t.name,
          partitions: t.partitions
            .filter((p) => !missing.has(partitionKey(t.name, p.partitionIndex)))
            .map((p) => partitionInput(v, p)),
        }))
        .filter((t) => t.partitions.length > 0);
      const answered = new Map<string, number[]>();
      if (topics.length > 0) {
        const r = await groups.commit({
          groupId: req.groupId,
          generationId: v >= 1 ? req.generationIdOrMemberEpoch : -1,
          memberId: v >= 1 ? req.memberId : '',
          groupInstanceId: v >= 7 ? req.groupInstanceId : null,
          retentionTimeMs: v >= 2 && v <= 4 ? req.retentionTimeMs : -1,
          topics,
          topicExists: (name) => s.image.topic(name) !== undefined,
        });
        for (const t of r.topics) {
          for (const p of t.partitions) {
            const key = partitionKey(t.name, p.partitionIndex);
            answered.set(key, [...(answered.get(key) ?? []), p.errorCode]);
          }
        }
      }
      // Answer in request order, each partition with the coordinator's code or ours.
      const errorOf = (topic: string, partition: number): number => {
        if (!readable.has(topic)) return ErrorCode.TOPIC_AUTHORIZATION_FAILED;
        const key = partitionKey(topic, partition);
        if (missing.has(key)) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        return answered.get(key)?.shift() ?? ErrorCode.UNKNOWN_SERVER_ERROR;
      };
      return {
        throttleTimeMs: 0,
        topics: req.topics.map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => ({
            partitionIndex: p.partitionIndex,
            errorCode: errorOf(t.name, p.partitionIndex),
          })),
        })),
      };
    },
  };
}
