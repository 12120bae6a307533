// Followers: for every partition this broker replicates but does not lead,
// fetch from the leader with the Fetch API (replica id set), append what comes
// back as it is, and follow the leader's high watermark. One loop per leader
// broker carries all partitions it leads for us. A diverging epoch in the
// answer (the leader's history split from ours) truncates our log first.

import { BrokerConnection, type ConnectionOptions } from '../client/connection.ts';
import { endpointFor, type MetadataImage } from '../cluster/metadata-image.ts';
import { LogError } from '../log/errors.ts';
import { Fetch } from '../protocol/apis/fetch.ts';
import type { MessageValue } from '../protocol/codec.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import { ZERO_UUID } from '../protocol/schema.ts';
import { rateLimited } from '../util/log-rate-limiter.ts';
import type { Logger } from '../util/logger.ts';
import { followerTruncationOffset } from './leader-epoch-history.ts';
import type { Partition } from './partition.ts';
import type { ReplicaManager } from './replica-manager.ts';

const FETCH_VERSION = 12;
const CONNECT_TIMEOUT_MS = 3000;

/** Kafka's replica.fetch.* settings, as the follower uses them. */
export interface ReplicaFetchSettings {
  /** replica.fetch.max.bytes: per partition. */
  readonly partitionMaxBytes: number;
  /** replica.fetch.response.max.bytes. */
  readonly responseMaxBytes: number;
  readonly minBytes: number;
  readonly maxWaitMs: number;
  readonly backoffMs: number;
  /** replica.socket.timeout.ms: added to maxWaitMs for a fetch's deadline. */
  readonly socketTimeoutMs: number;
}

export const DEFAULT_REPLICA_FETCH_SETTINGS: ReplicaFetchSettings = {
  partitionMaxBytes: 1024 * 1024,
  responseMaxBytes: 10 * 1024 * 1024,
  minBytes: 1,
  maxWaitMs: 500,
  backoffMs: 1000,
  socketTimeoutMs: 30_000,
};

export interface ReplicaFetcherOptions {
  readonly nodeId: number;
  readonly image: MetadataImage;
  readonly replicas: ReplicaManager;
  readonly logger: Logger;
  readonly fetch?: ReplicaFetchSettings;
  /**
   * inter.broker.listener.name: the leader is reached at its endpoint for this listener, as
   * Kafka's followers do. Unset: the address the leader registered as its inter-broker one.
   */
  readonly listenerName?: string;
  /** TLS and SASL of inter-broker connections (the inter-broker listener's protocol). */
  readonly security?: Pick<ConnectionOptions, 'tls' | 'sasl'>;
}

type FetchRequest = MessageValue<typeof Fetch.request>;
type FetchResponse = MessageValue<typeof Fetch.response>;

/** Keeps one fetch loop per leader broker that leads partitions we follow. */
export class ReplicaFetchers {
  private readonly loops = new Map<number, LeaderFetchLoop>();
  private closed = false;

  constructor(private readonly o: ReplicaFetcherOptions) {}

  /** Partitions we follow, grouped by their leader. */
  private followed(): Map<number, Partition[]> {
    const byLeader = new Map<number, Partition[]>();
    for (const p of this.o.replicas.all()) {
      const st = this.o.image.partition(p.topic, p.index);
      if (st === undefined || st.leader === this.o.nodeId || st.leader < 0) continue;
      const list = byLeader.get(st.leader) ?? [];
      list.push(p);
      byLeader.set(st.leader, list);
    }
    return byLeader;
  }

  /** Re-plans the loops after a metadata change. */
  update(): void {
    if (this.closed) return;
    const plan = this.followed();
    for (const [leader, loop] of this.loops) {
      if (!plan.has(leader)) {
        loop.stop();
        this.loops.delete(leader);
      }
    }
    for (const [leader, partitions] of plan) {
      let loop = this.loops.get(leader);
      if (loop === undefined) {
        loop = new LeaderFetchLoop(leader, this.o);
        this.loops.set(leader, loop);
        loop.start();
      }
      loop.setPartitions(partitions);
    }
  }

  close(): void {
    this.closed = true;
    for (const l of this.loops.values()) l.stop();
    this.loops.clear();
  }
}

class LeaderFetchLoop {
  private partitions: Partition[] = [];
  private running = false;
  private link: BrokerConnection | null = null;

  constructor(
    private readonly leaderId: number,
    private readonly o: ReplicaFetcherOptions,
  ) {}

  private get settings(): ReplicaFetchSettings {
    return this.o.fetch ?? DEFAULT_REPLICA_FETCH_SETTINGS;
  }

  setPartitions(partitions: Partition[]): void {
    this.partitions = partitions;
  }

  start(): void {
    this.running = true;
    void this.run();
  }

