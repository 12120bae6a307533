// The composition root: reads the configuration, builds every part of one
// broker (metadata store, metadata image, partition logs, handlers, network
// listeners), wires them together and owns their lifecycle. It is the only
// module that names concrete backends. `startBroker` is also the library API
// for running a real Kafka-protocol broker inside a Node process.

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
import { BrokerConfigAdmin } from './cluster/broker-config-admin.ts';
import { BrokerSession } from './cluster/broker-session.ts';
import {
  checkStoredClusterId,
  claimClusterId,
  type LogDirIdentity,
  proposeClusterId,
} from './cluster/cluster-id.ts';
import { Controller } from './cluster/controller.ts';
import { LeaderFence } from './cluster/leader-fence.ts';
import { MetadataImage } from './cluster/metadata-image.ts';
import { MetadataLoader } from './cluster/metadata-loader.ts';
import { LeaderElections } from './cluster/preferred-leader-elections.ts';
import { ReassignmentAdmin } from './cluster/reassignment-admin.ts';
import { TopicAdmin } from './cluster/topic-admin.ts';
import { type BrokerConfig, buildBrokerConfig } from './config/broker-config.ts';
import { parseHttpListener } from './config/config-def.ts';
import type { Listener } from './config/listeners.ts';
import {
  resolveTopicConfig,
  type TopicConfig,
  validateTopicConfigs,
} from './config/topic-config.ts';
import { GroupCoordinator } from './group/group-coordinator.ts';
import { nodeFileSystem } from './log/file-system.ts';
import type { LogConfig } from './log/log-config.ts';
import {
  META_PROPERTIES_FILE,
  readMetaProperties,
  writeMetaProperties,
} from './log/meta-properties.ts';
import { EmbeddedMetaStore } from './metadata/embedded-store.ts';
import { KeyLayout } from './metadata/key-layout.ts';
import type { Lease, MetaStore } from './metadata/meta-store.ts';
import { BrokerMetrics } from './metrics/broker-metrics.ts';
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
import { ReplicationQuota } from './security/replication-quota.ts';
import { HttpEndpoint } from './server/http-endpoint.ts';
import { SocketServer } from './server/socket-server.ts';
import { ProducerIdAllocator } from './txn/producer-id-allocator.ts';
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
}

export interface Broker {
  readonly nodeId: number;
  readonly clusterId: string;
  readonly host: string;
  /** Bound port of the first listener. */
  readonly port: number;
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
const FETCH_WAIT_MS_MAX = 30_000;
const CONTROLLED_SHUTDOWN_TIMEOUT_MS = 10_000;

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
    { overrides: Record<string, string>; config: TopicConfig }
  >();

  constructor(
    private readonly broker: BrokerConfig,
    private readonly image: MetadataImage,
  ) {}

  get(topic: string): TopicConfig {
    const overrides = this.image.topicConfig(topic);
    const hit = this.cache.get(topic);
    if (hit !== undefined && hit.overrides === overrides) return hit.config;
    const config = resolveTopicConfig(this.broker, overrides);
    this.cache.set(topic, { overrides, config });
    return config;
  }
}

function logConfigOf(t: TopicConfig): LogConfig {
  // A compact-only topic (cleanup.policy=compact) is never trimmed by time or
  // size: that would drop the latest value of live keys (committed offsets).
  const deletes = t.cleanupPolicy.includes('delete');
  return {
    segmentBytes: t.segmentBytes,
    segmentMs: t.segmentMs,
    retentionMs: deletes ? t.retentionMs : -1,
    retentionBytes: deletes ? t.retentionBytes : -1,
    indexIntervalBytes: t.indexIntervalBytes,
    segmentIndexBytes: t.segmentIndexBytes,
    flushMessages: t.flushMessages,
    flushMs: t.flushMs,
    messageTimestampType: t.messageTimestampType,
  };
}

