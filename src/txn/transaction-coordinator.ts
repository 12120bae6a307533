// The runtime of the transaction coordinator: it owns the pure machine's
// state, feeds it requests, ticks, append outcomes, marker completions and
// partition loads, and performs its effects (answers waiting requests, keeps
// one timer armed, appends records to __transaction_state, hands decided
// transactions to the marker writer). It follows the metadata image to
// coordinate exactly the __transaction_state partitions this broker leads,
// with their leader epoch as the coordinator epoch. Transaction rules live in
// the machine, never here.

import { ErrorCode } from '../protocol/error-codes.ts';
import {
  appendTransactionRecord,
  createTransactionTopic,
  readTransactionPartition,
  type TransactionLogServices,
} from './transaction-log.ts';
import { partitionForTransactionalId, TRANSACTION_STATE_TOPIC } from './transaction-log-format.ts';
import { createTransactionCoordinator, nextTimerAtMs, step } from './transaction-machine.ts';
import type {
  AddPartitionsInput,
  DescribeTransactionsInput,
  EndTxnInput,
  InitProducerIdInput,
  ListTransactionsInput,
  RequestType,
  TransactionCoordinatorConfig,
  TransactionCoordinatorState,
  TransactionEffect,
  TransactionInput,
  TransactionResponseByType,
} from './transaction-machine-types.ts';
import type { TransactionMarkers } from './transaction-markers.ts';

/** One real timer at a time; tests pass a fake. */
export interface TimerScheduler {
  set(callback: () => void, delayMs: number): unknown;
  clear(handle: unknown): void;
}

export interface TransactionCoordinatorServices extends TransactionLogServices {
  readonly producerIds: { allocate(): Promise<number> };
}

export interface TransactionCoordinatorOptions {
  readonly config: TransactionCoordinatorConfig;
  /** Registers a listener called after each batch of metadata changes. */
  readonly subscribe: (listener: () => void) => void;
  readonly markers: TransactionMarkers;
  readonly timers?: TimerScheduler;
  /** How long a __transaction_state append waits for the in-sync replicas. */
  readonly appendTimeoutMs?: number;
  readonly loadRetryMs?: number;
}

export interface FoundCoordinator {
  readonly errorCode: number;
  readonly nodeId: number;
}

type Ask<I> = Omit<I, 'type' | 'requestId'>;

interface Waiter {
  readonly api: RequestType;
  resolve(response: unknown): void;
}

interface LedPartition {
  readonly leaderEpoch: number;
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

const TIMER_DELAY_MS_MAX = 2_147_483_647;
const APPEND_TIMEOUT_MS = 5000;

export class TransactionCoordinator {
  private readonly state: TransactionCoordinatorState;
  private readonly timers: TimerScheduler;
  private readonly waiting = new Map<number, Waiter>();
  private readonly led = new Map<number, LedPartition>();
  /** Appends per partition run one after another, in effect order. */
  private readonly appendTails = new Map<number, Promise<void>>();
  private creatingTopic: Promise<boolean> | null = null;
  private nextRequestId = 1;
  private armed: { readonly handle: unknown; readonly atMs: number } | null = null;
  private lastNowMs = 0;
  private started = false;
  private closed = false;

