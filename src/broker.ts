// The composition root: reads the configuration, builds every part of one
// broker (metadata store, metadata image, partition logs, handlers, network
// listeners), wires them together and owns their lifecycle. It is the only
// module that names concrete backends. `startBroker` is also the library API
// for running a real Kafka-protocol broker inside a Node process.

import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { alterPartitionReassignmentsHandler } from './api/alter-partition-reassignments.ts';
import { RequestAuthorizer } from './api/authorization.ts';
import type { BrokerServices, HandlerSettings } from './api/broker-services.ts';
import { registerGroupHandlers } from './api/group-handlers.ts';
import { HandlerRegistry } from './api/handler.ts';
import { registerHandlers } from './api/handlers.ts';
import { listPartitionReassignmentsHandler } from './api/list-partition-reassignments.ts';
import { withClientQuotas } from './api/quota-enforcement.ts';
import { registerSecurityHandlers } from './api/security-handlers.ts';
import { registerTransactionHandlers } from './api/transaction-handlers.ts';
import { createTransactionWiring } from './broker-transactions.ts';
import { BrokerConfigAdmin } from './cluster/broker-config-admin.ts';
import { notReadyReasons } from './cluster/broker-readiness.ts';
import { BrokerSession } from './cluster/broker-session.ts';
import {
  checkStoredClusterId,
  claimClusterId,
  type LogDirIdentity,
  proposeClusterId,
} from './cluster/cluster-id.ts';
import { Controller } from './cluster/controller.ts';
import { LeaderFence } from './cluster/leader-fence.ts';
import type { ListenerEndpoint } from './cluster/metadata-image.ts';
import { MetadataImage } from './cluster/metadata-image.ts';
import { MetadataLoader } from './cluster/metadata-loader.ts';
import { LeaderElections } from './cluster/preferred-leader-elections.ts';
import { ReassignmentAdmin } from './cluster/reassignment-admin.ts';
import { TopicAdmin } from './cluster/topic-admin.ts';
import { type BrokerConfig, buildBrokerConfig } from './config/broker-config.ts';
import { parseHttpListener, topicKeyForBrokerKey } from './config/config-def.ts';
import { ConfigError } from './config/config-error.ts';
import { DYNAMIC_BROKER_KEYS, DynamicConfigHooks } from './config/dynamic-broker-config.ts';
import { deriveLimits } from './config/limits.ts';
import type { Listener } from './config/listeners.ts';
import {
  resolveTopicConfig,
  type TopicConfig,
  validateTopicConfigs,
} from './config/topic-config.ts';
import { GroupCoordinator } from './group/group-coordinator.ts';
import { isNoSpaceError } from './log/errors.ts';
import { type LogFileSystem, nodeFileSystem } from './log/file-system.ts';
import { type CleanableLog, LogCleaner, type LogCleanerSettings } from './log/log-cleaner.ts';
import type { LogConfig } from './log/log-config.ts';
import { LogDirHealth } from './log/log-dir-health.ts';
import {
  META_PROPERTIES_FILE,
  readMetaProperties,
  writeMetaProperties,
} from './log/meta-properties.ts';
import { EmbeddedMetaStore } from './metadata/embedded-store.ts';
import { KeyLayout } from './metadata/key-layout.ts';
import type { Lease, MetaStore } from './metadata/meta-store.ts';
import { BrokerMetrics } from './metrics/broker-metrics.ts';
import {
  effectiveTimestampBounds,
  type TopicValidationPolicy,
} from './protocol/batch-validation.ts';
import { API_VERSIONS_KEY } from './protocol/headers.ts';
import { IsrManager } from './replication/isr-manager.ts';
import { ReplicaFetchers } from './replication/replica-fetcher.ts';
import { ReplicaManager } from './replication/replica-manager.ts';
import { decodeStoredAcls } from './security/acl-records.ts';
import { AclStore } from './security/acl-store.ts';
import { StandardAuthorizer } from './security/authorizer.ts';
import { authorizerConfigOf } from './security/authorizer-config.ts';
import { ClientQuotaConfig } from './security/client-quota-config.ts';
import { ClientQuotaManager } from './security/client-quota-manager.ts';
import { ClientQuotaStore } from './security/client-quota-store.ts';
import { interBrokerClientSecurity } from './security/inter-broker-client.ts';
import { openListenerAuths } from './security/listener-auth.ts';
import { ReplicationQuota } from './security/replication-quota.ts';
import {
  AddScramError,
  type BootstrapCredential,
  bootstrapCredentials,
  parseAddScram,
} from './security/scram-bootstrap.ts';
import { ScramCredentialStore } from './security/scram-credential-store.ts';
import { HttpEndpoint } from './server/http-endpoint.ts';
import { ListenerProtection } from './server/listener-protection.ts';
import { refuseUnservedListeners } from './server/listener-security.ts';
import { ListenerServers } from './server/listener-servers.ts';
import { ProducerIdAllocator } from './txn/producer-id-allocator.ts';
import { brokerBufferPool } from './util/buffer-pool.ts';
import { ByteBudget } from './util/byte-budget.ts';
import { rateLimited } from './util/log-rate-limiter.ts';
import { type Logger, libraryLogger } from './util/logger.ts';

