// One partition as this broker holds it: its log, its idempotent-producer
// state and the leader epoch it was given. Appends as leader validate what a
// producer sent (protocol/batch-validation.ts: header, records, timestamps,
// keys, codec; internal appends only their headers), apply the producer
// sequence checks and assign offsets in place. As leader it also tracks what each follower has
// fetched and moves the high watermark to the smallest log end offset in the
// ISR; as follower it appends the leader's batches as they are. Records are
// never decoded here.

import type { PartitionLog } from '../log/partition-log.ts';
import {
  type BatchIndexError,
  type ProduceValidationPolicy,
  validateProduceRecords,
} from '../protocol/batch-validation.ts';
import {
  buildMarkerBatch,
  isControlBatch,
  isTransactionalBatch,
  readMarker,
  type TransactionMarker,
} from '../protocol/control-batch.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import {
  BATCH_HEADER_BYTES,
  BATCH_LOG_OVERHEAD_BYTES,
  type BatchHeader,
  checkBatch,
  forEachBatch,
  OFFSET_LENGTH,
  readBatchHeader,
} from '../protocol/record-batch.ts';
import { type AbortedTransaction, PartitionTransactions } from '../txn/partition-transactions.ts';
import { type ProducerSnapshot, ProducerSnapshotFiles } from '../txn/producer-snapshot.ts';
import {
  type ProducerDescription,
  ProducerStateTable,
  type SequenceCheck,
} from '../txn/producer-state.ts';
import { TransactionIndexFiles } from '../txn/transaction-index.ts';
import {
  type FollowerState,
  followerAfterFetch,
  followerAtLeaderStart,
  highWatermarkOf,
} from './high-watermark.ts';
import { LeaderEpochCache, type LeaderEpochCacheLogger } from './leader-epoch-cache.ts';
import { scanBatches, tailScanStart } from './log-scan.ts';

/** Segments scanned on open to rebuild producer state. */
const PRODUCER_SCAN_SEGMENTS = 2;

export interface AppendOutcome {
  readonly errorCode: number;
  readonly errorMessage: string | null;
  readonly baseOffset: number;
  /** Offset of the last record appended (for a retried batch, its first offset). */
  readonly lastOffset: number;
  readonly logAppendTimeMs: number;
  readonly logStartOffset: number;
  /** Records that made the batch be refused (Produce v8+ RecordErrors); empty otherwise. */
  readonly recordErrors: readonly BatchIndexError[];
}

export interface BatchIdentities {
  readonly checks: SequenceCheck[];
  readonly ids: Array<{
    producerId: number;
    producerEpoch: number;
    baseSequence: number;
    lastOffsetDelta: number;
    maxTimestamp: number;
    attributes: number;
  }>;
}

/**
 * What a leader append must respect of transactions: a transactional batch
 * that opens a producer's transaction on this partition needs the guard this
 * partition handed out before the coordinator confirmed the partition is in
 * the transaction (KIP-890); a marker written since makes the guard stale.
 * Absent: no verification (internal appends, or verification turned off).
 */
export interface TransactionVerification {
  readonly guard: object;
}

function failure(
  errorCode: number,
  errorMessage: string,
  logStartOffset: number,
  recordErrors: readonly BatchIndexError[] = [],
): AppendOutcome {
  return {
    errorCode,
    errorMessage,
    baseOffset: -1,
    lastOffset: -1,
    logAppendTimeMs: -1,
    logStartOffset,
    recordErrors,
  };
}

export type { FollowerState } from './high-watermark.ts';

/** Calls `run` after `delayMs`; the returned function cancels it. */
export type SetTimer = (delayMs: number, run: () => void) => () => void;

function realTimer(delayMs: number, run: () => void): () => void {
  const timer = setTimeout(run, delayMs);
  return () => clearTimeout(timer);
}

/** The partition's replica set and ISR as the metadata image has them. */
export interface ReplicaView {
  readonly nodeId: number;
  state():
    | {
        leader: number;
        leaderEpoch: number;
        isr: readonly number[];
        replicas: readonly number[];
        /** Store revision of the partition state; absent in tests that never change the ISR. */
        modRevision?: number;
      }
    | undefined;
  /**
   * True while this broker must not act as a leader whatever the image says:
   * the process just woke from a stall long enough to have cost its session,
   * its image predates its latest registration, or its session is lost or
   * lapsing (cluster/leader-fence.ts). Absent means never fenced.
   */
  fenced?(): boolean;
}

