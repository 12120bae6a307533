// The transaction coordinator as one state machine, after Kafka's
// TransactionCoordinator: step(state, input, nowMs) returns the effects to
// perform (answers, __transaction_state appends, markers to write). It reads no
// clock and does no I/O; a runtime (transaction-coordinator.ts) performs the
// effects and feeds back ticks, append outcomes and marker completions. Every
// state change is written first and applied once the append succeeds, so what
// a client is told is always what a new coordinator will load.

import { ErrorCode } from '../protocol/error-codes.ts';
import {
  handleDescribe,
  handleList,
  handleLoadBegin,
  handleLoadComplete,
  handleUnload,
} from './transaction-admin.ts';
import type {
  TopicPartitions,
  TransactionLogValue,
  TransactionStateName,
} from './transaction-log-format.ts';
import type {
  AddPartitionsInput,
  EndTxnInput,
  InitProducerIdInput,
  PendingWrite,
  TransactionCoordinatorConfig,
  TransactionCoordinatorState,
  TransactionEffect,
  TransactionInput,
  TransactionMetadata,
  TransactionMetadataValues,
  TransactionResponseByType,
} from './transaction-machine-types.ts';
import {
  coordinatorError,
  partitionOf,
  respond,
  type Step,
  topicPartitionsOf,
} from './transaction-step.ts';

export interface StepResult {
  readonly effects: readonly TransactionEffect[];
}

const NO_PRODUCER_ID = -1;
const NO_PRODUCER_EPOCH = -1;
/** Short.MaxValue: epochs stop here; a producer id whose epoch is exhausted is replaced. */
const PRODUCER_EPOCH_MAX = 32767;
/** Longest an AddPartitionsToTxn waits for the previous transaction's completion. */
export const COMPLETION_WAIT_MS = 200;
/** Most requests held per transactional id; more are answered CONCURRENT_TRANSACTIONS. */
const PARKED_PER_ID_MAX = 8;

export function isEpochExhausted(epoch: number): boolean {
  return epoch >= PRODUCER_EPOCH_MAX - 1;
}

export function createTransactionCoordinator(
  config: TransactionCoordinatorConfig,
  nowMs: number,
): TransactionCoordinatorState {
  return {
    config,
    transactions: new Map(),
    partitions: new Map(),
    pendingWrites: new Map(),
    parked: new Map(),
    nextWriteId: 1,
    abortCheckAtMs: nowMs + config.abortTimedOutTransactionsIntervalMs,
    expireCheckAtMs: nowMs + config.removeExpiredTransactionsIntervalMs,
  };
}

export function step(
  state: TransactionCoordinatorState,
  input: TransactionInput,
  nowMs: number,
): StepResult {
  const s: Step = { state, nowMs, effects: [] };
  switch (input.type) {
    case 'init-producer-id':
      handleInitProducerId(s, input);
      break;
    case 'add-partitions':
      if (input.verifyOnly) handleVerify(s, input);
      else handleAddPartitions(s, input);
      break;
    case 'end-txn':
      handleEndTxn(s, input);
      break;
    case 'describe-transactions':
      handleDescribe(s, input);
      break;
    case 'list-transactions':
      handleList(s, input);
      break;
    case 'tick':
      tick(s);
      break;
    case 'persisted':
      handlePersisted(s, input.writeId, input.errorCode);
      break;
    case 'markers-written':
      handleMarkersWritten(s, input);
      break;
    case 'load-begin':
      handleLoadBegin(s, input);
      break;
    case 'load-complete':
      for (const m of handleLoadComplete(s, input)) resumeCompletion(s, m);
      break;
    case 'unload':
      handleUnload(s, input);
      break;
  }
  return { effects: s.effects };
}

/** When the runtime should tick next, or null while no partition is owned. */
export function nextTimerAtMs(state: TransactionCoordinatorState): number | null {
  if (state.partitions.size === 0) return null;
  let next = Math.min(state.abortCheckAtMs, state.expireCheckAtMs);
  for (const list of state.parked.values())
    for (const p of list) next = Math.min(next, p.deadlineMs);
  return next;
}

// ---------------------------------------------------------------------------
// Shared helpers.

export function valuesOf(m: TransactionMetadata): TransactionMetadataValues {
  return {
    producerId: m.producerId,
    previousProducerId: m.previousProducerId,
    nextProducerId: m.nextProducerId,
    producerEpoch: m.producerEpoch,
    lastProducerEpoch: m.lastProducerEpoch,
    timeoutMs: m.timeoutMs,
    state: m.state,
    partitions: m.partitions,
    startTimestampMs: m.startTimestampMs,
    lastUpdateTimestampMs: m.lastUpdateTimestampMs,
  };
}

