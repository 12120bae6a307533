// The cluster as a Metadata response describes it: brokers, controller,
// cluster id, and each topic's partitions with leader, replicas and ISR,
// turned into plain typed values with lookups. Pure: built from a response.

import type { MetadataResponse } from '../protocol/apis/metadata.ts';
import type { MessageValue } from '../protocol/codec.ts';

export { ZERO_UUID } from '../protocol/schema.ts';
export const NO_LEADER = -1;

export interface BrokerNode {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
  readonly rack: string | null;
}

export interface PartitionMetadata {
  readonly partition: number;
  readonly errorCode: number;
  readonly leaderId: number;
  readonly leaderEpoch: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  readonly offlineReplicas: readonly number[];
}

export interface TopicMetadata {
  readonly name: string;
  readonly topicId: string;
  readonly errorCode: number;
  readonly isInternal: boolean;
  /** Sorted by partition index. */
  readonly partitions: readonly PartitionMetadata[];
}

export interface ClusterMetadata {
  readonly clusterId: string | null;
  readonly controllerId: number;
  readonly brokers: readonly BrokerNode[];
  readonly topics: readonly TopicMetadata[];
}

export function clusterMetadataFrom(r: MessageValue<typeof MetadataResponse>): ClusterMetadata {
  return {
    clusterId: r.clusterId,
    controllerId: r.controllerId,
    brokers: r.brokers.map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack })),
    topics: r.topics.map((t) => ({
      name: t.name ?? '',
      topicId: t.topicId,
      errorCode: t.errorCode,
      isInternal: t.isInternal,
      partitions: t.partitions
        .map((p) => ({
          partition: p.partitionIndex,
          errorCode: p.errorCode,
          leaderId: p.leaderId,
          leaderEpoch: p.leaderEpoch,
          replicas: p.replicaNodes,
          isr: p.isrNodes,
          offlineReplicas: p.offlineReplicas,
        }))
        .sort((a, b) => a.partition - b.partition),
    })),
  };
}

export function topicNamed(md: ClusterMetadata, name: string): TopicMetadata | undefined {
  return md.topics.find((t) => t.name === name);
}

export function brokerById(md: ClusterMetadata, nodeId: number): BrokerNode | undefined {
  return md.brokers.find((b) => b.nodeId === nodeId);
}