  stop(): void {
    this.running = false;
    this.link?.close();
    this.link = null;
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        const link = await this.connect();
        const request = this.buildRequest();
        if (request.topics.length === 0) {
          await sleep(this.settings.backoffMs);
          continue;
        }
        const response = await link.send(Fetch, request, { version: FETCH_VERSION });
        // The fetch long-polls on the leader, so a quiet partition paces
        // itself; only errors back off.
        const healthy = await this.apply(response);
        if (!healthy) await sleep(this.settings.backoffMs);
      } catch (err) {
        if (!this.running) return;
        if (err instanceof LogError) {
          // Our own log refused the leader's records (a full disk): worth a line, rate-limited.
          rateLimited(this.o.logger).log(
            'warn',
            `replica-append:${err.errorName}`,
            { leader: this.leaderId, reason: err.message },
            'follower could not append what it fetched; retrying',
          );
        }
        this.o.logger.debug({ err, leader: this.leaderId }, 'replica fetch failed; retrying');
        this.link?.close();
        this.link = null;
        await sleep(this.settings.backoffMs);
      }
    }
  }

  private async connect(): Promise<BrokerConnection> {
    if (this.link?.isOpen) return this.link;
    const broker = this.o.image.broker(this.leaderId);
    if (broker === undefined) throw new Error(`leader ${this.leaderId} is not registered`);
    const name = this.o.listenerName;
    const endpoint = name === undefined ? broker : endpointFor(broker, name);
    if (endpoint === null) {
      throw new Error(`leader ${this.leaderId} does not advertise listener ${name ?? ''}`);
    }
    this.link = await BrokerConnection.open({
      host: endpoint.host,
      port: endpoint.port,
      clientId: `gregor-replica-${this.o.nodeId}`,
      connectTimeoutMs: CONNECT_TIMEOUT_MS,
      requestTimeoutMs: this.settings.maxWaitMs + this.settings.socketTimeoutMs,
      responseSizeBytesMax: this.settings.responseMaxBytes * 2 + this.settings.partitionMaxBytes,
      ...this.o.security,
    });
    return this.link;
  }

  private buildRequest(): FetchRequest {
    const byTopic = new Map<string, FetchRequest['topics'][number]>();
    for (const p of this.partitions) {
      const st = this.o.image.partition(p.topic, p.index);
      if (st === undefined || st.leader !== this.leaderId || !this.hosted(p)) continue;
      let t = byTopic.get(p.topic);
      if (t === undefined) {
        t = {
          topic: p.topic,
          topicId: this.o.image.topic(p.topic)?.topicId ?? ZERO_UUID,
          partitions: [],
        };
        byTopic.set(p.topic, t);
      }
      t.partitions.push({
        partition: p.index,
        currentLeaderEpoch: st.leaderEpoch,
        fetchOffset: p.log.logEndOffset,
        lastFetchedEpoch: p.epochs.latestEpoch(),
        logStartOffset: p.log.logStartOffset,
        partitionMaxBytes: this.settings.partitionMaxBytes,
        replicaDirectoryId: ZERO_UUID,
      });
    }
    return {
      clusterId: null,
      replicaId: this.o.nodeId,
      replicaState: null,
      maxWaitMs: this.settings.maxWaitMs,
      minBytes: this.settings.minBytes,
      maxBytes: this.settings.responseMaxBytes,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [...byTopic.values()],
      forgottenTopicsData: [],
      rackId: '',
    } as FetchRequest;
  }

  /** False once the replica manager has let the partition go (deleted, or moved away). */
  private hosted(p: Partition): boolean {
    return this.o.replicas.partition(p.topic, p.index) === p;
  }

  /** Applies a response; returns false when an error calls for a pause. */
  private async apply(response: FetchResponse): Promise<boolean> {
    if (response.errorCode !== ErrorCode.NONE) return false;
    let healthy = true;
    for (const t of response.responses) {
      for (const r of t.partitions) {
        const p = this.partitions.find((x) => x.topic === t.topic && x.index === r.partitionIndex);
        if (p === undefined || !this.hosted(p)) continue;
        if (r.errorCode !== ErrorCode.NONE) {
          if (
            r.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE &&
            p.log.logEndOffset > r.highWatermark
          ) {
            // We are ahead of the leader: keep only what it has committed.
            await p.truncateTo(Math.max(r.highWatermark, p.log.logStartOffset));
          } else {
            healthy = false;
          }
          continue;
        }
        const diverging = r.divergingEpoch;
        // (-1, -1) is the field's default: Kafka treats it as absent.
        if (diverging !== null && (diverging.epoch !== -1 || diverging.endOffset !== -1)) {
          const to = followerTruncationOffset(
            { leaderEpoch: diverging.epoch, endOffset: diverging.endOffset },
            (epoch) => p.epochs.endOffsetFor(epoch, p.log.logEndOffset),
            { logEndOffset: p.log.logEndOffset, highWatermark: p.log.highWatermark },
          );
          this.o.logger.info(
            { topic: t.topic, partition: r.partitionIndex, truncateTo: to },
            'follower log diverged from the leader; truncating',
          );
          await p.truncateTo(to);
          continue;
        }
        await p.appendAsFollower(r.records ?? Buffer.alloc(0), r.highWatermark);
      }
    }
    return healthy;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
