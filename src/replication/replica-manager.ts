// The partitions this broker hosts. It follows the metadata image: when a
// partition assigned to this broker appears its log is opened (or created),
// when its topic is deleted or a reassignment moves it off this broker the
// log is closed and removed. The replicas are the image's effective ones, so
// a replica a reassignment adds starts following at once. Produce and fetch
// handlers reach partitions through here; delayed fetches wait here for data.
// Directories the image does not account for are removed: at start-up those of
// partitions moved away or topics deleted while the broker was down (Kafka's
// stray logs), and on open one whose partition.metadata names another topic id
// (the topic was deleted and created again under the same name). As in Kafka, a
// directory being deleted is first renamed to `<topic>-<p>.<uuid>-delete`, and
// the partition is not opened again until that rename is done, so a topic
// created again under the same name gets a new directory and never opens, or
// writes into, the one being removed.
// With several log directories (JBOD), a partition stays in the directory that
// holds it and a new one goes to the online directory with the fewest
// partitions, as Kafka's LogManager places them. A disk failure in any log of a
// directory takes the whole directory offline: its partitions stop being served
// here and listeners learn of them, so the cluster can lead them elsewhere.

import { randomBytes, randomUUID } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import type { MetadataImage } from '../cluster/metadata-image.ts';
import { LOG_START_OFFSET_CHECKPOINT, writeCheckpointFile } from '../log/checkpoint-file.ts';
import { isNoSpaceError, LogStorageError } from '../log/errors.ts';
import { isNotFoundError, type LogFileSystem, nodeFileSystem } from '../log/file-system.ts';
import type { LogConfig } from '../log/log-config.ts';
import { PartitionLog } from '../log/partition-log.ts';
import {
  PARTITION_METADATA_FILE,
  readPartitionMetadata,
  writePartitionMetadata,
} from '../log/partition-metadata-file.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import type { Logger } from '../util/logger.ts';
import { runConcurrently } from '../util/run-concurrently.ts';
import { leaderEpochError } from './fetch-epochs.ts';
import { Partition, type SetTimer } from './partition.ts';

export interface ReplicaManagerOptions {
  readonly nodeId: number;
  /** The first log directory; with `logDirs`, ignored. */
  readonly logDir: string;
  /** Every log directory (log.dirs); default [logDir]. */
  readonly logDirs?: readonly string[];
  readonly image: MetadataImage;
  readonly logConfigFor: (topic: string) => LogConfig;
  readonly now: () => number;
  readonly logger: Logger;
  /**
   * True while this broker must not act as a leader (see ReplicaView.fenced);
   * `othersMayLead` is false for a partition whose only replica is this broker.
   */
  readonly fenced?: (othersMayLead: boolean) => boolean;
  /**
   * Waits while the fence is up for a brief reason; true once lifted, false when
   * leadership is lost or after the timeout (LeaderFence.waitUntilLifted). Absent:
   * a fenced request is refused at once.
   */
  readonly waitUnfenced?: (othersMayLead: boolean, timeoutMs: number) => Promise<boolean>;
  /** The file layer; the real disk by default. */
  readonly fs?: LogFileSystem;
  /** Called when a partition log's write is refused for want of space. */
  readonly onNoSpace?: () => void;
  /**
   * Timers for produces waiting on replication and for the high-watermark
   * checkpoint pass; real ones by default (the simulator and tests inject).
   */
  readonly setTimer?: SetTimer;
}

/**
 * A deleted partition's directory, set aside until removed: Kafka's name, with a 32-digit
 * id (a UUID without dashes). Checked before MOVE_DIR, whose set-aside originals have
 * 16-digit ids and may be restored at start-up; these never are.
 */
const DELETED_DIR = /^(.+)-(0|[1-9][0-9]*)\.[0-9a-f]{32}-delete$/;

/** The default timer of the checkpoint pass: it must not keep the process alive by itself. */
function backgroundTimer(delayMs: number, run: () => void): () => void {
  const timer = setTimeout(run, delayMs);
  timer.unref();
  return () => clearTimeout(timer);
}

/** Partition checkpoints a pass writes at once (each is a durable file replacement). */
const CHECKPOINTS_IN_FLIGHT = 8;

/** The longest file name Linux file systems take (NAME_MAX, in bytes; topic names are ASCII). */
const FILE_NAME_BYTES_MAX = 255;

/**
 * `<topic>-<p>.<uuid>-delete` for a partition directory `<topic>-<p>`, the topic cut short
 * where the whole would pass NAME_MAX, as Kafka does: a topic name may have 249 characters,
 * and a rename the file system refuses would take the whole log directory offline.
 */
export function deletedDirName(partitionDirName: string): string {
  const dash = partitionDirName.lastIndexOf('-');
  const suffix = `${partitionDirName.slice(dash)}.${randomUUID().replaceAll('-', '')}-delete`;
  return partitionDirName.slice(0, Math.min(dash, FILE_NAME_BYTES_MAX - suffix.length)) + suffix;
}

