// Named limits, units and qualifiers last, each from one Kafka property where Kafka has one,
// or a fixed constant where it does not; every bounded queue, map and buffer in Gregor takes
// its bound from here. deriveLimits also checks, once at start-up, how limits relate (a
// batch must fit in a request): a contradiction is the operator's to fix, so it is a
// ConfigError naming both keys, and a doubtful but legal combination is a warning.

import type { BrokerConfig } from './broker-config.ts';
import { ConfigError } from './config-error.ts';

/** Limits with no Kafka property. */
export const FIXED_LIMITS = {
  /**
   * Requests read from one connection but not yet answered; at the cap the socket is paused
   * (librdkafka pipelines far more than this, so pausing is the normal answer, not an error).
   */
  inflightRequestsPerConnectionMax: 100,
  /** A Fetch asking to wait longer is answered at this point, which clients accept. */
  fetchWaitMsMax: 30_000,
  /**
   * An incremental fetch session unused this long may be evicted to make room for a new one
   * (Kafka's FetchSessionCache uses the same fixed two minutes).
   */
  fetchSessionEvictionMs: 120_000,
  /** Kafka's own limit on topic name length. */
  topicNameLengthMax: 249,
  /**
   * Partitions one CreateTopics or CreatePartitions request may create in total, so a claimed
   * count cannot make the controller build huge assignments (Kafka's controller likewise
   * refuses operations of more than 10,000 records).
   */
  partitionsCreatedPerRequestMax: 10_000,
} as const;

export interface Limits {
  /** socket.request.max.bytes: checked before a frame's buffer is allocated. */
  readonly requestSizeBytesMax: number;
  /** sasl.server.max.receive.size (capped by requestSizeBytesMax) until SASL completes. */
  readonly requestSizeBytesMaxBeforeAuth: number;
  /** message.max.bytes: the broker-wide batch limit (a topic's max.message.bytes may differ). */
  readonly batchSizeBytesMax: number;
  /** Decompressed size of one batch, against decompression bombs: requestSizeBytesMax. */
  readonly batchDecompressedSizeBytesMax: number;
  /** fetch.max.bytes: bytes one Fetch response carries at most. */
  readonly fetchResponseSizeBytesMax: number;
  readonly fetchWaitMsMax: number;
  /** replica.fetch.response.max.bytes. */
  readonly replicaFetchResponseSizeBytesMax: number;
  readonly inflightRequestsPerConnectionMax: number;
  /** queued.max.requests, across all connections. */
  readonly queuedRequestsMax: number;
  /**
   * queued.max.request.bytes: bytes of requests being read or awaiting their answer, across
   * connections; null when unbounded (0 or -1, as in Kafka).
   */
  readonly queuedRequestBytesMax: number | null;
  /** max.connections. */
  readonly connectionsMax: number;
  /** connections.max.idle.ms; null when idle connections are never closed (-1). */
  readonly connectionIdleMsMax: number | null;
  /** max.incremental.fetch.session.cache.slots. */
  readonly fetchSessionsMax: number;
  readonly fetchSessionEvictionMs: number;
  /** group.max.size. */
  readonly groupMembersMax: number;
  /** group.min.session.timeout.ms and group.max.session.timeout.ms. */
  readonly groupSessionTimeoutMsMin: number;
  readonly groupSessionTimeoutMsMax: number;
  /** offset.metadata.max.bytes. */
  readonly offsetMetadataSizeBytesMax: number;
  /** transaction.max.timeout.ms. */
  readonly transactionTimeoutMsMax: number;
  readonly topicNameLengthMax: number;
  readonly partitionsCreatedPerRequestMax: number;
}

/**
 * Decompressed size of one batch's records section, against decompression
 * bombs: socket.request.max.bytes, so no batch holds more than a request
 * could. Produce validation refuses more with MESSAGE_TOO_LARGE before it is
 * produced (protocol/batch-validation.ts).
 */
export function batchDecompressedSizeBytesMax(
  config: Pick<BrokerConfig, 'socketRequestMaxBytes'>,
): number {
  return config.socketRequestMaxBytes;
}

export interface DerivedLimits {
  readonly limits: Limits;
  /** Legal but doubtful combinations, one sentence each, for the start-up log. */
  readonly warnings: readonly string[];
}

