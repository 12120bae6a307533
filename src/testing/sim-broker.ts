// One broker of a simulated cluster, built from the broker's own parts: the
// metadata loader and image, the broker session, the controller, the replica
// manager with its partitions and logs (on this broker's simulated disk), the
// ISR manager and the leader fence, wired as broker.ts wires them. What the
// real broker does with sockets and timers is done here on the simulated
// network and clock: the followers' fetch loops, the leader's side of a
// follower fetch, produce with acks=all, and the periodic ticks. Every
// decision in those paths is made by the broker's own functions
// (replication/fetch-epochs.ts, high-watermark.ts via Partition,
// isr-decision.ts via IsrManager, produce-ack.ts, cluster/partition-leadership.ts
// via Controller). Each broker also runs the real group coordinator
// (group/group-coordinator.ts) on its own __consumer_offsets replicas, with
// its timers on the simulated clock; clients reach it through
// handleFindCoordinator, handleOffsetCommit and handleOffsetFetch. A crash
// kills the process (its events and promises stop) and keeps the disk, with
// or without its unfsynced bytes.

import { BrokerSession } from '../cluster/broker-session.ts';
import { Controller } from '../cluster/controller.ts';
import { LeaderFence } from '../cluster/leader-fence.ts';
import { MetadataImage } from '../cluster/metadata-image.ts';
import { MetadataLoader } from '../cluster/metadata-loader.ts';
import { defaultGroupCoordinatorConfig } from '../group/group-config.ts';
import {
  type FoundCoordinator,
  GroupCoordinator,
  type GroupCoordinatorServices,
  type GroupSettingsSource,
  type TimerScheduler,
} from '../group/group-coordinator.ts';
import type { OffsetCommitResponse, OffsetFetchResponse } from '../group/group-machine-types.ts';
import { LogClosedError, OffsetOutOfRangeError } from '../log/errors.ts';
import { defaultLogConfig, type LogConfig } from '../log/log-config.ts';
import type { MetaStore } from '../metadata/meta-store.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import { readBatchHeader } from '../protocol/record-batch.ts';
import { divergingEpochFor, leaderEpochError } from '../replication/fetch-epochs.ts';
import { IsrManager } from '../replication/isr-manager.ts';
import type { Partition } from '../replication/partition.ts';
import { ackRefusal, unreplicatedAnswer } from '../replication/produce-ack.ts';
import { ReplicaManager } from '../replication/replica-manager.ts';
import {
  type SimBrokerHandle,
  type SimContext,
  type SimFetchAnswer,
  type SimFetchPartition,
  type SimLeaderInfo,
  type SimOffsetCommitRequest,
  type SimOffsetFetchRequest,
  type SimProduceAnswer,
  type SimProduceRequest,
  tpKey,
} from './sim-context.ts';
import { SimDisk } from './sim-disk.ts';
import { SimFetchers } from './sim-fetchers.ts';

export const DATA_DIR = '/data';
/** Wall clocks start at a plausible epoch time; the simulated clock starts at 0. */
const WALL_CLOCK_BASE_MS = 1_700_000_000_000;
const RETRY_MS = 250;
const MESSAGE_BYTES_MAX = 1024 * 1024;
/** Kafka's default replica.high.watermark.checkpoint.interval.ms. */
const HW_CHECKPOINT_INTERVAL_MS = 5000;

export class SimBroker implements SimBrokerHandle {
  readonly disk: SimDisk;
  /** Added to this broker's wall clock (clock jumps); its monotonic clock is the simulator's. */
  clockSkewMs = 0;
  incarnation = 0;
  private life: BrokerLife | null = null;

  constructor(
    private readonly ctx: SimContext,
    readonly nodeId: number,
  ) {
    this.disk = new SimDisk(ctx.scheduler, ctx.random.fork(nodeId), nodeId, () => this.wallNow());
    void this.disk.memory.mkdir(DATA_DIR);
  }

  readonly wallNow = (): number => WALL_CLOCK_BASE_MS + this.ctx.scheduler.nowMs + this.clockSkewMs;

  get up(): boolean {
    return this.life !== null;
  }

  /** Starts a new incarnation of the process on this disk. */
  start(): void {
    this.incarnation += 1;
    this.life = new BrokerLife(this.ctx, this);
    this.life.start();
  }

