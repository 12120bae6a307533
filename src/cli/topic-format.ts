// The text kafka-topics.sh prints for --describe, as pure functions: the topic
// line (TopicId omitted when zero, Configs listing the entries not at their
// default) and one tab-led line per partition ("Leader: none" without a
// leader), plus the filters --under-replicated-partitions and
// --unavailable-partitions apply, and --topic's include-list matching.

import { type ConfigEntry, ConfigSource } from '../client/admin.ts';
import {
  type PartitionMetadata,
  type TopicMetadata,
  ZERO_UUID,
} from '../client/cluster-metadata.ts';

export function topicLine(topic: TopicMetadata, configs: readonly ConfigEntry[]): string {
  const nonDefault = configs
    .filter((c) => c.source !== ConfigSource.DEFAULT_CONFIG)
    .map((c) => `${c.name}=${c.value ?? 'null'}`)
    .join(',');
  const replicationFactor = topic.partitions[0]?.replicas.length ?? 0;
  const id = topic.topicId === ZERO_UUID ? '' : `\tTopicId: ${topic.topicId}`;
  return (
    `Topic: ${topic.name}${id}\tPartitionCount: ${topic.partitions.length}` +
    `\tReplicationFactor: ${replicationFactor}\tConfigs: ${nonDefault}`
  );
}

export function partitionLine(topic: string, p: PartitionMetadata): string {
  const leader = p.leaderId < 0 ? 'none' : String(p.leaderId);
  return (
    `\tTopic: ${topic}\tPartition: ${p.partition}\tLeader: ${leader}` +
    `\tReplicas: ${p.replicas.join(',')}\tIsr: ${p.isr.join(',')}`
  );
}

export function isUnderReplicated(p: PartitionMetadata): boolean {
  return p.replicas.length - p.isr.length > 0;
}

export function isUnavailable(p: PartitionMetadata, liveBrokers: ReadonlySet<number>): boolean {
  return p.leaderId < 0 || !liveBrokers.has(p.leaderId);
}

export interface DescribeFilters {
  readonly underReplicated: boolean;
  readonly unavailable: boolean;
}

/**
 * The describe output of one topic. With a report filter on, only matching
 * partitions print and the topic line is left out, as Kafka does.
 */
export function describeLines(
  topic: TopicMetadata,
  configs: readonly ConfigEntry[],
  filters: DescribeFilters,
  liveBrokers: ReadonlySet<number>,
): string[] {
  const reporting = filters.underReplicated || filters.unavailable;
  const lines = reporting ? [] : [topicLine(topic, configs)];
  for (const p of topic.partitions) {
    const show =
      !reporting ||
      (filters.underReplicated && isUnderReplicated(p)) ||
      (filters.unavailable && isUnavailable(p, liveBrokers));
    if (show) lines.push(partitionLine(topic.name, p));
  }
  return lines;
}

/**
 * Kafka's --topic include list: a Java regex matched against the whole name,
 * commas meaning alternatives, surrounding quotes ignored.
 */
export function topicMatcher(include: string): (name: string) => boolean {
  const pattern = include
    .trim()
    .replace(/^["']|["']$/g, '')
    .replaceAll(',', '|');
  let re: RegExp;
  try {
    re = new RegExp(`^(?:${pattern})$`);
  } catch {
    return (name) => name === include;
  }
  return (name) => re.test(name);
}

/** Kafka's internal topics: listed unless --exclude-internal. */
export function isInternalTopic(name: string): boolean {
  return name === '__consumer_offsets' || name === '__transaction_state';
}
