// The typed view of broker configuration that the rest of Gregor reads (`config.logDirs`,
// `config.listeners`), built once at start-up from validated values, plus the checks that
// span several keys: node.id against broker.id, listeners against the protocol map and
// advertised listeners, the inter-broker listener. Values arrive already parsed and
// validated, so a wrong type here is our bug and fails an assertion.

import assert from 'node:assert/strict';
import {
  CLEANUP_POLICIES,
  type CleanupPolicy,
  COMPRESSION_TYPES,
  type CompressionType,
  TIMESTAMP_TYPES,
  type TimestampType,
} from './config-def.ts';
import { ConfigError } from './config-error.ts';
import type { ConfigSetting } from './config-sources.ts';
import type { ConfigValue } from './config-value.ts';
import {
  type Listener,
  type ListenerAddress,
  parseListenerList,
  parseSecurityProtocolMap,
  type SecurityProtocol,
} from './listeners.ts';
import { type MetadataStoreLocation, parseMetadataStore } from './metadata-store-location.ts';

/** A topic key's default as the broker supplies it; `synonym` is the broker key used. */
export interface TopicDefault {
  readonly value: ConfigValue;
  /** Null when no broker key has a value and the topic key's own default applies. */
  readonly synonym: ConfigSetting | null;
}

/** What the typed view needs from the resolved settings. */
export interface SettingLookup {
  value(name: string): ConfigValue;
  isSet(name: string): boolean;
  /** `key (where)`, for error messages. */
  describe(name: string): string;
  topicDefault(topicKey: string): TopicDefault;
}

export interface ClusterSettings {
  readonly nodeId: number;
  readonly rack: string | null;
  readonly clusterId: string | null;
  readonly metadataStore: MetadataStoreLocation;
  readonly metadataStorePrefix: string;
  readonly brokerSessionTimeoutMs: number;
  readonly brokerHeartbeatIntervalMs: number;
  readonly controlledShutdownEnable: boolean;
}

export interface ListenerSettings {
  readonly listeners: readonly Listener[];
  /** Port 0 here means "the port listeners[i] was bound to"; server/ substitutes it. */
  readonly advertisedListeners: readonly Listener[];
  readonly listenerSecurityProtocolMap: ReadonlyMap<string, SecurityProtocol>;
  readonly interBrokerListenerName: string;
  /** http.listener: host:port of the metrics and probe endpoint, '' for none. */
  readonly httpListener: string;
}

export interface RequestSettings {
  readonly socketRequestMaxBytes: number;
  readonly socketSendBufferBytes: number;
  readonly socketReceiveBufferBytes: number;
  readonly socketListenBacklogSize: number;
  readonly numNetworkThreads: number;
  readonly numIoThreads: number;
  readonly queuedMaxRequests: number;
  readonly queuedMaxRequestBytes: number;
  readonly maxConnections: number;
  readonly connectionsMaxIdleMs: number;
  readonly fetchMaxBytes: number;
  readonly maxIncrementalFetchSessionCacheSlots: number;
  readonly saslServerMaxReceiveSize: number;
}

export interface TopicDefaultSettings {
  readonly numPartitions: number;
  readonly defaultReplicationFactor: number;
  readonly autoCreateTopicsEnable: boolean;
  readonly deleteTopicEnable: boolean;
  readonly compressionType: CompressionType;
  readonly messageMaxBytes: number;
  readonly minInsyncReplicas: number;
  readonly uncleanLeaderElectionEnable: boolean;
}

export interface LogSettings {
  /** log.dirs, or [log.dir] when log.dirs is unset. */
  readonly logDirs: readonly string[];
  readonly logSegmentBytes: number;
  /** log.roll.ms, else log.roll.hours in ms. */
  readonly logRollMs: number;
  readonly logRollJitterMs: number;
  /** log.retention.ms, else .minutes, else .hours, in ms; -1 means forever. */
  readonly logRetentionMs: number;
  readonly logRetentionBytes: number;
  readonly logRetentionCheckIntervalMs: number;
  readonly logCleanupPolicy: readonly CleanupPolicy[];
  readonly logCleanerEnable: boolean;
  readonly logCleanerThreads: number;
  readonly logCleanerDedupeBufferSize: number;
  readonly logCleanerIoBufferSize: number;
  readonly logCleanerIoBufferLoadFactor: number;
  readonly logCleanerIoMaxBytesPerSecond: number;
  readonly logCleanerBackoffMs: number;
  readonly logIndexIntervalBytes: number;
  readonly logIndexSizeMaxBytes: number;
  readonly logSegmentDeleteDelayMs: number;
  readonly logFlushIntervalMessages: number;
  /** log.flush.interval.ms, else log.flush.scheduler.interval.ms. */
  readonly logFlushIntervalMs: number;
  readonly logFlushSchedulerIntervalMs: number;
  readonly logFlushOffsetCheckpointIntervalMs: number;
  readonly logPreallocate: boolean;
  readonly logMessageTimestampType: TimestampType;
}

