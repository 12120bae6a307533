// Admin calls as Kafka's Admin client makes them, each routed where Kafka
// routes it: topic and config changes to the controller, a broker's configs to
// that broker, group calls to the group's coordinator, ListGroups to every
// broker. Each returns plain typed values and throws a KafkaError (with the
// broker's message) for the first failure.

import { CreatePartitions } from '../protocol/apis/create-partitions.ts';
import { CreateTopics } from '../protocol/apis/create-topics.ts';
import { DeleteGroups } from '../protocol/apis/delete-groups.ts';
import { DeleteTopics } from '../protocol/apis/delete-topics.ts';
import { DescribeCluster } from '../protocol/apis/describe-cluster.ts';
import { DescribeConfigs } from '../protocol/apis/describe-configs.ts';
import { DescribeGroups } from '../protocol/apis/describe-groups.ts';
import { IncrementalAlterConfigs } from '../protocol/apis/incremental-alter-configs.ts';
import { ListGroups } from '../protocol/apis/list-groups.ts';
import { OffsetCommit } from '../protocol/apis/offset-commit.ts';
import { OffsetFetch } from '../protocol/apis/offset-fetch.ts';
import { type BrokerNode, ZERO_UUID } from './cluster-metadata.ts';
import { decodeAssignment } from './consumer-protocol.ts';
import { ErrorCode, kafkaError, throwIfError } from './errors.ts';
import { groupByTopic, type TopicPartition } from './fetcher.ts';
import type { KafkaClient } from './kafka-client.ts';
import { retrying } from './retry.ts';

export const ConfigResourceType = { TOPIC: 2, BROKER: 4, BROKER_LOGGER: 8 } as const;
export type ConfigResourceTypeValue = (typeof ConfigResourceType)[keyof typeof ConfigResourceType];

/** Kafka's ConfigEntry.ConfigSource, by wire id. */
export const CONFIG_SOURCE_NAMES: readonly string[] = [
  'UNKNOWN',
  'DYNAMIC_TOPIC_CONFIG',
  'DYNAMIC_BROKER_CONFIG',
  'DYNAMIC_DEFAULT_BROKER_CONFIG',
  'STATIC_BROKER_CONFIG',
  'DEFAULT_CONFIG',
  'DYNAMIC_BROKER_LOGGER_CONFIG',
  'CLIENT_METRICS_CONFIG',
  'GROUP_CONFIG',
];
export const ConfigSource = {
  DYNAMIC_TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
} as const;

export const AlterConfigOp = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const;

export interface NewTopic {
  readonly name: string;
  /** -1: the broker's num.partitions. */
  readonly numPartitions: number;
  /** -1: the broker's default.replication.factor. */
  readonly replicationFactor: number;
  readonly configs: Readonly<Record<string, string>>;
}

export interface ConfigResource {
  readonly type: ConfigResourceTypeValue;
  readonly name: string;
}

export interface ConfigSynonym {
  readonly name: string;
  readonly value: string | null;
  readonly source: number;
}

export interface ConfigEntry {
  readonly name: string;
  readonly value: string | null;
  readonly source: number;
  readonly isSensitive: boolean;
  readonly readOnly: boolean;
  readonly synonyms: readonly ConfigSynonym[];
}

export interface ClusterDescription {
  readonly clusterId: string;
  readonly controllerId: number;
  readonly brokers: readonly BrokerNode[];
}

export interface GroupListing {
  readonly groupId: string;
  readonly protocolType: string;
  readonly state: string;
}

export interface MemberDescription {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly host: string;
  readonly assignment: readonly TopicPartition[];
}

export interface GroupDescription {
  readonly groupId: string;
  readonly state: string;
  readonly protocolType: string;
  /** The assignor chosen for the current generation ("range", ...), or ''. */
  readonly protocol: string;
  readonly coordinator: BrokerNode;
  readonly members: readonly MemberDescription[];
}

export interface CommittedOffset extends TopicPartition {
  readonly offset: number;
  readonly leaderEpoch: number;
  readonly metadata: string | null;
}

export async function createTopics(
  client: KafkaClient,
  topics: readonly NewTopic[],
  opts: { readonly timeoutMs?: number; readonly validateOnly?: boolean } = {},
): Promise<{ name: string; topicId: string }[]> {
  const response = await client.sendToController(CreateTopics, {
    topics: topics.map((t) => ({
      name: t.name,
      numPartitions: t.numPartitions,
      replicationFactor: t.replicationFactor,
      assignments: [],
      configs: Object.entries(t.configs).map(([name, value]) => ({ name, value })),
    })),
    timeoutMs: opts.timeoutMs ?? 30_000,
    validateOnly: opts.validateOnly ?? false,
  });
  for (const t of response.topics) throwIfError(t.errorCode, t.errorMessage);
  return response.topics.map((t) => ({ name: t.name, topicId: t.topicId }));
}