  constructor(
    private readonly s: TransactionCoordinatorServices,
    private readonly o: TransactionCoordinatorOptions,
  ) {
    this.timers = o.timers ?? realTimers;
    this.state = createTransactionCoordinator(o.config, this.nowMs());
  }

  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    this.o.subscribe(() => this.reconcile());
    this.reconcile();
    this.rearm();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const p of [...this.led.keys()]) this.unload(p);
    if (this.armed !== null) this.timers.clear(this.armed.handle);
    this.armed = null;
    await Promise.all([...this.appendTails.values()]);
  }

  // ---------------------------------------------------------------------------
  // Requests.

  async initProducerId(
    input: Ask<Omit<InitProducerIdInput, 'freshProducerId'>>,
  ): Promise<TransactionResponseByType['init-producer-id']> {
    const freshProducerId = await this.s.producerIds.allocate();
    return this.ask('init-producer-id', (requestId) => ({
      ...input,
      type: 'init-producer-id',
      requestId,
      freshProducerId,
    }));
  }

  addPartitions(
    input: Ask<AddPartitionsInput>,
  ): Promise<TransactionResponseByType['add-partitions']> {
    return this.ask('add-partitions', (requestId) => ({
      ...input,
      type: 'add-partitions',
      requestId,
    }));
  }

  endTxn(input: Ask<EndTxnInput>): Promise<TransactionResponseByType['end-txn']> {
    return this.ask('end-txn', (requestId) => ({ ...input, type: 'end-txn', requestId }));
  }

  describe(
    input: Ask<DescribeTransactionsInput>,
  ): Promise<TransactionResponseByType['describe-transactions']> {
    return this.ask('describe-transactions', (requestId) => ({
      ...input,
      type: 'describe-transactions',
      requestId,
    }));
  }

  list(input: Ask<ListTransactionsInput>): Promise<TransactionResponseByType['list-transactions']> {
    return this.ask('list-transactions', (requestId) => ({
      ...input,
      type: 'list-transactions',
      requestId,
    }));
  }

  /** The leader of the id's __transaction_state partition (creating the topic on first need). */
  async findCoordinator(transactionalId: string): Promise<FoundCoordinator> {
    const unavailable = { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, nodeId: -1 };
    if (this.closed || !this.started) return unavailable;
    if (this.s.image.topic(TRANSACTION_STATE_TOPIC) === undefined) {
      this.creatingTopic ??= createTransactionTopic(this.s).finally(() => {
        this.creatingTopic = null;
      });
      if (!(await this.creatingTopic)) return unavailable;
    }
    const partition = this.partitionOf(transactionalId);
    const leader = this.s.image.partition(TRANSACTION_STATE_TOPIC, partition)?.leader ?? -1;
    if (leader < 0) return unavailable;
    if (leader === this.s.nodeId) {
      const loading = this.led.get(partition)?.loading;
      if (loading !== null && loading !== undefined) await loading;
      if (this.state.partitions.get(partition)?.status !== 'owned') return unavailable;
    }
    return { errorCode: ErrorCode.NONE, nodeId: leader };
  }

  partitionOf(transactionalId: string): number {
    return partitionForTransactionalId(
      transactionalId,
      this.o.config.transactionStateLogNumPartitions,
    );
  }

  /** The __transaction_state partitions this broker coordinates (for tests). */
  ownedPartitions(): number[] {
    return [...this.state.partitions]
      .filter(([, p]) => p.status === 'owned')
      .map(([p]) => p)
      .sort((a, b) => a - b);
  }

  private ask<A extends RequestType>(
    api: A,
    make: (requestId: number) => TransactionInput,
  ): Promise<TransactionResponseByType[A]> {
    const requestId = this.nextRequestId++;
    return new Promise<TransactionResponseByType[A]>((resolve) => {
      this.waiting.set(requestId, { api, resolve: resolve as (r: unknown) => void });
      this.input(make(requestId));
    });
  }

  // ---------------------------------------------------------------------------
  // Driving the machine.

  private nowMs(): number {
    this.lastNowMs = Math.max(this.lastNowMs, this.s.now());
    return this.lastNowMs;
  }

  private input(input: TransactionInput): void {
    let effects: readonly TransactionEffect[];
    try {
      effects = step(this.state, input, this.nowMs()).effects;
    } catch (err) {
      this.s.logger.error({ err, input: input.type }, 'transaction coordinator step failed');
      if ('requestId' in input && input.requestId !== undefined) this.fail(input.requestId);
      return;
    }
    this.perform(effects);
  }

  private perform(effects: readonly TransactionEffect[]): void {
    for (const e of effects) {
      switch (e.type) {
        case 'respond':
          this.answer(e.requestId, e.api, e.response);
          break;
        case 'persist':
          this.persist(e.partition, e.writeId, e.record);
          break;
        case 'write-markers':
          this.writeMarkers(e);
          break;
      }
    }
    this.rearm();
  }

  private answer(requestId: number, api: RequestType, response: unknown): void {
    const waiter = this.waiting.get(requestId);
    if (waiter === undefined) return;
    this.waiting.delete(requestId);
    if (waiter.api !== api) {
      this.s.logger.error({ requestId, api }, 'transaction request answered as another API');
      return;
    }
    waiter.resolve(response);
  }

  /** A broken invariant failed a request: answer it with a generic error rather than hang. */
  private fail(requestId: number): void {
    const waiter = this.waiting.get(requestId);
    if (waiter === undefined) return;
    this.waiting.delete(requestId);
    const errorCode = ErrorCode.UNKNOWN_SERVER_ERROR;
    const responses: TransactionResponseByType = {
      'init-producer-id': { errorCode, producerId: -1, producerEpoch: -1 },
      'add-partitions': { results: [] },
      'end-txn': { errorCode },
      'describe-transactions': { transactions: [] },
      'list-transactions': { errorCode, unknownStateFilters: [], transactions: [] },
    };
    waiter.resolve(responses[waiter.api]);
  }

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

  private writeMarkers(e: Extract<TransactionEffect, { type: 'write-markers' }>): void {
    const coordinatorPartition = this.partitionOf(e.transactionalId);
    this.o.markers.start({ ...e, coordinatorPartition }, () => {
      if (this.closed) return;
      this.input({
        type: 'markers-written',
        transactionalId: e.transactionalId,
        producerId: e.producerId,
        producerEpoch: e.producerEpoch,
        coordinatorEpoch: e.coordinatorEpoch,
      });
    });
  }

  // ---------------------------------------------------------------------------
  // __transaction_state: appends, loads, leadership.

  private persist(
    partition: number,
    writeId: number,
    record: Extract<TransactionEffect, { type: 'persist' }>['record'],
  ): void {
    const previous = this.appendTails.get(partition) ?? Promise.resolve();
    const timeoutMs = this.o.appendTimeoutMs ?? APPEND_TIMEOUT_MS;
    const tail = previous
      .then(() => appendTransactionRecord(this.s, partition, record, timeoutMs))
      .then((errorCode) => this.input({ type: 'persisted', writeId, errorCode }))
      .catch((err: unknown) => {
        this.s.logger.error(
          { err, partition },
          'transaction coordinator append bookkeeping failed',
        );
      });
    this.appendTails.set(partition, tail);
    void tail.then(() => {
      if (this.appendTails.get(partition) === tail) this.appendTails.delete(partition);
    });
  }

  private reconcile(): void {
    if (!this.started || this.closed) return;
    const wanted = new Map<number, number>();
    for (let p = 0; p < this.o.config.transactionStateLogNumPartitions; p++) {
      const st = this.s.image.partition(TRANSACTION_STATE_TOPIC, p);
      if (st?.leader === this.s.nodeId) wanted.set(p, st.leaderEpoch);
    }
    for (const [p, led] of [...this.led]) {
      if (wanted.get(p) !== led.leaderEpoch) this.unload(p);
    }
    for (const [p, leaderEpoch] of wanted) if (!this.led.has(p)) this.beginLoad(p, leaderEpoch);
  }

  private beginLoad(partition: number, leaderEpoch: number): void {
    const led: LedPartition = { leaderEpoch, loading: null };
    this.led.set(partition, led);
    this.input({ type: 'load-begin', partition, coordinatorEpoch: leaderEpoch });
    this.attemptLoad(partition, led);
  }

  private attemptLoad(partition: number, led: LedPartition): void {
    const current = () => !this.closed && this.led.get(partition) === led;
    const previous = this.appendTails.get(partition) ?? Promise.resolve();
    led.loading = previous
      .then(() => readTransactionPartition(this.s, partition))
      .then(
        (records) => {
          if (!current()) return;
          led.loading = null;
          this.input({ type: 'load-complete', partition, records });
          if (records.length > 0)
            this.s.logger.info(
              { partition, records: records.length, coordinatorEpoch: led.leaderEpoch },
              'loaded __transaction_state partition',
            );
        },
        (err: unknown) => {
          if (!current()) return;
          this.s.logger.error({ err, partition }, 'loading __transaction_state failed; retrying');
          this.timers.set(() => {
            if (current()) this.attemptLoad(partition, led);
          }, this.o.loadRetryMs ?? 1000);
        },
      );
  }

  private unload(partition: number): void {
    this.led.delete(partition);
    this.o.markers.cancelPartition(partition);
    this.input({ type: 'unload', partition });
  }
}
