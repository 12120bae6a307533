// The transaction coordinator's administrative side: DescribeTransactions and
// ListTransactions, and taking over or giving up a __transaction_state
// partition (loading its transactional ids from the log and resuming the
// transactions a previous coordinator left half-ended).

import { ErrorCode } from '../protocol/error-codes.ts';
import { TRANSACTION_STATES } from './transaction-log-format.ts';
import type {
  DescribedTransaction,
  DescribeTransactionsInput,
  ListTransactionsInput,
  LoadBeginInput,
  LoadCompleteInput,
  TransactionMetadata,
  UnloadInput,
} from './transaction-machine-types.ts';
import {
  coordinatorError,
  partitionOf,
  respond,
  type Step,
  topicPartitionsOf,
} from './transaction-step.ts';

export function handleDescribe(s: Step, input: DescribeTransactionsInput): void {
  const transactions = input.transactionalIds.map((id) => describeOne(s, id));
  respond(s, input.requestId, 'describe-transactions', { transactions });
}

function describeOne(s: Step, transactionalId: string): DescribedTransaction {
  const none = {
    transactionalId,
    state: '',
    timeoutMs: 0,
    startTimestampMs: -1,
    producerId: -1,
    producerEpoch: -1,
    partitions: [],
  };
  const notServed = coordinatorError(s, transactionalId);
  if (notServed !== null) return { ...none, errorCode: notServed };
  const m = s.state.transactions.get(transactionalId);
  if (m === undefined || (m.producerEpoch < 0 && m.pendingWrite !== null))
    return { ...none, errorCode: ErrorCode.TRANSACTIONAL_ID_NOT_FOUND };
  return {
    errorCode: ErrorCode.NONE,
    transactionalId,
    state: m.state,
    timeoutMs: m.timeoutMs,
    startTimestampMs: m.startTimestampMs,
    producerId: m.producerId,
    producerEpoch: m.producerEpoch,
    partitions: topicPartitionsOf(m.partitions),
  };
}

export function handleList(s: Step, input: ListTransactionsInput): void {
  const known = new Set<string>(TRANSACTION_STATES);
  const unknownStateFilters = input.stateFilters.filter((f) => !known.has(f));
  const loading = [...s.state.partitions.values()].some((p) => p.status === 'loading');
  if (loading) {
    respond(s, input.requestId, 'list-transactions', {
      errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
      unknownStateFilters,
      transactions: [],
    });
    return;
  }
  const states = new Set(input.stateFilters);
  const producers = new Set(input.producerIdFilters);
  const transactions = [...s.state.transactions.values()]
    .filter((m) => s.state.partitions.get(partitionOf(s, m.transactionalId))?.status === 'owned')
    .filter((m) => m.producerEpoch >= 0)
    .filter((m) => states.size === 0 || states.has(m.state))
    .filter((m) => producers.size === 0 || producers.has(m.producerId))
    .filter((m) => runningLongerThan(m, input.durationFilterMs, s.nowMs))
    .map((m) => ({ transactionalId: m.transactionalId, producerId: m.producerId, state: m.state }));
  respond(s, input.requestId, 'list-transactions', {
    errorCode: ErrorCode.NONE,
    unknownStateFilters,
    transactions,
  });
}

function runningLongerThan(m: TransactionMetadata, durationMs: number, nowMs: number): boolean {
  if (durationMs < 0) return true;
  return m.state === 'Ongoing' && nowMs - m.startTimestampMs > durationMs;
}

// ---------------------------------------------------------------------------
// Loading and unloading __transaction_state partitions.

export function handleLoadBegin(s: Step, input: LoadBeginInput): void {
  dropPartition(s, input.partition);
  s.state.partitions.set(input.partition, {
    status: 'loading',
    coordinatorEpoch: input.coordinatorEpoch,
  });
}

/** Loads the partition's ids; returns the half-ended transactions to resume. */
export function handleLoadComplete(s: Step, input: LoadCompleteInput): TransactionMetadata[] {
  const status = s.state.partitions.get(input.partition);
  if (status?.status !== 'loading') return [];
  const latest = new Map<string, LoadCompleteInput['records'][number]['value']>();
  for (const r of input.records) latest.set(r.transactionalId, r.value);
  for (const [transactionalId, v] of latest) {
    if (v === null || partitionOf(s, transactionalId) !== input.partition) continue;
    s.state.transactions.set(transactionalId, {
      transactionalId,
      producerId: v.producerId,
      previousProducerId: v.previousProducerId,
      nextProducerId: v.nextProducerId,
      producerEpoch: v.producerEpoch,
      lastProducerEpoch: -1,
      timeoutMs: v.transactionTimeoutMs,
      state: v.state === 'PrepareEpochFence' ? 'Ongoing' : v.state,
      partitions: new Map(v.partitions.map((t) => [t.topic, new Set(t.partitions)])),
      startTimestampMs: v.startTimestampMs,
      lastUpdateTimestampMs: v.lastUpdateTimestampMs,
      pendingWrite: null,
      markersWritten: false,
    });
  }
  s.state.partitions.set(input.partition, { ...status, status: 'owned' });
  // A previous coordinator decided these but may not have written every marker.
  return [...s.state.transactions.values()].filter(
    (m) =>
      partitionOf(s, m.transactionalId) === input.partition &&
      (m.state === 'PrepareCommit' || m.state === 'PrepareAbort'),
  );
}

export function handleUnload(s: Step, input: UnloadInput): void {
  dropPartition(s, input.partition);
}

/**
 * Forgets the partition's transactional ids; requests waiting on their writes
 * are answered NOT_COORDINATOR so clients find the new coordinator.
 */
function dropPartition(s: Step, partition: number): void {
  s.state.partitions.delete(partition);
  for (const [id, list] of s.state.parked) {
    if (partitionOf(s, id) !== partition) continue;
    s.state.parked.delete(id);
    for (const p of list) {
      const errorCode = ErrorCode.NOT_COORDINATOR;
      respond(s, p.input.requestId, 'add-partitions', {
        results: p.input.partitions.flatMap((t) =>
          t.partitions.map((x) => ({ topic: t.topic, partition: x, errorCode })),
        ),
      });
    }
  }
  for (const [id, m] of s.state.transactions) {
    if (partitionOf(s, id) !== partition) continue;
    s.state.transactions.delete(id);
    if (m.pendingWrite === null) continue;
    const pending = s.state.pendingWrites.get(m.pendingWrite);
    s.state.pendingWrites.delete(m.pendingWrite);
    if (pending === undefined) continue;
    const errorCode = ErrorCode.NOT_COORDINATOR;
    if (pending.kind === 'init')
      respond(s, pending.requestId, 'init-producer-id', {
        errorCode,
        producerId: -1,
        producerEpoch: -1,
      });
    else if (pending.kind === 'add-partitions')
      respond(s, pending.requestId, 'add-partitions', {
        results: pending.partitions.flatMap((t) =>
          t.partitions.map((p) => ({ topic: t.topic, partition: p, errorCode })),
        ),
      });
    else if (pending.kind === 'prepare-end' && pending.requestId !== null)
      respond(s, pending.requestId, 'end-txn', { errorCode });
  }
}