export interface StartBrokerOptions {
  /** Data directory (log.dirs); overrides the configuration. */
  readonly dataDir?: string;
  /** Port of the PLAINTEXT listener; 0 picks a free port. Overrides `listeners`. */
  readonly port?: number;
  /** Host to bind and advertise with `port` (default 127.0.0.1 when port is given). */
  readonly host?: string;
  /** Kafka-named properties, as `--override key=value` would give them. */
  readonly config?: Readonly<Record<string, string>>;
  /** A Java .properties file. */
  readonly configFile?: string;
  /** Where GREGOR_* variables are read; none by default for library use. */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * A pino logger. Default: warnings and errors only, as JSON on stderr (readable
   * lines when stderr is a terminal); GREGOR_LOG_LEVEL changes the level.
   */
  readonly logger?: Logger;
  /**
   * The file layer partition logs use; the real disk by default. Tests put a layer
   * that injects I/O errors here (a failing log directory).
   */
  readonly logFileSystem?: LogFileSystem;
  /**
   * SCRAM users to create if absent, as `kafka-storage format --add-scram` takes them:
   * `SCRAM-SHA-256=[name=admin,password=...]`. An existing credential is never replaced.
   */
  readonly addScram?: readonly string[];
}

export interface Broker {
  readonly nodeId: number;
  readonly clusterId: string;
  /** Advertised host of the first listener. */
  readonly host: string;
  /** Bound port of the first listener. */
  readonly port: number;
  /** Bound port of every listener, by listener name, in the order of `listeners`. */
  readonly listenerPorts: ReadonlyMap<string, number>;
  /** The configuration in force: the static one under any dynamic broker configs. */
  readonly config: BrokerConfig;
  /** Port of the metrics and probe endpoint (http.listener), or null when off. */
  readonly httpPort: number | null;
  /** ActiveControllerCount for this broker: true while it is the controller. */
  isActiveController(): boolean;
  /** Requests decoded and handed to a handler since start, by API key. */
  requestCounts(): ReadonlyMap<number, number>;
  /** Flushes logs and stops; safe to call twice. */
  close(): Promise<void>;
}

const METADATA_FILE = '__gregor_metadata.json';
const CONTROLLED_SHUTDOWN_TIMEOUT_MS = 10_000;
/** A pooled buffer unused for one to two of these periods is let go. */
const POOL_TRIM_INTERVAL_MS = 30_000;
/** How often the log dir's free space is sampled between scrapes (for /readyz). */
const LOG_DIR_SPACE_SAMPLE_MS = 5_000;
/** Kafka's producer.id.expiration.check.interval.ms default: how often idle producers are forgotten. */
const PRODUCER_ID_EXPIRATION_CHECK_INTERVAL_MS = 600_000;

function overridesFrom(opts: StartBrokerOptions): Record<string, string> {
  const o: Record<string, string> = { ...(opts.config ?? {}) };
  if (opts.dataDir !== undefined) o['log.dirs'] = opts.dataDir;
  if (opts.port !== undefined) {
    const host = opts.host ?? '127.0.0.1';
    o['listeners'] = `PLAINTEXT://${host}:${opts.port}`;
    if (opts.config?.['advertised.listeners'] === undefined)
      o['advertised.listeners'] = `PLAINTEXT://${host}:${opts.port}`;
  }
  return o;
}

/**
 * Resolved topic configs, rebuilt only when a topic's overrides change: the
 * image hands out the same overrides object until a change arrives, so
 * identity tells whether the cached resolution is current.
 */
class TopicConfigCache {
  private readonly cache = new Map<
    string,
    { overrides: Record<string, string>; broker: BrokerConfig; config: TopicConfig }
  >();

  constructor(
    private readonly broker: () => BrokerConfig,
    private readonly image: MetadataImage,
  ) {}

  get(topic: string): TopicConfig {
    const overrides = this.image.topicConfig(topic);
    const broker = this.broker();
    const hit = this.cache.get(topic);
    if (hit !== undefined && hit.overrides === overrides && hit.broker === broker) {
      return hit.config;
    }
    const config = resolveTopicConfig(broker, overrides);
    this.cache.set(topic, { overrides, broker, config });
    return config;
  }
}

/**
 * The broker configuration in force: the static one under the dynamic values the
 * metadata image holds for the cluster default and this broker. When those change it
 * is rebuilt and the hooks of the keys that changed run; a combination that does not
 * hold together is logged and the configuration in force is kept.
 */
class LiveBrokerConfig {
  current: BrokerConfig;
  readonly hooks = new DynamicConfigHooks();

  constructor(
    initial: BrokerConfig,
    private readonly image: MetadataImage,
    private readonly logger: Logger,
  ) {
    this.current = initial;
  }

  refresh(): void {
    const layers = {
      clusterDefault: this.image.brokerConfig(''),
      broker: this.image.brokerConfig(String(this.current.nodeId)),
    };
    const was = this.current.dynamicLayers;
    if (was.clusterDefault === layers.clusterDefault && was.broker === layers.broker) return;
    let next: BrokerConfig;
    try {
      next = this.current.withDynamic(layers);
    } catch (err) {
      this.logger.error({ err: String(err) }, 'dynamic broker configs not applied');
      return;
    }
    const before = this.current;
    this.current = next;
    const { changed, failures } = this.hooks.apply(before, next);
    if (changed.length > 0) this.logger.info({ changed }, 'applied dynamic broker configs');
    for (const err of failures) {
      this.logger.error({ err: String(err) }, 'applying a dynamic broker config failed');
    }
  }
}

function sameLogConfig(a: LogConfig, b: LogConfig): boolean {
  return (Object.keys(a) as Array<keyof LogConfig>).every((k) => a[k] === b[k]);
}