export interface ReplicationSettings {
  readonly replicaLagTimeMaxMs: number;
  readonly replicaHighWatermarkCheckpointIntervalMs: number;
  readonly replicaFetchMaxBytes: number;
  readonly replicaFetchResponseMaxBytes: number;
  readonly replicaFetchMinBytes: number;
  readonly replicaFetchWaitMaxMs: number;
  readonly replicaFetchBackoffMs: number;
  readonly replicaSocketTimeoutMs: number;
  readonly numReplicaFetchers: number;
  readonly autoLeaderRebalanceEnable: boolean;
  readonly leaderImbalanceCheckIntervalSeconds: number;
  readonly leaderImbalancePerBrokerPercentage: number;
}

export interface GroupSettings {
  readonly offsetsTopicNumPartitions: number;
  readonly offsetsTopicReplicationFactor: number;
  readonly offsetsTopicSegmentBytes: number;
  /** offsets.retention.minutes in ms. */
  readonly offsetsRetentionMs: number;
  readonly offsetsRetentionCheckIntervalMs: number;
  readonly offsetsCommitTimeoutMs: number;
  readonly offsetMetadataMaxBytes: number;
  readonly groupInitialRebalanceDelayMs: number;
  readonly groupMinSessionTimeoutMs: number;
  readonly groupMaxSessionTimeoutMs: number;
  readonly groupMaxSize: number;
}

export interface TransactionSettings {
  readonly transactionalIdExpirationMs: number;
  readonly transactionMaxTimeoutMs: number;
  readonly transactionStateLogNumPartitions: number;
  readonly transactionStateLogReplicationFactor: number;
  readonly transactionStateLogMinIsr: number;
  readonly transactionStateLogSegmentBytes: number;
  readonly transactionAbortTimedOutTransactionCleanupIntervalMs: number;
  readonly transactionRemoveExpiredTransactionCleanupIntervalMs: number;
  readonly transactionPartitionVerificationEnable: boolean;
  readonly producerIdExpirationMs: number;
}

export interface BrokerSettings
  extends ClusterSettings,
    ListenerSettings,
    RequestSettings,
    TopicDefaultSettings,
    LogSettings,
    ReplicationSettings,
    GroupSettings,
    TransactionSettings {}

const MINUTE_MS = 60_000;
const UNSPECIFIED_HOSTS = new Set(['0.0.0.0', '::']);

export function readBrokerSettings(lookup: SettingLookup, hostname: string): BrokerSettings {
  const read = typedReader(lookup);
  return {
    ...readClusterSettings(lookup),
    ...readListenerSettings(lookup, hostname),
    socketRequestMaxBytes: read.number('socket.request.max.bytes'),
    socketSendBufferBytes: read.number('socket.send.buffer.bytes'),
    socketReceiveBufferBytes: read.number('socket.receive.buffer.bytes'),
    socketListenBacklogSize: read.number('socket.listen.backlog.size'),
    numNetworkThreads: read.number('num.network.threads'),
    numIoThreads: read.number('num.io.threads'),
    queuedMaxRequests: read.number('queued.max.requests'),
    queuedMaxRequestBytes: read.number('queued.max.request.bytes'),
    maxConnections: read.number('max.connections'),
    connectionsMaxIdleMs: read.number('connections.max.idle.ms'),
    fetchMaxBytes: read.number('fetch.max.bytes'),
    maxIncrementalFetchSessionCacheSlots: read.number('max.incremental.fetch.session.cache.slots'),
    saslServerMaxReceiveSize: read.number('sasl.server.max.receive.size'),
    numPartitions: read.number('num.partitions'),
    defaultReplicationFactor: read.number('default.replication.factor'),
    autoCreateTopicsEnable: read.boolean('auto.create.topics.enable'),
    deleteTopicEnable: read.boolean('delete.topic.enable'),
    compressionType: read.oneOf('compression.type', COMPRESSION_TYPES),
    messageMaxBytes: read.number('message.max.bytes'),
    minInsyncReplicas: read.number('min.insync.replicas'),
    uncleanLeaderElectionEnable: read.boolean('unclean.leader.election.enable'),
    ...readLogSettings(lookup),
    ...readReplicationSettings(lookup),
    ...readGroupSettings(lookup),
    ...readTransactionSettings(lookup),
  };
}