/** A replica being moved (`-future`) or set aside after a move (`-delete`), as Kafka names them. */
const MOVE_DIR = /^(.+)-(0|[1-9][0-9]*)\.([0-9a-f]+)-(future|delete)$/;
/** `<topic>-<partition>`: Kafka's partition directory name (topic names have no '/'). */
const PARTITION_DIR = /^(.+)-(0|[1-9][0-9]*)$/;
/** A directory holding one of these is a partition's, not something else under log.dirs. */
const PARTITION_FILES = [
  PARTITION_METADATA_FILE,
  'leader-epoch-checkpoint',
  'replication-offset-checkpoint',
];

interface FutureReplica {
  readonly topic: string;
  readonly partition: number;
  readonly id: string;
  readonly dir: string;
  readonly dirName: string;
  readonly log: PartitionLog;
  cancelled: boolean;
  done: Promise<void>;
}

/** Appends to `to` what `from` holds past `to`'s end, up to `from`'s end as it was. */
async function copyLog(from: PartitionLog, to: PartitionLog): Promise<void> {
  const end = from.logEndOffset;
  while (to.logEndOffset < end) {
    const read = await from.read(to.logEndOffset, COPY_READ_BYTES, {
      maxOffset: end,
      minOneBatch: true,
    });
    if (read.records === null) break;
    await to.appendReplicated(read.records);
  }
}

const COPY_READ_BYTES = 1024 * 1024;
/** Partition logs a sync opens at once (start-up opens every hosted one). */
const OPENS_IN_FLIGHT = 8;