export interface PartitionLogger extends LeaderEpochCacheLogger {
  error(fields: object, message: string): void;
}

export class Partition {
  readonly producers = new ProducerStateTable();
  /** Open and aborted transactions here, for the LSO and read_committed fetches. */
  readonly txns = new PartitionTransactions();
  private readonly txnIndex: TransactionIndexFiles;
  private readonly snapshots: ProducerSnapshotFiles;
  /**
   * The active segment's base offset when the last producer snapshot was taken: a
   * new one is taken at the log end after each roll, as Kafka takes one per segment.
   */
  private snapshotSegment = -1;
  /** Per producer, the guard of a verification in flight (see TransactionVerification). */
  private readonly verificationGuards = new Map<number, object>();
  readonly epochs: LeaderEpochCache;
  readonly followers = new Map<number, FollowerState>();
  private readonly appendListeners = new Set<() => void>();
  private readonly hwWaiters: Array<{ offset: number; resolve: (reached: boolean) => void }> = [];
  private appendTail: Promise<unknown> = Promise.resolve();
  /**
   * An ISR expansion this leader is writing on top of the state at store
   * revision `basedOn` (Kafka's maximal ISR, KIP-497): once written, the store
   * names the added replicas in-sync and may elect one of them, so the high
   * watermark must wait for them before the image shows the write.
   */
  private pendingIsr: { readonly members: readonly number[]; readonly basedOn: number } | null =
    null;

  constructor(
    readonly topic: string,
    readonly index: number,
    readonly log: PartitionLog,
    public leaderEpoch: number,
    private readonly view: ReplicaView,
    private readonly now: () => number,
    private readonly logger: PartitionLogger,
    /** Arms the timeouts of produces waiting for replication; injected by the simulator. */
    private readonly setTimer: SetTimer = realTimer,
  ) {
    this.epochs = new LeaderEpochCache({ fs: log.fileSystem, dir: log.dir, logger });
    this.txnIndex = new TransactionIndexFiles(log.fileSystem, log.dir);
    this.snapshots = new ProducerSnapshotFiles(log.fileSystem, log.dir);
    log.onLogStartOffsetAdvance((logStartOffset) => {
      // Retention or DeleteRecords: epochs wholly below the new start go. The
      // write need not block the log; a lost one is redone when the log opens.
      this.epochs.truncateFromStart(logStartOffset);
      this.epochs.flush().catch((err: unknown) => this.logWriteFailure(err));
      this.txns.dropBelow(logStartOffset);
      this.txnIndex
        .removeMissing(this.segmentBases())
        .catch((err: unknown) => this.logIndexFailure(err));
    });
  }

  isLeader(): boolean {
    return this.view.state()?.leader === this.view.nodeId;
  }

  /** A new leader epoch for this broker as leader: followers start with a grace period. */
  becomeLeader(leaderEpoch: number): void {
    this.leaderEpoch = leaderEpoch;
    this.failHighWatermarkWaiters();
    // The new epoch starts at our log end once earlier appends are done: a
    // follower whose log goes past it in an older epoch has diverged and will
    // be told to truncate. Appends in this epoch flush it again before writing.
    const assigned = this.appendTail.then(async () => {
      this.epochs.assign(leaderEpoch, this.log.logEndOffset);
      await this.epochs.flush();
    });
    this.appendTail = assigned.catch((err: unknown) => this.logWriteFailure(err));
    const t = this.now();
    this.followers.clear();
    for (const r of this.view.state()?.replicas ?? []) {
      if (r !== this.view.nodeId) this.followers.set(r, followerAtLeaderStart(t));
    }
  }

  /** A new leader epoch in which another broker leads: produces still waiting fail. */
  becomeFollower(leaderEpoch: number): void {
    this.leaderEpoch = leaderEpoch;
    this.failHighWatermarkWaiters();
    this.followers.clear();
  }

  /**
   * Produces waiting for the high watermark were appended in an epoch that has
   * ended: whatever becomes of their batches, this broker can no longer vouch
   * for them (Kafka answers them NOT_LEADER_OR_FOLLOWER).
   */
  private failHighWatermarkWaiters(): void {
    for (const w of this.hwWaiters.splice(0)) w.resolve(false);
  }

  /** The session is lost (leader-fence.ts leadershipLost): produces waiting for replication are not acknowledged. */
  failHighWatermarkWaitersIfFenced(): void {
    if (this.view.fenced?.() === true) this.failHighWatermarkWaiters();
  }

