// The partitions this broker hosts. It follows the metadata image: when a
// partition assigned to this broker appears its log is opened (or created),
// when its topic is deleted or a reassignment moves it off this broker the
// log is closed and removed. The replicas are the image's effective ones, so
// a replica a reassignment adds starts following at once. Produce and fetch
// handlers reach partitions through here; delayed fetches wait here for data.

import { join } from 'node:path';
import type { MetadataImage } from '../cluster/metadata-image.ts';
import type { LogConfig } from '../log/log-config.ts';
import { PartitionLog } from '../log/partition-log.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import type { Logger } from '../util/logger.ts';
import { Partition } from './partition.ts';

export interface ReplicaManagerOptions {
  readonly nodeId: number;
  readonly logDir: string;
  readonly image: MetadataImage;
  readonly logConfigFor: (topic: string) => LogConfig;
  readonly now: () => number;
  readonly logger: Logger;
  /** True while this broker must not append as a leader (see ReplicaView.fenced). */
  readonly fenced?: () => boolean;
}

function key(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

export class ReplicaManager {
  private readonly partitions = new Map<string, Partition>();
  private readonly opening = new Map<string, Promise<Partition>>();
  private syncing: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly leadershipListeners: Array<() => void> = [];

  constructor(private readonly o: ReplicaManagerOptions) {}

  get logDir(): string {
    return this.o.logDir;
  }

  partition(topic: string, index: number): Partition | undefined {
    return this.partitions.get(key(topic, index));
  }

  /**
   * The partition if this broker hosts it per the image, opening its log on
   * first use (a request may arrive before the background sync reached it).
   */
  async acquire(topic: string, index: number): Promise<Partition | undefined> {
    const open = this.partitions.get(key(topic, index));
    if (open !== undefined) return open;
    const state = this.o.image.partition(topic, index);
    if (state === undefined || !state.replicas.includes(this.o.nodeId) || this.closed) return undefined;
    return this.open(topic, index, state.leaderEpoch);
  }

  /**
   * The partition if this broker leads it, else the error Kafka answers:
   * UNKNOWN_TOPIC_OR_PARTITION, NOT_LEADER_OR_FOLLOWER, or for a request
   * naming a leader epoch (>= 0) other than ours, UNKNOWN_LEADER_EPOCH when it
   * is newer and FENCED_LEADER_EPOCH when it is older.
   */
  async leaderPartition(
    topic: string,
    index: number,
    currentLeaderEpoch: number,
  ): Promise<{ partition: Partition; leaderEpoch: number } | { errorCode: number }> {
    const state = this.o.image.partition(topic, index);
    if (state === undefined) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
    const partition = await this.acquire(topic, index);
    if (partition === undefined || state.leader !== this.o.nodeId) return { errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER };
    if (currentLeaderEpoch >= 0 && currentLeaderEpoch !== state.leaderEpoch) {
      return { errorCode: currentLeaderEpoch > state.leaderEpoch ? ErrorCode.UNKNOWN_LEADER_EPOCH : ErrorCode.FENCED_LEADER_EPOCH };
    }
    return { partition, leaderEpoch: state.leaderEpoch };
  }

  all(): Partition[] {
    return [...this.partitions.values()];
  }

  /** Brings the hosted partitions in line with the image; runs one sync at a time. */
  sync(): Promise<void> {
    this.syncing = this.syncing.then(() => this.syncNow()).catch((err: unknown) => {
      this.o.logger.error({ err }, 'partition sync failed');
    });
    return this.syncing;
  }

  private async syncNow(): Promise<void> {
    if (this.closed) return;
    const wanted = new Map<string, { topic: string; index: number; leaderEpoch: number }>();
    for (const t of this.o.image.topics()) {
      for (const p of t.partitions.values()) {
        if (p.replicas.includes(this.o.nodeId)) {
          wanted.set(key(t.name, p.partition), { topic: t.name, index: p.partition, leaderEpoch: p.leaderEpoch });
        }
      }
    }
    for (const [k, w] of wanted) {
      const existing = this.partitions.get(k);
      if (existing !== undefined) {
        this.applyLeadership(existing, w.leaderEpoch);
        continue;
      }
      await this.open(w.topic, w.index, w.leaderEpoch);
    }
    // A partition this broker no longer hosts (its topic deleted, or a
    // reassignment moved it away, Kafka's StopReplica with delete) stops
    // being served and followed, and its directory goes.
    for (const [k, p] of this.partitions) {
      if (wanted.has(k)) continue;
      // Opened meanwhile through acquire() for a partition the image gained
      // after `wanted` was computed: keep it.
      const current = this.o.image.partition(p.topic, p.index);
      if (current !== undefined && current.replicas.includes(this.o.nodeId)) continue;
      this.partitions.delete(k);
      await p.log.delete();
      this.o.logger.info({ topic: p.topic, partition: p.index }, 'deleted partition log');
    }
    // After the deletions, so the fetchers drop the partitions deleted here.
    for (const l of this.leadershipListeners) l();
  }

  /** A changed leader epoch: as the new leader, start tracking followers afresh. */
  private applyLeadership(p: Partition, leaderEpoch: number): void {
    if (leaderEpoch === p.leaderEpoch) return;
    if (p.isLeader()) p.becomeLeader(leaderEpoch);
    else p.becomeFollower(leaderEpoch);
  }

  /** Called after each sync, when leaders and followers may have changed. */
  onLeadershipChange(listener: () => void): void {
    this.leadershipListeners.push(listener);
  }

  private async open(topic: string, index: number, leaderEpoch: number): Promise<Partition> {
    const k = key(topic, index);
    const pending = this.opening.get(k);
    if (pending !== undefined) return pending;
    const already = this.partitions.get(k);
    if (already !== undefined) return already;
    const task = (async () => {
      const log = await PartitionLog.open({
        dir: this.o.logDir,
        topic,
        partition: index,
        config: this.o.logConfigFor(topic),
        now: this.o.now,
      });
      const fenced = this.o.fenced ?? (() => false);
      const state = () => this.o.image.partition(topic, index);
      const view = { nodeId: this.o.nodeId, state, fenced };
      const p = new Partition(topic, index, log, leaderEpoch, view, this.o.now, this.o.logger);
      await p.loadState();
      const st = view.state();
      // A single replica has committed everything in its log; a replicated
      // partition keeps the checkpointed high watermark until the ISR moves it.
      if (st !== undefined && st.replicas.length === 1) log.setHighWatermark(log.logEndOffset);
      if (p.isLeader()) p.becomeLeader(leaderEpoch);
      this.partitions.set(k, p);
      return p;
    })();
    this.opening.set(k, task);
    try {
      return await task;
    } finally {
      this.opening.delete(k);
    }
  }

  /** Partition directory name, as Kafka names it. */
  static partitionDir(logDir: string, topic: string, partition: number): string {
    return join(logDir, `${topic}-${partition}`);
  }

  /** Resolves when any of the partitions gets an append, or after timeoutMs. */
  waitForAppend(parts: readonly Partition[], timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const unsubscribe: Array<() => void> = [];
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        for (const u of unsubscribe) u();
        resolve();
      };
      const timer = setTimeout(finish, timeoutMs);
      for (const p of parts) unsubscribe.push(p.onAppend(finish));
    });
  }

  async applyRetention(nowMs: number): Promise<void> {
    for (const p of this.partitions.values()) {
      try {
        await p.log.applyRetention(nowMs);
      } catch (err) {
        this.o.logger.error({ err, topic: p.topic, partition: p.index }, 'retention failed');
      }
    }
  }

  async flushAll(): Promise<void> {
    for (const p of this.partitions.values()) await p.log.flush();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.syncing;
    for (const p of this.partitions.values()) {
      try {
        await p.log.close();
      } catch (err) {
        this.o.logger.error({ err, topic: p.topic, partition: p.index }, 'closing log failed');
      }
    }
    this.partitions.clear();
  }
}