function logConfigOf(t: TopicConfig): LogConfig {
  // A compact-only topic (cleanup.policy=compact) is never trimmed by time or
  // size: that would drop the latest value of live keys (committed offsets).
  const deletes = t.cleanupPolicy.includes('delete');
  // A compacted log's active segment rolls by max.compaction.lag.ms, so the cleaner may take it.
  const compacts = t.cleanupPolicy.includes('compact');
  return {
    segmentBytes: t.segmentBytes,
    segmentMs: compacts ? Math.min(t.segmentMs, t.maxCompactionLagMs) : t.segmentMs,
    retentionMs: deletes ? t.retentionMs : -1,
    retentionBytes: deletes ? t.retentionBytes : -1,
    indexIntervalBytes: t.indexIntervalBytes,
    segmentIndexBytes: t.segmentIndexBytes,
    flushMessages: t.flushMessages,
    flushMs: t.flushMs,
    messageTimestampType: t.messageTimestampType,
  };
}

/** How a producer's batches to a topic with this configuration are validated. */
function validationPolicyOf(t: TopicConfig, decompression: ByteBudget): TopicValidationPolicy {
  const bounds = effectiveTimestampBounds({
    beforeMaxMs: t.messageTimestampBeforeMaxMs,
    afterMaxMs: t.messageTimestampAfterMaxMs,
    differenceMaxMs: t.messageTimestampDifferenceMaxMs,
  });
  return {
    timestampType: t.messageTimestampType,
    timestampBeforeMaxMs: bounds.beforeMaxMs,
    timestampAfterMaxMs: bounds.afterMaxMs,
    keysRequired: t.cleanupPolicy.includes('compact'),
    compression: t.compressionType,
    gzipLevel: t.compressionGzipLevel,
    zstdLevel: t.compressionZstdLevel,
    messageBytesMax: t.maxMessageBytes,
    decompressedBytesMax: decompression.bytesMax,
    decompressionBudget: decompression,
  };
}

function cleanerSettingsOf(config: BrokerConfig): LogCleanerSettings {
  return {
    enabled: config.logCleanerEnable,
    dedupeBufferBytes: config.logCleanerDedupeBufferSize,
    ioBufferBytes: config.logCleanerIoBufferSize,
    loadFactor: config.logCleanerIoBufferLoadFactor,
    ioMaxBytesPerSecond: config.logCleanerIoMaxBytesPerSecond,
    backoffMs: config.logCleanerBackoffMs,
  };
}

/** The hosted logs of compacted topics, with their settings and producer state. */
function* compactedLogs(
  replicas: ReplicaManager,
  topics: TopicConfigCache,
): Iterable<CleanableLog> {
  for (const p of replicas.all()) {
    let t: TopicConfig;
    try {
      t = topics.get(p.topic);
    } catch {
      continue;
    }
    if (!t.cleanupPolicy.includes('compact')) continue;
    yield {
      log: p.log,
      config: {
        minCleanableDirtyRatio: t.minCleanableDirtyRatio,
        minCompactionLagMs: t.minCompactionLagMs,
        maxCompactionLagMs: t.maxCompactionLagMs,
        deleteRetentionMs: t.deleteRetentionMs,
        // Stored batches passed produce validation; this only bounds a damaged one.
        maxMessageBytes: Math.max(t.maxMessageBytes * 16, 64 * 1024 * 1024),
      },
      hooks: {
        // Kafka keeps each producer's last batch (empty if need be) for its sequence state.
        isLastBatchOfProducer: (producerId, baseOffset) =>
          p.producers.snapshot(producerId)?.batches.at(-1)?.firstOffset === baseOffset,
      },
    };
  }
}

function describeStore(config: BrokerConfig): string {
  const loc = config.metadataStore;
  return loc.kind === 'embedded'
    ? 'embedded'
    : loc.endpoints.map((e) => `etcd://${e.host}:${e.port}`).join(',');
}

interface OpenedStore {
  readonly store: MetaStore;
  /** Why metadata writes cannot be saved now, or null (the embedded store on a full disk). */
  readonly persistProblem: () => string | null;
}

/**
 * The embedded store's snapshot writes, as the broker reports them: the first
 * failure and the recovery once each, the failures between rate-limited; a
 * refusal for want of space also counts against the log dir's health.
 */
function embeddedPersistListener(logger: Logger, health: LogDirHealth, path: string) {
  let failingSince: number | null = null;
  let lastReason = '';
  return {
    listener: {
      onWriteFailed(error: unknown, retryInMs: number) {
        const reason = error instanceof Error ? error.message : String(error);
        lastReason = reason;
        if (isNoSpaceError(error) && path.startsWith(health.dir)) health.noteNoSpace();
        if (failingSince === null) {
          failingSince = Date.now();
          logger.error(
            { path, reason, retryInMs },
            'metadata snapshot write failed; metadata writes wait while it is retried',
          );
          return;
        }
        rateLimited(logger).log(
          'warn',
          'metadata-snapshot-retry-failed',
          { path, reason, retryInMs },
          'metadata snapshot write failed again; retrying',
        );
      },
      onWriteRecovered() {
        logger.info(
          { path, failedForMs: failingSince === null ? 0 : Date.now() - failingSince },
          'metadata snapshot written again; metadata writes resumed',
        );
        failingSince = null;
      },
    },
    problem: () =>
      failingSince === null
        ? null
        : `metadata snapshot writes failing for ${Date.now() - failingSince} ms: ${lastReason}`,
  };
}