export function logValueOf(v: TransactionMetadataValues): TransactionLogValue {
  // Kafka stores the partitions only while they matter (Ongoing and Prepare*).
  const keepPartitions = v.state === 'Ongoing' || v.state.startsWith('Prepare');
  return {
    producerId: v.producerId,
    previousProducerId: v.previousProducerId,
    nextProducerId: v.nextProducerId,
    producerEpoch: v.producerEpoch,
    transactionTimeoutMs: v.timeoutMs,
    state: v.state,
    partitions: keepPartitions ? topicPartitionsOf(v.partitions) : [],
    lastUpdateTimestampMs: v.lastUpdateTimestampMs,
    startTimestampMs: v.startTimestampMs,
  };
}

/** Writes the transition's record; `pending` is applied when the append succeeds. */
function persist(s: Step, m: TransactionMetadata, pending: PendingWrite): void {
  const writeId = s.state.nextWriteId++;
  s.state.pendingWrites.set(writeId, pending);
  m.pendingWrite = writeId;
  const value = pending.kind === 'expire' ? null : logValueOf(pending.next);
  s.effects.push({
    type: 'persist',
    writeId,
    partition: partitionOf(s, m.transactionalId),
    record: { transactionalId: m.transactionalId, value },
  });
}

function apply(m: TransactionMetadata, v: TransactionMetadataValues): void {
  m.producerId = v.producerId;
  m.previousProducerId = v.previousProducerId;
  m.nextProducerId = v.nextProducerId;
  m.producerEpoch = v.producerEpoch;
  m.lastProducerEpoch = v.lastProducerEpoch;
  m.timeoutMs = v.timeoutMs;
  m.state = v.state;
  m.partitions = new Map([...v.partitions].map(([t, set]) => [t, new Set(set)]));
  m.startTimestampMs = v.startTimestampMs;
  m.lastUpdateTimestampMs = v.lastUpdateTimestampMs;
}

function cloneValues(
  m: TransactionMetadata,
  changes: Partial<TransactionMetadataValues>,
): TransactionMetadataValues {
  return { ...valuesOf(m), ...changes };
}

// ---------------------------------------------------------------------------
// InitProducerId.

function initError(s: Step, requestId: number, errorCode: number): void {
  respond(s, requestId, 'init-producer-id', {
    errorCode,
    producerId: NO_PRODUCER_ID,
    producerEpoch: NO_PRODUCER_EPOCH,
  });
}