function typedReader(lookup: SettingLookup) {
  const value = (name: string, type: string): ConfigValue => {
    const v = lookup.value(name);
    assert.ok(v !== null, `${name} has no value`);
    assert.ok(Array.isArray(v) ? type === 'list' : typeof v === type, `${name} is not a ${type}`);
    return v;
  };
  return {
    number: (name: string) => value(name, 'number') as number,
    boolean: (name: string) => value(name, 'boolean') as boolean,
    string: (name: string) => value(name, 'string') as string,
    list: (name: string) => value(name, 'list') as readonly string[],
    stringOrNull: (name: string) =>
      lookup.value(name) === null ? null : (value(name, 'string') as string),
    numberOrNull: (name: string) =>
      lookup.value(name) === null ? null : (value(name, 'number') as number),
    oneOf<T extends string>(name: string, values: readonly T[]): T {
      const v = value(name, 'string');
      assert.ok(
        values.some((allowed) => allowed === v),
        `${name} is not one of ${values}`,
      );
      return v as T;
    },
    topicNumber(topicKey: string): number {
      const v = lookup.topicDefault(topicKey).value;
      assert.ok(typeof v === 'number', `default of ${topicKey} is not a number`);
      return v;
    },
  };
}

function conflict(message: string, key: string): ConfigError {
  return new ConfigError('GREGOR_ERR_CONFIG_CONFLICT', message, { key });
}

function readClusterSettings(lookup: SettingLookup): ClusterSettings {
  const read = typedReader(lookup);
  const nodeId = read.numberOrNull('node.id');
  const brokerId = read.numberOrNull('broker.id');
  if (nodeId !== null && brokerId !== null && nodeId !== brokerId) {
    throw conflict(
      `${lookup.describe('node.id')} is ${nodeId} but ${lookup.describe('broker.id')} is ` +
        `${brokerId}; set one, or both to the same id`,
      'node.id',
    );
  }
  const store = parseMetadataStore(read.string('metadata.store'));
  assert.ok(store.ok, 'metadata.store passed validation but does not parse');
  return {
    nodeId: nodeId ?? brokerId ?? 0,
    // Empty is no rack: Kubernetes' downward API gives '' for a zone label the pod lacks.
    rack: read.stringOrNull('broker.rack') || null,
    clusterId: read.stringOrNull('cluster.id'),
    metadataStore: store.value,
    metadataStorePrefix: read.string('metadata.store.prefix'),
    brokerSessionTimeoutMs: read.number('broker.session.timeout.ms'),
    brokerHeartbeatIntervalMs: read.number('broker.heartbeat.interval.ms'),
    controlledShutdownEnable: read.boolean('controlled.shutdown.enable'),
  };
}

function readListenerSettings(lookup: SettingLookup, hostname: string): ListenerSettings {
  const read = typedReader(lookup);
  const map = parseSecurityProtocolMap(read.list('listener.security.protocol.map'));
  assert.ok(map.ok, 'listener.security.protocol.map passed validation but does not parse');
  const listeners = withProtocols(lookup, 'listeners', map.value);
  requireDistinctPorts(lookup, listeners);
  const advertisedListeners = (
    lookup.value('advertised.listeners') === null
      ? listeners
      : withProtocols(lookup, 'advertised.listeners', map.value)
  ).map((l) => (l.host === '' ? { ...l, host: hostname } : l));
  requireAdvertisable(lookup, listeners, advertisedListeners);
  return {
    listeners,
    advertisedListeners,
    listenerSecurityProtocolMap: map.value,
    interBrokerListenerName: interBrokerListener(lookup, advertisedListeners),
    httpListener: read.string('http.listener'),
  };
}

