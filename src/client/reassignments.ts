// Partition reassignments as Kafka's Admin asks for them: AlterPartitionReassignments
// (target replicas, or null to cancel) and ListPartitionReassignments, both sent
// to the controller. Request-level errors are thrown; per-partition errors are
// returned for the caller to report.

import { AlterPartitionReassignments } from '../protocol/apis/alter-partition-reassignments.ts';
import { ListPartitionReassignments } from '../protocol/apis/list-partition-reassignments.ts';
import { throwIfError } from './errors.ts';
import { groupByTopic, type TopicPartition } from './fetcher.ts';
import type { KafkaClient } from './kafka-client.ts';

export interface ReassignmentTarget extends TopicPartition {
  /** The replicas to move to; null cancels the reassignment in progress. */
  readonly replicas: readonly number[] | null;
}

export interface ReassignmentOutcome extends TopicPartition {
  readonly errorCode: number;
  readonly errorMessage: string | null;
}

export interface OngoingReassignment extends TopicPartition {
  readonly replicas: readonly number[];
  readonly addingReplicas: readonly number[];
  readonly removingReplicas: readonly number[];
}

/** Kafka's default.api.timeout.ms, the wait the controller is given. */
const TIMEOUT_MS = 60_000;

export async function alterPartitionReassignments(
  client: KafkaClient,
  targets: readonly ReassignmentTarget[],
): Promise<ReassignmentOutcome[]> {
  const byTopic = groupByTopic(targets, (t) => ({
    partitionIndex: t.partition,
    replicas: t.replicas === null ? null : [...t.replicas],
  }));
  const response = await client.sendToController(AlterPartitionReassignments, {
    timeoutMs: TIMEOUT_MS,
    allowReplicationFactorChange: true,
    topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
  });
  throwIfError(response.errorCode, response.errorMessage);
  return response.responses.flatMap((t) =>
    t.partitions.map((p) => ({
      topic: t.name,
      partition: p.partitionIndex,
      errorCode: p.errorCode,
      errorMessage: p.errorMessage,
    })),
  );
}

/** Every reassignment in progress in the cluster. */
export async function listPartitionReassignments(
  client: KafkaClient,
): Promise<OngoingReassignment[]> {
  const response = await client.sendToController(ListPartitionReassignments, {
    timeoutMs: TIMEOUT_MS,
    topics: null,
  });
  throwIfError(response.errorCode, response.errorMessage);
  return response.topics.flatMap((t) =>
    t.partitions.map((p) => ({
      topic: t.name,
      partition: p.partitionIndex,
      replicas: p.replicas,
      addingReplicas: p.addingReplicas,
      removingReplicas: p.removingReplicas,
    })),
  );
}