  /** The process dies; a power loss also loses unfsynced bytes (keeping `tornBytes` of them). */
  kill(options: { readonly powerLoss: boolean; readonly tornBytes: number }): void {
    this.ctx.scheduler.kill(this.nodeId);
    this.ctx.store.dropWatchesOf(this.nodeId);
    this.life = null;
    // A process crash keeps the page cache: writes and truncations not yet
    // fsynced survive it (crash() would put back a truncated file's old bytes).
    if (options.powerLoss) this.disk.memory.crash({ keepUnsyncedBytes: options.tornBytes });
    else this.disk.memory.processCrash();
  }

  /** This incarnation's replica of a partition, if open. */
  partition(topic: string, index: number): Partition | undefined {
    return this.life?.replicas.partition(topic, index);
  }

  /** This incarnation's metadata image (for the checker's final report). */
  image(): MetadataImage | undefined {
    return this.life?.image;
  }

  handleFetch(replicaId: number, wanted: readonly SimFetchPartition[]): Promise<SimFetchAnswer[]> {
    const life = this.life;
    if (life === null) return Promise.reject(new Error(`broker ${this.nodeId} is down`));
    return life.handleFetch(replicaId, wanted);
  }

  handleProduce(request: SimProduceRequest): Promise<SimProduceAnswer> {
    const life = this.life;
    if (life === null) return Promise.reject(new Error(`broker ${this.nodeId} is down`));
    return life.handleProduce(request);
  }

  handleMetadata(topic: string, partition: number): SimLeaderInfo | null {
    const p = this.life?.image.partition(topic, partition);
    return p === undefined ? null : { leader: p.leader, leaderEpoch: p.leaderEpoch };
  }

  /** FindCoordinator, answered by the broker's own group coordinator. */
  handleFindCoordinator(groupId: string): Promise<FoundCoordinator> {
    const life = this.life;
    if (life === null) return Promise.reject(new Error(`broker ${this.nodeId} is down`));
    return life.groups.findCoordinator(groupId);
  }

  /** OffsetCommit with generation -1 and no member, as a consumer outside group management sends. */
  handleOffsetCommit(request: SimOffsetCommitRequest): Promise<OffsetCommitResponse> {
    const life = this.life;
    if (life === null) return Promise.reject(new Error(`broker ${this.nodeId} is down`));
    return life.groups.commit({
      groupId: request.groupId,
      generationId: -1,
      memberId: '',
      groupInstanceId: null,
      retentionTimeMs: -1,
      topics: byTopic(request.offsets).map(([name, list]) => ({
        name,
        partitions: list.map((o) => ({
          partitionIndex: o.partition,
          committedOffset: o.offset,
          committedLeaderEpoch: -1,
          commitTimestamp: -1,
          committedMetadata: '',
        })),
      })),
      topicExists: (name) => life.image.topic(name) !== undefined,
    });
  }

  handleOffsetFetch(request: SimOffsetFetchRequest): Promise<OffsetFetchResponse> {
    const life = this.life;
    if (life === null) return Promise.reject(new Error(`broker ${this.nodeId} is down`));
    return life.groups.fetchOffsets({
      groupId: request.groupId,
      topics: byTopic(request.partitions).map(([name, list]) => ({
        name,
        partitionIndexes: list.map((p) => p.partition),
      })),
      requireStable: false,
    });
  }
}

/** Partitions grouped by topic, in request order. */
function byTopic<T extends { readonly topic: string }>(items: readonly T[]): Array<[string, T[]]> {
  const out = new Map<string, T[]>();
  for (const item of items) out.set(item.topic, [...(out.get(item.topic) ?? []), item]);
  return [...out];
}

