// The runtime of the group coordinator: it owns the pure machine's state,
// feeds it requests, ticks, append outcomes and partition loads, and performs
// its effects (answers waiting requests, keeps one timer armed for the earliest
// deadline, appends records to __consumer_offsets). It follows the metadata
// image to coordinate exactly the __consumer_offsets partitions this broker
// leads. Group rules live in the machine, never here.

import { randomUUID } from 'node:crypto';
import { ErrorCode } from '../protocol/error-codes.ts';
import { defaultGroupCoordinatorConfig, type GroupCoordinatorConfig } from './group-config.ts';
import { createGroupCoordinator, nextTimerAtMs, step } from './group-machine.ts';
import type {
  DeleteGroupsInput,
  DescribeGroupsInput,
  GroupEffect,
  GroupInput,
  GroupResponseByApi,
  HeartbeatInput,
  JoinGroupInput,
  LeaveGroupInput,
  ListGroupsInput,
  OffsetCommitInput,
  OffsetDeleteInput,
  OffsetFetchInput,
  SyncGroupInput,
  TxnOffsetCommitInput,
} from './group-machine-types.ts';
import type { GroupCoordinatorState, RequestId } from './group-state.ts';
import { type OffsetsTopicRecord, partitionForGroup } from './offsets-topic-format.ts';
import {
  appendOffsetsRecords,
  createOffsetsTopic,
  type GroupCoordinatorServices,
  OFFSETS_TOPIC,
  readOffsetsPartition,
} from './offsets-topic-log.ts';

export type { GroupCoordinatorServices } from './offsets-topic-log.ts';
export { OFFSETS_TOPIC } from './offsets-topic-log.ts';

/** One real timer at a time; tests pass a fake. */
export interface TimerScheduler {
  set(callback: () => void, delayMs: number): unknown;
  clear(handle: unknown): void;
}

export interface GroupCoordinatorOptions {
  /** Registers a listener called after each batch of metadata changes (MetadataLoader.onChanges). */
  readonly subscribe: (listener: () => void) => void;
  readonly timers?: TimerScheduler;
  /** Retry delay after a failed partition load. */
  readonly loadRetryMs?: number;
}

/** Settings the coordinator reads, with Kafka's names (BrokerConfig satisfies it). */
export interface GroupSettingsSource {
  readonly offsetsTopicNumPartitions: number;
  readonly offsetsTopicReplicationFactor: number;
  readonly offsetsTopicSegmentBytes: number;
  readonly offsetsCommitTimeoutMs: number;
  readonly offsetsRetentionMs: number;
  readonly offsetsRetentionCheckIntervalMs: number;
  readonly offsetMetadataMaxBytes: number;
  readonly groupInitialRebalanceDelayMs: number;
  readonly groupMinSessionTimeoutMs: number;
  readonly groupMaxSessionTimeoutMs: number;
  readonly groupMaxSize: number;
}

export interface FoundCoordinator {
  readonly errorCode: number;
  /** -1 with an error. */
  readonly nodeId: number;
}

/** A request as a handler gives it: the runtime adds type and requestId. */
type Ask<I> = Omit<I, 'type' | 'requestId'>;
type Api = keyof GroupResponseByApi;

interface Waiter {
  readonly api: Api;
  resolve(response: unknown): void;
  reject(err: Error): void;
}

/** A partition this broker leads: loading (with the attempt that reads it) or owned. */
interface LedPartition {
  /** Settles when the current load attempt ends; null once loaded. */
  loading: Promise<void> | null;
}

const realTimers: TimerScheduler = {
  set(callback, delayMs) {
    const t = setTimeout(callback, delayMs);
    t.unref();
    return t;
  },
  clear(handle) {
    clearTimeout(handle as NodeJS.Timeout);
  },
};

/** setTimeout's largest delay; longer deadlines are re-armed when it fires. */
const TIMER_DELAY_MS_MAX = 2_147_483_647;

export function groupCoordinatorConfigOf(c: GroupSettingsSource): GroupCoordinatorConfig {
  return {
    ...defaultGroupCoordinatorConfig,
    groupMinSessionTimeoutMs: c.groupMinSessionTimeoutMs,
    groupMaxSessionTimeoutMs: c.groupMaxSessionTimeoutMs,
    groupMaxSize: c.groupMaxSize,
    groupInitialRebalanceDelayMs: c.groupInitialRebalanceDelayMs,
    offsetsRetentionMs: c.offsetsRetentionMs,
    offsetsRetentionCheckIntervalMs: c.offsetsRetentionCheckIntervalMs,
    offsetMetadataMaxBytes: c.offsetMetadataMaxBytes,
    offsetsTopicNumPartitions: c.offsetsTopicNumPartitions,
  };
}

