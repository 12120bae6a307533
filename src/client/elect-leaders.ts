// Leader elections as Kafka's Admin.electLeaders asks for them: one
// ElectLeaders request to the controller naming the partitions (or none, for
// every partition), answered per partition. A request-level error is thrown;
// per-partition errors are returned for the caller to report.

import { ElectLeaders } from '../protocol/apis/elect-leaders.ts';
import { throwIfError } from './errors.ts';
import { groupByTopic, type TopicPartition } from './fetcher.ts';
import type { KafkaClient } from './kafka-client.ts';

/** Kafka's ElectionType. */
export const ElectionType = { PREFERRED: 0, UNCLEAN: 1 } as const;
export type ElectionTypeValue = (typeof ElectionType)[keyof typeof ElectionType];

export interface ElectionResult extends TopicPartition {
  /** 0 when elected; ELECTION_NOT_NEEDED (84) when the wanted leader already led. */
  readonly errorCode: number;
  readonly errorMessage: string | null;
}

/** Default wait for the elections, as Kafka's default.api.timeout.ms. */
export const ELECTION_TIMEOUT_MS_DEFAULT = 30_000;

export async function electLeaders(
  client: KafkaClient,
  electionType: ElectionTypeValue,
  partitions: readonly TopicPartition[] | null,
  timeoutMs = ELECTION_TIMEOUT_MS_DEFAULT,
): Promise<ElectionResult[]> {
  const response = await client.sendToController(ElectLeaders, {
    electionType,
    topicPartitions:
      partitions === null
        ? null
        : [...groupByTopic(partitions, (tp) => tp.partition)].map(([topic, list]) => ({
            topic,
            partitions: list,
          })),
    timeoutMs,
  });
  throwIfError(response.errorCode);
  return response.replicaElectionResults.flatMap((t) =>
    t.partitionResult.map((p) => ({
      topic: t.topic,
      partition: p.partitionId,
      errorCode: p.errorCode,
      errorMessage: p.errorMessage,
    })),
  );
}