async function openStore(
  config: BrokerConfig,
  logDir: string,
  o: { logger: Logger; health: LogDirHealth },
): Promise<OpenedStore> {
  const loc = config.metadataStore;
  if (loc.kind === 'embedded') {
    const path = loc.path ?? join(logDir, METADATA_FILE);
    const persist = embeddedPersistListener(o.logger, o.health, path);
    const store = await EmbeddedMetaStore.open({ path, persistListener: persist.listener });
    return { store, persistProblem: persist.problem };
  }
  // etcd3 pulls in gRPC, a third of a second to load: only brokers that use etcd pay for it.
  const { EtcdMetaStore } = await import('./metadata/etcd-store.ts');
  const store = await EtcdMetaStore.connect({
    endpoints: loc.endpoints.map((e) => `http://${e.host}:${e.port}`),
  });
  return { store, persistProblem: () => null };
}

/**
 * Opens the metadata store and agrees on the cluster id with it: the store's id if it
 * has one, else this broker's proposal (see cluster/cluster-id.ts). Refuses, before
 * anything is registered, a log directory or a cluster.id of another cluster.
 */
async function openClusterStore(
  config: BrokerConfig,
  logDir: string,
  o: { logger: Logger; health: LogDirHealth },
): Promise<OpenedStore & { clusterId: string }> {
  const recorded = await readMetaProperties(nodeFileSystem, logDir);
  const dir: LogDirIdentity | null =
    recorded === null ? null : { path: join(logDir, META_PROPERTIES_FILE), ...recorded };
  const configured = config.clusterId;
  const proposal = proposeClusterId({ nodeId: config.nodeId, configured, logDir: dir });
  const opened = await openStore(config, logDir, o);
  const store = opened.store;
  try {
    const claim = await claimClusterId(store, config.metadataStorePrefix, proposal);
    const clusterId = checkStoredClusterId({
      stored: claim.clusterId,
      configured,
      logDir: dir,
      storeName: `${describeStore(config)} at ${config.metadataStorePrefix}`,
    });
    if (claim.created) o.logger.info({ clusterId }, 'created the cluster id in the metadata store');
    if (recorded === null)
      await writeMetaProperties(nodeFileSystem, logDir, { clusterId, nodeId: config.nodeId });
    return { ...opened, clusterId };
  } catch (err) {
    await store.close();
    throw err;
  }
}

export async function startBroker(opts: StartBrokerOptions = {}): Promise<Broker> {
  return (await startBrokerWithHandlers(opts)).broker;
}

/**
 * A broker and its handler registry, for tests of the request path that call handlers
 * with a RequestContext of their choosing (another principal than the connection's,
 * as the authorization matrix does). Not part of the package's API.
 */
export interface BrokerWithHandlers {
  readonly broker: Broker;
  readonly handlers: HandlerRegistry;
}