  /** Shutdown: produces waiting for replication are answered now, as not replicated. */
  releaseHighWatermarkWaiters(): void {
    this.failHighWatermarkWaiters();
  }

  private logWriteFailure(err: unknown): void {
    this.logFileFailure(err, 'leader-epoch-checkpoint');
  }

  private logIndexFailure(err: unknown): void {
    this.logFileFailure(err, 'the aborted-transaction index');
  }

  /**
   * A file beside the log could not be written. On a log closed under the write (its
   * topic deleted and its directory set aside, or the broker stopping) nothing it still
   * needs is lost: the world's doing, a warning. On an open log, an error.
   */
  private logFileFailure(err: unknown, file: string): void {
    const fields = { err, topic: this.topic, partition: this.index };
    if (!this.log.isOpen) this.logger.warn(fields, `${file} not written: the log was closed`);
    else this.logger.error(fields, `writing ${file} failed`);
  }

  private segmentBases(): number[] {
    return this.log.describeSegments().map((s) => s.baseOffset);
  }

  /** Leader: a follower fetched from `fetchOffset`; update its state and the high watermark. */
  updateFollower(replicaId: number, fetchOffset: number): void {
    const fetch = { fetchOffset, leaderLeo: this.log.logEndOffset, nowMs: this.now() };
    this.followers.set(replicaId, followerAfterFetch(this.followers.get(replicaId), fetch));
    this.advanceHighWatermark();
  }

  /**
   * Leader: the high watermark is the smallest log end offset among the ISR
   * (the leader's own included; high-watermark.ts). It never moves backwards.
   */
  advanceHighWatermark(): void {
    const st = this.view.state();
    if (st === undefined || st.leader !== this.view.nodeId) return;
    // A fenced broker's followers may follow another leader by now: what they
    // fetched here commits nothing.
    if (this.view.fenced?.() === true) return;
    // Produces may wait through a brief fence; one appended in an epoch the image
    // has replaced (before the sync fails it) must not be committed by this one.
    if (st.leaderEpoch !== this.leaderEpoch) return;
    const hw = highWatermarkOf({
      nodeId: this.view.nodeId,
      leaderLeo: this.log.logEndOffset,
      highWatermark: this.log.highWatermark,
      isr: this.maximalIsr(st),
      followers: this.followers,
    });
    if (hw > this.log.highWatermark) {
      this.log.setHighWatermark(hw);
      this.resolveWaiters();
      this.notifyAppend();
    }
  }

  /**
   * Leader: an ISR change to `isr` is about to be written on top of the state
   * at store revision `basedOn`. Replicas it adds count for the high watermark
   * at once, until the image moves past that revision (the write landed, lost
   * its compare-and-set, or leadership moved). Shrinks need nothing: the old
   * members hold the high watermark until the image drops them.
   */
  expectIsr(isr: readonly number[], basedOn: number): void {
    this.pendingIsr = { members: isr, basedOn };
  }

  /**
   * The ISR write based on store revision `basedOn` cannot land any more: it
   * lost its compare-and-set, or (after a failed call) the key was found still
   * at that revision. Its replicas stop holding the high watermark.
   */
  isrWriteSettled(basedOn: number): void {
    if (this.pendingIsr?.basedOn === basedOn) this.pendingIsr = null;
  }

  /** The revision an ISR write in flight is based on while the image still shows it, else null. */
  unsettledIsrWrite(): number | null {
    const st = this.view.state();
    return st === undefined ? null : (this.pendingFor(st)?.basedOn ?? null);
  }

  /** The expansion in flight, forgotten once the image has moved past its base revision. */
  private pendingFor(st: { modRevision?: number }) {
    const pending = this.pendingIsr;
    if (pending === null) return null;
    if (st.modRevision === undefined || st.modRevision > pending.basedOn) {
      this.pendingIsr = null;
      return null;
    }
    return pending;
  }

  /** The image's ISR and the replicas an expansion in flight adds. */
  private maximalIsr(st: { isr: readonly number[]; modRevision?: number }): readonly number[] {
    const pending = this.pendingFor(st);
    if (pending === null) return st.isr;
    return [...st.isr, ...pending.members.filter((r) => !st.isr.includes(r))];
  }

