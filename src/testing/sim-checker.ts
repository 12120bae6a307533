// The invariants of a simulated run, checked after every event and at the
// end. It reads each replica's segment files straight from its in-memory disk
// (never through the broker), so a check costs no simulated time and cannot
// be fooled by the broker's own view.
//
// - No two values at one offset: every batch below a replica's high
//   watermark must be the batch every other replica has there (the first one
//   seen below any high watermark is the committed one).
// - No replica's log diverges below its high watermark, and none lacks
//   batches below it.
// - No acknowledged write lost: an acks=all acknowledgement names an offset
//   whose committed batch is the producer's; at the end every acknowledged
//   batch is at its offset in the leader's log below the high watermark.
// - At most one leader per partition and leader epoch accepts writes, and
//   only the broker the store named leader of that epoch.
// - A leader's high watermark never moves backwards within its epoch.
// - At the end (after healing): no duplicate of an idempotent producer's
//   batch, every partition has a leader, and the in-sync replicas agree.
// - Committed group offsets are never lost: once an OffsetCommit of an offset
//   was answered with no error, every OffsetFetch sent afterwards and answered
//   with no error (by whichever coordinator) names that offset or a later one;
//   at the end the final coordinator of each group answers, and not less.
// The replication checks cover __consumer_offsets as well as the data topic.

import { posix } from 'node:path';
import { OFFSETS_TOPIC } from '../group/group-coordinator.ts';
import { partitionForGroup } from '../group/offsets-topic-format.ts';
import type { KeyLayout } from '../metadata/key-layout.ts';
import type { MetaStore } from '../metadata/meta-store.ts';
import {
  BATCH_HEADER_BYTES,
  BATCH_LOG_OVERHEAD_BYTES,
  OFFSET_LENGTH,
  readBatchHeader,
} from '../protocol/record-batch.ts';
import { DATA_DIR, type SimBroker } from './sim-broker.ts';
import { type SimObserver, type SimSettings, type SimTopic, tpKey } from './sim-context.ts';
import { SIMULATOR_OWNER, type SimScheduler } from './sim-scheduler.ts';
import type { SimTrace } from './sim-trace.ts';

export type ViolationKind =
  | 'divergent-offset'
  | 'missing-below-hw'
  | 'lost-ack'
  | 'two-leaders-one-epoch'
  | 'append-by-non-leader'
  | 'hw-backwards'
  | 'duplicate'
  | 'no-leader'
  | 'replicas-disagree'
  | 'lost-commit'
  | 'offsets-unavailable'
  | 'crash';

export interface Violation {
  readonly kind: ViolationKind;
  readonly atMs: number;
  readonly message: string;
}

/** One batch as stored: where it is and what it is. */
interface StoredBatch {
  readonly baseOffset: number;
  readonly lastOffset: number;
  readonly leaderEpoch: number;
  readonly crc: number;
}

interface SegmentScan {
  parsedBytes: number;
  readonly batches: StoredBatch[];
}

interface ReplicaCheck {
  incarnation: number;
  verifiedUpTo: number;
  lastLeaderHw: number;
  lastLeaderEpoch: number;
  segments: Map<string, SegmentScan>;
}

const SEGMENT_FILE = /^\d{20}\.log$/;

/** The complete batches of `bytes` from its start, and how many bytes they take. */
function parseBatches(bytes: Buffer): { batches: StoredBatch[]; parsedBytes: number } {
  const batches: StoredBatch[] = [];
  let at = 0;
  while (bytes.length - at >= BATCH_HEADER_BYTES) {
    const sizeBytes = bytes.readInt32BE(at + OFFSET_LENGTH) + BATCH_LOG_OVERHEAD_BYTES;
    if (sizeBytes < BATCH_HEADER_BYTES || at + sizeBytes > bytes.length) break;
    const h = readBatchHeader(bytes, at);
    batches.push({
      baseOffset: h.baseOffset,
      lastOffset: h.baseOffset + h.lastOffsetDelta,
      leaderEpoch: h.partitionLeaderEpoch,
      crc: h.crc,
    });
    at += sizeBytes;
  }
  return { batches, parsedBytes: at };
}