function describeStore(config: BrokerConfig): string {
  const loc = config.metadataStore;
  return loc.kind === 'embedded'
    ? 'embedded'
    : loc.endpoints.map((e) => `etcd://${e.host}:${e.port}`).join(',');
}

async function openStore(config: BrokerConfig, logDir: string): Promise<MetaStore> {
  const loc = config.metadataStore;
  if (loc.kind === 'embedded')
    return EmbeddedMetaStore.open({ path: loc.path ?? join(logDir, METADATA_FILE) });
  // etcd3 pulls in gRPC, a third of a second to load: only brokers that use etcd pay for it.
  const { EtcdMetaStore } = await import('./metadata/etcd-store.ts');
  return EtcdMetaStore.connect({
    endpoints: loc.endpoints.map((e) => `http://${e.host}:${e.port}`),
  });
}

/**
 * Opens the metadata store and agrees on the cluster id with it: the store's id if it
 * has one, else this broker's proposal (see cluster/cluster-id.ts). Refuses, before
 * anything is registered, a log directory or a cluster.id of another cluster.
 */
async function openClusterStore(
  config: BrokerConfig,
  logDir: string,
  logger: Logger,
): Promise<{ store: MetaStore; clusterId: string }> {
  const recorded = await readMetaProperties(nodeFileSystem, logDir);
  const dir: LogDirIdentity | null =
    recorded === null ? null : { path: join(logDir, META_PROPERTIES_FILE), ...recorded };
  const configured = config.clusterId;
  const proposal = proposeClusterId({ nodeId: config.nodeId, configured, logDir: dir });
  const store = await openStore(config, logDir);
  try {
    const claim = await claimClusterId(store, config.metadataStorePrefix, proposal);
    const clusterId = checkStoredClusterId({
      stored: claim.clusterId,
      configured,
      logDir: dir,
      storeName: `${describeStore(config)} at ${config.metadataStorePrefix}`,
    });
    if (claim.created) logger.info({ clusterId }, 'created the cluster id in the metadata store');
    if (recorded === null)
      await writeMetaProperties(nodeFileSystem, logDir, { clusterId, nodeId: config.nodeId });
    return { store, clusterId };
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
  const logDir = config.logDirs[0]!;
  await mkdir(logDir, { recursive: true });
  const nodeId = config.nodeId;
  logger.info({ nodeId, metadataStore: describeStore(config) }, 'opening the metadata store');
  const { store, clusterId } = await openClusterStore(config, logDir, logger);
  const keys = new KeyLayout(clusterId, { rootPrefix: config.metadataStorePrefix });
  const image = new MetadataImage(clusterId);
  const loader = new MetadataLoader(store, keys, image, logger);
  // Registered before the first read, so the authorizer starts from every stored ACL.
  const authorizer = followAcls(config, loader, logger);
  const clientQuotas = followClientQuotas(loader);
  await loader.start();
  logger.info({ revision: image.revision }, 'metadata loaded');

  const validateConfigs = (c: Record<string, string>): string | null => {
    const r = validateTopicConfigs(c, config);
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
  const topicConfigs = new TopicConfigCache(config, image);
  // No appends as leader until this broker holds a session whose registration
  // the image has seen; the leader fence decides once the session exists.
  let fenced: () => boolean = () => true;
  const replicas = new ReplicaManager({
    nodeId,
    logDir,
    image,
    logConfigFor: (topic) => logConfigOf(topicConfigs.get(topic)),
    now,
    logger,
    fenced: () => fenced(),
  });
  loader.onChanges(() => void replicas.sync());
  const settings: HandlerSettings = {
    autoCreateTopics: config.autoCreateTopicsEnable,
    numPartitions: config.numPartitions,
    defaultReplicationFactor: config.defaultReplicationFactor,
    deleteTopicEnable: config.deleteTopicEnable,
    fetchMaxBytes: config.fetchMaxBytes,
    fetchWaitMsMax: FETCH_WAIT_MS_MAX,
    messageMaxBytes: (topic) => topicConfigs.get(topic).maxMessageBytes,
    minInsyncReplicas: (topic) => topicConfigs.get(topic).minInsyncReplicas,
    messageDownconversionEnable: (topic) => topicConfigs.get(topic).messageDownconversionEnable,
  };
  const replicationQuota = (side: 'leader' | 'follower') =>
    new ReplicationQuota({
      brokerId: nodeId,
      window: {
        samples: Number(config.get('replication.quota.window.num')),
        sampleMs: Number(config.get('replication.quota.window.size.seconds')) * 1000,
      },
      rate: () => replicationRate(config, image, nodeId, `${side}.replication.throttled.rate`),
      throttledReplicas: (topic) =>
        side === 'leader'
          ? topicConfigs.get(topic).leaderReplicationThrottledReplicas
          : topicConfigs.get(topic).followerReplicationThrottledReplicas,
    });
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
    logger,
    now,
    config,
    authorizer: new RequestAuthorizer(authorizer),
    aclStore:
      authorizer === null
        ? null
        : new AclStore({ store, keys, waitForRevision: (rev) => loader.waitForRevision(rev) }),
    clientQuotas,
    leaderThrottle: replicationQuota('leader'),
    brokerConfigs: new BrokerConfigAdmin({
      store,
      keys,
      image,
      waitForRevision: (rev) => loader.waitForRevision(rev),
    }),
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
    uncleanLeaderElection: config.uncleanLeaderElectionEnable,
    logger,
  });
  registry
    .add(alterPartitionReassignmentsHandler(reassignments, services.authorizer))
    .add(listPartitionReassignmentsHandler(reassignments, services.authorizer));
  const groups = new GroupCoordinator(services, { subscribe: (l) => loader.onChanges(l) });
  registerGroupHandlers(registry, services, groups);
  const quotaManager = new ClientQuotaManager(clientQuotas, {
    samples: Number(config.get('quota.window.num')),
    sampleMs: Number(config.get('quota.window.size.seconds')) * 1000,
  });
  registry.wrapAll(withClientQuotas(quotaManager));

  const requestCounts = new Map<number, number>();
  let metrics: BrokerMetrics | null = null;
  const listener = config.listeners[0]!;
  const server = await SocketServer.listen({
    host: listener.host,
    port: listener.port,
    listenerName: listener.name,
    registry,
    logger,
    limits: {
      requestSizeBytesMax: config.socketRequestMaxBytes,
      inflightRequestsMax: config.queuedMaxRequests,
    },
    connectionsMax: config.maxConnections,
    onRequest: (apiKey) => {
      requestCounts.set(apiKey, (requestCounts.get(apiKey) ?? 0) + 1);
      metrics?.countRequest(apiKey);
    },
  });
  const advertised = advertisedEndpoint(config.advertisedListeners, listener, server.port);
  const session = new BrokerSession({
    store,
    keys,
    nodeId,
    host: advertised.host,
    port: advertised.port,
    rack: config.rack,
    sessionTimeoutMs: config.brokerSessionTimeoutMs,
    logger,
  });
  const fence = new LeaderFence({
    now: () => performance.now(),
    stallMsMax: config.brokerSessionTimeoutMs / 2,
    imageRevision: () => image.revision,
    registeredRevision: () => session.registeredRevision,
    catchUp: async () => loader.waitForRevision(await store.revision()),
    logger,
  });
  fenced = () => fence.isFenced();
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
    leadership: { uncleanLeaderElection: config.uncleanLeaderElectionEnable },
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
    isActiveController: () => controller.isActive(),
    apiName: (apiKey) => registry.get(apiKey)?.name ?? String(apiKey),
    quotaUsage: (nowMs) => quotaManager.usage(nowMs),
  });
  const httpAddress = config.httpListener === '' ? null : parseHttpListener(config.httpListener);
  const http =
    httpAddress === null
      ? null
      : await HttpEndpoint.listen({
          ...httpAddress,
          registry: metrics.registry,
          isReady: () => session.lease?.isAlive() ?? false,
        });
  // The image is current: directories it gives this broker no partition for are leftovers.
  await replicas.deleteStrayLogs().catch(() => undefined);
  await replicas.sync();
  groups.start();
  const fetchers = new ReplicaFetchers({
    nodeId,
    image,
    replicas,
    logger,
    fetch: {
      partitionMaxBytes: config.replicaFetchMaxBytes,
      responseMaxBytes: config.replicaFetchResponseMaxBytes,
      minBytes: config.replicaFetchMinBytes,
      maxWaitMs: config.replicaFetchWaitMaxMs,
      backoffMs: config.replicaFetchBackoffMs,
      socketTimeoutMs: config.replicaSocketTimeoutMs,
    },
    throttle: replicationQuota('follower'),
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

  const retentionTimer = setInterval(
    () => void replicas.applyRetention(Date.now()),
    config.logRetentionCheckIntervalMs,
  );
  retentionTimer.unref();
  logger.info(
    { nodeId, clusterId, host: advertised.host, port: server.port, logDir },
    'Gregor broker started',
  );

  let closing: Promise<void> | null = null;
  const broker: Broker = {
    nodeId,
    clusterId,
    host: advertised.host,
    port: server.port,
    config,
    requestCounts: () => requestCounts,
    isActiveController: () => controller.isActive(),
    httpPort: http?.port ?? null,
    close() {
      closing ??= (async () => {
        clearInterval(retentionTimer);
        await controller.close();
        await controlledShutdown({
          image,
          nodeId,
          session,
          logger,
          timeoutMs: CONTROLLED_SHUTDOWN_TIMEOUT_MS,
        });
        isr.close();
        fence.close();
        fetchers.close();
        await server.close();
        await http?.close();
        await groups.close();
        await controller.close();
        await replicas.close();
        await session.close();
        await loader.stop();
        await store.close();
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

/**
 * A replication throttle rate now: this broker's dynamic override, else the cluster-wide
 * default override, else the static configuration (Long.MAX_VALUE: no throttle).
 */
function replicationRate(
  config: BrokerConfig,
  image: MetadataImage,
  nodeId: number,
  key: string,
): number {
  const dynamic = image.brokerConfig(String(nodeId))[key] ?? image.brokerConfig('')[key];
  return dynamic === undefined ? Number(config.get(key)) : Number(dynamic);
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
 * it still answers; wait (bounded) until no partition with another in-sync
 * replica is led here, then stop. A lone broker has nobody to hand over to.
 */
async function controlledShutdown(o: {
  image: MetadataImage;
  nodeId: number;
  session: BrokerSession;
  logger: Logger;
  timeoutMs: number;
}): Promise<void> {
  const others = o.image.brokers().filter((b) => b.nodeId !== o.nodeId);
  if (others.length === 0) {
    await o.session.close();
    return;
  }
  await o.session.close();
  const movable = () =>
    o.image
      .topics()
      .some((t) =>
        [...t.partitions.values()].some(
          (p) => p.leader === o.nodeId && p.isr.some((r) => r !== o.nodeId),
        ),
      );
  const deadline = Date.now() + o.timeoutMs;
  while (movable() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  o.logger.info(
    { nodeId: o.nodeId, movedAll: !movable() },
    'controlled shutdown: leaderships handed over',
  );
}

function advertisedEndpoint(
  advertised: readonly Listener[],
  bound: Listener,
  boundPort: number,
): { host: string; port: number } {
  const match = advertised.find((l) => l.name === bound.name) ?? bound;
  const host = match.host === '' ? '127.0.0.1' : match.host;
  const port = match.port === 0 ? boundPort : match.port;
  return { host, port };
}