export async function startBrokerWithHandlers(
  opts: StartBrokerOptions = {},
): Promise<BrokerWithHandlers> {
  const logger = opts.logger ?? libraryLogger();
  const config = buildBrokerConfig({
    env: opts.env ?? {},
    overrides: overridesFrom(opts),
    ...(opts.configFile !== undefined
      ? { file: { name: opts.configFile, text: await readFile(opts.configFile, 'utf8') } }
      : {}),
  });
  // Before anything touches disk or the network: contradicting limits and a listener we
  // cannot secure stop start-up.
  const { limits, warnings } = deriveLimits(config);
  for (const warning of warnings) logger.warn({ warning }, 'doubtful configuration');
  // Listener security is checked (and TLS files read) now; SCRAM look-ups reach the
  // store once it is open, before any listener accepts a connection.
  let credentialStore: ScramCredentialStore | null = null;
  const listenerAuths = await openListenerAuths(config, {
    logger,
    scramCredentials: {
      get: (user, mechanism) => {
        assert.ok(credentialStore !== null, 'SCRAM credentials read before the store is open');
        return credentialStore.get(user, mechanism);
      },
    },
  });
  refuseUnservedListeners(config.listeners, listenerAuths);
  const interBrokerSecurity = interBrokerClientSecurity(config);
  const bootstrapUsers = (opts.addScram ?? []).map(parseAddScramOption);
  const logDir = config.logDirs[0]!;
  for (const dir of config.logDirs) await mkdir(dir, { recursive: true });
  const nodeId = config.nodeId;
  logger.info({ nodeId, metadataStore: describeStore(config) }, 'opening the metadata store');
  const logDirHealth = new LogDirHealth({ dir: logDir });
  logDirHealth.start(LOG_DIR_SPACE_SAMPLE_MS);
  const { store, clusterId, persistProblem } = await openClusterStore(config, logDir, {
    logger,
    health: logDirHealth,
  });
  // Every log directory says which cluster and broker it belongs to, as Kafka's do.
  for (const dir of config.logDirs.slice(1)) {
    if ((await readMetaProperties(nodeFileSystem, dir).catch(() => null)) === null) {
      await writeMetaProperties(nodeFileSystem, dir, { clusterId, nodeId });
    }
  }
  const keys = new KeyLayout(clusterId, { rootPrefix: config.metadataStorePrefix });
  credentialStore = new ScramCredentialStore(store, keys);
  for (const created of await bootstrapCredentials(credentialStore, bootstrapUsers)) {
    logger.info(
      { user: created.user, mechanism: created.mechanism },
      'created SCRAM credential (--add-scram)',
    );
  }
  const image = new MetadataImage(clusterId);
  const loader = new MetadataLoader(store, keys, image, logger);
  // Registered before the first read, so the authorizer starts from every stored ACL.
  const authorizer = followAcls(config, loader, logger);
  const clientQuotas = followClientQuotas(loader);
  await loader.start();
  logger.info({ revision: image.revision }, 'metadata loaded');
  // Dynamic broker configs the store holds apply from the start (a restart keeps them).
  const live = new LiveBrokerConfig(config, image, logger);
  live.refresh();

  const validateConfigs = (c: Record<string, string>): string | null => {
    const r = validateTopicConfigs(c, live.current);
    return r.ok ? null : r.message;
  };
  const topicAdmin = new TopicAdmin(
    store,
    keys,
    image,
    (rev) => loader.waitForRevision(rev),
    validateConfigs,
  );
  const now = () => Date.now();
  const topicConfigs = new TopicConfigCache(() => live.current, image);
  // No appends as leader until this broker holds a session whose registration
  // the image has seen; the leader fence decides once the session exists.
  let fenced: (othersMayLead: boolean) => boolean = () => true;
  let waitUnfenced: (othersMayLead: boolean, timeoutMs: number) => Promise<boolean> = async () =>
    false;
  const replicas = new ReplicaManager({
    nodeId,
    logDir,
    logDirs: config.logDirs,
    ...(opts.logFileSystem === undefined ? {} : { fs: opts.logFileSystem }),
    image,
    logConfigFor: (topic) => logConfigOf(topicConfigs.get(topic)),
    now,
    logger,
    fenced: (othersMayLead) => fenced(othersMayLead),
    waitUnfenced: (othersMayLead, timeoutMs) => waitUnfenced(othersMayLead, timeoutMs),
    onNoSpace: () => logDirHealth.noteNoSpace(),
  });
  loader.onChanges(() => void replicas.sync());
  // One batch may decompress to the limit; all the whole-frame decodes running at once share it.
  const decompression = new ByteBudget(limits.batchDecompressedSizeBytesMax);
  // Open logs follow their topic's config, whether a topic override or a broker default changed.
  const applyLogConfigs = () => {
    for (const p of replicas.all()) {
      const next = logConfigOf(topicConfigs.get(p.topic));
      if (!sameLogConfig(p.log.logConfig, next)) p.log.setConfig(next);
    }
  };
  const topicDefaultKeys = [...DYNAMIC_BROKER_KEYS.keys()].filter(
    (k) => topicKeyForBrokerKey(k) !== null,
  );
  live.hooks.on(topicDefaultKeys, applyLogConfigs);
  loader.onChanges((changes) => {
    if (changes.some((c) => c.kind === 'broker-config')) live.refresh();
    if (changes.some((c) => c.kind === 'topic-config')) applyLogConfigs();
  });
  const settings: HandlerSettings = {
    autoCreateTopics: config.autoCreateTopicsEnable,
    numPartitions: config.numPartitions,
    defaultReplicationFactor: config.defaultReplicationFactor,
    deleteTopicEnable: config.deleteTopicEnable,
    fetchMaxBytes: limits.fetchResponseSizeBytesMax,
    fetchWaitMsMax: limits.fetchWaitMsMax,
    messageMaxBytes: (topic) => topicConfigs.get(topic).maxMessageBytes,
    minInsyncReplicas: (topic) => topicConfigs.get(topic).minInsyncReplicas,
    messageDownconversionEnable: (topic) => topicConfigs.get(topic).messageDownconversionEnable,
    produceValidation: (topic) => validationPolicyOf(topicConfigs.get(topic), decompression),
  };
  const transactions = createTransactionWiring({ nodeId, image, config, logger });
  // Replication throttles: the rates are dynamic broker configs (per broker or the cluster
  // default), applied live by the hook below; the throttled replicas are topic configs.
  const replicationQuota = (side: 'leader' | 'follower') =>
    new ReplicationQuota({
      brokerId: nodeId,
      window: {
        samples: Number(config.get('replication.quota.window.num')),
        sampleMs: Number(config.get('replication.quota.window.size.seconds')) * 1000,
      },
      rateBytesPerS: Number(live.current.get(`${side}.replication.throttled.rate`)),
      throttledReplicas: (topic) =>
        side === 'leader'
          ? topicConfigs.get(topic).leaderReplicationThrottledReplicas
          : topicConfigs.get(topic).followerReplicationThrottledReplicas,
    });
  const leaderThrottle = replicationQuota('leader');
  const followerThrottle = replicationQuota('follower');
  live.hooks.on(['leader.replication.throttled.rate'], (c) =>
    leaderThrottle.setRate(Number(c.get('leader.replication.throttled.rate'))),
  );
  live.hooks.on(['follower.replication.throttled.rate'], (c) =>
    followerThrottle.setRate(Number(c.get('follower.replication.throttled.rate'))),
  );
  const services: BrokerServices = {
    nodeId,
    clusterId,
    image,
    topicAdmin,
    leaderElections: new LeaderElections({
      store,
      keys,
      image,
      waitForRevision: (rev) => loader.waitForRevision(rev),
      now,
      logger,
    }),
    replicas,
    settings,
    producerIds: new ProducerIdAllocator(store, `${keys.root}producer_id_block`),
    transactionVerifier: transactions.verifier,
    logger,
    now,
    get config() {
      return live.current;
    },
    limits,
    brokerConfigs: new BrokerConfigAdmin({
      store,
      keys,
      image,
      waitForRevision: (rev) => loader.waitForRevision(rev),
      config: () => live.current,
    }),
    authorizer: new RequestAuthorizer(authorizer),
    aclStore:
      authorizer === null
        ? null
        : new AclStore({ store, keys, waitForRevision: (rev) => loader.waitForRevision(rev) }),
    clientQuotas,
    leaderThrottle,
    clientQuotaStore: new ClientQuotaStore({
      store,
      keys,
      waitForRevision: (rev) => loader.waitForRevision(rev),
    }),
  };
  const registry = new HandlerRegistry();
  registerHandlers(registry, services);
  const reassignments = new ReassignmentAdmin({
    store,
    keys,
    image,
    waitForRevision: (rev) => loader.waitForRevision(rev),
    get uncleanLeaderElection() {
      return live.current.uncleanLeaderElectionEnable;
    },
    logger,
  });
  registry
    .add(alterPartitionReassignmentsHandler(reassignments, services.authorizer))
    .add(listPartitionReassignmentsHandler(reassignments, services.authorizer));
  const groups = new GroupCoordinator(services, { subscribe: (l) => loader.onChanges(l) });
  const txns = transactions.start(services, groups, (l) => loader.onChanges(l));
  registerGroupHandlers(registry, services, groups, txns);
  registerTransactionHandlers(registry, services, txns, groups);
  registerSecurityHandlers(registry, credentialStore, services.authorizer);
  // Last, so every handler registered is wrapped.
  const quotaManager = new ClientQuotaManager(clientQuotas, {
    samples: Number(config.get('quota.window.num')),
    sampleMs: Number(config.get('quota.window.size.seconds')) * 1000,
  });
  registry.wrapAll(withClientQuotas(quotaManager));

  const requestCounts = new Map<number, number>();
  let metrics: BrokerMetrics | null = null;
  const protections = new Map(
    [...listenerAuths].map(([name, auth]) => [
      name,
      new ListenerProtection({
        auth,
        logger,
        onEvent: (event, listener) => metrics?.countAuthentication(event, listener),
        apiVersionsSupported: (version) => {
          const h = registry.get(API_VERSIONS_KEY);
          return h !== undefined && version >= h.minVersion && version <= h.maxVersion;
        },
      }),
    ]),
  );
  const server = await ListenerServers.listen({
    listeners: config.listeners,
    protections,
    registry,
    logger,
    limits: {
      requestSizeBytesMax: limits.requestSizeBytesMax,
      inflightRequestsMax: limits.inflightRequestsPerConnectionMax,
      idleMsMax: limits.connectionIdleMsMax,
    },
    connectionsMax: limits.connectionsMax,
    requestBytesMax: limits.queuedRequestBytesMax,
    onRequest: (apiKey) => {
      requestCounts.set(apiKey, (requestCounts.get(apiKey) ?? 0) + 1);
      metrics?.countRequest(apiKey);
    },
    onResponse: (apiKey, request, response, elapsedMs) =>
      metrics?.answered(apiKey, request, response, elapsedMs),
  });
  const advertised = advertisedEndpoints(config.advertisedListeners, server.ports);
  const first = advertised.find((l) => l.name === config.listeners[0]!.name);
  const session = new BrokerSession({
    store,
    keys,
    nodeId,
    listeners: advertised,
    interBrokerListenerName: config.interBrokerListenerName,
    rack: config.rack,
    sessionTimeoutMs: config.brokerSessionTimeoutMs,
    logger,
  });
  // A failed log directory: its replicas are published as offline so the controller leads them elsewhere.
  const publishOffline = () => {
    const replicasLost = replicas.offlineReplicas().map((r) => `${r.topic}:${r.partition}`);
    const dirsLost = replicas.logDirs.filter((d) => replicas.isDirOffline(d));
    session.setOffline(replicasLost, dirsLost).catch((err: unknown) => {
      logger.error({ err: String(err) }, 'could not publish the offline log directory');
    });
  };
  replicas.onDirFailure(publishOffline);
  publishOffline();
  const fence = new LeaderFence({
    now: () => performance.now(),
    stallMsMax: config.brokerSessionTimeoutMs / 2,
    imageRevision: () => image.revision,
    registeredRevision: () => session.registeredRevision,
    catchUp: async () => loader.waitForRevision(await store.revision()),
    session: () => {
      const lease = session.lease;
      return {
        leaseConfirmedUntilMs:
          lease === null || !lease.isAlive()
            ? null
            : (lease.confirmedUntilMs?.() ?? Number.POSITIVE_INFINITY),
        incarnation: session.incarnation,
        imageIncarnation: image.broker(nodeId)?.incarnation ?? null,
      };
    },
    // Keepalives go out every third of the TTL: this leaves them a third of it to
    // be confirmed late before the broker stops leading.
    sessionMarginMs: config.brokerSessionTimeoutMs / 4,
    logger,
  });
  fenced = (othersMayLead) => fence.isFenced(othersMayLead);
  waitUnfenced = (othersMayLead, timeoutMs) => fence.waitUntilLifted(othersMayLead, timeoutMs);
  // Produces waiting for followers are not acknowledged by a broker that stopped leading.
  fence.onFenced(() => replicas.failFencedWaiters());
  let lease: Lease;
  try {
    logger.info(
      { nodeId, sessionTimeoutMs: config.brokerSessionTimeoutMs },
      'registering with the cluster',
    );
    lease = await session.start();
  } catch (err) {
    await server.close();
    await loader.stop();
    await store.close();
    throw err;
  }
  const controller = new Controller({
    store,
    keys,
    image,
    nodeId,
    logger,
    leadership: {
      get uncleanLeaderElection() {
        return live.current.uncleanLeaderElectionEnable;
      },
    },
    leaderBalance: {
      enabled: config.autoLeaderRebalanceEnable,
      checkIntervalMs: config.leaderImbalanceCheckIntervalSeconds * 1000,
      imbalancePerBrokerPercentage: config.leaderImbalancePerBrokerPercentage,
    },
    waitForRevision: (rev) => loader.waitForRevision(rev),
  });
  loader.onChanges((changes) => controller.onChanges(changes));
  session.onRenewed((renewed) => controller.renew(renewed));
  fence.start();
  await controller.start(lease);
  await loader.waitForRevision(await store.revision());
  metrics = new BrokerMetrics({
    nodeId,
    image,
    replicas,
    logDirHealth,
    isActiveController: () => controller.isActive(),
    apiName: (apiKey) => registry.get(apiKey)?.name ?? String(apiKey),
    minInsyncReplicas: (topic) => topicConfigs.get(topic).minInsyncReplicas,
    connectionCounts: () => server.connectionCounts,
    committedOffsets: () => groups.committedOffsets(),
    quotaUsage: (nowMs) => quotaManager.usage(nowMs),
  });
  loader.onChanges(() => metrics?.metadataChanged());
  // Readiness waits for the logs and fetchers below (broker-readiness.ts says what else).
  let started = false;
  const httpAddress = config.httpListener === '' ? null : parseHttpListener(config.httpListener);
  const http =
    httpAddress === null
      ? null
      : await HttpEndpoint.listen({
          ...httpAddress,
          registry: metrics.registry,
          isReady: () => session.lease?.isAlive() ?? false,
          notReadyReasons: () => {
            const metadata = persistProblem();
            return [
              ...notReadyReasons({
                nodeId,
                image,
                started,
                registered: session.lease?.isAlive() ?? false,
                metadataCurrent: !fence.isFenced(),
              }),
              ...logDirHealth.problems(),
              ...(metadata === null ? [] : [metadata]),
            ];
          },
        });
  // The image is current: directories it gives this broker no partition for are leftovers.
  await replicas.deleteStrayLogs().catch(() => undefined);
  await replicas.sync();
  const cleaner = new LogCleaner({
    settings: cleanerSettingsOf(config),
    logs: () => compactedLogs(replicas, topicConfigs),
    now,
    logger,
  });
  cleaner.start();
  live.hooks.on(
    [
      'log.cleaner.threads',
      'log.cleaner.dedupe.buffer.size',
      'log.cleaner.io.buffer.size',
      'log.cleaner.io.buffer.load.factor',
      'log.cleaner.io.max.bytes.per.second',
      'log.cleaner.backoff.ms',
    ],
    (c) => cleaner.updateSettings(cleanerSettingsOf(c)),
  );
  // Read where they are used (the controller's elections), or accepted with no effect.
  live.hooks.on(
    [
      'unclean.leader.election.enable',
      'num.io.threads',
      'num.network.threads',
      'num.replica.fetchers',
      'num.recovery.threads.per.data.dir',
    ],
    () => undefined,
  );
  for (const key of live.hooks.unhandled()) {
    logger.warn({ key }, 'dynamic broker config without an apply hook');
  }
  groups.start();
  txns.start();
  const fetchers = new ReplicaFetchers({
    nodeId,
    image,
    replicas,
    logger,
    listenerName: config.interBrokerListenerName,
    security: interBrokerSecurity,
    fetch: {
      partitionMaxBytes: config.replicaFetchMaxBytes,
      responseMaxBytes: limits.replicaFetchResponseSizeBytesMax,
      minBytes: config.replicaFetchMinBytes,
      maxWaitMs: config.replicaFetchWaitMaxMs,
      backoffMs: config.replicaFetchBackoffMs,
      socketTimeoutMs: config.replicaSocketTimeoutMs,
    },
    throttle: followerThrottle,
  });
  replicas.onLeadershipChange(() => fetchers.update());
  fetchers.update();
  const isr = new IsrManager({
    nodeId,
    store,
    keys,
    image,
    replicas,
    lagTimeMaxMs: config.replicaLagTimeMaxMs,
    now,
    logger,
  });
  isr.start();
  replicas.startHighWatermarkCheckpoints(config.replicaHighWatermarkCheckpointIntervalMs);
  replicas.startProducerExpiration(
    config.producerIdExpirationMs,
    PRODUCER_ID_EXPIRATION_CHECK_INTERVAL_MS,
  );

  const retentionTimer = setInterval(
    () => void replicas.applyRetention(Date.now()),
    config.logRetentionCheckIntervalMs,
  );
  retentionTimer.unref();
  // Buffers a burst of large requests or fetches left in the pool go back once unused.
  const poolTrimTimer = setInterval(() => brokerBufferPool.trim(), POOL_TRIM_INTERVAL_MS);
  poolTrimTimer.unref();
  started = true;
  logger.info(
    {
      nodeId,
      clusterId,
      listeners: [...server.ports].map(([name, port]) => `${name}:${port}`),
      advertised: advertised.map((l) => `${l.name}://${l.host}:${l.port}`),
      interBrokerListener: config.interBrokerListenerName,
      logDir,
    },
    'Gregor broker started',
  );

  let closing: Promise<void> | null = null;
  const broker: Broker = {
    nodeId,
    clusterId,
    // An unadvertised first listener still has a bind address to report.
    host: first?.host ?? (config.listeners[0]!.host || '127.0.0.1'),
    port: server.firstPort,
    listenerPorts: server.ports,
    get config() {
      return live.current;
    },
    requestCounts: () => requestCounts,
    isActiveController: () => controller.isActive(),
    httpPort: http?.port ?? null,
    close() {
      closing ??= (async () => {
        clearInterval(retentionTimer);
        clearInterval(poolTrimTimer);
        await controller.close();
        await controlledShutdown({
          image,
          nodeId,
          session,
          logger,
          timeoutMs: CONTROLLED_SHUTDOWN_TIMEOUT_MS,
        });
        // Stop serving before anything is closed under a request: group appends finish,
        // then partitions are no longer handed out (requests get NOT_LEADER_OR_FOLLOWER),
        // then connections answer what they hold and close, and only then do logs close.
        await groups.close();
        replicas.stopServing();
        isr.close();
        fence.close();
        fetchers.close();
        await server.close();
        await http?.close();
        await transactions.close();
        await controller.close();
        await cleaner.close();
        await replicas.close();
        await session.close();
        await loader.stop();
        await store.close();
        logDirHealth.stop();
        logger.info({ nodeId }, 'Gregor broker stopped');
      })();
      return closing;
    },
  };
  return { broker, handlers: registry };
}