function describe(b: StoredBatch | undefined): string {
  return b === undefined
    ? 'nothing'
    : `batch ${b.baseOffset}..${b.lastOffset} epoch ${b.leaderEpoch} crc ${b.crc.toString(16)}`;
}

export class SimChecker implements SimObserver {
  readonly violations: Violation[] = [];
  /** Per partition: base offset -> the batch committed there. */
  private readonly committed = new Map<string, Map<number, StoredBatch>>();
  /** Per partition: offset -> acknowledged batch crc and value. */
  private readonly acked = new Map<string, Map<number, { crc: number; value: string }>>();
  private readonly appenders = new Map<string, Map<number, number>>();
  private readonly storeLeaders = new Map<string, Map<number, number>>();
  private readonly replicas = new Map<string, ReplicaCheck>();
  /** `${group} ${tp}` -> the highest offset an OffsetCommit was acknowledged for. */
  private readonly commitFloors = new Map<string, number>();
  /** The data topics and __consumer_offsets: every replicated topic of the run. */
  private readonly replicatedTopics: readonly SimTopic[];
  private ackCount = 0;
  private commitAckCount = 0;
  private fetchCheckCount = 0;
  private electionCount = 0;
  private isrChangeCount = 0;
  private truncationCount = 0;

  constructor(
    private readonly settings: SimSettings,
    private readonly brokers: readonly SimBroker[],
    private readonly scheduler: SimScheduler,
    private readonly trace: SimTrace,
  ) {
    this.replicatedTopics = [
      ...settings.topics,
      { name: OFFSETS_TOPIC, partitions: settings.offsetsPartitions, replicationFactor: 3 },
    ];
  }

  get acknowledged(): number {
    return this.ackCount;
  }

  /** OffsetCommits answered with no error. */
  get commitsAcknowledged(): number {
    return this.commitAckCount;
  }

  /** Committed offsets read back (during the run and at the end) and compared. */
  get fetchesChecked(): number {
    return this.fetchCheckCount;
  }

  /** The broker each partition's latest leader epoch names (as the store has it). */
  currentLeaders(): number[] {
    const out: number[] = [];
    for (const byEpoch of this.storeLeaders.values()) {
      let epoch = -1;
      for (const e of byEpoch.keys()) epoch = Math.max(epoch, e);
      const leader = byEpoch.get(epoch);
      if (leader !== undefined && leader >= 0) out.push(leader);
    }
    return out;
  }

  /** Leader elections (new leader epochs written to the store after the first). */
  get elections(): number {
    return this.electionCount;
  }

  /** Partition-record writes within one leader epoch: ISR shrinks and expansions. */
  get isrChanges(): number {
    return this.isrChangeCount;
  }

  /** Follower truncations (divergence, or ahead of the leader). */
  get truncations(): number {
    return this.truncationCount;
  }

  private violate(kind: ViolationKind, message: string): void {
    this.violations.push({ kind, atMs: this.scheduler.nowMs, message });
    this.trace.add(this.scheduler.nowMs, `VIOLATION ${kind}: ${message}`);
  }

  /** Follows the store itself (not through the network) for the leader of every epoch. */
  async observeStore(store: MetaStore, keys: KeyLayout): Promise<void> {
    await store.watch(keys.root, 0, {
      onEvents: (events) => {
        for (const e of events) {
          const parsed = keys.parse(e.key);
          if (e.type !== 'put' || parsed?.type !== 'partition') continue;
          const record = JSON.parse(e.kv.value) as {
            leader: number;
            leaderEpoch: number;
            isr: number[];
          };
          this.trace.add(
            this.scheduler.nowMs,
            `store: ${tpKey(parsed.topic, parsed.partition)} leader ${record.leader} epoch ${record.leaderEpoch} isr ${record.isr}`,
          );
          this.noteStoreLeader(tpKey(parsed.topic, parsed.partition), record);
        }
      },
      onError: () => undefined,
    });
  }

  private noteStoreLeader(tp: string, r: { leader: number; leaderEpoch: number }): void {
    const byEpoch = this.storeLeaders.get(tp) ?? new Map<number, number>();
    this.storeLeaders.set(tp, byEpoch);
    const known = byEpoch.get(r.leaderEpoch);
    if (known === undefined && byEpoch.size > 0) this.electionCount += 1;
    else if (known !== undefined) this.isrChangeCount += 1;
    if (known !== undefined && known !== r.leader) {
      this.violate(
        'two-leaders-one-epoch',
        `${tp}: the store named ${known} and then ${r.leader} leader of epoch ${r.leaderEpoch}`,
      );
    }
    byEpoch.set(r.leaderEpoch, r.leader);
  }