export async function deleteTopics(
  client: KafkaClient,
  names: readonly string[],
  timeoutMs = 30_000,
): Promise<void> {
  const response = await client.sendToController(DeleteTopics, {
    topics: names.map((name) => ({ name, topicId: ZERO_UUID })),
    topicNames: [...names],
    timeoutMs,
  });
  for (const r of response.responses) throwIfError(r.errorCode, r.errorMessage);
}

/** Raises a topic's partition count to `totalCount`. */
export async function createPartitions(
  client: KafkaClient,
  topic: string,
  totalCount: number,
  timeoutMs = 30_000,
): Promise<void> {
  const response = await client.sendToController(CreatePartitions, {
    topics: [{ name: topic, count: totalCount, assignments: null }],
    timeoutMs,
    validateOnly: false,
  });
  for (const r of response.results) throwIfError(r.errorCode, r.errorMessage);
}

/** A broker resource named by id is described by that broker, as Kafka's admin does. */
async function sendForResource<T>(
  resource: ConfigResource,
  send: (target: number | null) => Promise<T>,
): Promise<T> {
  const brokerId = resource.type === ConfigResourceType.BROKER && /^\d+$/.test(resource.name);
  return send(brokerId ? Number(resource.name) : null);
}

export async function describeConfigs(
  client: KafkaClient,
  resource: ConfigResource,
  opts: { readonly includeSynonyms?: boolean; readonly keys?: readonly string[] } = {},
): Promise<ConfigEntry[]> {
  const body = {
    resources: [
      {
        resourceType: resource.type,
        resourceName: resource.name,
        configurationKeys: opts.keys ? [...opts.keys] : null,
      },
    ],
    includeSynonyms: opts.includeSynonyms ?? false,
    includeDocumentation: false,
  };
  const response = await sendForResource(resource, (target) =>
    target === null
      ? client.sendToAny(DescribeConfigs, body)
      : client.sendTo(target, DescribeConfigs, body),
  );
  const result = response.results[0];
  if (result === undefined)
    throw kafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, 'empty DescribeConfigs response');
  throwIfError(result.errorCode, result.errorMessage);
  return result.configs.map((c) => ({
    name: c.name,
    value: c.value,
    source: c.configSource,
    isSensitive: c.isSensitive,
    readOnly: c.readOnly,
    synonyms: c.synonyms.map((s) => ({ name: s.name, value: s.value, source: s.source })),
  }));
}

export async function incrementalAlterConfigs(
  client: KafkaClient,
  resource: ConfigResource,
  ops: readonly { readonly name: string; readonly op: number; readonly value: string | null }[],
): Promise<void> {
  const body = {
    resources: [
      {
        resourceType: resource.type,
        resourceName: resource.name,
        configs: ops.map((o) => ({ name: o.name, configOperation: o.op, value: o.value })),
      },
    ],
    validateOnly: false,
  };
  const response = await sendForResource(resource, (target) =>
    target === null
      ? client.sendToController(IncrementalAlterConfigs, body)
      : client.sendTo(target, IncrementalAlterConfigs, body),
  );
  for (const r of response.responses) throwIfError(r.errorCode, r.errorMessage);
}

export async function describeCluster(client: KafkaClient): Promise<ClusterDescription> {
  const conn = await client.anyConnection();
  if (!conn.supports(DescribeCluster)) {
    const md = await client.metadata([]);
    return { clusterId: md.clusterId ?? '', controllerId: md.controllerId, brokers: md.brokers };
  }
  const r = await conn.send(DescribeCluster, {
    includeClusterAuthorizedOperations: false,
    endpointType: 1,
  });
  throwIfError(r.errorCode, r.errorMessage);
  return {
    clusterId: r.clusterId,
    controllerId: r.controllerId,
    brokers: r.brokers.map((b) => ({
      nodeId: b.brokerId,
      host: b.host,
      port: b.port,
      rack: b.rack,
    })),
  };
}

/** Every group on every broker, as Kafka's admin collects them. */
export async function listGroups(client: KafkaClient): Promise<GroupListing[]> {
  const md = await client.metadata([]);
  const answers = await Promise.all(
    md.brokers.map((b) =>
      client.sendTo(b.nodeId, ListGroups, { statesFilter: [], typesFilter: [] }),
    ),
  );
  const out: GroupListing[] = [];
  for (const r of answers) {
    throwIfError(r.errorCode);
    for (const g of r.groups)
      out.push({ groupId: g.groupId, protocolType: g.protocolType, state: g.groupState });
  }
  return out.sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0));
}

/** Sends a group request to the group's coordinator, finding it again if it moved. */
async function atCoordinator<T>(
  client: KafkaClient,
  groupId: string,
  send: (coordinator: BrokerNode) => Promise<T>,
): Promise<T> {
  return retrying(async () => send(await client.coordinatorFor(groupId)), {
    timeoutMs: client.retryTimeoutMs,
    backoffMs: client.retryBackoffMs,
  });
}

