// The broker's materialised view of cluster metadata: brokers, topics with
// their ids and partition states, and topic config overrides. It is built
// only from metadata-store records, applied in revision order (ARCHITECTURE
// decision 5), so every broker holding the same revision sees the same image.
// Pure data: `apply` takes decoded records; the store wiring lives elsewhere.
// ACL and client-quota changes pass through the loader to their listeners
// (the authorizer, the quota manager) in the same order; the image keeps none.

import type { QuotaEntityPart } from '../metadata/key-layout.ts';

/** One advertised listener of a broker: a client connected through `name` is sent here. */
export interface ListenerEndpoint {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly securityProtocol: string;
}

export interface BrokerEndpoint {
  readonly nodeId: number;
  /** The inter-broker listener's address: where other brokers connect (followers fetch). */
  readonly host: string;
  readonly port: number;
  readonly rack: string | null;
  /**
   * Every advertised listener, by name. Absent in a registration written before brokers
   * registered their listeners: then host and port serve every listener name.
   */
  readonly listeners?: readonly ListenerEndpoint[];
  /** Replicas (`topic:partition`) the broker lost with a failed log directory. */
  readonly offlineReplicas?: readonly string[];
  /** Identifies the registration (cluster/broker-session.ts); absent in old records. */
  readonly incarnation?: string;
}

/**
 * The address a client that connected through `listenerName` is given for `broker`, as
 * Kafka answers Metadata and FindCoordinator per listener; null when the broker does not
 * advertise that listener.
 */
export function endpointFor(
  broker: BrokerEndpoint,
  listenerName: string,
): { readonly host: string; readonly port: number } | null {
  if (broker.listeners === undefined) return { host: broker.host, port: broker.port };
  return broker.listeners.find((l) => l.name === listenerName) ?? null;
}

export interface PartitionState {
  readonly partition: number;
  /**
   * The replicas that host the partition now: the topic record's assignment,
   * or during a reassignment the target replicas followed by those being removed.
   */
  readonly replicas: readonly number[];
  /** Replicas a reassignment is adding (empty when none is in progress). */
  readonly addingReplicas: readonly number[];
  /** Replicas a reassignment is removing (empty when none is in progress). */
  readonly removingReplicas: readonly number[];
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly isr: readonly number[];
  readonly partitionEpoch: number;
  /** Store revision of the partition key's last write, for compare-and-set. */
  readonly modRevision: number;
}

export interface TopicImage {
  readonly name: string;
  readonly topicId: string;
  readonly internal: boolean;
  readonly partitions: ReadonlyMap<number, PartitionState>;
  /**
   * The topic record's replica assignment by partition: what a partition's
   * replicas are whenever no reassignment is in progress.
   */
  readonly assignment: readonly (readonly number[])[];
}

/** Value stored at topics/<name>. */
export interface TopicRecord {
  readonly topicId: string;
  readonly internal: boolean;
  /** Replica assignment by partition index. */
  readonly replicas: readonly (readonly number[])[];
}

/**
 * Value stored at topics/<name>/partitions/<p>. The three replica lists are
 * present only while a reassignment is in progress (as in Kafka's KRaft
 * PartitionRecord); absent, the replicas are the topic record's assignment.
 */
export interface PartitionRecord {
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly isr: readonly number[];
  readonly partitionEpoch: number;
  /** Target replicas, then the current ones being removed. */
  readonly replicas?: readonly number[];
  readonly addingReplicas?: readonly number[];
  readonly removingReplicas?: readonly number[];
}

/** The leadership part of a partition record, as a writer changes it. */
export interface LeadershipChange {
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly isr: readonly number[];
}

/**
 * The next record of `p` with new leadership and the partition epoch bumped.
 * An ongoing reassignment is carried along: every writer of a partition
 * record that is not about reassignment builds it here, so none drops it.
 */