  /** Resolves true once the high watermark reaches `offset`, false after timeoutMs. */
  waitForHighWatermark(offset: number, timeoutMs: number): Promise<boolean> {
    if (this.log.highWatermark >= offset) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = {
        offset,
        resolve: (reached: boolean) => {
          cancel();
          resolve(reached);
        },
      };
      const cancel = this.setTimer(timeoutMs, () => {
        const i = this.hwWaiters.indexOf(waiter);
        if (i >= 0) this.hwWaiters.splice(i, 1);
        resolve(false);
      });
      this.hwWaiters.push(waiter);
    });
  }

  private resolveWaiters(): void {
    const hw = this.log.highWatermark;
    for (let i = this.hwWaiters.length - 1; i >= 0; i--) {
      const w = this.hwWaiters[i]!;
      if (w.offset <= hw) {
        this.hwWaiters.splice(i, 1);
        w.resolve(true);
      }
    }
  }

  /** Follower: appends the leader's batches (offsets already assigned). */
  appendAsFollower(records: Buffer, leaderHighWatermark: number): Promise<void> {
    const next = this.appendTail.then(async () => {
      if (records.length > 0) {
        forEachBatch(records, (at) => {
          const h = readBatchHeader(records, at);
          this.epochs.assign(h.partitionLeaderEpoch, h.baseOffset);
        });
        try {
          // A batch of a new epoch is in the checkpoint before it is in the log.
          await this.epochs.flush();
          await this.log.appendReplicated(records);
        } catch (err) {
          this.epochs.truncateFromEnd(this.log.logEndOffset);
          throw this.log.storageFailure(err);
        }
        // Producer and transaction state follow the log as the leader's did.
        forEachBatch(records, (at) => {
          const aborted = this.applyBatch(readBatchHeader(records, at), records, at);
          if (aborted !== null) this.indexAbort(aborted);
        });
        this.snapshotOnRoll();
      }
      const hw = Math.min(leaderHighWatermark, this.log.logEndOffset);
      if (hw > this.log.highWatermark) this.log.setHighWatermark(hw);
      this.notifyAppend();
    });
    this.appendTail = next.catch(() => undefined);
    return next;
  }

  /** Follower: drops everything from `offset` on (divergence found via leader epochs). */
  truncateTo(offset: number): Promise<void> {
    const next = this.appendTail.then(async () => {
      const unstable = Math.min(
        this.txns.firstUnstableOffset() ?? this.log.logEndOffset,
        tailScanStart(this.log, PRODUCER_SCAN_SEGMENTS),
      );
      // Snapshots describing batches about to go must go first: one left behind would
      // be taken as the state of whatever is appended at those offsets next.
      await this.snapshots.removeAbove(offset);
      if (offset < this.log.logEndOffset) await this.log.truncateTo(offset);
      await this.snapshots.removeAbove(this.log.logEndOffset);
      this.snapshotSegment = this.log.activeSegmentBaseOffset;
      // The log ends at a batch boundary at or below `offset`, and truncating
      // below its first segment restarts it there: fit the epochs to both ends.
      this.epochs.truncateFromEnd(this.log.logEndOffset);
      this.epochs.truncateFromStart(this.log.logStartOffset);
      this.producers.truncateFrom(this.log.logEndOffset);
      await this.epochs.flush();
      // Markers may be gone: transactions they ended are open again.
      await this.rebuildTransactions(Math.min(unstable, this.log.logEndOffset), false);
    });
    this.appendTail = next.catch(() => undefined);
    return next;
  }

  /** Notified after each append; used by delayed fetches. */
  onAppend(listener: () => void): () => void {
    this.appendListeners.add(listener);
    return () => this.appendListeners.delete(listener);
  }

  /**
   * Validates and appends batches as leader. `messageBytesMax` is the topic's
   * max.message.bytes, checked per batch as Kafka does. With `validation` (a
   * producer's request) the record set is validated as Kafka's log validator
   * does and may be rebuilt in the topic's codec; without (the broker's own
   * appends), only each batch's header, size and CRC are checked.
   */
  appendAsLeader(
    records: Buffer,
    messageBytesMax: number,
    validation?: ProduceValidationPolicy,
    verification?: TransactionVerification,
  ): Promise<AppendOutcome> {
    // Validation starts at once and runs beside other work (a compressed batch
    // waits on its codec), but appends keep the order of the calls: a later
    // request's batch never overtakes an earlier one still being checked.
    const verdict = validation === undefined ? null : validateProduceRecords(records, validation);
    // Its failure surfaces when the append awaits it; until then it is not unhandled.
    verdict?.catch(() => undefined);
    // Appends to one partition run one at a time, so the sequence check, the
    // offsets it records and the append itself see the same log end offset.
    const next = this.appendTail.then(async () => {
      if (verdict === null) return this.appendNow(records, messageBytesMax, false, verification);
      const v = await verdict;
      if (!v.ok) {
        return failure(v.errorCode, v.errorMessage, this.log.logStartOffset, v.recordErrors);
      }
      return this.appendNow(v.records, messageBytesMax, true, verification);
    });
    this.appendTail = next.catch(() => undefined);
    return next;
  }

  private async appendNow(
    records: Buffer,
    messageBytesMax: number,
    validated: boolean,
    verification: TransactionVerification | undefined,
  ): Promise<AppendOutcome> {
    const logStartOffset = this.log.logStartOffset;
    const fencing = this.leadershipProblem();
    if (fencing !== null) return failure(ErrorCode.NOT_LEADER_OR_FOLLOWER, fencing, logStartOffset);
    const scanned = this.scanBatches(records, messageBytesMax, validated);
    if ('errorCode' in scanned)
      return failure(scanned.errorCode, scanned.errorMessage, logStartOffset);
    const { checks, ids } = scanned;
    for (const c of checks) {
      if (c.kind === 'error') return failure(c.errorCode, c.message, logStartOffset);
    }
    const txnProblem = this.transactionProblem(ids, verification);
    if (txnProblem !== null)
      return failure(txnProblem.errorCode, txnProblem.message, logStartOffset);
    const duplicates = checks.filter((c) => c.kind === 'duplicate');
    if (duplicates.length > 0) {
      const first = duplicates[0];
      if (duplicates.length === checks.length && first?.kind === 'duplicate') {
        return {
          errorCode: ErrorCode.NONE,
          errorMessage: null,
          baseOffset: first.firstOffset,
          lastOffset: first.firstOffset,
          logAppendTimeMs: -1,
          logStartOffset,
          recordErrors: [],
        };
      }
      return failure(
        ErrorCode.DUPLICATE_SEQUENCE_NUMBER,
        'request mixes new and retried batches',
        logStartOffset,
      );
    }
    // Undo the recorded sequences if the append fails, so a retry is not
    // mistaken for a duplicate of a batch that was never written.
    const saved = ids.map((b) => ({
      id: b.producerId,
      entry: this.producers.snapshot(b.producerId),
    }));
    let nextOffset = this.log.logEndOffset;
    for (const b of ids) {
      this.producers.record(b, nextOffset, b.maxTimestamp);
      nextOffset += b.lastOffsetDelta + 1;
    }
    try {
      this.epochs.assign(this.leaderEpoch, this.log.logEndOffset);
      await this.epochs.flush();
      const r = await this.log.append(records, { leaderEpoch: this.leaderEpoch });
      // Offsets are assigned in place: the batches now say where they are.
      forEachBatch(records, (at) => {
        const h = readBatchHeader(records, at);
        if (h.producerId >= 0 && isTransactionalBatch(h.attributes))
          this.txns.onTransactionalBatch(h.producerId, h.baseOffset, h.maxTimestamp);
      });
      this.snapshotOnRoll();
      this.advanceHighWatermark();
      this.notifyAppend();
      return {
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        baseOffset: r.baseOffset,
        lastOffset: r.lastOffset,
        logAppendTimeMs: r.logAppendTimeMs,
        logStartOffset: r.logStartOffset,
        recordErrors: [],
      };
    } catch (err) {
      for (const s of saved.reverse()) this.producers.restore(s.id, s.entry);
      // No space for the epoch checkpoint is a storage error like no space for the batch.
      throw this.log.storageFailure(err);
    }
  }

  /**
   * Why this broker may not append as leader right now, or null. Checked in
   * the append queue, just before writing: the image must still name us
   * leader in the epoch we stamp, and we must not be fenced. A broker paused
   * past its session timeout answers a request it read before the pause with
   * this, not with a write in an epoch that has already been superseded.
   */
  private leadershipProblem(): string | null {
    const st = this.view.state();
    if (st === undefined || st.leader !== this.view.nodeId) return 'this broker is not the leader';
    if (st.leaderEpoch !== this.leaderEpoch) {
      return `leader epoch ${this.leaderEpoch} is being replaced by ${st.leaderEpoch}`;
    }
    if (this.view.fenced?.() === true) {
      return 'this broker stalled, lost its session or re-registered; not leading until its session and metadata are current';
    }
    return null;
  }

  /**
   * Reads each batch's producer identity; unless `validated` (checked already,
   * CRC included), first checks its header, size and CRC.
   */
  private scanBatches(
    records: Buffer,
    messageBytesMax: number,
    validated: boolean,
  ): BatchIdentities | { errorCode: number; errorMessage: string } {
    const checks: SequenceCheck[] = [];
    const ids: BatchIdentities['ids'] = [];
    let at = 0;
    if (records.length === 0)
      return { errorCode: ErrorCode.CORRUPT_MESSAGE, errorMessage: 'empty record set' };
    while (at < records.length) {
      if (records.length - at < BATCH_HEADER_BYTES) {
        return { errorCode: ErrorCode.CORRUPT_MESSAGE, errorMessage: 'truncated record batch' };
      }
      const sizeBytes = records.readInt32BE(at + OFFSET_LENGTH) + BATCH_LOG_OVERHEAD_BYTES;
      if (sizeBytes > messageBytesMax) {
        return {
          errorCode: ErrorCode.MESSAGE_TOO_LARGE,
          errorMessage: `batch of ${sizeBytes} bytes exceeds max.message.bytes ${messageBytesMax}`,
        };
      }
      const problem = validated ? null : checkBatch(records, at, records.length);
      if (problem !== null) {
        const code =
          problem === 'bad-magic'
            ? ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT
            : ErrorCode.CORRUPT_MESSAGE;
        return { errorCode: code, errorMessage: `invalid record batch: ${problem}` };
      }
      const h = readBatchHeader(records, at);
      if (isControlBatch(h.attributes)) {
        return {
          errorCode: ErrorCode.INVALID_RECORD,
          errorMessage: 'producers may not write control batches',
        };
      }
      const id = {
        producerId: h.producerId,
        producerEpoch: h.producerEpoch,
        baseSequence: h.baseSequence,
        lastOffsetDelta: h.lastOffsetDelta,
        maxTimestamp: h.maxTimestamp,
        attributes: h.attributes,
      };
      ids.push(id);
      checks.push(this.producers.check(id));
      at += h.sizeBytes;
    }
    return { checks, ids };
  }

  private notifyAppend(): void {
    for (const l of this.appendListeners) l();
  }

  /**
   * After a restart: loads the leader-epoch history from its checkpoint (or
   * rebuilds it from the whole log), and rebuilds producer and transaction state
   * from the newest producer snapshot and the batches after it (without one, from
   * the batch headers of the last segments). Idle producers are forgotten by
   * expireProducers (producer.id.expiration.ms), not here.
   */
  async loadState(): Promise<void> {
    const source = await this.epochs.load(this.log);
    // A new partition has no checkpoint yet; a log with data and none was
    // written by a broker that kept epochs only in memory.
    if (source === 'rebuilt-missing' && this.log.logEndOffset > this.log.logStartOffset) {
      this.logger.warn(
        { topic: this.topic, partition: this.index, source, epochs: this.epochs.entries().length },
        'leader-epoch-checkpoint rebuilt from the log',
      );
    }
    const stored = await this.txnIndex.readAll().catch((err: unknown) => {
      this.logIndexFailure(err);
      return new Map<number, AbortedTransaction[]>();
    });
    this.txns.restoreAborted([...stored.values()].flat());
    const { snapshot, discarded } = await this.snapshots
      .loadLatest(this.log.logStartOffset, this.log.logEndOffset)
      .catch((err: unknown) => {
        this.logger.warn(
          { topic: this.topic, partition: this.index, err },
          'producer snapshots unreadable; rebuilding producer state from the last segments',
        );
        return { snapshot: null, discarded: [] };
      });
    if (discarded.length > 0)
      this.logger.warn(
        { topic: this.topic, partition: this.index, discarded },
        'producer snapshots discarded',
      );
    if (snapshot === null)
      await this.rebuildTransactions(tailScanStart(this.log, PRODUCER_SCAN_SEGMENTS), true);
    else await this.rebuildTransactions(snapshot.offset, true, snapshot);
    this.snapshotSegment = this.log.activeSegmentBaseOffset;
  }

  /**
   * Rebuilds transaction state (and with `producers`, producer state) from the
   * batches at and after `fromOffset`, keeping aborted-index entries below it,
   * and makes the index files agree. With `snapshot` (taken at `fromOffset`), its
   * producers and pending transactions are the state before the scan; without
   * one, a transaction opened before `fromOffset` and still open is not seen, as
   * Kafka loses one when its producer snapshot is gone (so a scan without one
   * starts two segments back).
   */
  private async rebuildTransactions(
    fromOffset: number,
    producers: boolean,
    snapshot?: ProducerSnapshot,
  ): Promise<void> {
    const from = Math.max(fromOffset, this.log.logStartOffset);
    this.txns.resetFrom(from);
    if (producers) this.producers.clear();
    if (snapshot !== undefined) {
      for (const p of snapshot.producers) this.producers.restore(p.producerId, p.entry);
      this.txns.restorePending(snapshot);
    }
    await scanBatches(this.log, from, (h, bytes, at) => {
      this.applyBatch(h, bytes, at, producers);
    });
    const bases = this.segmentBases();
    let fromSegment = bases[0] ?? 0;
    for (const b of bases) if (b <= from) fromSegment = b;
    await this.txnIndex
      .rewriteFrom(fromSegment, bases, this.txns.aborted())
      .catch((err: unknown) => this.logIndexFailure(err));
  }

  /**
   * Producer and transaction state for one batch now in the log: sequences of
   * data batches, the open transaction a transactional batch starts, the end a
   * marker puts to it (with an index entry for an abort).
   */
  private applyBatch(
    h: BatchHeader,
    bytes: Buffer,
    at: number,
    producers = true,
  ): AbortedTransaction | null {
    if (h.producerId < 0) return null;
    if (isControlBatch(h.attributes)) {
      const marker = readMarker(bytes, at);
      return marker === null
        ? null
        : this.applyMarker(marker, h.baseOffset, h.maxTimestamp, producers);
    }
    if (producers) {
      const id = {
        producerId: h.producerId,
        producerEpoch: h.producerEpoch,
        baseSequence: h.baseSequence,
        lastOffsetDelta: h.lastOffsetDelta,
      };
      this.producers.record(id, h.baseOffset, h.maxTimestamp);
    }
    if (isTransactionalBatch(h.attributes))
      this.txns.onTransactionalBatch(h.producerId, h.baseOffset, h.maxTimestamp);
    return null;
  }

  private applyMarker(
    marker: TransactionMarker,
    offset: number,
    timestampMs: number,
    producers: boolean,
  ): AbortedTransaction | null {
    const { producerId, producerEpoch, coordinatorEpoch } = marker;
    if (producers)
      this.producers.recordMarker(producerId, producerEpoch, coordinatorEpoch, timestampMs);
    this.verificationGuards.delete(producerId);
    return this.txns.onMarker(producerId, marker.commit, offset);
  }

  /**
   * In the append queue, after an append: if the log rolled since the last snapshot,
   * takes one of the state as of the log end now. Written beside the appends (after
   * the log's flush up to there); a failed write costs only a longer scan on open.
   */
  private snapshotOnRoll(): void {
    const active = this.log.activeSegmentBaseOffset;
    if (active === this.snapshotSegment) return;
    this.snapshotSegment = active;
    const pending = this.txns.pending();
    const snapshot: ProducerSnapshot = {
      offset: this.log.logEndOffset,
      producers: this.producers.entries(),
      open: pending.open,
      unreplicated: pending.unreplicated,
    };
    this.snapshots
      .write(snapshot, () => this.log.flush())
      .catch((err: unknown) => {
        if (this.log.isOpen)
          this.logger.warn(
            { topic: this.topic, partition: this.index, err },
            'writing a producer snapshot failed',
          );
      });
  }

  /**
   * Forgets producers idle for `expirationMs` (producer.id.expiration.ms), in the
   * append queue so no append is checked against a half-changed table; a producer
   * with a transaction open here is kept. Resolves how many were forgotten.
   */
  expireProducers(expirationMs: number): Promise<number> {
    const next = this.appendTail.then(() =>
      this.producers.expire(
        this.now(),
        expirationMs,
        (id) => this.txns.openTransactionStart(id) >= 0,
      ),
    );
    this.appendTail = next.catch(() => undefined);
    return next;
  }

  /** Resolves once the snapshot writes queued so far are done (before a clean close). */
  snapshotsSettled(): Promise<void> {
    return this.snapshots.settled();
  }

  /** Writes the aborted-index entry of an abort marker appended just now. */
  private indexAbort(entry: AbortedTransaction): void {
    let segment = 0;
    for (const b of this.segmentBases()) if (b <= entry.lastOffset) segment = b;
    this.txnIndex.append(segment, entry).catch((err: unknown) => this.logIndexFailure(err));
  }

  // ---------------------------------------------------------------------------
  // Transactions.

  /** The last stable offset: read_committed consumers read below it. */
  lastStableOffset(): number {
    return this.txns.lastStableOffset(this.log.highWatermark);
  }

  /** Producers with state here and the start of each one's open transaction. */
  describeProducers(): Array<ProducerDescription & { currentTxnStartOffset: number }> {
    return this.producers.describe().map((p) => ({
      ...p,
      currentTxnStartOffset: this.txns.openTransactionStart(p.producerId),
    }));
  }

  /**
   * Starts a KIP-890 verification for a producer: the guard to pass to
   * appendAsLeader once the coordinator confirmed the partition is in the
   * transaction. A marker for the producer appended meanwhile voids it.
   */
  beginVerification(producerId: number): object {
    let guard = this.verificationGuards.get(producerId);
    if (guard === undefined) {
      guard = {};
      this.verificationGuards.set(producerId, guard);
    }
    return guard;
  }

  /** Whether a transactional batch of the producer would open a transaction here. */
  needsVerification(producerId: number): boolean {
    return this.txns.openTransactionStart(producerId) < 0;
  }

  /**
   * Kafka's transactional checks on a producer's batches: a producer with a
   * transaction open here writes only transactional batches, and a batch that
   * opens a transaction carries a guard still current (verification).
   */
  private transactionProblem(
    ids: BatchIdentities['ids'],
    verification: TransactionVerification | undefined,
  ): { errorCode: number; message: string } | null {
    for (const b of ids) {
      if (b.producerId < 0) continue;
      const open = this.txns.openTransactionStart(b.producerId) >= 0;
      if (!isTransactionalBatch(b.attributes)) {
        if (open) {
          const message = `producer ${b.producerId} has a transaction open here`;
          return { errorCode: ErrorCode.INVALID_TXN_STATE, message };
        }
        continue;
      }
      if (open || verification === undefined) continue;
      if (this.verificationGuards.get(b.producerId) !== verification.guard) {
        const message = `the transaction of producer ${b.producerId} ended during verification`;
        return { errorCode: ErrorCode.INVALID_TXN_STATE, message };
      }
    }
    return null;
  }

  /**
   * Leader: appends a transaction marker (WriteTxnMarkers) for a producer,
   * after Kafka's checks of its epoch and the coordinator's epoch.
   */
  appendMarker(marker: TransactionMarker): Promise<AppendOutcome> {
    const next = this.appendTail.then(() => this.appendMarkerNow(marker));
    this.appendTail = next.catch(() => undefined);
    return next;
  }

  private async appendMarkerNow(marker: TransactionMarker): Promise<AppendOutcome> {
    const logStartOffset = this.log.logStartOffset;
    const fencing = this.leadershipProblem();
    if (fencing !== null) return failure(ErrorCode.NOT_LEADER_OR_FOLLOWER, fencing, logStartOffset);
    const { producerId, producerEpoch, coordinatorEpoch } = marker;
    const refused = this.producers.checkMarker(producerId, producerEpoch, coordinatorEpoch);
    if (refused !== null) return failure(refused.errorCode, refused.message, logStartOffset);
    const nowMs = this.now();
    const batch = buildMarkerBatch(marker, nowMs);
    this.epochs.assign(this.leaderEpoch, this.log.logEndOffset);
    await this.epochs.flush();
    const r = await this.log.append(batch, { leaderEpoch: this.leaderEpoch });
    const aborted = this.applyMarker(marker, r.baseOffset, nowMs, true);
    if (aborted !== null) this.indexAbort(aborted);
    this.snapshotOnRoll();
    this.advanceHighWatermark();
    this.notifyAppend();
    return {
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      baseOffset: r.baseOffset,
      lastOffset: r.lastOffset,
      logAppendTimeMs: r.logAppendTimeMs,
      logStartOffset: r.logStartOffset,
      recordErrors: [],
    };
  }

  /** OffsetForLeaderEpoch: where `leaderEpoch` ended in this log. */
  endOffsetForEpoch(leaderEpoch: number): { leaderEpoch: number; endOffset: number } {
    return this.epochs.endOffsetFor(leaderEpoch, this.log.logEndOffset);
  }
}