/**
 * The ACL authorizer when authorizer.class.name names one, kept in step with the
 * `acls/...` keys through the metadata loader, in revision order; null otherwise.
 */
function followAcls(
  config: BrokerConfig,
  loader: MetadataLoader,
  logger: Logger,
): StandardAuthorizer | null {
  const c = authorizerConfigOf(config);
  if (!c.enabled) return null;
  const authorizer = new StandardAuthorizer(c.settings, logger);
  loader.onChanges((changes) => {
    for (const change of changes) {
      if (change.kind !== 'acl') continue;
      const { resourceType, patternType, name, value } = change;
      const decoded = decodeStoredAcls(resourceType, patternType, name, value);
      if (decoded === null || decoded.skipped > 0)
        logger.warn({ resourceType, patternType, name }, 'ignoring unreadable ACL entries');
      if (decoded !== null) authorizer.applyStored(decoded.pattern, decoded.entries);
    }
  });
  return authorizer;
}

/** Client quotas as stored under `quotas/...`, kept in step through the metadata loader. */
function followClientQuotas(loader: MetadataLoader): ClientQuotaConfig {
  const quotas = new ClientQuotaConfig();
  loader.onChanges((changes) => {
    for (const change of changes)
      if (change.kind === 'client-quota') quotas.applyStored(change.entity, change.value);
  });
  return quotas;
}

