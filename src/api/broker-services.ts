// What the API handlers may use: the domain parts of one broker, gathered by
// the composition root (broker.ts). Handlers depend on this interface only,
// never on how the parts were built.

import type { BrokerConfigAdmin } from '../cluster/broker-config-admin.ts';
import type { MetadataImage } from '../cluster/metadata-image.ts';
import type { LeaderElections } from '../cluster/preferred-leader-elections.ts';
import type { TopicAdmin } from '../cluster/topic-admin.ts';
import type { BrokerConfig } from '../config/broker-config.ts';
import type { Limits } from '../config/limits.ts';
import type { TopicValidationPolicy } from '../protocol/batch-validation.ts';
import type { ReplicaManager } from '../replication/replica-manager.ts';
import type { ProducerIdAllocator } from '../txn/producer-id-allocator.ts';
import type { TransactionVerifier } from '../txn/transaction-verifier.ts';
import type { Logger } from '../util/logger.ts';

/** Broker settings the handlers read, with Kafka's names in the comments. */
export interface HandlerSettings {
  /** auto.create.topics.enable */
  readonly autoCreateTopics: boolean;
  /** num.partitions */
  readonly numPartitions: number;
  /** default.replication.factor */
  readonly defaultReplicationFactor: number;
  /** delete.topic.enable */
  readonly deleteTopicEnable: boolean;
  /** fetch.max.bytes: the most a fetch response may carry. */
  readonly fetchMaxBytes: number;
  /** Upper bound on a fetch's max_wait_ms, so a client cannot park a request for long. */
  readonly fetchWaitMsMax: number;
  /** max.message.bytes of a topic (topic override or message.max.bytes). */
  messageMaxBytes(topic: string): number;
  /** min.insync.replicas of a topic. */
  minInsyncReplicas(topic: string): number;
  /** message.downconversion.enable of a topic: may Fetch v0-3 get its batches converted. */
  messageDownconversionEnable(topic: string): boolean;
  /**
   * How a producer's batches to a topic are validated: its timestamp type and
   * bounds, compaction (keys required), compression.type and limits.
   */
  produceValidation(topic: string): TopicValidationPolicy;
}

export interface BrokerServices {
  readonly nodeId: number;
  readonly clusterId: string;
  readonly image: MetadataImage;
  readonly topicAdmin: TopicAdmin;
  /** Leader elections on request (ElectLeaders). */
  readonly leaderElections: LeaderElections;
  readonly replicas: ReplicaManager;
  readonly settings: HandlerSettings;
  readonly producerIds: ProducerIdAllocator;
  /** KIP-890: asks a transaction's coordinator before a batch opens it on a partition. */
  readonly transactionVerifier: TransactionVerifier;
  readonly logger: Logger;
  readonly now: () => number;
  /** The broker configuration in force (static, under dynamic values), read at each use. */
  readonly config: BrokerConfig;
  /** The bounds derived from it at start-up (config/limits.ts). */
  readonly limits: Limits;
  /** Dynamic broker configs (AlterConfigs and IncrementalAlterConfigs on brokers). */
  readonly brokerConfigs: BrokerConfigAdmin;
}