  onLeaderAppend(tp: string, broker: number, epoch: number, baseOffset: number): void {
    const byEpoch = this.appenders.get(tp) ?? new Map<number, number>();
    this.appenders.set(tp, byEpoch);
    const known = byEpoch.get(epoch);
    if (known !== undefined && known !== broker) {
      this.violate(
        'two-leaders-one-epoch',
        `${tp}: brokers ${known} and ${broker} both appended as leader in epoch ${epoch} (offset ${baseOffset})`,
      );
    }
    byEpoch.set(epoch, broker);
    const named = this.storeLeaders.get(tp)?.get(epoch);
    if (named !== broker) {
      this.violate(
        'append-by-non-leader',
        `${tp}: broker ${broker} appended at ${baseOffset} in epoch ${epoch}, whose leader is ${named ?? 'unknown'}`,
      );
    }
  }

  onTruncate(tp: string, broker: number, offset: number): void {
    this.truncationCount += 1;
    const r = this.replicas.get(`${broker}/${tp}`);
    if (r === undefined) return;
    r.verifiedUpTo = Math.min(r.verifiedUpTo, offset);
    r.segments.clear();
  }

  onAck(tp: string, offset: number, crc: number, value: string): void {
    this.ackCount += 1;
    const byOffset = this.acked.get(tp) ?? new Map<number, { crc: number; value: string }>();
    this.acked.set(tp, byOffset);
    const earlier = byOffset.get(offset);
    if (earlier !== undefined && earlier.crc !== crc) {
      this.violate(
        'lost-ack',
        `${tp}@${offset}: acknowledged ${earlier.value} and later ${value} at the same offset`,
      );
    }
    byOffset.set(offset, { crc, value });
    const committed = this.committed.get(tp)?.get(offset);
    if (committed !== undefined && committed.crc !== crc) {
      this.violate(
        'lost-ack',
        `${tp}@${offset}: ${value} acknowledged but ${describe(committed)} is committed there`,
      );
    }
  }

  onCommitAck(group: string, tp: string, offset: number): void {
    this.commitAckCount += 1;
    const key = `${group} ${tp}`;
    this.commitFloors.set(key, Math.max(offset, this.commitFloors.get(key) ?? -1));
  }

  committedFloor(group: string, tp: string): number {
    return this.commitFloors.get(`${group} ${tp}`) ?? -1;
  }

  onOffsetFetch(
    group: string,
    tp: string,
    offset: number,
    floor: number,
    coordinator: number,
  ): void {
    this.fetchCheckCount += 1;
    if (offset < floor) {
      this.violate(
        'lost-commit',
        `${group} ${tp}: offset ${floor} was committed and acknowledged, coordinator ${coordinator} then answered ${offset}`,
      );
    }
  }

  /** The stored batches of one replica (read incrementally from its segment files). */
  private storedBatches(broker: SimBroker, tp: string, r: ReplicaCheck): StoredBatch[] {
    const dir = posix.join(DATA_DIR, tp);
    const names = broker.disk.memory.listDirectory(dir).filter((n) => SEGMENT_FILE.test(n));
    const out: StoredBatch[] = [];
    for (const name of names) {
      const path = posix.join(dir, name);
      let scan = r.segments.get(path);
      const whole = broker.disk.memory.peekBytes(path, 0);
      if (scan === undefined || scan.parsedBytes > whole.length) {
        scan = { parsedBytes: 0, batches: [] };
        r.segments.set(path, scan);
      }
      const fresh = parseBatches(whole.subarray(scan.parsedBytes));
      scan.batches.push(...fresh.batches);
      scan.parsedBytes += fresh.parsedBytes;
      out.push(...scan.batches);
    }
    for (const path of r.segments.keys()) {
      if (!names.includes(posix.basename(path))) r.segments.delete(path);
    }
    return out;
  }