export async function describeGroup(
  client: KafkaClient,
  groupId: string,
): Promise<GroupDescription> {
  return atCoordinator(client, groupId, async (coordinator) => {
    const r = await client.sendTo(coordinator.nodeId, DescribeGroups, {
      groups: [groupId],
      includeAuthorizedOperations: false,
    });
    const g = r.groups[0];
    if (g === undefined)
      throw kafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, 'empty DescribeGroups response');
    throwIfError(g.errorCode);
    const consumer = g.protocolType === 'consumer';
    return {
      groupId: g.groupId,
      state: g.groupState,
      protocolType: g.protocolType,
      protocol: g.protocolData,
      coordinator,
      members: g.members.map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        host: m.clientHost,
        assignment: consumer ? safeAssignment(m.memberAssignment) : [],
      })),
    };
  });
}

function safeAssignment(bytes: Buffer): TopicPartition[] {
  try {
    return decodeAssignment(bytes);
  } catch {
    return [];
  }
}

/** The group's committed offsets; `partitions` null means every partition it has offsets for. */
export async function fetchCommittedOffsets(
  client: KafkaClient,
  groupId: string,
  partitions: readonly TopicPartition[] | null = null,
): Promise<CommittedOffset[]> {
  const topics = partitions === null ? null : groupTopics(partitions);
  return atCoordinator(client, groupId, async (coordinator) => {
    const r = await client.sendTo(coordinator.nodeId, OffsetFetch, {
      groupId,
      topics: topics?.map((t) => ({ name: t.name, partitionIndexes: t.partitions })) ?? null,
      groups: [
        {
          groupId,
          memberId: null,
          memberEpoch: -1,
          topics: topics?.map((t) => ({ name: t.name, partitionIndexes: t.partitions })) ?? null,
        },
      ],
      requireStable: false,
    });
    const group = r.groups[0];
    const errorCode = group === undefined ? r.errorCode : group.errorCode;
    throwIfError(errorCode);
    const list = group === undefined ? r.topics : group.topics;
    const out: CommittedOffset[] = [];
    for (const t of list) {
      for (const p of t.partitions) {
        throwIfError(p.errorCode);
        if (p.committedOffset < 0) continue;
        out.push({
          topic: t.name,
          partition: p.partitionIndex,
          offset: p.committedOffset,
          leaderEpoch: p.committedLeaderEpoch,
          metadata: p.metadata,
        });
      }
    }
    return out;
  });
}

function groupTopics(tps: readonly TopicPartition[]): { name: string; partitions: number[] }[] {
  return [...groupByTopic(tps, (tp) => tp.partition)].map(([name, partitions]) => ({
    name,
    partitions,
  }));
}

export interface CommitOptions {
  readonly generationId?: number;
  readonly memberId?: string;
  readonly groupInstanceId?: string | null;
}

/** Commits offsets; with no member, as an admin does for an empty group. */
export async function commitOffsets(
  client: KafkaClient,
  groupId: string,
  offsets: readonly (TopicPartition & { readonly offset: number })[],
  opts: CommitOptions = {},
): Promise<void> {
  const byTopic = new Map<string, (TopicPartition & { readonly offset: number })[]>();
  for (const o of offsets) byTopic.set(o.topic, [...(byTopic.get(o.topic) ?? []), o]);
  await atCoordinator(client, groupId, async (coordinator) => {
    const r = await client.sendTo(coordinator.nodeId, OffsetCommit, {
      groupId,
      generationIdOrMemberEpoch: opts.generationId ?? -1,
      memberId: opts.memberId ?? '',
      groupInstanceId: opts.groupInstanceId ?? null,
      retentionTimeMs: -1,
      topics: [...byTopic].map(([name, list]) => ({
        name,
        partitions: list.map((o) => ({
          partitionIndex: o.partition,
          committedOffset: o.offset,
          committedLeaderEpoch: -1,
          commitTimestamp: -1,
          committedMetadata: '',
        })),
      })),
    });
    for (const t of r.topics) for (const p of t.partitions) throwIfError(p.errorCode);
  });
}

/** Deletes groups; returns each group's error code (0 when deleted). */
export async function deleteGroups(
  client: KafkaClient,
  groupIds: readonly string[],
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const groupId of groupIds) {
    const code = await atCoordinator(client, groupId, async (coordinator) => {
      const r = await client.sendTo(coordinator.nodeId, DeleteGroups, { groupsNames: [groupId] });
      const result = r.results.find((x) => x.groupId === groupId);
      const c = result?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR;
      // Let the retry loop find the coordinator again when it moved.
      if (c === ErrorCode.NOT_COORDINATOR || c === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS)
        throw kafkaError(c);
      return c;
    });
    out.set(groupId, code);
  }
  return out;
}