function key(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function splitKey(k: string): [string, number] {
  const at = k.lastIndexOf('\u0000');
  return [k.slice(0, at), Number(k.slice(at + 1))];
}

/** The first errno code along an error's cause chain (wrappers keep the disk's error as cause). */
function errnoOf(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; e !== null && e !== undefined && depth < 8; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * An error from the disk, which takes its whole log directory offline (Kafka's JBOD rule),
 * as opposed to a refusal of the log's own. A full disk refuses writes and recovers when
 * space returns, and files missing under one partition concern that partition only.
 */
function isDiskFailure(err: unknown): boolean {
  const code = errnoOf(err);
  if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'ENOENT') return false;
  return code !== undefined || err instanceof LogStorageError;
}

export class ReplicaManager {
  private readonly partitions = new Map<string, Partition>();
  private readonly opening = new Map<string, Promise<Partition>>();
  /** The topic id each open partition's log was opened for. */
  private readonly openedTopicIds = new Map<string, string>();
  /**
   * Partitions whose log would not open, with the reason: each is logged when
   * it first fails and when the reason changes, not at every sync.
   */
  private readonly openFailures = new Map<string, string>();
  private syncing: Promise<void> = Promise.resolve();
  private closed = false;
  /** Cleared by stopServing(): shutdown has begun and no partition is handed out. */
  private serving = true;
  /** Long polls waiting in waitForAppend, to release at shutdown. */
  private readonly appendWaiters = new Set<() => void>();
  private readonly leadershipListeners: Array<() => void> = [];
  /** The log directories, in log.dirs order. */
  private readonly dirs: readonly string[];
  /** Partition key -> the log directory holding it (found on disk, or chosen for a new one). */
  private readonly located = new Map<string, string>();
  private scanned: Promise<void> | null = null;
  private readonly offlineDirs = new Set<string>();
  /** Partitions lost with their directory: not served here until a restart. */
  private readonly offlineKeys = new Map<string, { topic: string; partition: number }>();
  private readonly dirFailureListeners: Array<() => void> = [];
  /** Replicas being copied to another log directory (AlterReplicaLogDirs). */
  private readonly futures = new Map<string, FutureReplica>();
  /** Partitions between their old and new directory: not served for that moment. */
  private readonly swapping = new Set<string>();
  /**
   * Partitions whose directory is being set aside for deletion: not opened (and not
   * served) until it has its `-delete` name. Settles when the rename is done or failed.
   */
  private readonly deleting = new Map<string, Promise<void>>();

  /** The background passes `repeat` started, by name, each with its cancel. */
  private readonly repeating = new Map<string, () => void>();

  constructor(private readonly o: ReplicaManagerOptions) {
    this.dirs = o.logDirs ?? [o.logDir];
  }

  private get fs(): LogFileSystem {
    return this.o.fs ?? nodeFileSystem;
  }

  get logDir(): string {
    return this.dirs[0]!;
  }

  /** Every log directory, in log.dirs order. */
  get logDirs(): readonly string[] {
    return this.dirs;
  }

  /** True when the directory failed and is offline. */
  isDirOffline(dir: string): boolean {
    return this.offlineDirs.has(dir);
  }

  /** The log directory a hosted partition lives in. */
  dirOf(topic: string, index: number): string | undefined {
    return this.located.get(key(topic, index));
  }

  /** Partitions this broker cannot serve because their directory failed. */
  offlineReplicas(): Array<{ topic: string; partition: number }> {
    return [...this.offlineKeys.values()];
  }

  /** Called after a log directory went offline. */
  onDirFailure(listener: () => void): void {
    this.dirFailureListeners.push(listener);
  }

  partition(topic: string, index: number): Partition | undefined {
    return this.partitions.get(key(topic, index));
  }

  /**
   * The partition if this broker hosts it per the image, opening its log on
   * first use (a request may arrive before the background sync reached it).
   */
  async acquire(topic: string, index: number): Promise<Partition | undefined> {
    if (!this.serving) return undefined;
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
    // A replica in a failed log directory answers KAFKA_STORAGE_ERROR, as Kafka's offline
    // partitions do, until the controller has moved its leadership elsewhere.
    if (this.offlineKeys.has(key(topic, index))) {
      throw new LogStorageError(`${topic}-${index} is in an offline log directory`);
    }
    // The directory of a deleted log not yet renamed away: NOT_LEADER_OR_FOLLOWER, retried.
    if (this.swapping.has(key(topic, index)) || this.deleting.has(key(topic, index)))
      return undefined;
    try {
      return await this.open(topic, index, state.leaderEpoch);
    } catch (err) {
      // A partition that cannot be opened answers KAFKA_STORAGE_ERROR, as a
      // partition in an offline log dir does in Kafka; the others carry on.
      this.noteOpenFailure(topic, index, err);
      throw new LogStorageError(`${topic}-${index} could not be opened: ${errorText(err)}`, {
        cause: err,
      });
    }
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
    if (this.offlineKeys.has(key(topic, index)))
      return { errorCode: ErrorCode.KAFKA_STORAGE_ERROR };
    const partition = await this.acquire(topic, index);
    if (partition === undefined || state.leader !== this.o.nodeId || this.isFencedFor(state))
      return { errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER };
    const epochError = leaderEpochError(currentLeaderEpoch, state.leaderEpoch);
    if (epochError !== null) return { errorCode: epochError };
    return { partition, leaderEpoch: state.leaderEpoch };
  }

  /**
   * True while this broker must not lead the partition whatever its image says
   * (cluster/leader-fence.ts): requests for it get NOT_LEADER_OR_FOLLOWER. A
   * lost session alone does not fence a partition whose only replica is this broker.
   */
  isFencedFor(state: { readonly replicas: readonly number[] } | undefined): boolean {
    const fenced = this.o.fenced;
    if (fenced === undefined) return false;
    const othersMayLead = state === undefined || state.replicas.some((r) => r !== this.o.nodeId);
    return fenced(othersMayLead);
  }

  /** See ReplicaManagerOptions.waitUnfenced: true when the partition may be led now. */
  async waitUntilUnfencedFor(
    state: { readonly replicas: readonly number[] } | undefined,
    timeoutMs: number,
  ): Promise<boolean> {
    if (!this.isFencedFor(state)) return true;
    const wait = this.o.waitUnfenced;
    if (wait === undefined) return false;
    const othersMayLead = state === undefined || state.replicas.some((r) => r !== this.o.nodeId);
    return wait(othersMayLead, timeoutMs);
  }

  /** The fence went up: produces waiting for the high watermark where it applies fail now. */
  failFencedWaiters(): void {
    for (const p of this.partitions.values()) p.failHighWatermarkWaitersIfFenced();
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
    if (this.closed || !this.serving) return;
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
    const toOpen: Array<{ topic: string; topicId: string; index: number; leaderEpoch: number }> =
      [];
    for (const [k, w] of wanted) {
      if (this.offlineKeys.has(k)) continue;
      const existing = this.partitions.get(k);
      const openedFor = this.openedTopicIds.get(k);
      if (existing !== undefined && openedFor !== undefined && openedFor !== w.topicId) {
        // Deleted and created again between two syncs: the open log is the
        // old topic's. It goes, and the new topic's starts empty.
        await this.deleteLog(k, existing);
        this.o.logger.info(
          { topic: w.topic, partition: w.index, topicId: w.topicId },
          'deleted the partition log of an earlier topic of the same name',
        );
      } else if (existing !== undefined) {
        this.applyLeadership(existing, w.leaderEpoch);
        continue;
      }
      toOpen.push(w);
    }
    // Several at once: an open mostly waits on the disk (segment files, index
    // ends, checkpoints), so one at a time left a restart's event loop idle.
    await runConcurrently(toOpen, OPENS_IN_FLIGHT, async (w) => {
      const k = key(w.topic, w.index);
      try {
        const p = await this.open(w.topic, w.index, w.leaderEpoch);
        const openedFor = this.openedTopicIds.get(k);
        if (openedFor !== undefined && openedFor !== w.topicId && this.partitions.get(k) === p) {
          // A request's open begun under the earlier topic of this name finished
          // only now: that log goes too, and the new topic's opens in its place.
          await this.deleteLog(k, p);
          await this.open(w.topic, w.index, w.leaderEpoch);
        }
      } catch (err) {
        // One partition that cannot be opened must not keep the rest closed.
        this.noteOpenFailure(w.topic, w.index, err);
      }
    });
    // A partition this broker no longer hosts (its topic deleted, or a
    // reassignment moved it away, Kafka's StopReplica with delete) stops
    // being served and followed, and its directory goes.
    for (const [k, p] of this.partitions) {
      if (wanted.has(k)) continue;
      // Opened meanwhile through acquire() for a partition the image gained
      // after `wanted` was computed: keep it, unless the topic it was opened
      // for is not the one the image now has under that name.
      const current = this.o.image.partition(p.topic, p.index);
      const openedFor = this.openedTopicIds.get(k);
      const topicId = this.o.image.topic(p.topic)?.topicId;
      const sameTopic = openedFor === undefined || openedFor === topicId;
      if (current?.replicas.includes(this.o.nodeId) && sameTopic) continue;
      await this.deleteLog(k, p);
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
      // Never the directory of a deleted log still being set aside (acquire() does not
      // come here meanwhile; a reopen after a replica move may).
      for (let d = this.deleting.get(k); d !== undefined; d = this.deleting.get(k)) await d;
      const logDir = await this.dirFor(k);
      const topicId = this.o.image.topic(topic)?.topicId;
      let log: PartitionLog;
      let recordId = false;
      try {
        recordId =
          topicId !== undefined && (await this.checkTopicId(logDir, topic, index, topicId));
        log = await PartitionLog.open({
          dir: logDir,
          topic,
          partition: index,
          config: this.o.logConfigFor(topic),
          now: this.o.now,
          fs: this.fs,
          logger: this.o.logger,
          ...(this.o.onNoSpace === undefined ? {} : { onNoSpace: this.o.onNoSpace }),
        });
      } catch (err) {
        if (isDiskFailure(err)) this.failDir(logDir, err);
        throw err;
      }
      this.located.set(k, logDir);
      log.onFailure((err) => {
        if (isDiskFailure(err)) this.failDir(logDir, err);
      });
      if (topicId !== undefined) this.openedTopicIds.set(k, topicId);
      if (recordId && topicId !== undefined) {
        await writePartitionMetadata(
          this.fs,
          ReplicaManager.partitionDir(logDir, topic, index),
          topicId,
        );
      }
      const state = () => this.o.image.partition(topic, index);
      const fenced = () => this.isFencedFor(state());
      const view = { nodeId: this.o.nodeId, state, fenced };
      const p = new Partition(
        topic,
        index,
        log,
        leaderEpoch,
        view,
        this.o.now,
        this.o.logger,
        this.o.setTimer,
      );
      await p.loadState();
      const st = view.state();
      // A single replica has committed everything in its log; a replicated
      // partition keeps the checkpointed high watermark until the ISR moves it.
      if (st !== undefined && st.replicas.length === 1) log.setHighWatermark(log.logEndOffset);
      if (p.isLeader()) p.becomeLeader(leaderEpoch);
      this.partitions.set(k, p);
      if (this.openFailures.delete(k)) {
        this.o.logger.info(
          { topic, partition: index },
          'partition log opened after failing before',
        );
      }
      return p;
    })();
    this.opening.set(k, task);
    try {
      return await task;
    } finally {
      this.opening.delete(k);
    }
  }

  private noteOpenFailure(topic: string, index: number, err: unknown): void {
    const k = key(topic, index);
    const reason = errorText(err);
    const noSpace = isNoSpaceError(err);
    if (noSpace) this.o.onNoSpace?.();
    if (this.openFailures.get(k) === reason) return;
    this.openFailures.set(k, reason);
    // A full disk is the world's doing (a warning, no stack); anything else may be ours.
    const fields = { topic, partition: index, reason, ...(noSpace ? {} : { err }) };
    const message =
      'partition log could not be opened; it answers KAFKA_STORAGE_ERROR until it can';
    if (noSpace) this.o.logger.warn(fields, message);
    else this.o.logger.error(fields, message);
  }

  /**
   * A directory for this topic-partition whose partition.metadata names
   * another topic id holds an earlier topic's records: it goes, and the log
   * starts empty (then fetches from the leader). A directory without the file
   * (new, or made before the file existed) or with an unreadable one is kept.
   * Returns true when the file is to be written (missing, unreadable, or the
   * directory went).
   */
  private async checkTopicId(
    logDir: string,
    topic: string,
    index: number,
    topicId: string,
  ): Promise<boolean> {
    const dir = ReplicaManager.partitionDir(logDir, topic, index);
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
    // Set aside first: a crash in the middle of the removal must not leave
    // part of the old topic's files under the partition's own name.
    await this.removeSetAside(await this.setAside(dir));
    return true;
  }

  /**
   * Stops serving a partition and deletes its log, as Kafka does: the files are
   * closed and the directory renamed to `<topic>-<p>.<uuid>-delete` before the
   * partition may be opened again (meanwhile requests get NOT_LEADER_OR_FOLLOWER),
   * then the renamed directory is removed.
   */
  private deleteLog(k: string, p: Partition): Promise<void> {
    this.partitions.delete(k);
    this.openedTopicIds.delete(k);
    return this.deletePartitionDir(k, p.log.dir, async () => {
      await p.log.closeForDeletion();
      // A producer snapshot past its flush would otherwise land in the directory a
      // topic re-created under the same name opens at this path.
      await p.snapshotsSettled();
    });
  }

  /** Sets a partition's directory aside, the partition closed meanwhile, and removes it. */
  private async deletePartitionDir(
    k: string,
    dir: string,
    closeFiles: () => Promise<void>,
  ): Promise<void> {
    const renamed = (async () => {
      await closeFiles();
      const aside = await this.setAside(dir);
      // Before the partition may open again: a new log goes where placement puts it.
      this.located.delete(k);
      return aside;
    })();
    const settled = renamed.then(
      () => undefined,
      () => undefined,
    );
    this.deleting.set(k, settled);
    let aside: string | null;
    try {
      aside = await renamed;
    } finally {
      if (this.deleting.get(k) === settled) this.deleting.delete(k);
    }
    await this.removeSetAside(aside);
  }

  /** Renames a partition directory to its `-delete` name (durably); null when it is not there. */
  private async setAside(dir: string): Promise<string | null> {
    const aside = join(dirname(dir), deletedDirName(basename(dir)));
    try {
      await this.fs.rename(dir, aside);
    } catch (err) {
      if (isNotFoundError(err)) return null;
      throw err;
    }
    await this.fs.fsyncDirectory(dirname(dir));
    return aside;
  }

  /** Removes a set-aside directory; one that will not go is left for the next start-up. */
  private async removeSetAside(aside: string | null): Promise<boolean> {
    if (aside === null) return false;
    try {
      await this.fs.removeDirectory(aside);
      return true;
    } catch (err) {
      this.o.logger.warn(
        { dir: aside, reason: errorText(err) },
        'could not remove a deleted partition directory; it is removed at the next start',
      );
      return false;
    }
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
    for (const logDir of this.dirs) {
      if (!this.offlineDirs.has(logDir)) deleted.push(...(await this.deleteStrayLogsIn(logDir)));
    }
    return deleted;
  }

  private async deleteStrayLogsIn(logDir: string): Promise<string[]> {
    const deleted: string[] = [];
    for (const name of await this.fs.readdir(logDir)) {
      const m = PARTITION_DIR.exec(name);
      if (m === null) continue;
      const topic = m[1]!;
      const index = Number(m[2]);
      const k = key(topic, index);
      const dir = join(logDir, name);
      const files = await this.fs.readdir(dir).catch(() => [] as string[]);
      if (!files.some((f) => PARTITION_FILES.includes(f) || f.endsWith('.log'))) continue;
      // Judged after the last wait, so no open can begin between judging and the
      // deletion (which keeps the partition from opening until the directory is aside).
      const state = this.o.image.partition(topic, index);
      if (state?.replicas.includes(this.o.nodeId)) continue;
      if (this.partitions.has(k) || this.opening.has(k) || this.deleting.has(k)) continue;
      await this.deletePartitionDir(k, dir, async () => {});
      this.o.logger.info(
        { topic, partition: index },
        'deleted stray partition log (not hosted here per the cluster metadata)',
      );
      deleted.push(name);
    }
    return deleted;
  }

  /**
   * The directory holding the partition, or for a new one the online directory with the
   * fewest partitions (Kafka's placement).
   */
  private async dirFor(k: string): Promise<string> {
    this.scanned ??= this.scanDirs();
    await this.scanned;
    const found = this.located.get(k);
    if (found !== undefined) {
      if (this.offlineDirs.has(found)) throw new Error(`log directory ${found} is offline`);
      return found;
    }
    const counts = new Map(this.dirs.map((d) => [d, 0]));
    for (const d of this.located.values()) counts.set(d, (counts.get(d) ?? 0) + 1);
    const online = this.dirs.filter((d) => !this.offlineDirs.has(d));
    if (online.length === 0) throw new Error('every log directory is offline');
    const chosen = online.reduce((best, d) => (counts.get(d)! < counts.get(best)! ? d : best));
    this.located.set(k, chosen);
    return chosen;
  }

  /**
   * Finds the partition directories already in each log directory, and settles
   * replica moves a stop interrupted: a complete copy whose original was already
   * set aside replaces it; otherwise the copy goes and the original stays.
   */
  private async scanDirs(): Promise<void> {
    const moves: Array<{ logDir: string; name: string; k: string; kind: string }> = [];
    /** Directories of deleted logs a stop left before their removal. */
    const leftovers: string[] = [];
    for (const logDir of this.dirs) {
      let names: string[];
      try {
        names = await this.fs.readdir(logDir);
      } catch (err) {
        this.failDir(logDir, err);
        continue;
      }
      for (const name of names) {
        if (DELETED_DIR.test(name)) {
          leftovers.push(join(logDir, name));
          continue;
        }
        const moving = MOVE_DIR.exec(name);
        if (moving !== null) {
          moves.push({ logDir, name, k: key(moving[1]!, Number(moving[2])), kind: moving[4]! });
          continue;
        }
        const m = PARTITION_DIR.exec(name);
        if (m === null) continue;
        const k = key(m[1]!, Number(m[2]));
        const earlier = this.located.get(k);
        if (earlier !== undefined) {
          this.o.logger.warn(
            { partition: name, dirs: [earlier, logDir] },
            'a partition is in two log directories; using the first',
          );
          continue;
        }
        this.located.set(k, logDir);
      }
    }
    for (const dir of leftovers) {
      if (await this.removeSetAside(dir)) {
        this.o.logger.info({ dir }, 'removed the directory of a deleted partition log');
      }
    }
    const setAside = new Set(moves.filter((m) => m.kind === 'delete').map((m) => m.k));
    for (const m of [...moves].sort((a, b) =>
      a.kind === 'future' ? -1 : b.kind === 'future' ? 1 : 0,
    )) {
      const path = join(m.logDir, m.name);
      const [topic, partition] = splitKey(m.k);
      const live = ReplicaManager.partitionDir(m.logDir, topic, partition);
      const keep = !this.located.has(m.k) && (m.kind === 'delete' || setAside.has(m.k));
      if (keep) {
        await this.fs.rename(path, live);
        this.located.set(m.k, m.logDir);
      } else {
        await this.fs.removeDirectory(path);
      }
      this.o.logger.warn(
        { dir: path, kept: keep },
        'settled a replica move between log dirs interrupted by a stop',
      );
    }
  }

  /**
   * Takes a log directory offline after a disk failure, as Kafka does: every
   * partition in it stops being served here (its log is closed as it is), and
   * listeners learn of the offline partitions so leadership can move.
   */
  private failDir(logDir: string, err: unknown): void {
    if (this.offlineDirs.has(logDir)) return;
    this.offlineDirs.add(logDir);
    const lost: string[] = [];
    for (const [k, dir] of this.located) {
      if (dir !== logDir) continue;
      const [topic, partition] = splitKey(k);
      this.offlineKeys.set(k, { topic, partition });
      const p = this.partitions.get(k);
      this.partitions.delete(k);
      lost.push(`${topic}-${partition}`);
      p?.log.close().catch(() => undefined);
    }
    this.o.logger.error(
      { logDir, err: String(err), partitions: lost },
      'log directory failed; it is offline and its partitions are served elsewhere',
    );
    if (this.offlineDirs.size === this.dirs.length) {
      this.o.logger.error({ logDirs: this.dirs }, 'every log directory is offline');
    }
    for (const l of this.dirFailureListeners) l();
    for (const l of this.leadershipListeners) l();
  }

  // ---- moving replicas between log directories (AlterReplicaLogDirs) -----------------------

  /** Future replicas being copied, for DescribeLogDirs. */
  futureReplicas(): Array<{
    topic: string;
    partition: number;
    dir: string;
    sizeBytes: number;
    offsetLag: number;
  }> {
    return [...this.futures.values()].map((f) => ({
      topic: f.topic,
      partition: f.partition,
      dir: f.dir,
      sizeBytes: f.log.sizeBytes,
      offsetLag: Math.max(
        0,
        (this.partitions.get(key(f.topic, f.partition))?.log.logEndOffset ?? 0) -
          f.log.logEndOffset,
      ),
    }));
  }

  /**
   * Moves a hosted replica to another of this broker's log directories as Kafka's
   * future replica does: a copy is made in the target directory
   * (`<topic>-<partition>.<id>-future`) from the current log while it keeps being
   * served, and once it has caught up the partition pauses for a moment, the last
   * batches are copied, and the copy takes the current log's place. Returns the
   * error code for the partition; the move goes on in the background.
   */
  async moveReplica(topic: string, index: number, targetDir: string): Promise<number> {
    const k = key(topic, index);
    if (!this.dirs.includes(targetDir)) return ErrorCode.LOG_DIR_NOT_FOUND;
    if (this.offlineDirs.has(targetDir) || this.offlineKeys.has(k)) {
      return ErrorCode.KAFKA_STORAGE_ERROR;
    }
    const p = await this.acquire(topic, index);
    if (p === undefined) return ErrorCode.REPLICA_NOT_AVAILABLE;
    const future = this.futures.get(k);
    if (future !== undefined) {
      if (future.dir === targetDir) return ErrorCode.NONE;
      future.cancelled = true;
      await future.done;
    }
    if (this.located.get(k) === targetDir) return ErrorCode.NONE;
    const id = randomBytes(8).toString('hex');
    const dirName = `${topic}-${index}.${id}-future`;
    if (dirName.length > FILE_NAME_BYTES_MAX) {
      // The -future name, and the -delete one the original then takes (as long), must fit
      // NAME_MAX. Kafka cuts the topic part short; here the name is how a move a stop
      // interrupted is found again, so such a move is refused instead.
      this.o.logger.warn(
        { topic, partition: index },
        'a replica of a topic with so long a name cannot move between log directories',
      );
      return ErrorCode.KAFKA_STORAGE_ERROR;
    }
    // The copy starts where the current log starts.
    await this.fs.mkdir(join(targetDir, dirName));
    await writeCheckpointFile(this.fs, join(targetDir, dirName, LOG_START_OFFSET_CHECKPOINT), [
      { topic, partition: index, offset: p.log.logStartOffset },
    ]);
    const log = await PartitionLog.open({
      dir: targetDir,
      dirName,
      topic,
      partition: index,
      config: this.o.logConfigFor(topic),
      now: this.o.now,
      fs: this.fs,
    });
    const f: FutureReplica = {
      topic,
      partition: index,
      id,
      dir: targetDir,
      dirName,
      log,
      cancelled: false,
      done: Promise.resolve(),
    };
    this.futures.set(k, f);
    f.done = this.runMove(k, f).catch(async (err: unknown) => {
      this.o.logger.error({ err: String(err), topic, partition: index }, 'replica move failed');
      await f.log.delete().catch(() => undefined);
    });
    void f.done.finally(() => {
      if (this.futures.get(k) === f) this.futures.delete(k);
    });
    this.o.logger.info({ topic, partition: index, targetDir }, 'moving replica to another log dir');
    return ErrorCode.NONE;
  }

  private async runMove(k: string, f: FutureReplica): Promise<void> {
    const current = () => this.partitions.get(k);
    // Copy while the partition is served, until a pass finds little left.
    for (;;) {
      const p = current();
      if (p === undefined || f.cancelled || this.closed) throw new Error('move cancelled');
      const before = f.log.logEndOffset;
      await copyLog(p.log, f.log);
      if (f.log.logEndOffset - before < 1000) break;
    }
    const p = current()!;
    this.swapping.add(k);
    this.partitions.delete(k);
    let swapped = false;
    try {
      await p.log.flush();
      await copyLog(p.log, f.log);
      f.log.setHighWatermark(p.log.highWatermark);
      await p.log.close();
      await p.snapshotsSettled();
      if (p.log.logEndOffset !== f.log.logEndOffset) {
        throw new Error(`copy ends at ${f.log.logEndOffset}, log at ${p.log.logEndOffset}`);
      }
      await f.log.close();
      const oldDir = this.located.get(k)!;
      const oldPath = ReplicaManager.partitionDir(oldDir, f.topic, f.partition);
      const deleted = `${oldPath}.${f.id}-delete`;
      await this.fs.rename(oldPath, deleted);
      await this.fs.rename(
        join(f.dir, f.dirName),
        ReplicaManager.partitionDir(f.dir, f.topic, f.partition),
      );
      await this.fs.fsyncDirectory(f.dir);
      await this.fs.fsyncDirectory(oldDir);
      this.located.set(k, f.dir);
      swapped = true;
      await this.fs.removeDirectory(deleted);
    } finally {
      this.swapping.delete(k);
      if (!swapped && !p.log.isOpen) {
        // Not moved: the current log serves again from where it was.
        await this.fs.removeDirectory(join(f.dir, f.dirName)).catch(() => undefined);
      }
      const state = this.o.image.partition(f.topic, f.partition);
      if (state !== undefined && !this.closed) {
        await this.open(f.topic, f.partition, state.leaderEpoch).catch((err: unknown) => {
          this.o.logger.error(
            { err: String(err), topic: f.topic },
            'reopening a moved replica failed',
          );
        });
      }
      for (const l of this.leadershipListeners) l();
    }
    this.o.logger.info(
      { topic: f.topic, partition: f.partition, logDir: f.dir },
      'moved replica to another log dir',
    );
  }

  /** Partition directory name, as Kafka names it. */
  static partitionDir(logDir: string, topic: string, partition: number): string {
    return join(logDir, `${topic}-${partition}`);
  }

  /** Resolves when any of the partitions gets an append, or after timeoutMs. */
  waitForAppend(parts: readonly Partition[], timeoutMs: number): Promise<void> {
    if (!this.serving) return Promise.resolve();
    return new Promise((resolve) => {
      const unsubscribe: Array<() => void> = [];
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        for (const u of unsubscribe) u();
        this.appendWaiters.delete(finish);
        resolve();
      };
      const timer = setTimeout(finish, timeoutMs);
      for (const p of parts) unsubscribe.push(p.onAppend(finish));
      this.appendWaiters.add(finish);
    });
  }

  /**
   * Shutdown, before the logs close: from now on no partition is handed out, so requests
   * get NOT_LEADER_OR_FOLLOWER (retriable: clients go to the next leader) instead of
   * reaching a log that is closing; long polls and produces waiting for replication are
   * answered at once. Idempotent.
   */
  stopServing(): void {
    this.serving = false;
    for (const finish of [...this.appendWaiters]) finish();
    for (const p of this.partitions.values()) p.releaseHighWatermarkWaiters();
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

  /**
   * Writes the replication-offset-checkpoint of every hosted partition whose
   * high watermark moved since its last one; resolves how many were written.
   * A log that fails here goes offline as on any other write (its directory
   * with it), and the others are still written.
   */
  async checkpointHighWatermarks(): Promise<number> {
    let written = 0;
    await runConcurrently([...this.partitions.values()], CHECKPOINTS_IN_FLIGHT, async (p) => {
      try {
        if (await p.log.checkpointHighWatermark()) written += 1;
      } catch (err) {
        this.o.logger.warn(
          { topic: p.topic, partition: p.index, err: errorText(err) },
          'writing the high-watermark checkpoint failed',
        );
      }
    });
    return written;
  }

  /**
   * Runs checkpointHighWatermarks every `intervalMs`
   * (replica.high.watermark.checkpoint.interval.ms, as Kafka's ReplicaManager
   * does), on the injected timer, until close. A pass starts its interval when
   * the previous one has ended, so passes never overlap.
   */
  startHighWatermarkCheckpoints(intervalMs: number): void {
    this.repeat('checkpoint', intervalMs, () => this.checkpointHighWatermarks());
  }

  /**
   * Forgets, on every partition here, the producers idle for `expirationMs`
   * (producer.id.expiration.ms) every `checkIntervalMs` (Kafka's
   * producer.id.expiration.check.interval.ms, 10 minutes), on the injected timer,
   * until close. Without it a partition's producers, now kept across restarts by
   * its snapshots, would only grow.
   */
  startProducerExpiration(expirationMs: number, checkIntervalMs: number): void {
    this.repeat('expiration check', checkIntervalMs, () => this.expireProducers(expirationMs));
  }

  /**
   * Runs `pass` every `intervalMs` on the injected timer until close. A pass starts
   * its interval when the previous one has ended, so passes never overlap; a name
   * already running is not started twice.
   */
  private repeat(name: string, intervalMs: number, pass: () => Promise<unknown>): void {
    if (!Number.isInteger(intervalMs) || intervalMs < 1) {
      throw new RangeError(`${name} interval must be a positive integer: ${intervalMs}`);
    }
    if (this.repeating.has(name)) return;
    const setTimer = this.o.setTimer ?? backgroundTimer;
    const arm = (): void => {
      this.repeating.delete(name);
      if (this.closed) return;
      const cancel = setTimer(intervalMs, () => {
        // Running: nothing to cancel, but still started.
        this.repeating.set(name, () => {});
        void pass().finally(arm);
      });
      this.repeating.set(name, cancel);
    };
    arm();
  }

  /** One expiration pass over the partitions here; resolves how many producers were forgotten. */
  async expireProducers(expirationMs: number): Promise<number> {
    let removed = 0;
    for (const p of [...this.partitions.values()]) {
      try {
        removed += await p.expireProducers(expirationMs);
      } catch {
        // A log failing under the pass is the log's to report; the others go on.
      }
    }
    return removed;
  }

  async flushAll(): Promise<void> {
    for (const p of this.partitions.values()) await p.log.flush();
  }

  async close(): Promise<void> {
    this.stopServing();
    this.closed = true;
    for (const cancel of this.repeating.values()) cancel();
    this.repeating.clear();
    await this.syncing;
    for (const p of this.partitions.values()) {
      try {
        // A snapshot being written needs the log open (it flushes first).
        await p.snapshotsSettled();
        await p.log.close();
      } catch (err) {
        this.o.logger.error({ err, topic: p.topic, partition: p.index }, 'closing log failed');
      }
    }
    this.partitions.clear();
  }
}