  private replicaCheck(broker: SimBroker, tp: string): ReplicaCheck {
    const key = `${broker.nodeId}/${tp}`;
    let r = this.replicas.get(key);
    if (r === undefined || r.incarnation !== broker.incarnation) {
      r = {
        incarnation: broker.incarnation,
        verifiedUpTo: 0,
        lastLeaderHw: -1,
        lastLeaderEpoch: -1,
        segments: new Map(),
      };
      this.replicas.set(key, r);
    }
    return r;
  }

  /** Compares one replica's batches in [from, to) with the committed ones. */
  private verifyRange(broker: SimBroker, tp: string, r: ReplicaCheck, to: number): void {
    const committed = this.committed.get(tp) ?? new Map<number, StoredBatch>();
    this.committed.set(tp, committed);
    let next = r.verifiedUpTo;
    for (const b of this.storedBatches(broker, tp, r)) {
      if (b.lastOffset < next || b.baseOffset >= to) continue;
      if (b.baseOffset > next) break;
      const known = committed.get(b.baseOffset);
      if (known === undefined) committed.set(b.baseOffset, b);
      else if (known.crc !== b.crc || known.lastOffset !== b.lastOffset) {
        this.violate(
          'divergent-offset',
          `${tp}@${b.baseOffset} below high watermark ${to} of broker ${broker.nodeId}: it has ${describe(b)}, committed is ${describe(known)}`,
        );
      }
      const acked = this.acked.get(tp)?.get(b.baseOffset);
      if (acked !== undefined && acked.crc !== b.crc) {
        this.violate(
          'lost-ack',
          `${tp}@${b.baseOffset}: ${acked.value} was acknowledged; broker ${broker.nodeId} has ${describe(b)} below its high watermark ${to}`,
        );
      }
      next = b.lastOffset + 1;
    }
    if (next < to) {
      this.violate(
        'missing-below-hw',
        `${tp} on broker ${broker.nodeId}: high watermark ${to} but its segments end at ${next}`,
      );
    }
    r.verifiedUpTo = Math.max(r.verifiedUpTo, Math.min(next, to));
  }

  /**
   * Runs after every simulated event, on the replicas that event can have
   * changed: `owner`'s when a broker owned it, every broker's after one of the
   * simulator's own (faults, healing), none after a client's or the store's.
   * A broker's replicas change only in its own events: its timers, disk
   * operations and the messages delivered to it are all events it owns, and
   * whatever they set off settles before the next event runs.
   */
  checkStep(owner: number | null): void {
    if (owner === null) return;
    for (const broker of this.brokers) {
      if (!broker.up || (owner !== SIMULATOR_OWNER && owner !== broker.nodeId)) continue;
      for (const t of this.replicatedTopics) {
        for (let i = 0; i < t.partitions; i++) this.checkReplica(broker, t.name, i);
      }
    }
  }

  private checkReplica(broker: SimBroker, topic: string, index: number): void {
    const p = broker.partition(topic, index);
    if (p === undefined || !p.log.isOpen) return;
    const tp = tpKey(topic, index);
    const r = this.replicaCheck(broker, tp);
    const leo = p.log.logEndOffset;
    if (leo < r.verifiedUpTo) {
      r.verifiedUpTo = leo;
      r.segments.clear();
    }
    const hw = p.log.highWatermark;
    if (hw > r.verifiedUpTo) this.verifyRange(broker, tp, r, hw);
    if (!p.isLeader()) {
      r.lastLeaderEpoch = -1;
      return;
    }
    if (r.lastLeaderEpoch === p.leaderEpoch && hw < r.lastLeaderHw) {
      this.violate(
        'hw-backwards',
        `${tp}: leader ${broker.nodeId}'s high watermark went from ${r.lastLeaderHw} to ${hw} in epoch ${p.leaderEpoch}`,
      );
    }
    r.lastLeaderEpoch = p.leaderEpoch;
    r.lastLeaderHw = hw;
  }