/** The group settings a simulated broker runs with: Kafka's defaults, a small offsets topic. */
function groupSettingsOf(ctx: SimContext): GroupSettingsSource {
  const d = defaultGroupCoordinatorConfig;
  return {
    offsetsTopicNumPartitions: ctx.settings.offsetsPartitions,
    offsetsTopicReplicationFactor: 3,
    offsetsTopicSegmentBytes: ctx.settings.segmentBytes,
    // The run's acks=all timeout, as for produce (Kafka's default is 5 s, one of its choices).
    offsetsCommitTimeoutMs: ctx.settings.produceTimeoutMs,
    offsetsRetentionMs: d.offsetsRetentionMs,
    offsetsRetentionCheckIntervalMs: d.offsetsRetentionCheckIntervalMs,
    offsetMetadataMaxBytes: d.offsetMetadataMaxBytes,
    groupInitialRebalanceDelayMs: d.groupInitialRebalanceDelayMs,
    groupMinSessionTimeoutMs: d.groupMinSessionTimeoutMs,
    groupMaxSessionTimeoutMs: d.groupMaxSessionTimeoutMs,
    groupMaxSize: d.groupMaxSize,
  };
}

function logConfigOf(ctx: SimContext): LogConfig {
  const s = ctx.settings;
  return {
    ...defaultLogConfig,
    segmentBytes: s.segmentBytes,
    ...(s.flushEveryMessage ? { flushMessages: 1 } : {}),
  };
}

/** One incarnation of a broker process: everything here dies with it. */
class BrokerLife {
  readonly link: MetaStore;
  readonly image: MetadataImage;
  readonly loader: MetadataLoader;
  readonly replicas: ReplicaManager;
  readonly groups: GroupCoordinator;
  private readonly session: BrokerSession;
  private fence: LeaderFence | null = null;

  constructor(
    private readonly ctx: SimContext,
    private readonly broker: SimBroker,
  ) {
    const nodeId = broker.nodeId;
    this.link = ctx.store.linkFor(nodeId);
    this.image = new MetadataImage(ctx.keys.clusterId);
    this.loader = new MetadataLoader(this.link, ctx.keys, this.image, ctx.logger);
    const logConfig = logConfigOf(ctx);
    this.replicas = new ReplicaManager({
      nodeId,
      logDir: DATA_DIR,
      image: this.image,
      logConfigFor: () => logConfig,
      now: broker.wallNow,
      logger: ctx.logger,
      fenced: (othersMayLead) => this.fence?.isFenced(othersMayLead) ?? true,
      fs: broker.disk,
      setTimer: (delayMs, run) => ctx.scheduler.after(delayMs, nodeId, '.replica-timer', run),
    });
    let incarnations = 0;
    this.session = new BrokerSession({
      store: this.link,
      keys: ctx.keys,
      nodeId,
      listeners: [
        { name: 'SIM', host: `broker-${nodeId}`, port: 9092, securityProtocol: 'PLAINTEXT' },
      ],
      interBrokerListenerName: 'SIM',
      rack: null,
      sessionTimeoutMs: ctx.settings.sessionTimeoutMs,
      logger: ctx.logger,
      now: broker.wallNow,
      sleep: (ms) => ctx.scheduler.sleep(ms, nodeId),
      newIncarnation: () => `${nodeId}.${broker.incarnation}.${++incarnations}`,
    });
    // Wired as broker.ts wires it, with the simulated clock for its timers.
    const services = {
      nodeId,
      image: this.image,
      // The simulator writes __consumer_offsets before any broker starts, so
      // findCoordinator never needs to create it.
      topicAdmin: {
        createTopic: async () => ({
          errorCode: ErrorCode.TOPIC_ALREADY_EXISTS,
          errorMessage: null,
        }),
      },
      replicas: this.replicas,
      // The broker's min.insync.replicas, which Kafka's __consumer_offsets inherits.
      settings: {
        messageMaxBytes: () => MESSAGE_BYTES_MAX,
        minInsyncReplicas: () => ctx.settings.minInsync,
      },
      config: groupSettingsOf(ctx),
      logger: ctx.logger,
      now: broker.wallNow,
    } satisfies GroupCoordinatorServices & { config: GroupSettingsSource };
    const timers: TimerScheduler = {
      set: (callback, delayMs) => ctx.scheduler.after(delayMs, nodeId, '.group-timer', callback),
      clear: (handle) => (handle as () => void)(),
    };
    this.groups = new GroupCoordinator(ctx.groupServices?.(services) ?? services, {
      subscribe: (listener) => this.loader.onChanges(listener),
      timers,
    });
  }

  private get nodeId(): number {
    return this.broker.nodeId;
  }

  private every(intervalMs: number, label: string, run: () => void): void {
    this.ctx.scheduler.after(intervalMs, this.nodeId, label, () => {
      run();
      this.every(intervalMs, label, run);
    });
  }