export function nextPartitionRecord(p: PartitionState, change: LeadershipChange): PartitionRecord {
  const record: PartitionRecord = {
    leader: change.leader,
    leaderEpoch: change.leaderEpoch,
    isr: [...change.isr],
    partitionEpoch: p.partitionEpoch + 1,
  };
  if (!isReassigning(p)) return record;
  return {
    ...record,
    replicas: [...p.replicas],
    addingReplicas: [...p.addingReplicas],
    removingReplicas: [...p.removingReplicas],
  };
}

/**
 * Kafka's under-replicated test: fewer in-sync replicas than the replication
 * factor, which during a reassignment does not count the replicas being added
 * (they are still catching up by design).
 */
export function isUnderReplicated(p: PartitionState): boolean {
  return p.isr.length < p.replicas.length - p.addingReplicas.length;
}

/** True while a reassignment adds or removes replicas of the partition. */
export function isReassigning(p: PartitionState): boolean {
  return p.addingReplicas.length > 0 || p.removingReplicas.length > 0;
}

export type MetadataChange =
  | { readonly kind: 'broker'; readonly nodeId: number; readonly endpoint: BrokerEndpoint | null }
  | { readonly kind: 'topic'; readonly name: string; readonly record: TopicRecord | null }
  | {
      readonly kind: 'partition';
      readonly topic: string;
      readonly partition: number;
      readonly record: PartitionRecord | null;
      readonly modRevision: number;
    }
  | {
      readonly kind: 'topic-config';
      readonly name: string;
      readonly configs: Record<string, string> | null;
    }
  | {
      /** Dynamic broker configs: name is a broker id, or '' for the cluster default. */
      readonly kind: 'broker-config';
      readonly name: string;
      readonly configs: Record<string, string> | null;
    }
  | {
      readonly kind: 'controller';
      readonly nodeId: number | null;
      readonly controllerEpoch: number;
    }
  | {
      /**
       * The ACL entries of one resource pattern, as stored (null: deleted). The
       * image keeps none: the authorizer (security/) follows these changes.
       */
      readonly kind: 'acl';
      readonly resourceType: string;
      readonly patternType: string;
      readonly name: string;
      readonly value: unknown;
    }
  | {
      /**
       * The quotas of one client entity, as stored (null: deleted). The image keeps
       * none: the client quota manager (security/) follows these changes.
       */
      readonly kind: 'client-quota';
      readonly entity: readonly QuotaEntityPart[];
      readonly value: unknown;
    };

const NO_OVERRIDES: Record<string, string> = Object.freeze({}) as Record<string, string>;

interface MutableTopic {
  name: string;
  topicId: string;
  internal: boolean;
  assignment: (readonly number[])[];
  partitions: Map<number, PartitionState>;
  /** Every partition record as stored, to rebuild states when the assignment changes. */
  records: Map<number, { record: PartitionRecord; modRevision: number }>;
}

const NONE: readonly number[] = Object.freeze([]);

export class MetadataImage {
  private readonly brokersById = new Map<number, BrokerEndpoint>();
  private readonly topicsByName = new Map<string, MutableTopic>();
  private readonly topicsById = new Map<string, MutableTopic>();
  private readonly topicConfigs = new Map<string, Record<string, string>>();
  private readonly brokerConfigs = new Map<string, Record<string, string>>();
  private controller: number | null = null;
  private controllerEpochValue = 0;
  revision = 0;

  constructor(readonly clusterId: string) {}

  apply(change: MetadataChange): void {
    switch (change.kind) {
      case 'broker':
        if (change.endpoint === null) this.brokersById.delete(change.nodeId);
        else this.brokersById.set(change.nodeId, change.endpoint);
        return;
      case 'topic':
        this.applyTopic(change.name, change.record);
        return;
      case 'partition':
        this.applyPartition(change.topic, change.partition, change.record, change.modRevision);
        return;
      case 'topic-config':
        if (change.configs === null) this.topicConfigs.delete(change.name);
        else this.topicConfigs.set(change.name, change.configs);
        return;
      case 'broker-config':
        if (change.configs === null) this.brokerConfigs.delete(change.name);
        else this.brokerConfigs.set(change.name, change.configs);
        return;
      case 'controller':
        this.controller = change.nodeId;
        if (change.nodeId !== null) this.controllerEpochValue = change.controllerEpoch;
        return;
      case 'acl':
      case 'client-quota':
        return;
    }
  }