  /**
   * After healing and settling: every partition led, every acknowledged batch
   * at its offset in the leader's log below the high watermark, no batch twice,
   * and the in-sync replicas holding the leader's log up to the high watermark.
   */
  checkEnd(leaders: ReadonlyMap<string, { leader: number; isr: readonly number[] }>): void {
    for (const [tp, state] of leaders) {
      const leader = this.brokers.find((b) => b.nodeId === state.leader);
      const [topic, index] = splitTp(tp);
      const p = leader?.partition(topic, index);
      if (leader === undefined || !leader.up || p === undefined) {
        this.violate(
          'no-leader',
          `${tp} has no serving leader after healing (leader ${state.leader})`,
        );
        continue;
      }
      const hw = p.log.highWatermark;
      const fresh: ReplicaCheck = { ...this.replicaCheck(leader, tp), segments: new Map() };
      const batches = this.storedBatches(leader, tp, fresh).filter((b) => b.baseOffset < hw);
      const byOffset = new Map(batches.map((b) => [b.baseOffset, b]));
      for (const [offset, a] of this.acked.get(tp) ?? []) {
        const b = byOffset.get(offset);
        if (b === undefined || b.crc !== a.crc) {
          this.violate(
            'lost-ack',
            `${tp}@${offset}: ${a.value} was acknowledged; leader ${leader.nodeId} has ${describe(b)} there (high watermark ${hw})`,
          );
        }
      }
      const seen = new Map<number, number>();
      // The coordinator's batches are not idempotent: a retried commit is written again.
      for (const b of topic === OFFSETS_TOPIC ? [] : batches) {
        const first = seen.get(b.crc);
        if (first !== undefined) {
          this.violate('duplicate', `${tp}: the batch at ${first} is again at ${b.baseOffset}`);
        }
        seen.set(b.crc, b.baseOffset);
      }
      for (const id of state.isr) this.compareWithLeader(tp, id, byOffset, hw);
    }
  }

  /**
   * After healing: each group's final coordinator (the store's leader of its
   * __consumer_offsets partition) answers OffsetFetch with every acknowledged
   * commit or a later offset. Asked directly, not over the network.
   */
  async checkEndOffsets(
    groups: readonly string[],
    partitions: ReadonlyMap<string, readonly { topic: string; partition: number }[]>,
    leaders: ReadonlyMap<string, { leader: number }>,
  ): Promise<void> {
    for (const group of groups) {
      const index = partitionForGroup(group, this.settings.offsetsPartitions);
      const leader = leaders.get(tpKey(OFFSETS_TOPIC, index))?.leader ?? -1;
      const broker = this.brokers.find((b) => b.nodeId === leader);
      if (broker === undefined || !broker.up) continue; // 'no-leader' has said so
      const wanted = partitions.get(group) ?? [];
      const answer = await broker.handleOffsetFetch({ groupId: group, partitions: wanted });
      if (answer.errorCode !== 0) {
        this.violate(
          'offsets-unavailable',
          `${group}: its coordinator ${leader} answered OffsetFetch with error ${answer.errorCode} after healing`,
        );
        continue;
      }
      for (const t of answer.topics) {
        for (const p of t.partitions) {
          const tp = tpKey(t.name, p.partitionIndex);
          if (p.errorCode !== 0) {
            this.violate(
              'offsets-unavailable',
              `${group} ${tp}: its coordinator ${leader} answered error ${p.errorCode} after healing`,
            );
            continue;
          }
          this.onOffsetFetch(group, tp, p.committedOffset, this.committedFloor(group, tp), leader);
        }
      }
    }
  }

  private compareWithLeader(
    tp: string,
    id: number,
    leaderBatches: ReadonlyMap<number, StoredBatch>,
    hw: number,
  ): void {
    const broker = this.brokers.find((b) => b.nodeId === id);
    if (broker === undefined || !broker.up) return;
    const fresh: ReplicaCheck = { ...this.replicaCheck(broker, tp), segments: new Map() };
    for (const b of this.storedBatches(broker, tp, fresh)) {
      if (b.baseOffset >= hw) break;
      const l = leaderBatches.get(b.baseOffset);
      if (l === undefined || l.crc !== b.crc) {
        this.violate(
          'replicas-disagree',
          `${tp}@${b.baseOffset}: in-sync replica ${id} has ${describe(b)}, the leader ${describe(l)}`,
        );
      }
    }
  }
}

function splitTp(tp: string): [string, number] {
  const at = tp.lastIndexOf('-');
  return [tp.slice(0, at), Number(tp.slice(at + 1))];
}