function handleInitProducerId(s: Step, input: InitProducerIdInput): void {
  if (input.transactionalId === '') {
    initError(s, input.requestId, ErrorCode.INVALID_REQUEST);
    return;
  }
  const notServed = coordinatorError(s, input.transactionalId);
  if (notServed !== null) {
    initError(s, input.requestId, notServed);
    return;
  }
  const timeout = input.transactionTimeoutMs;
  if (timeout <= 0 || timeout > s.state.config.transactionMaxTimeoutMs) {
    initError(s, input.requestId, ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    return;
  }
  let m = s.state.transactions.get(input.transactionalId);
  if (m === undefined) {
    m = newMetadata(input.transactionalId, input.freshProducerId, timeout, s.nowMs);
    s.state.transactions.set(input.transactionalId, m);
  }
  if (m.pendingWrite !== null) {
    initError(s, input.requestId, ErrorCode.CONCURRENT_TRANSACTIONS);
    return;
  }
  if (!isValidProducerId(m, input.producerId, input.producerEpoch)) {
    initError(s, input.requestId, ErrorCode.PRODUCER_FENCED);
    return;
  }
  switch (m.state) {
    case 'PrepareAbort':
    case 'PrepareCommit':
      initError(s, input.requestId, ErrorCode.CONCURRENT_TRANSACTIONS);
      return;
    case 'Ongoing':
      // Abort the open transaction with a bumped epoch, fencing the old
      // producer; the client retries and then gets an epoch bumped again.
      fenceAndAbort(s, m);
      initError(s, input.requestId, ErrorCode.CONCURRENT_TRANSACTIONS);
      return;
    case 'Empty':
    case 'CompleteCommit':
    case 'CompleteAbort': {
      const next = initTransition(m, input, timeout, s.nowMs);
      if (typeof next === 'number') {
        initError(s, input.requestId, next);
        return;
      }
      persist(s, m, {
        kind: 'init',
        transactionalId: m.transactionalId,
        requestId: input.requestId,
        next,
      });
      return;
    }
    case 'Dead':
    case 'PrepareEpochFence':
      initError(s, input.requestId, ErrorCode.CONCURRENT_TRANSACTIONS);
      return;
  }
}

function newMetadata(
  transactionalId: string,
  producerId: number,
  timeoutMs: number,
  nowMs: number,
): TransactionMetadata {
  return {
    transactionalId,
    producerId,
    previousProducerId: NO_PRODUCER_ID,
    nextProducerId: NO_PRODUCER_ID,
    producerEpoch: NO_PRODUCER_EPOCH,
    lastProducerEpoch: NO_PRODUCER_EPOCH,
    timeoutMs,
    state: 'Empty',
    partitions: new Map(),
    startTimestampMs: -1,
    lastUpdateTimestampMs: nowMs,
    pendingWrite: null,
    markersWritten: false,
  };
}

/**
 * KIP-360: a request naming a producer id and epoch is fenced unless the id
 * was just created (epoch -1), names the current producer id (its epoch is
 * checked when bumping), or names the previous id with an exhausted epoch (a
 * retry of a rotation whose answer was lost).
 */
function isValidProducerId(m: TransactionMetadata, producerId: number, epoch: number): boolean {
  if (producerId === NO_PRODUCER_ID) return true;
  return (
    m.producerEpoch === NO_PRODUCER_EPOCH ||
    producerId === m.producerId ||
    (producerId === m.previousProducerId && isEpochExhausted(epoch))
  );
}

/** The next values for InitProducerId on a finished (or new) transactional id, or an error. */
function initTransition(
  m: TransactionMetadata,
  input: InitProducerIdInput,
  timeoutMs: number,
  nowMs: number,
): TransactionMetadataValues | number {
  const common = {
    timeoutMs,
    state: 'Empty' as const,
    partitions: new Map(),
    startTimestampMs: -1,
  };
  const given = input.producerId !== NO_PRODUCER_ID;
  if (given && input.producerId === m.previousProducerId && input.producerId !== m.producerId) {
    // A retried rotation: answer with what the last one gave.
    return cloneValues(m, { ...common, lastUpdateTimestampMs: nowMs });
  }
  if (isEpochExhausted(m.producerEpoch)) {
    return cloneValues(m, {
      ...common,
      producerId: input.freshProducerId,
      previousProducerId: m.producerId,
      producerEpoch: 0,
      lastProducerEpoch: NO_PRODUCER_EPOCH,
      lastUpdateTimestampMs: nowMs,
    });
  }
  const epoch = input.producerEpoch;
  if (!given || m.producerEpoch === NO_PRODUCER_EPOCH || epoch === m.producerEpoch) {
    return cloneValues(m, {
      ...common,
      producerEpoch: m.producerEpoch + 1,
      lastProducerEpoch: m.producerEpoch,
      lastUpdateTimestampMs: nowMs,
    });
  }
  if (epoch === m.lastProducerEpoch) {
    // The bump this producer asked for already happened; its answer was lost.
    return cloneValues(m, { ...common, lastUpdateTimestampMs: nowMs });
  }
  return ErrorCode.PRODUCER_FENCED;
}

// ---------------------------------------------------------------------------
// AddPartitionsToTxn and AddOffsetsToTxn.

function partitionResults(
  partitions: readonly TopicPartitions[],
  errorOf: (topic: string, partition: number) => number,
): TransactionResponseByType['add-partitions'] {
  const results = partitions.flatMap((t) =>
    t.partitions.map((p) => ({ topic: t.topic, partition: p, errorCode: errorOf(t.topic, p) })),
  );
  return { results };
}

function addError(s: Step, input: AddPartitionsInput, errorCode: number): void {
  respond(
    s,
    input.requestId,
    'add-partitions',
    partitionResults(input.partitions, () => errorCode),
  );
}

/** Kafka's checks shared by AddPartitionsToTxn, its verify form and EndTxn. */
function producerError(
  s: Step,
  transactionalId: string,
  producerId: number,
  producerEpoch: number,
): number | TransactionMetadata {
  if (transactionalId === '') return ErrorCode.INVALID_REQUEST;
  const notServed = coordinatorError(s, transactionalId);
  if (notServed !== null) return notServed;
  const m = s.state.transactions.get(transactionalId);
  if (m === undefined || m.producerId !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
  if (m.producerEpoch !== producerEpoch) return ErrorCode.PRODUCER_FENCED;
  return m;
}

function handleAddPartitions(s: Step, input: AddPartitionsInput): void {
  const m = producerError(s, input.transactionalId, input.producerId, input.producerEpoch);
  if (typeof m === 'number') {
    addError(s, input, m);
    return;
  }
  if (isCompleting(s, m)) {
    park(s, m, input);
    return;
  }
  if (m.pendingWrite !== null || m.state === 'PrepareCommit' || m.state === 'PrepareAbort') {
    addError(s, input, ErrorCode.CONCURRENT_TRANSACTIONS);
    return;
  }
  if (m.state !== 'Ongoing' && m.state !== 'Empty' && !m.state.startsWith('Complete')) {
    addError(s, input, ErrorCode.INVALID_TXN_STATE);
    return;
  }
  const known = (topic: string, p: number) => m.partitions.get(topic)?.has(p) === true;
  const allKnown = input.partitions.every((t) => t.partitions.every((p) => known(t.topic, p)));
  if (m.state === 'Ongoing' && allKnown) {
    addError(s, input, ErrorCode.NONE);
    return;
  }
  const starting = m.state !== 'Ongoing';
  const partitions = new Map<string, Set<number>>(
    starting ? [] : [...m.partitions].map(([t, set]) => [t, new Set(set)]),
  );
  for (const t of input.partitions) {
    const set = partitions.get(t.topic) ?? new Set<number>();
    for (const p of t.partitions) set.add(p);
    partitions.set(t.topic, set);
  }
  const next = cloneValues(m, {
    state: 'Ongoing',
    partitions,
    startTimestampMs: starting ? s.nowMs : m.startTimestampMs,
    lastUpdateTimestampMs: s.nowMs,
  });
  persist(s, m, {
    kind: 'add-partitions',
    transactionalId: m.transactionalId,
    requestId: input.requestId,
    partitions: input.partitions,
    next,
  });
}

/** The previous transaction is decided and being completed (markers, Complete* record). */
function isCompleting(s: Step, m: TransactionMetadata): boolean {
  if (m.state === 'PrepareCommit' || m.state === 'PrepareAbort') return true;
  const pending = m.pendingWrite === null ? undefined : s.state.pendingWrites.get(m.pendingWrite);
  return pending?.kind === 'prepare-end';
}

function park(s: Step, m: TransactionMetadata, input: AddPartitionsInput): void {
  const list = s.state.parked.get(m.transactionalId) ?? [];
  if (list.length >= PARKED_PER_ID_MAX) {
    addError(s, input, ErrorCode.CONCURRENT_TRANSACTIONS);
    return;
  }
  list.push({ input, deadlineMs: s.nowMs + COMPLETION_WAIT_MS });
  s.state.parked.set(m.transactionalId, list);
}

/** The id's transaction is done (or its end failed): held requests go through now. */
function unpark(s: Step, transactionalId: string): void {
  const list = s.state.parked.get(transactionalId);
  if (list === undefined) return;
  s.state.parked.delete(transactionalId);
  for (const p of list) handleAddPartitions(s, p.input);
}

/** Held requests past their deadline are answered CONCURRENT_TRANSACTIONS; the client retries. */
function expireParked(s: Step): void {
  for (const [id, list] of s.state.parked) {
    const keep = list.filter((p) => p.deadlineMs > s.nowMs);
    for (const p of list)
      if (p.deadlineMs <= s.nowMs) addError(s, p.input, ErrorCode.CONCURRENT_TRANSACTIONS);
    if (keep.length === 0) s.state.parked.delete(id);
    else s.state.parked.set(id, keep);
  }
}

/**
 * KIP-890's verification for a partition leader: NONE for each partition in
 * the ongoing transaction, INVALID_TXN_STATE for the others (a late write of an
 * ended transaction, which must not open a new one on the partition).
 */
function handleVerify(s: Step, input: AddPartitionsInput): void {
  const m = producerError(s, input.transactionalId, input.producerId, input.producerEpoch);
  if (typeof m === 'number') {
    addError(s, input, m);
    return;
  }
  // Partitions being added meanwhile do not count yet; an end being stored ends it.
  const pending = m.pendingWrite === null ? undefined : s.state.pendingWrites.get(m.pendingWrite);
  const ongoing = m.state === 'Ongoing' && pending?.kind !== 'prepare-end';
  respond(
    s,
    input.requestId,
    'add-partitions',
    partitionResults(input.partitions, (topic, p) =>
      ongoing && m.partitions.get(topic)?.has(p) === true
        ? ErrorCode.NONE
        : ErrorCode.INVALID_TXN_STATE,
    ),
  );
}

// ---------------------------------------------------------------------------
// EndTxn, aborts by the coordinator, markers.

function handleEndTxn(s: Step, input: EndTxnInput): void {
  const answer = (errorCode: number) => respond(s, input.requestId, 'end-txn', { errorCode });
  const m = producerError(s, input.transactionalId, input.producerId, input.producerEpoch);
  if (typeof m === 'number') {
    answer(m);
    return;
  }
  if (m.pendingWrite !== null) {
    answer(ErrorCode.CONCURRENT_TRANSACTIONS);
    return;
  }
  switch (m.state) {
    case 'Ongoing':
      prepareEnd(s, m, input.commit, input.requestId, m.producerEpoch);
      return;
    case 'CompleteCommit':
      answer(input.commit ? ErrorCode.NONE : ErrorCode.INVALID_TXN_STATE);
      return;
    case 'CompleteAbort':
      answer(input.commit ? ErrorCode.INVALID_TXN_STATE : ErrorCode.NONE);
      return;
    case 'PrepareCommit':
      answer(input.commit ? ErrorCode.CONCURRENT_TRANSACTIONS : ErrorCode.INVALID_TXN_STATE);
      return;
    case 'PrepareAbort':
      answer(input.commit ? ErrorCode.INVALID_TXN_STATE : ErrorCode.CONCURRENT_TRANSACTIONS);
      return;
    case 'Empty':
    case 'Dead':
    case 'PrepareEpochFence':
      answer(ErrorCode.INVALID_TXN_STATE);
      return;
  }
}

function prepareEnd(
  s: Step,
  m: TransactionMetadata,
  commit: boolean,
  requestId: number | null,
  producerEpoch: number,
): void {
  const next = cloneValues(m, {
    state: commit ? 'PrepareCommit' : 'PrepareAbort',
    producerEpoch,
    lastUpdateTimestampMs: s.nowMs,
  });
  persist(s, m, { kind: 'prepare-end', transactionalId: m.transactionalId, requestId, next });
}

/**
 * Aborts an open transaction on the coordinator's own account (its timeout
 * passed, or a new producer initialised the id): the epoch is bumped first,
 * so the old producer is fenced everywhere the markers go.
 */
function fenceAndAbort(s: Step, m: TransactionMetadata): void {
  const bumped = Math.min(m.producerEpoch + 1, PRODUCER_EPOCH_MAX);
  prepareEnd(s, m, false, null, bumped);
}

function writeMarkers(s: Step, m: TransactionMetadata): void {
  const status = s.state.partitions.get(partitionOf(s, m.transactionalId));
  if (status === undefined) return;
  s.effects.push({
    type: 'write-markers',
    transactionalId: m.transactionalId,
    producerId: m.producerId,
    producerEpoch: m.producerEpoch,
    commit: m.state === 'PrepareCommit',
    coordinatorEpoch: status.coordinatorEpoch,
    partitions: topicPartitionsOf(m.partitions),
  });
}

/** Resumes a Prepare* transaction: markers first, or the Complete* record if they are done. */
function resumeCompletion(s: Step, m: TransactionMetadata): void {
  if (m.markersWritten) completeEnd(s, m);
  else writeMarkers(s, m);
}

function handleMarkersWritten(
  s: Step,
  input: Extract<TransactionInput, { type: 'markers-written' }>,
): void {
  const m = s.state.transactions.get(input.transactionalId);
  const status = s.state.partitions.get(partitionOf(s, input.transactionalId));
  if (m === undefined || status === undefined) return;
  if (status.coordinatorEpoch !== input.coordinatorEpoch) return;
  if (m.state !== 'PrepareCommit' && m.state !== 'PrepareAbort') return;
  if (m.producerId !== input.producerId || m.producerEpoch !== input.producerEpoch) return;
  m.markersWritten = true;
  if (m.pendingWrite === null) completeEnd(s, m);
}

function completeEnd(s: Step, m: TransactionMetadata): void {
  const next = cloneValues(m, {
    state: m.state === 'PrepareCommit' ? 'CompleteCommit' : 'CompleteAbort',
    partitions: new Map(),
    lastUpdateTimestampMs: s.nowMs,
  });
  persist(s, m, { kind: 'complete-end', transactionalId: m.transactionalId, next });
}

// ---------------------------------------------------------------------------
// Append outcomes.

/** Kafka's mapping of a __transaction_state append error to what a producer understands. */
function appendError(errorCode: number): number {
  switch (errorCode) {
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
    case ErrorCode.NOT_ENOUGH_REPLICAS:
    case ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case ErrorCode.REQUEST_TIMED_OUT:
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    case ErrorCode.NOT_LEADER_OR_FOLLOWER:
    case ErrorCode.KAFKA_STORAGE_ERROR:
      return ErrorCode.NOT_COORDINATOR;
    case ErrorCode.MESSAGE_TOO_LARGE:
    case ErrorCode.RECORD_LIST_TOO_LARGE:
      return ErrorCode.UNKNOWN_SERVER_ERROR;
    default:
      return errorCode;
  }
}

function handlePersisted(s: Step, writeId: number, errorCode: number): void {
  const pending = s.state.pendingWrites.get(writeId);
  if (pending === undefined) return;
  s.state.pendingWrites.delete(writeId);
  const m = s.state.transactions.get(pending.transactionalId);
  if (m === undefined || m.pendingWrite !== writeId) return;
  m.pendingWrite = null;
  const ok = errorCode === ErrorCode.NONE;
  const mapped = appendError(errorCode);
  switch (pending.kind) {
    case 'init':
      if (ok) apply(m, pending.next);
      if (!ok && m.producerEpoch === NO_PRODUCER_EPOCH)
        s.state.transactions.delete(m.transactionalId);
      respond(s, pending.requestId, 'init-producer-id', {
        errorCode: ok ? ErrorCode.NONE : mapped,
        producerId: ok ? m.producerId : NO_PRODUCER_ID,
        producerEpoch: ok ? m.producerEpoch : NO_PRODUCER_EPOCH,
      });
      return;
    case 'add-partitions':
      if (ok) apply(m, pending.next);
      respond(
        s,
        pending.requestId,
        'add-partitions',
        partitionResults(pending.partitions, () => (ok ? ErrorCode.NONE : mapped)),
      );
      return;
    case 'prepare-end':
      if (pending.requestId !== null)
        respond(s, pending.requestId, 'end-txn', { errorCode: ok ? ErrorCode.NONE : mapped });
      if (!ok) {
        unpark(s, m.transactionalId);
        return;
      }
      apply(m, pending.next);
      m.markersWritten = false;
      writeMarkers(s, m);
      return;
    case 'complete-end':
      // On failure the tick writes the record again (the markers are done).
      if (ok) {
        apply(m, pending.next);
        m.markersWritten = false;
        unpark(s, m.transactionalId);
      }
      return;
    case 'expire':
      if (ok) s.state.transactions.delete(m.transactionalId);
      return;
  }
}

// ---------------------------------------------------------------------------
// Timers: timed-out transactions and expired transactional ids.

function tick(s: Step): void {
  expireParked(s);
  if (s.nowMs >= s.state.abortCheckAtMs) {
    s.state.abortCheckAtMs = s.nowMs + s.state.config.abortTimedOutTransactionsIntervalMs;
    abortTimedOut(s);
  }
  if (s.nowMs >= s.state.expireCheckAtMs) {
    s.state.expireCheckAtMs = s.nowMs + s.state.config.removeExpiredTransactionsIntervalMs;
    expireIds(s);
  }
}

function owned(s: Step, m: TransactionMetadata): boolean {
  return s.state.partitions.get(partitionOf(s, m.transactionalId))?.status === 'owned';
}

function abortTimedOut(s: Step): void {
  for (const m of s.state.transactions.values()) {
    if (m.pendingWrite !== null || !owned(s, m)) continue;
    if (m.state === 'Ongoing' && m.startTimestampMs + m.timeoutMs < s.nowMs) {
      fenceAndAbort(s, m);
    } else if (m.markersWritten && (m.state === 'PrepareCommit' || m.state === 'PrepareAbort')) {
      completeEnd(s, m);
    }
  }
}

function expireIds(s: Step): void {
  const { transactionalIdExpirationMs } = s.state.config;
  for (const m of s.state.transactions.values()) {
    if (m.pendingWrite !== null || !owned(s, m)) continue;
    const idle = m.state === 'Empty' || m.state === 'CompleteCommit' || m.state === 'CompleteAbort';
    if (idle && m.lastUpdateTimestampMs + transactionalIdExpirationMs <= s.nowMs) {
      persist(s, m, { kind: 'expire', transactionalId: m.transactionalId });
    }
  }
}

export type { TransactionStateName };