function withProtocols(
  lookup: SettingLookup,
  key: 'listeners' | 'advertised.listeners',
  map: ReadonlyMap<string, SecurityProtocol>,
): Listener[] {
  const parsed = parseListenerList(typedReader(lookup).list(key));
  assert.ok(parsed.ok, `${key} passed validation but does not parse`);
  return parsed.value.map((address: ListenerAddress) => {
    const securityProtocol = map.get(address.name);
    if (securityProtocol === undefined) {
      throw conflict(
        `${lookup.describe(key)} names listener ${address.name}, which ` +
          `${lookup.describe('listener.security.protocol.map')} does not map to a protocol`,
        key,
      );
    }
    return { ...address, securityProtocol };
  });
}

function requireDistinctPorts(lookup: SettingLookup, listeners: readonly Listener[]): void {
  const seen = new Set<number>();
  for (const listener of listeners) {
    if (listener.port !== 0 && seen.has(listener.port)) {
      throw conflict(
        `${lookup.describe('listeners')} uses port ${listener.port} twice`,
        'listeners',
      );
    }
    seen.add(listener.port);
  }
}

function requireAdvertisable(
  lookup: SettingLookup,
  listeners: readonly Listener[],
  advertised: readonly Listener[],
): void {
  const names = new Set(listeners.map((l) => l.name));
  for (const listener of advertised) {
    if (!names.has(listener.name)) {
      throw conflict(
        `${lookup.describe('advertised.listeners')} names listener ${listener.name}, ` +
          `which is not in ${lookup.describe('listeners')}`,
        'advertised.listeners',
      );
    }
    if (UNSPECIFIED_HOSTS.has(listener.host)) {
      throw conflict(
        `listener ${listener.name} would advertise the non-routable address ${listener.host}; ` +
          'set advertised.listeners to an address clients can reach',
        'advertised.listeners',
      );
    }
  }
}

function interBrokerListener(lookup: SettingLookup, advertised: readonly Listener[]): string {
  const read = typedReader(lookup);
  if (
    lookup.isSet('inter.broker.listener.name') &&
    lookup.isSet('security.inter.broker.protocol')
  ) {
    throw conflict(
      'set only one of inter.broker.listener.name and security.inter.broker.protocol',
      'inter.broker.listener.name',
    );
  }
  // Kafka: the explicit name, else the listener named after security.inter.broker.protocol;
  // either way it must be an advertised listener (no silent fallback to another one).
  const explicit = read.stringOrNull('inter.broker.listener.name')?.toUpperCase() ?? null;
  const chosen = explicit ?? read.string('security.inter.broker.protocol');
  if (!advertised.some((l) => l.name === chosen)) {
    const key = explicit === null ? 'security.inter.broker.protocol' : 'inter.broker.listener.name';
    throw conflict(
      `inter-broker listener ${chosen} (${lookup.describe(key)}) is not a listener in ` +
        `${lookup.describe('advertised.listeners')}; the listeners are ` +
        `${advertised.map((l) => l.name).join(', ')}: set inter.broker.listener.name to one`,
      'inter.broker.listener.name',
    );
  }
  return chosen;
}

function readLogSettings(lookup: SettingLookup): LogSettings {
  const read = typedReader(lookup);
  const logDirs =
    lookup.value('log.dirs') === null ? [read.string('log.dir')] : read.list('log.dirs');
  const policy = read.list('log.cleanup.policy');
  assert.ok(policy.every((p) => CLEANUP_POLICIES.some((allowed) => allowed === p)));
  return {
    logDirs,
    logSegmentBytes: read.number('log.segment.bytes'),
    logRollMs: read.topicNumber('segment.ms'),
    logRollJitterMs: read.topicNumber('segment.jitter.ms'),
    logRetentionMs: read.topicNumber('retention.ms'),
    logRetentionBytes: read.number('log.retention.bytes'),
    logRetentionCheckIntervalMs: read.number('log.retention.check.interval.ms'),
    logCleanupPolicy: policy as readonly CleanupPolicy[],
    logCleanerEnable: read.boolean('log.cleaner.enable'),
    logCleanerThreads: read.number('log.cleaner.threads'),
    logCleanerDedupeBufferSize: read.number('log.cleaner.dedupe.buffer.size'),
    logCleanerIoBufferSize: read.number('log.cleaner.io.buffer.size'),
    logCleanerIoBufferLoadFactor: read.number('log.cleaner.io.buffer.load.factor'),
    logCleanerIoMaxBytesPerSecond: read.number('log.cleaner.io.max.bytes.per.second'),
    logCleanerBackoffMs: read.number('log.cleaner.backoff.ms'),
    logIndexIntervalBytes: read.number('log.index.interval.bytes'),
    logIndexSizeMaxBytes: read.number('log.index.size.max.bytes'),
    logSegmentDeleteDelayMs: read.number('log.segment.delete.delay.ms'),
    logFlushIntervalMessages: read.number('log.flush.interval.messages'),
    logFlushIntervalMs: read.topicNumber('flush.ms'),
    logFlushSchedulerIntervalMs: read.number('log.flush.scheduler.interval.ms'),
    logFlushOffsetCheckpointIntervalMs: read.number('log.flush.offset.checkpoint.interval.ms'),
    logPreallocate: read.boolean('log.preallocate'),
    logMessageTimestampType: read.oneOf('log.message.timestamp.type', TIMESTAMP_TYPES),
  };
}

