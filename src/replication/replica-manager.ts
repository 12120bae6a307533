// The partitions this broker hosts. It follows the metadata image: when a
// partition assigned to this broker appears its log is opened (or created),
// when its topic is deleted or a reassignment moves it off this broker the
// log is closed and removed. The replicas are the image's effective ones, so
// a replica a reassignment adds starts following at once. Produce and fetch
// handlers reach partitions through here; delayed fetches wait here for data.
// Directories the image does not account for are removed: at start-up those of
// partitions moved away or topics deleted while the broker was down (Kafka's
// stray logs), and on open one whose partition.metadata names another topic id
// (the topic was deleted and created again under the same name).

import { join } from 'node:path';
import type { MetadataImage } from '../cluster/metadata-image.ts';
import { LogError, LogStorageError } from '../log/errors.ts';
import { type LogFileSystem, nodeFileSystem } from '../log/file-system.ts';
import type { LogConfig } from '../log/log-config.ts';
import { PartitionLog } from '../log/partition-log.ts';
import {
  PARTITION_METADATA_FILE,
  readPartitionMetadata,
  writePartitionMetadata,
} from '../log/partition-metadata-file.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import { LogRateLimiter } from '../util/log-rate-limiter.ts';
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
  /** The file layer; the real disk by default. */
  readonly fs?: LogFileSystem;
}

/** `<topic>-<partition>`: Kafka's partition directory name (topic names have no '/'). */
const PARTITION_DIR = /^(.+)-(0|[1-9][0-9]*)$/;
/** A directory holding one of these is a partition's, not something else under log.dirs. */
const PARTITION_FILES = [
  PARTITION_METADATA_FILE,
  'leader-epoch-checkpoint',
  'replication-offset-checkpoint',
];

/** Partitions failing to open are retried by every request: their warnings are bounded. */
const openFailureLogLimiter = new LogRateLimiter(20, 60_000);