  /** Retries `task` on simulated time until it succeeds (the process's start-up loops). */
  private async untilDone<T>(task: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        return await task();
      } catch {
        await this.ctx.scheduler.sleep(RETRY_MS, this.nodeId);
      }
    }
  }

  start(): void {
    this.run().catch((err: unknown) => {
      this.ctx.trace.add(this.ctx.scheduler.nowMs, `broker ${this.nodeId} start failed: ${err}`);
    });
  }

  private async run(): Promise<void> {
    const { ctx, nodeId } = this;
    const s = ctx.settings;
    await this.untilDone(() => this.loader.start());
    this.loader.onChanges(() => void this.replicas.sync());
    this.replicas.onDirFailure(() => this.publishOffline());
    const fence = new LeaderFence({
      now: () => ctx.scheduler.nowMs,
      stallMsMax: s.sessionTimeoutMs / 2,
      imageRevision: () => this.image.revision,
      registeredRevision: () => this.session.registeredRevision,
      catchUp: async () => this.loader.waitForRevision(await this.link.revision()),
      session: () => {
        const lease = this.session.lease;
        return {
          leaseConfirmedUntilMs:
            lease === null || !lease.isAlive()
              ? null
              : (lease.confirmedUntilMs?.() ?? Number.POSITIVE_INFINITY),
          incarnation: this.session.incarnation,
          imageIncarnation: this.image.broker(nodeId)?.incarnation ?? null,
        };
      },
      sessionMarginMs: s.sessionTimeoutMs / 4,
      logger: ctx.logger,
    });
    this.fence = fence;
    fence.onFenced(() => this.replicas.failFencedWaiters());
    const lease = await this.untilDone(() => this.session.start());
    ctx.trace.add(ctx.scheduler.nowMs, `broker ${nodeId} registered (lease ${lease.id})`);
    const controller = new Controller({
      store: this.link,
      keys: ctx.keys,
      image: this.image,
      nodeId,
      logger: ctx.logger,
      leadership: { uncleanLeaderElection: false },
      waitForRevision: (rev) => this.loader.waitForRevision(rev),
      setTimer: (delayMs, run) => ctx.scheduler.after(delayMs, nodeId, '.controller-retry', run),
      ...(ctx.decideLeadership === undefined ? {} : { decide: ctx.decideLeadership }),
    });
    this.loader.onChanges((changes) => controller.onChanges(changes));
    this.session.onRenewed((renewed) => {
      ctx.trace.add(ctx.scheduler.nowMs, `broker ${nodeId} registered again (lease ${renewed.id})`);
      controller.renew(renewed);
    });
    this.every(Math.max(10, Math.floor(s.sessionTimeoutMs / 8)), '.fence-tick', () => fence.tick());
    void controller.start(lease);
    await this.replicas.sync();
    const fetchers = new SimFetchers(ctx, nodeId, this.image, this.replicas);
    this.replicas.onLeadershipChange(() => fetchers.update());
    fetchers.update();
    this.groups.start();
    const isr = new IsrManager({
      store: this.link,
      keys: ctx.keys,
      nodeId,
      image: this.image,
      replicas: this.replicas,
      lagTimeMaxMs: s.lagTimeMaxMs,
      now: this.broker.wallNow,
      logger: ctx.logger,
    });
    const isrIntervalMs = Math.max(100, Math.min(1000, Math.floor(s.lagTimeMaxMs / 4)));
    this.every(isrIntervalMs, '.isr-check', () => void isr.check());
    this.replicas.startHighWatermarkCheckpoints(HW_CHECKPOINT_INTERVAL_MS);
  }

  private publishOffline(): void {
    const lost = this.replicas.offlineReplicas().map((r) => `${r.topic}:${r.partition}`);
    const dirs = this.replicas.logDirs.filter((d) => this.replicas.isDirOffline(d));
    this.ctx.trace.add(this.ctx.scheduler.nowMs, `broker ${this.nodeId} log dir offline`);
    this.session.setOffline(lost, dirs).catch(() => undefined);
  }

  /** The leader's side of a follower fetch, as api/fetch.ts answers one. */
  async handleFetch(
    replicaId: number,
    wanted: readonly SimFetchPartition[],
  ): Promise<SimFetchAnswer[]> {
    const out: SimFetchAnswer[] = [];
    for (const w of wanted) out.push(await this.fetchOne(replicaId, w));
    return out;
  }

  private async fetchOne(replicaId: number, w: SimFetchPartition): Promise<SimFetchAnswer> {
    const answer = (errorCode: number, highWatermark = -1): SimFetchAnswer => ({
      topic: w.topic,
      partition: w.partition,
      errorCode,
      highWatermark,
      divergingEpoch: null,
      records: null,
    });
    const state = this.image.partition(w.topic, w.partition);
    let partition: Partition | undefined;
    try {
      partition = await this.replicas.acquire(w.topic, w.partition);
    } catch {
      return answer(ErrorCode.KAFKA_STORAGE_ERROR);
    }
    if (state === undefined || partition === undefined || state.leader !== this.nodeId) {
      return answer(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    }
    const epochError = leaderEpochError(w.currentLeaderEpoch, state.leaderEpoch);
    if (epochError !== null) return answer(epochError);
    const log = partition.log;
    const p = partition;
    const end = divergingEpochFor(w, (epoch) => p.endOffsetForEpoch(epoch));
    if (end !== null) {
      const divergingEpoch = { epoch: end.leaderEpoch, endOffset: end.endOffset };
      return { ...answer(ErrorCode.NONE, log.highWatermark), divergingEpoch };
    }
    let records: Buffer | null;
    try {
      const read = await log.read(w.fetchOffset, 64 * 1024, {
        maxOffset: log.logEndOffset,
        minOneBatch: true,
      });
      records = read.records;
    } catch (err) {
      if (err instanceof OffsetOutOfRangeError) {
        return answer(ErrorCode.OFFSET_OUT_OF_RANGE, log.highWatermark);
      }
      if (err instanceof LogClosedError) return answer(ErrorCode.NOT_LEADER_OR_FOLLOWER);
      return answer(ErrorCode.KAFKA_STORAGE_ERROR);
    }
    partition.updateFollower(replicaId, w.fetchOffset);
    return { ...answer(ErrorCode.NONE, log.highWatermark), records };
  }

  /** Produce with acks=all, as api/produce.ts answers one partition. */
  async handleProduce(req: SimProduceRequest): Promise<SimProduceAnswer> {
    const fail = (errorCode: number): SimProduceAnswer => ({ errorCode, baseOffset: -1 });
    if (this.image.partition(req.topic, req.partition) === undefined) {
      return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    }
    let partition: Partition | undefined;
    try {
      partition = await this.replicas.acquire(req.topic, req.partition);
    } catch {
      return fail(ErrorCode.KAFKA_STORAGE_ERROR);
    }
    const state = this.image.partition(req.topic, req.partition);
    if (partition === undefined || state === undefined || state.leader !== this.nodeId) {
      return fail(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    }
    const refusal = ackRefusal(state.isr.length, this.ctx.settings.minInsync);
    if (refusal !== null) return fail(refusal);
    try {
      const r = await partition.appendAsLeader(req.records, MESSAGE_BYTES_MAX);
      if (r.errorCode !== ErrorCode.NONE) return fail(r.errorCode);
      // A new append stamps the batch in place; a retried duplicate leaves it as sent (-1).
      const h = readBatchHeader(req.records, 0);
      if (h.partitionLeaderEpoch >= 0) {
        const tp = tpKey(req.topic, req.partition);
        this.ctx.observer.onLeaderAppend(
          tp,
          this.nodeId,
          h.partitionLeaderEpoch,
          r.baseOffset,
          h.crc,
        );
      }
      const reached = await partition.waitForHighWatermark(r.lastOffset + 1, req.timeoutMs);
      if (!reached) {
        const now = this.image.partition(req.topic, req.partition);
        const o = {
          nodeId: this.nodeId,
          appendedLeaderEpoch: state.leaderEpoch,
          minInsync: this.ctx.settings.minInsync,
        };
        return fail(unreplicatedAnswer(now, o).errorCode);
      }
      return { errorCode: ErrorCode.NONE, baseOffset: r.baseOffset };
    } catch {
      return fail(ErrorCode.KAFKA_STORAGE_ERROR);
    }
  }
}