function readReplicationSettings(lookup: SettingLookup): ReplicationSettings {
  const read = typedReader(lookup);
  return {
    replicaLagTimeMaxMs: read.number('replica.lag.time.max.ms'),
    replicaHighWatermarkCheckpointIntervalMs: read.number(
      'replica.high.watermark.checkpoint.interval.ms',
    ),
    replicaFetchMaxBytes: read.number('replica.fetch.max.bytes'),
    replicaFetchResponseMaxBytes: read.number('replica.fetch.response.max.bytes'),
    replicaFetchMinBytes: read.number('replica.fetch.min.bytes'),
    replicaFetchWaitMaxMs: read.number('replica.fetch.wait.max.ms'),
    replicaFetchBackoffMs: read.number('replica.fetch.backoff.ms'),
    replicaSocketTimeoutMs: read.number('replica.socket.timeout.ms'),
    numReplicaFetchers: read.number('num.replica.fetchers'),
    autoLeaderRebalanceEnable: read.boolean('auto.leader.rebalance.enable'),
    leaderImbalanceCheckIntervalSeconds: read.number('leader.imbalance.check.interval.seconds'),
    leaderImbalancePerBrokerPercentage: read.number('leader.imbalance.per.broker.percentage'),
  };
}

function readGroupSettings(lookup: SettingLookup): GroupSettings {
  const read = typedReader(lookup);
  return {
    offsetsTopicNumPartitions: read.number('offsets.topic.num.partitions'),
    offsetsTopicReplicationFactor: read.number('offsets.topic.replication.factor'),
    offsetsTopicSegmentBytes: read.number('offsets.topic.segment.bytes'),
    offsetsRetentionMs: read.number('offsets.retention.minutes') * MINUTE_MS,
    offsetsRetentionCheckIntervalMs: read.number('offsets.retention.check.interval.ms'),
    offsetsCommitTimeoutMs: read.number('offsets.commit.timeout.ms'),
    offsetMetadataMaxBytes: read.number('offset.metadata.max.bytes'),
    groupInitialRebalanceDelayMs: read.number('group.initial.rebalance.delay.ms'),
    groupMinSessionTimeoutMs: read.number('group.min.session.timeout.ms'),
    groupMaxSessionTimeoutMs: read.number('group.max.session.timeout.ms'),
    groupMaxSize: read.number('group.max.size'),
  };
}

function readTransactionSettings(lookup: SettingLookup): TransactionSettings {
  const read = typedReader(lookup);
  return {
    transactionalIdExpirationMs: read.number('transactional.id.expiration.ms'),
    transactionMaxTimeoutMs: read.number('transaction.max.timeout.ms'),
    transactionStateLogNumPartitions: read.number('transaction.state.log.num.partitions'),
    transactionStateLogReplicationFactor: read.number('transaction.state.log.replication.factor'),
    transactionStateLogMinIsr: read.number('transaction.state.log.min.isr'),
    transactionStateLogSegmentBytes: read.number('transaction.state.log.segment.bytes'),
    transactionAbortTimedOutTransactionCleanupIntervalMs: read.number(
      'transaction.abort.timed.out.transaction.cleanup.interval.ms',
    ),
    transactionRemoveExpiredTransactionCleanupIntervalMs: read.number(
      'transaction.remove.expired.transaction.cleanup.interval.ms',
    ),
    transactionPartitionVerificationEnable: read.boolean(
      'transaction.partition.verification.enable',
    ),
    producerIdExpirationMs: read.number('producer.id.expiration.ms'),
  };
}