function key(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

export class ReplicaManager {
  private readonly partitions = new Map<string, Partition>();
  private readonly opening = new Map<string, Promise<Partition>>();
  /** The topic id each open partition's log was opened for. */
  private readonly openedTopicIds = new Map<string, string>();
  private syncing: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly leadershipListeners: Array<() => void> = [];

  constructor(private readonly o: ReplicaManagerOptions) {}

  private get fs(): LogFileSystem {
    return this.o.fs ?? nodeFileSystem;
  }

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
    if (open !== undefined) {
      // The log of an earlier topic of the same name, until the next sync replaces it.
      const openedFor = this.openedTopicIds.get(key(topic, index));
      const topicId = this.o.image.topic(topic)?.topicId;
      return openedFor !== undefined && topicId !== undefined && openedFor !== topicId
        ? undefined
        : open;
    }
    const state = this.o.image.partition(topic, index);
    if (state === undefined || !state.replicas.includes(this.o.nodeId) || this.closed)
      return undefined;
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
    if (partition === undefined || state.leader !== this.o.nodeId)
      return { errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER };
    if (currentLeaderEpoch >= 0 && currentLeaderEpoch !== state.leaderEpoch) {
      return {
        errorCode:
          currentLeaderEpoch > state.leaderEpoch
            ? ErrorCode.UNKNOWN_LEADER_EPOCH
            : ErrorCode.FENCED_LEADER_EPOCH,
      };
    }
    return { partition, leaderEpoch: state.leaderEpoch };
  }

  all(): Partition[] {
    return [...this.partitions.values()];
  }

  /** Brings the hosted partitions in line with the image; runs one sync at a time. */
  sync(): Promise<void> {
    this.syncing = this.syncing
      .then(() => this.syncNow())
      .catch((err: unknown) => {
        this.o.logger.error({ err }, 'partition sync failed');
      });
    return this.syncing;
  }

  private async syncNow(): Promise<void> {
    if (this.closed) return;
    const wanted = new Map<
      string,
      { topic: string; topicId: string; index: number; leaderEpoch: number }
    >();
    for (const t of this.o.image.topics()) {
      for (const p of t.partitions.values()) {
        if (p.replicas.includes(this.o.nodeId)) {
          wanted.set(key(t.name, p.partition), {
            topic: t.name,
            topicId: t.topicId,
            index: p.partition,
            leaderEpoch: p.leaderEpoch,
          });
        }
      }
    }
    for (const [k, w] of wanted) {
      const existing = this.partitions.get(k);
      const openedFor = this.openedTopicIds.get(k);
      if (existing !== undefined && openedFor !== undefined && openedFor !== w.topicId) {
        // Deleted and created again between two syncs: the open log is the
        // old topic's. It goes, and the new topic's starts empty.
        this.partitions.delete(k);
        this.openedTopicIds.delete(k);
        await existing.log.delete();
        this.o.logger.info(
          { topic: w.topic, partition: w.index, topicId: w.topicId },
          'deleted the partition log of an earlier topic of the same name',
        );
      } else if (existing !== undefined) {
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
      if (current?.replicas.includes(this.o.nodeId)) continue;
      this.partitions.delete(k);
      this.openedTopicIds.delete(k);
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
      const topicId = this.o.image.topic(topic)?.topicId;
      const recordId = topicId !== undefined && (await this.checkTopicId(topic, index, topicId));
      const log = await this.openLog(topic, index);
      if (topicId !== undefined) this.openedTopicIds.set(k, topicId);
      if (recordId && topicId !== undefined) {
        await writePartitionMetadata(
          this.fs,
          ReplicaManager.partitionDir(this.o.logDir, topic, index),
          topicId,
        );
      }
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

  /**
   * Opens (recovering) a partition's log. Recovery repairs what it can and
   * says so in the log; a log that still cannot open (the disk failed under
   * it) is a LogStorageError, which requests for this partition answer with
   * KAFKA_STORAGE_ERROR. The next request or sync tries again.
   */
  private async openLog(topic: string, index: number): Promise<PartitionLog> {
    try {
      return await PartitionLog.open({
        dir: this.o.logDir,
        topic,
        partition: index,
        config: this.o.logConfigFor(topic),
        now: this.o.now,
        fs: this.fs,
        logger: this.o.logger,
      });
    } catch (err) {
      if (err instanceof LogError) throw err;
      if (
        openFailureLogLimiter.allow((count) => this.o.logger.warn({ count }, 'log opens failed'))
      ) {
        this.o.logger.warn(
          { topic, partition: index, err: String(err) },
          'cannot open partition log',
        );
      }
      throw new LogStorageError(`cannot open ${topic}-${index}: ${String(err)}`, { cause: err });
    }
  }

  /**
   * A directory for this topic-partition whose partition.metadata names
   * another topic id holds an earlier topic's records: it goes, and the log
   * starts empty (then fetches from the leader). A directory without the file
   * (new, or made before the file existed) or with an unreadable one is kept.
   * Returns true when the file is to be written (missing, unreadable, or the
   * directory went).
   */
  private async checkTopicId(topic: string, index: number, topicId: string): Promise<boolean> {
    const dir = ReplicaManager.partitionDir(this.o.logDir, topic, index);
    const recorded = await readPartitionMetadata(this.fs, dir).catch((err: unknown) => {
      this.o.logger.warn(
        { err, topic, partition: index },
        'unreadable partition.metadata; keeping the log and writing it again',
      );
      return null;
    });
    if (recorded === topicId) return false;
    if (recorded === null) return true;
    this.o.logger.warn(
      { topic, partition: index, recordedTopicId: recorded, topicId },
      'partition log belongs to an earlier topic of the same name; deleting it',
    );
    await this.fs.removeDirectory(dir);
    return true;
  }

  /**
   * At start-up, once the image is current: deletes partition directories of
   * partitions this broker does not host (their topic was deleted, or a
   * reassignment moved them away, while it was down). Runs in turn with the
   * syncs, so none opens a directory while it is being judged. Returns their names.
   */
  deleteStrayLogs(): Promise<string[]> {
    const task = this.syncing.then(() => this.deleteStrayLogsNow());
    this.syncing = task.then(
      () => undefined,
      (err: unknown) => this.o.logger.error({ err }, 'deleting stray partition logs failed'),
    );
    return task;
  }

  private async deleteStrayLogsNow(): Promise<string[]> {
    const deleted: string[] = [];
    for (const name of await this.fs.readdir(this.o.logDir)) {
      const m = PARTITION_DIR.exec(name);
      if (m === null) continue;
      const topic = m[1]!;
      const index = Number(m[2]);
      const state = this.o.image.partition(topic, index);
      if (state?.replicas.includes(this.o.nodeId)) continue;
      if (this.partitions.has(key(topic, index)) || this.opening.has(key(topic, index))) continue;
      const dir = join(this.o.logDir, name);
      const files = await this.fs.readdir(dir).catch(() => [] as string[]);
      if (!files.some((f) => PARTITION_FILES.includes(f) || f.endsWith('.log'))) continue;
      await this.fs.removeDirectory(dir);
      this.o.logger.info(
        { topic, partition: index },
        'deleted stray partition log (not hosted here per the cluster metadata)',
      );
      deleted.push(name);
    }
    return deleted;
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