export class GroupCoordinator {
  private readonly state: GroupCoordinatorState;
  private readonly timers: TimerScheduler;
  private readonly waiting = new Map<RequestId, Waiter>();
  private readonly led = new Map<number, LedPartition>();
  /** Appends per __consumer_offsets partition run one after another, in effect order. */
  private readonly appendTails = new Map<number, Promise<void>>();
  private creatingTopic: Promise<boolean> | null = null;
  private nextRequestId = 1;
  private armed: { readonly handle: unknown; readonly atMs: number } | null = null;
  private lastNowMs = 0;
  private started = false;
  private closed = false;

  constructor(
    private readonly s: GroupCoordinatorServices & { readonly config: GroupSettingsSource },
    private readonly o: GroupCoordinatorOptions,
  ) {
    this.timers = o.timers ?? realTimers;
    const created = createGroupCoordinator(groupCoordinatorConfigOf(s.config), this.nowMs());
    this.state = created.state;
    this.perform(created.effects);
  }

  /** Starts coordinating the partitions this broker leads and follows leadership changes. */
  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    this.o.subscribe(() => this.reconcile());
    this.reconcile();
    this.rearm();
  }

  /**
   * Gives up every partition (waiting requests get NOT_COORDINATOR, so clients
   * look for the coordinator again), stops the timer and waits for appends in flight.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const partition of [...this.led.keys()]) this.unload(partition);
    if (this.armed !== null) this.timers.clear(this.armed.handle);
    this.armed = null;
    await Promise.all([...this.appendTails.values()]);
  }

  // ---------------------------------------------------------------------------
  // Requests.

  join(input: Ask<Omit<JoinGroupInput, 'memberIdUuid'>>): Promise<GroupResponseByApi['join']> {
    return this.ask('join', (requestId) => ({
      ...input,
      type: 'join',
      requestId,
      memberIdUuid: randomUUID(),
    }));
  }

  sync(input: Ask<SyncGroupInput>): Promise<GroupResponseByApi['sync']> {
    return this.ask('sync', (requestId) => ({ ...input, type: 'sync', requestId }));
  }

  heartbeat(input: Ask<HeartbeatInput>): Promise<GroupResponseByApi['heartbeat']> {
    return this.ask('heartbeat', (requestId) => ({ ...input, type: 'heartbeat', requestId }));
  }

  leave(input: Ask<LeaveGroupInput>): Promise<GroupResponseByApi['leave']> {
    return this.ask('leave', (requestId) => ({ ...input, type: 'leave', requestId }));
  }

  commit(input: Ask<OffsetCommitInput>): Promise<GroupResponseByApi['commit']> {
    return this.ask('commit', (requestId) => ({ ...input, type: 'commit', requestId }));
  }

  /**
   * OffsetFetch. A broker whose leader fence is up may be a stale coordinator
   * (cut off from the store, another broker elected meanwhile): its memory
   * may hold offsets older than ones the new coordinator acknowledged, so it
   * answers NOT_COORDINATOR and the client looks again. Its appends are
   * refused by the fence already.
   */
  fetchOffsets(input: Ask<OffsetFetchInput>): Promise<GroupResponseByApi['fetch-offsets']> {
    if (this.fencedFor(input.groupId)) {
      return Promise.resolve({ errorCode: ErrorCode.NOT_COORDINATOR, topics: [] });
    }
    return this.ask('fetch-offsets', (requestId) => ({
      ...input,
      type: 'fetch-offsets',
      requestId,
    }));
  }

  txnCommit(input: Ask<TxnOffsetCommitInput>): Promise<GroupResponseByApi['txn-commit']> {
    return this.ask('txn-commit', (requestId) => ({ ...input, type: 'txn-commit', requestId }));
  }

  /**
   * A transaction marker was written to a __consumer_offsets partition this
   * broker leads: offsets the producer staged there become visible (commit) or
   * are dropped (abort).
   */
  completeTransaction(partition: number, producerId: number, commit: boolean): void {
    if (this.closed) return;
    this.input({ type: 'txn-complete', partition, producerId, commit });
  }

  deleteOffsets(input: Ask<OffsetDeleteInput>): Promise<GroupResponseByApi['delete-offsets']> {
    return this.ask('delete-offsets', (requestId) => ({
      ...input,
      type: 'delete-offsets',
      requestId,
    }));
  }

  deleteGroups(input: Ask<DeleteGroupsInput>): Promise<GroupResponseByApi['delete-groups']> {
    return this.ask('delete-groups', (requestId) => ({
      ...input,
      type: 'delete-groups',
      requestId,
    }));
  }

  describeGroups(input: Ask<DescribeGroupsInput>): Promise<GroupResponseByApi['describe-groups']> {
    return this.ask('describe-groups', (requestId) => ({
      ...input,
      type: 'describe-groups',
      requestId,
    }));
  }

  listGroups(input: Ask<ListGroupsInput>): Promise<GroupResponseByApi['list-groups']> {
    return this.ask('list-groups', (requestId) => ({ ...input, type: 'list-groups', requestId }));
  }

  /**
   * Which broker coordinates the group: the leader of its __consumer_offsets
   * partition. Creates the topic when it is missing. When this broker leads the
   * partition, answers only once the partition is loaded (waiting for the load
   * attempt in flight), else COORDINATOR_NOT_AVAILABLE, as Kafka does while
   * the topic is being created.
   */
  async findCoordinator(groupId: string): Promise<FoundCoordinator> {
    const unavailable = { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, nodeId: -1 };
    if (this.closed || !this.started) return unavailable;
    if (this.s.image.topic(OFFSETS_TOPIC) === undefined) {
      this.creatingTopic ??= createOffsetsTopic(this.s).finally(() => {
        this.creatingTopic = null;
      });
      if (!(await this.creatingTopic)) return unavailable;
    }
    const partition = partitionForGroup(groupId, this.state.config.offsetsTopicNumPartitions);
    const leader = this.s.image.partition(OFFSETS_TOPIC, partition)?.leader ?? -1;
    if (leader < 0) return unavailable;
    if (leader === this.s.nodeId) {
      // Fenced, this broker's image may be stale: it cannot say who coordinates.
      if (this.fencedFor(groupId)) return unavailable;
      const loading = this.led.get(partition)?.loading;
      if (loading !== null && loading !== undefined) await loading;
      if (this.state.partitions.get(partition) !== 'owned') return unavailable;
    }
    return { errorCode: ErrorCode.NONE, nodeId: leader };
  }

  /** The __consumer_offsets partitions this broker serves groups of (for tests and metrics). */
  ownedPartitions(): number[] {
    return [...this.state.partitions]
      .filter(([, status]) => status === 'owned')
      .map(([p]) => p)
      .sort((a, b) => a - b);
  }

  /** Offsets committed by the groups this broker coordinates (for consumer-lag metrics). */
  committedOffsets(): Array<{ group: string; topic: string; partition: number; offset: number }> {
    const out: Array<{ group: string; topic: string; partition: number; offset: number }> = [];
    for (const g of this.state.groups.values())
      for (const [topic, partitions] of g.offsets)
        for (const [partition, c] of partitions)
          out.push({ group: g.groupId, topic, partition, offset: c.offset });
    return out;
  }

  /** Whether this broker leads the group's partition by its image while its leader fence is up. */
  private fencedFor(groupId: string): boolean {
    const partition = partitionForGroup(groupId, this.state.config.offsetsTopicNumPartitions);
    const state = this.s.image.partition(OFFSETS_TOPIC, partition);
    return state?.leader === this.s.nodeId && this.s.replicas.isFencedFor(state);
  }

  private ask<A extends Api>(
    api: A,
    make: (requestId: RequestId) => GroupInput,
  ): Promise<GroupResponseByApi[A]> {
    const requestId = this.nextRequestId++;
    return new Promise<GroupResponseByApi[A]>((resolve, reject) => {
      this.waiting.set(requestId, {
        api,
        resolve: resolve as (response: unknown) => void,
        reject,
      });
      this.input(make(requestId));
    });
  }

  // ---------------------------------------------------------------------------
  // Driving the machine.

  /** The injected clock, never moving backwards (the machine's deadlines assume that). */
  private nowMs(): number {
    this.lastNowMs = Math.max(this.lastNowMs, this.s.now());
    return this.lastNowMs;
  }

  private input(input: GroupInput): void {
    let effects: readonly GroupEffect[];
    try {
      effects = step(this.state, input, this.nowMs()).effects;
    } catch (err) {
      // A broken invariant is our bug: fail the one request, keep serving the rest.
      this.s.logger.error({ err, input: input.type }, 'group coordinator step failed');
      if ('requestId' in input) this.fail(input.requestId, err);
      return;
    }
    this.perform(effects);
  }

  private perform(effects: readonly GroupEffect[]): void {
    for (const e of effects) {
      switch (e.type) {
        case 'respond':
          this.answer(e.requestId, e.api, e.response);
          break;
        case 'persist-group':
          this.persist(e.partition, [e.record], e.persistId);
          break;
        case 'persist-offsets':
          this.persist(e.partition, e.records, e.persistId, e.producer);
          break;
        case 'schedule':
        case 'cancel':
          break;
      }
    }
    this.rearm();
  }

  private answer(requestId: RequestId, api: Api, response: unknown): void {
    const waiter = this.waiting.get(requestId);
    if (waiter === undefined) {
      this.s.logger.error({ requestId, api }, 'group coordinator answered an unknown request');
      return;
    }
    this.waiting.delete(requestId);
    if (waiter.api !== api) {
      waiter.reject(new Error(`group request ${requestId} (${waiter.api}) answered as ${api}`));
      return;
    }
    waiter.resolve(response);
  }

  private fail(requestId: RequestId, err: unknown): void {
    const waiter = this.waiting.get(requestId);
    if (waiter === undefined) return;
    this.waiting.delete(requestId);
    waiter.reject(err instanceof Error ? err : new Error(String(err)));
  }

  /** Keeps one timer armed for the machine's earliest deadline. */
  private rearm(): void {
    const next = this.started && !this.closed ? nextTimerAtMs(this.state) : null;
    if (this.armed !== null && this.armed.atMs === next) return;
    if (this.armed !== null) this.timers.clear(this.armed.handle);
    this.armed = null;
    if (next === null) return;
    const delayMs = Math.min(TIMER_DELAY_MS_MAX, Math.max(0, next - this.nowMs()));
    const handle = this.timers.set(() => {
      this.armed = null;
      this.input({ type: 'tick' });
    }, delayMs);
    this.armed = { handle, atMs: next };
  }

  // ---------------------------------------------------------------------------
  // __consumer_offsets: appends, loads, leadership.

  private persist(
    partition: number,
    records: readonly OffsetsTopicRecord[],
    persistId: number | null,
    producer?: { readonly producerId: number; readonly producerEpoch: number },
  ): void {
    const previous = this.appendTails.get(partition) ?? Promise.resolve();
    const appended = previous.then(() =>
      appendOffsetsRecords(this.s, partition, records, this.nowMs(), producer),
    );
    // The next append waits for this one's write to the leader's log (their order),
    // not for its replication; the machine hears of it once the followers have it.
    const tail = appended.then(
      () => undefined,
      () => undefined,
    );
    appended
      .then((a) => a.committed)
      .then((errorCode) => {
        if (persistId !== null) this.input({ type: 'persisted', persistId, errorCode });
      })
      .catch((err: unknown) => {
        this.s.logger.error({ err, partition }, 'group coordinator append bookkeeping failed');
      });
    this.appendTails.set(partition, tail);
    void tail.then(() => {
      if (this.appendTails.get(partition) === tail) this.appendTails.delete(partition);
    });
  }

  /** Loads the partitions this broker now leads and unloads those it no longer leads. */
  private reconcile(): void {
    if (!this.started || this.closed) return;
    const wanted = new Set<number>();
    for (let p = 0; p < this.state.config.offsetsTopicNumPartitions; p++) {
      if (this.s.image.partition(OFFSETS_TOPIC, p)?.leader === this.s.nodeId) wanted.add(p);
    }
    for (const p of [...this.led.keys()]) if (!wanted.has(p)) this.unload(p);
    for (const p of wanted) if (!this.led.has(p)) this.beginLoad(p);
  }

  private beginLoad(partition: number): void {
    const led: LedPartition = { loading: null };
    this.led.set(partition, led);
    this.input({ type: 'load-begin', partition });
    this.attemptLoad(partition, led);
  }

  private attemptLoad(partition: number, led: LedPartition): void {
    const current = () => !this.closed && this.led.get(partition) === led;
    // Appends still in flight from an earlier term go first, so the read sees them.
    const previous = this.appendTails.get(partition) ?? Promise.resolve();
    const startedMs = this.nowMs();
    led.loading = previous
      .then(() => readOffsetsPartition(this.s, partition))
      .then(
        ({ records, pendingTransactional, recordsRead }) => {
          if (!current()) return;
          led.loading = null;
          this.input({ type: 'load-complete', partition, records, pendingTransactional });
          const elapsedMs = this.nowMs() - startedMs;
          const fields = { partition, records: recordsRead, live: records.length, elapsedMs };
          if (records.length > 0) this.s.logger.info(fields, 'loaded __consumer_offsets partition');
          else this.s.logger.debug(fields, 'loaded empty __consumer_offsets partition');
        },
        (err: unknown) => {
          if (!current()) return;
          this.s.logger.error({ err, partition }, 'loading __consumer_offsets failed; retrying');
          this.timers.set(() => {
            if (current()) this.attemptLoad(partition, led);
          }, this.o.loadRetryMs ?? 1000);
        },
      );
  }

  private unload(partition: number): void {
    this.led.delete(partition);
    this.input({ type: 'unload', partition });
  }
}