/**
 * Controlled shutdown: leave the cluster first (the session key goes away),
 * so the controller moves this broker's leaderships to in-sync followers while
 * it still answers; wait (bounded) until no partition led here has another
 * in-sync replica that is alive, then stop. When none has (a lone broker, or the
 * whole cluster stopping at once), there is nowhere to move leadership and it
 * stops at once.
 */
async function controlledShutdown(o: {
  image: MetadataImage;
  nodeId: number;
  session: BrokerSession;
  logger: Logger;
  timeoutMs: number;
}): Promise<void> {
  await o.session.close();
  const started = Date.now();
  const deadline = started + o.timeoutMs;
  let left = movableLeaderships(o.image, o.nodeId);
  while (left > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    left = movableLeaderships(o.image, o.nodeId);
  }
  o.logger.info(
    { nodeId: o.nodeId, leadershipsLeft: left, elapsedMs: Date.now() - started },
    left === 0
      ? 'controlled shutdown: no leadership left that another live broker could take'
      : 'controlled shutdown: gave up waiting for leaderships to move',
  );
}

/** Partitions led by `nodeId` with an in-sync replica on another registered broker. */
function movableLeaderships(image: MetadataImage, nodeId: number): number {
  const live = new Set(image.brokers().map((b) => b.nodeId));
  live.delete(nodeId);
  let count = 0;
  for (const t of image.topics()) {
    for (const p of t.partitions.values()) {
      if (p.leader === nodeId && p.isr.some((r) => live.has(r))) count++;
    }
  }
  return count;
}

/** Advertised listeners with port 0 replaced by the port their listener was bound to. */
function advertisedEndpoints(
  advertised: readonly Listener[],
  boundPorts: ReadonlyMap<string, number>,
): ListenerEndpoint[] {
  return advertised.map((l) => ({
    name: l.name,
    host: l.host === '' ? '127.0.0.1' : l.host,
    port: l.port === 0 ? (boundPorts.get(l.name) ?? 0) : l.port,
    securityProtocol: l.securityProtocol,
  }));
}

/** One --add-scram value; a malformed one is a configuration error (exit code 2). */
function parseAddScramOption(text: string): BootstrapCredential {
  try {
    return parseAddScram(text);
  } catch (err) {
    if (!(err instanceof AddScramError)) throw err;
    throw new ConfigError('GREGOR_ERR_CONFIG_INVALID', err.message, { key: '--add-scram' });
  }
}