  private applyTopic(name: string, record: TopicRecord | null): void {
    const existing = this.topicsByName.get(name);
    if (record === null) {
      if (existing !== undefined) {
        this.topicsByName.delete(name);
        this.topicsById.delete(existing.topicId);
      }
      return;
    }
    const topic: MutableTopic = existing ?? {
      name,
      topicId: record.topicId,
      internal: record.internal,
      assignment: [],
      partitions: new Map(),
      records: new Map(),
    };
    topic.assignment = [...record.replicas];
    this.topicsByName.set(name, topic);
    this.topicsById.set(topic.topicId, topic);
    // Partition states may have arrived before the topic record in the same
    // revision (they wait until the assignment is known), and a changed
    // assignment changes the replicas of partitions not being reassigned.
    for (const [p, st] of topic.records) this.setPartition(topic, p, st.record, st.modRevision);
  }

  private applyPartition(
    topicName: string,
    partition: number,
    record: PartitionRecord | null,
    modRevision: number,
  ): void {
    const topic = this.topicsByName.get(topicName);
    if (topic === undefined) return;
    if (record === null) {
      topic.partitions.delete(partition);
      topic.records.delete(partition);
      return;
    }
    topic.records.set(partition, { record, modRevision });
    this.setPartition(topic, partition, record, modRevision);
  }

  private setPartition(
    topic: MutableTopic,
    partition: number,
    record: PartitionRecord,
    modRevision: number,
  ): void {
    const replicas = record.replicas ?? topic.assignment[partition];
    if (replicas === undefined) return;
    topic.partitions.set(partition, {
      partition,
      replicas,
      addingReplicas: record.addingReplicas ?? NONE,
      removingReplicas: record.removingReplicas ?? NONE,
      leader: record.leader,
      leaderEpoch: record.leaderEpoch,
      isr: record.isr,
      partitionEpoch: record.partitionEpoch,
      modRevision,
    });
  }

  brokers(): BrokerEndpoint[] {
    return [...this.brokersById.values()].sort((a, b) => a.nodeId - b.nodeId);
  }

  broker(nodeId: number): BrokerEndpoint | undefined {
    return this.brokersById.get(nodeId);
  }

  /** The live brokers that advertise `listenerName`, with that listener's address. */
  brokersOn(listenerName: string): Array<{
    readonly nodeId: number;
    readonly host: string;
    readonly port: number;
    readonly rack: string | null;
  }> {
    const out = [];
    for (const b of this.brokers()) {
      const at = endpointFor(b, listenerName);
      if (at !== null) out.push({ nodeId: b.nodeId, host: at.host, port: at.port, rack: b.rack });
    }
    return out;
  }

  controllerId(): number {
    return this.controller ?? -1;
  }

  /** Epoch of the current (or last known) controller. */
  controllerEpoch(): number {
    return this.controllerEpochValue;
  }

  topic(name: string): TopicImage | undefined {
    return this.topicsByName.get(name);
  }

  topicById(topicId: string): TopicImage | undefined {
    return this.topicsById.get(topicId);
  }

  topics(): TopicImage[] {
    return [...this.topicsByName.values()].sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
  }

  partition(topic: string, partition: number): PartitionState | undefined {
    return this.topicsByName.get(topic)?.partitions.get(partition);
  }

  /** Dynamic configs of broker `name` ('' for the cluster default); same object until changed. */
  brokerConfig(name: string): Record<string, string> {
    return this.brokerConfigs.get(name) ?? NO_OVERRIDES;
  }

  /** The topic's overrides; the same object until they change (callers may cache by identity). */
  topicConfig(name: string): Record<string, string> {
    return this.topicConfigs.get(name) ?? NO_OVERRIDES;
  }
}