/** Derives the limits and checks their relations; throws GREGOR_ERR_CONFIG_CONFLICT. */
export function deriveLimits(config: BrokerConfig): DerivedLimits {
  const limits: Limits = {
    requestSizeBytesMax: config.socketRequestMaxBytes,
    requestSizeBytesMaxBeforeAuth: Math.min(
      config.saslServerMaxReceiveSize,
      config.socketRequestMaxBytes,
    ),
    batchSizeBytesMax: config.messageMaxBytes,
    batchDecompressedSizeBytesMax: batchDecompressedSizeBytesMax(config),
    fetchResponseSizeBytesMax: config.fetchMaxBytes,
    fetchWaitMsMax: FIXED_LIMITS.fetchWaitMsMax,
    replicaFetchResponseSizeBytesMax: config.replicaFetchResponseMaxBytes,
    inflightRequestsPerConnectionMax: FIXED_LIMITS.inflightRequestsPerConnectionMax,
    queuedRequestsMax: config.queuedMaxRequests,
    queuedRequestBytesMax: config.queuedMaxRequestBytes > 0 ? config.queuedMaxRequestBytes : null,
    connectionsMax: config.maxConnections,
    connectionIdleMsMax: config.connectionsMaxIdleMs < 0 ? null : config.connectionsMaxIdleMs,
    fetchSessionsMax: config.maxIncrementalFetchSessionCacheSlots,
    fetchSessionEvictionMs: FIXED_LIMITS.fetchSessionEvictionMs,
    groupMembersMax: config.groupMaxSize,
    groupSessionTimeoutMsMin: config.groupMinSessionTimeoutMs,
    groupSessionTimeoutMsMax: config.groupMaxSessionTimeoutMs,
    offsetMetadataSizeBytesMax: config.offsetMetadataMaxBytes,
    transactionTimeoutMsMax: config.transactionMaxTimeoutMs,
    topicNameLengthMax: FIXED_LIMITS.topicNameLengthMax,
    partitionsCreatedPerRequestMax: FIXED_LIMITS.partitionsCreatedPerRequestMax,
  };
  checkRelations(config);
  return { limits, warnings: limitWarnings(config) };
}

interface Relation {
  readonly holds: boolean;
  readonly key: string;
  readonly message: string;
}

function checkRelations(config: BrokerConfig): void {
  const relations: Relation[] = [
    {
      holds: config.messageMaxBytes <= config.socketRequestMaxBytes,
      key: 'message.max.bytes',
      message:
        `message.max.bytes (${config.messageMaxBytes}) must not exceed ` +
        `socket.request.max.bytes (${config.socketRequestMaxBytes}): such a batch could ` +
        'never arrive in a request',
    },
    {
      // Kafka's rule: a bound smaller than one request would be no bound at all.
      holds:
        config.queuedMaxRequestBytes <= 0 ||
        config.queuedMaxRequestBytes >= config.socketRequestMaxBytes,
      key: 'queued.max.request.bytes',
      message:
        `queued.max.request.bytes (${config.queuedMaxRequestBytes}) must be at least ` +
        `socket.request.max.bytes (${config.socketRequestMaxBytes}), or 0 or -1 for no bound`,
    },
    {
      holds: config.replicaFetchWaitMaxMs <= config.replicaLagTimeMaxMs,
      key: 'replica.fetch.wait.max.ms',
      message:
        `replica.fetch.wait.max.ms (${config.replicaFetchWaitMaxMs}) must not exceed ` +
        `replica.lag.time.max.ms (${config.replicaLagTimeMaxMs}), or idle followers leave the ISR`,
    },
    {
      holds: config.replicaFetchWaitMaxMs < config.replicaSocketTimeoutMs,
      key: 'replica.fetch.wait.max.ms',
      message:
        `replica.fetch.wait.max.ms (${config.replicaFetchWaitMaxMs}) must be less than ` +
        `replica.socket.timeout.ms (${config.replicaSocketTimeoutMs}), or fetches time out`,
    },
    {
      holds: config.groupMinSessionTimeoutMs <= config.groupMaxSessionTimeoutMs,
      key: 'group.min.session.timeout.ms',
      message:
        `group.min.session.timeout.ms (${config.groupMinSessionTimeoutMs}) must not exceed ` +
        `group.max.session.timeout.ms (${config.groupMaxSessionTimeoutMs})`,
    },
    {
      holds: config.brokerHeartbeatIntervalMs < config.brokerSessionTimeoutMs,
      key: 'broker.heartbeat.interval.ms',
      message:
        `broker.heartbeat.interval.ms (${config.brokerHeartbeatIntervalMs}) must be less than ` +
        `broker.session.timeout.ms (${config.brokerSessionTimeoutMs}), or the lease expires`,
    },
  ];
  const broken = relations.find((relation) => !relation.holds);
  if (broken !== undefined) {
    throw new ConfigError('GREGOR_ERR_CONFIG_CONFLICT', broken.message, { key: broken.key });
  }
}

function limitWarnings(config: BrokerConfig): string[] {
  const warnings: string[] = [];
  if (config.messageMaxBytes > config.logSegmentBytes) {
    warnings.push(
      `message.max.bytes (${config.messageMaxBytes}) exceeds log.segment.bytes ` +
        `(${config.logSegmentBytes}): each such batch gets a segment of its own`,
    );
  }
  if (config.minInsyncReplicas > config.defaultReplicationFactor) {
    warnings.push(
      `min.insync.replicas (${config.minInsyncReplicas}) exceeds default.replication.factor ` +
        `(${config.defaultReplicationFactor}): acks=all produce to default topics will fail`,
    );
  }
  if (config.saslServerMaxReceiveSize > config.socketRequestMaxBytes) {
    warnings.push(
      `sasl.server.max.receive.size (${config.saslServerMaxReceiveSize}) exceeds ` +
        `socket.request.max.bytes (${config.socketRequestMaxBytes}); the smaller one applies`,
    );
  }
  return warnings;
}
