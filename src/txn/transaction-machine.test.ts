// The transaction coordinator machine driven as a trace with injected time:
// each test feeds inputs (requests, append outcomes, marker completions,
// ticks) and checks the effects, as the issue 18 simulator will.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode } from '../protocol/error-codes.ts';
import { partitionForTransactionalId } from './transaction-log-format.ts';
import { createTransactionCoordinator, step } from './transaction-machine.ts';
import type {
  TransactionCoordinatorConfig,
  TransactionCoordinatorState,
  TransactionEffect,
  TransactionInput,
} from './transaction-machine-types.ts';

const CONFIG: TransactionCoordinatorConfig = {
  transactionStateLogNumPartitions: 4,
  transactionMaxTimeoutMs: 60_000,
  transactionalIdExpirationMs: 600_000,
  abortTimedOutTransactionsIntervalMs: 1000,
  removeExpiredTransactionsIntervalMs: 60_000,
};

/** A machine owning every partition, with helpers that play the runtime's part. */
class Driver {
  readonly state: TransactionCoordinatorState;
  nowMs = 1_000_000;
  private nextRequest = 1;
  private nextPid = 100;
  readonly log: TransactionEffect[] = [];

  constructor(coordinatorEpoch = 3) {
    this.state = createTransactionCoordinator(CONFIG, this.nowMs);
    for (let p = 0; p < CONFIG.transactionStateLogNumPartitions; p++) {
      this.run({ type: 'load-begin', partition: p, coordinatorEpoch });
      this.run({ type: 'load-complete', partition: p, records: [] });
    }
  }

  run(input: TransactionInput): TransactionEffect[] {
    const effects = [...step(this.state, input, this.nowMs).effects];
    this.log.push(...effects);
    return effects;
  }

  /** Runs the input and acknowledges every persist it asks for with `errorCode`. */
  runAndStore(input: TransactionInput, errorCode: number = ErrorCode.NONE): TransactionEffect[] {
    const all: TransactionEffect[] = [];
    let pending = this.run(input);
    while (pending.length > 0) {
      all.push(...pending);
      const persists = pending.filter((e) => e.type === 'persist');
      pending = persists.flatMap((e) =>
        this.run({ type: 'persisted', writeId: e.writeId, errorCode }),
      );
    }
    return all;
  }

  init(transactionalId: string, producerId = -1, producerEpoch = -1, timeoutMs = 10_000) {
    const effects = this.runAndStore({
      type: 'init-producer-id',
      requestId: this.nextRequest++,
      transactionalId,
      transactionTimeoutMs: timeoutMs,
      producerId,
      producerEpoch,
      freshProducerId: this.nextPid++,
    });
    return answer(effects, 'init-producer-id');
  }

  add(transactionalId: string, pid: number, epoch: number, topic = 't', partitions = [0]) {
    const effects = this.runAndStore({
      type: 'add-partitions',
      requestId: this.nextRequest++,
      transactionalId,
      producerId: pid,
      producerEpoch: epoch,
      partitions: [{ topic, partitions }],
      verifyOnly: false,
    });
    return answer(effects, 'add-partitions');
  }

  verify(transactionalId: string, pid: number, epoch: number, partition: number) {
    const effects = this.run({
      type: 'add-partitions',
      requestId: this.nextRequest++,
      transactionalId,
      producerId: pid,
      producerEpoch: epoch,
      partitions: [{ topic: 't', partitions: [partition] }],
      verifyOnly: true,
    });
    return answer(effects, 'add-partitions').results[0]?.errorCode;
  }

  end(transactionalId: string, pid: number, epoch: number, commit: boolean) {
    const effects = this.runAndStore({
      type: 'end-txn',
      requestId: this.nextRequest++,
      transactionalId,
      producerId: pid,
      producerEpoch: epoch,
      commit,
    });
    return { errorCode: answer(effects, 'end-txn').errorCode, effects };
  }

  describe(transactionalId: string) {
    const effects = this.run({
      type: 'describe-transactions',
      requestId: this.nextRequest++,
      transactionalIds: [transactionalId],
    });
    return answer(effects, 'describe-transactions').transactions[0]!;
  }

  markersDone(effects: readonly TransactionEffect[]) {
    for (const e of effects) {
      if (e.type !== 'write-markers') continue;
      this.runAndStore({
        type: 'markers-written',
        transactionalId: e.transactionalId,
        producerId: e.producerId,
        producerEpoch: e.producerEpoch,
        coordinatorEpoch: e.coordinatorEpoch,
      });
    }
  }
}

function answer<
  T extends 'init-producer-id' | 'add-partitions' | 'end-txn' | 'describe-transactions',
>(effects: readonly TransactionEffect[], api: T) {
  const r = effects.find((e) => e.type === 'respond' && e.api === api);
  assert.ok(
    r !== undefined && r.type === 'respond',
    `no ${api} answer in ${JSON.stringify(effects)}`,
  );
  return r.response as import('./transaction-machine-types.ts').TransactionResponseByType[T];
}

describe('transaction coordinator machine', () => {
  test('InitProducerId gives a producer id at epoch 0, then bumps the epoch', () => {
    const d = new Driver();
    const first = d.init('a');
    assert.deepEqual(first, { errorCode: 0, producerId: 100, producerEpoch: 0 });
    const again = d.init('a');
    assert.deepEqual(again, { errorCode: 0, producerId: 100, producerEpoch: 1 });
  });

  test('a commit is stored as PrepareCommit, answered, marked, then CompleteCommit', () => {
    const d = new Driver();
    const { producerId: pid, producerEpoch: epoch } = d.init('a');
    assert.equal(
      d.add('a', pid, epoch, 't', [0, 1]).results.every((r) => r.errorCode === 0),
      true,
    );
    assert.equal(d.describe('a').state, 'Ongoing');
    const { errorCode, effects } = d.end('a', pid, epoch, true);
    assert.equal(errorCode, ErrorCode.NONE);
    const persisted = effects.find((e) => e.type === 'persist');
    assert.equal(persisted?.type === 'persist' && persisted.record.value?.state, 'PrepareCommit');
    const markers = effects.find((e) => e.type === 'write-markers');
    assert.ok(markers?.type === 'write-markers');
    assert.deepEqual(markers.partitions, [{ topic: 't', partitions: [0, 1] }]);
    assert.equal(markers.commit, true);
    assert.equal(markers.coordinatorEpoch, 3);
    assert.equal(d.describe('a').state, 'PrepareCommit');
    // A retried EndTxn while markers are written waits; the other result is refused.
    assert.equal(d.end('a', pid, epoch, true).errorCode, ErrorCode.CONCURRENT_TRANSACTIONS);
    assert.equal(d.end('a', pid, epoch, false).errorCode, ErrorCode.INVALID_TXN_STATE);
    d.markersDone(effects);
    const done = d.describe('a');
    assert.equal(done.state, 'CompleteCommit');
    assert.deepEqual(done.partitions, []);
    assert.equal(d.end('a', pid, epoch, true).errorCode, ErrorCode.NONE);
  });

  test('a second InitProducerId fences the first producer and aborts its transaction', () => {
    const d = new Driver();
    const old = d.init('a');
    d.add('a', old.producerId, old.producerEpoch);
    const retry = d.init('a');
    assert.equal(retry.errorCode, ErrorCode.CONCURRENT_TRANSACTIONS, 'the abort comes first');
    const aborting = d.log.filter((e) => e.type === 'write-markers');
    assert.equal(aborting.length, 1);
    assert.ok(aborting[0]?.type === 'write-markers');
    assert.equal(aborting[0].commit, false);
    assert.equal(
      aborting[0].producerEpoch,
      old.producerEpoch + 1,
      'abort markers carry a bumped epoch',
    );
    d.markersDone(aborting);
    const fresh = d.init('a');
    assert.equal(fresh.errorCode, ErrorCode.NONE);
    assert.equal(fresh.producerEpoch, old.producerEpoch + 2);
    // The zombie's requests now fail.
    assert.equal(
      d.add('a', old.producerId, old.producerEpoch).results[0]?.errorCode,
      ErrorCode.PRODUCER_FENCED,
    );
    assert.equal(
      d.end('a', old.producerId, old.producerEpoch, true).errorCode,
      ErrorCode.PRODUCER_FENCED,
    );
  });

  test('KIP-360: a producer naming its id and epoch gets a bump; a retry of that bump gets the same epoch', () => {
    const d = new Driver();
    const p = d.init('a');
    const bumped = d.init('a', p.producerId, p.producerEpoch);
    assert.deepEqual(bumped, { errorCode: 0, producerId: p.producerId, producerEpoch: 1 });
    const retried = d.init('a', p.producerId, p.producerEpoch);
    assert.deepEqual(retried, { errorCode: 0, producerId: p.producerId, producerEpoch: 1 });
    assert.equal(d.init('a', 999, 0).errorCode, ErrorCode.PRODUCER_FENCED, 'unknown producer id');
  });

  test('a timeout above transaction.max.timeout.ms is INVALID_TRANSACTION_TIMEOUT', () => {
    const d = new Driver();
    assert.equal(d.init('a', -1, -1, 60_001).errorCode, ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    assert.equal(d.init('a', -1, -1, 0).errorCode, ErrorCode.INVALID_TRANSACTION_TIMEOUT);
  });

  test('a transaction open past its timeout is aborted at the next check, fencing its producer', () => {
    const d = new Driver();
    const p = d.init('a', -1, -1, 5000);
    d.add('a', p.producerId, p.producerEpoch);
    d.nowMs += 4000;
    assert.equal(d.runAndStore({ type: 'tick' }).length, 0, 'not yet timed out');
    d.nowMs += 2000;
    const effects = d.runAndStore({ type: 'tick' });
    const markers = effects.find((e) => e.type === 'write-markers');
    assert.ok(markers?.type === 'write-markers', 'abort markers');
    assert.equal(markers.commit, false);
    assert.equal(d.describe('a').state, 'PrepareAbort');
    d.markersDone(effects);
    assert.equal(d.describe('a').state, 'CompleteAbort');
    assert.equal(
      d.end('a', p.producerId, p.producerEpoch, true).errorCode,
      ErrorCode.PRODUCER_FENCED,
    );
  });

  test('verification (KIP-890) accepts only partitions of the ongoing transaction', () => {
    const d = new Driver();
    const p = d.init('a');
    assert.equal(d.verify('a', p.producerId, p.producerEpoch, 0), ErrorCode.INVALID_TXN_STATE);
    d.add('a', p.producerId, p.producerEpoch, 't', [0]);
    assert.equal(d.verify('a', p.producerId, p.producerEpoch, 0), ErrorCode.NONE);
    assert.equal(d.verify('a', p.producerId, p.producerEpoch, 1), ErrorCode.INVALID_TXN_STATE);
    // While another partition is being added, those already in still verify.
    const adding = d.run({
      type: 'add-partitions',
      requestId: 900,
      transactionalId: 'a',
      producerId: p.producerId,
      producerEpoch: p.producerEpoch,
      partitions: [{ topic: 't', partitions: [1] }],
      verifyOnly: false,
    });
    assert.equal(d.verify('a', p.producerId, p.producerEpoch, 0), ErrorCode.NONE);
    for (const e of adding)
      if (e.type === 'persist') d.run({ type: 'persisted', writeId: e.writeId, errorCode: 0 });
    const { effects } = d.end('a', p.producerId, p.producerEpoch, false);
    assert.equal(
      d.verify('a', p.producerId, p.producerEpoch, 0),
      ErrorCode.INVALID_TXN_STATE,
      'ended',
    );
    d.markersDone(effects);
    assert.equal(
      d.verify('a', p.producerId + 1, p.producerEpoch, 0),
      ErrorCode.INVALID_PRODUCER_ID_MAPPING,
    );
  });

  test('AddPartitionsToTxn during the previous commit waits for it instead of failing at once', () => {
    const d = new Driver();
    const p = d.init('a');
    d.add('a', p.producerId, p.producerEpoch, 't', [0]);
    const { effects } = d.end('a', p.producerId, p.producerEpoch, true);
    const held = d.run({
      type: 'add-partitions',
      requestId: 500,
      transactionalId: 'a',
      producerId: p.producerId,
      producerEpoch: p.producerEpoch,
      partitions: [{ topic: 't', partitions: [1] }],
      verifyOnly: false,
    });
    assert.deepEqual(held, [], 'no answer while the markers are written');
    d.markersDone(effects);
    // The commit completed, then the held request ran (and was stored).
    const done = d.log.find((e) => e.type === 'respond' && e.requestId === 500);
    assert.ok(done?.type === 'respond');
    assert.equal(d.describe('a').state, 'Ongoing');
    assert.deepEqual(done.response, { results: [{ topic: 't', partition: 1, errorCode: 0 }] });

    // A completion that takes too long: the held request gets CONCURRENT_TRANSACTIONS.
    const second = d.end('a', p.producerId, p.producerEpoch, false);
    assert.equal(second.errorCode, 0);
    d.run({
      type: 'add-partitions',
      requestId: 501,
      transactionalId: 'a',
      producerId: p.producerId,
      producerEpoch: p.producerEpoch,
      partitions: [{ topic: 't', partitions: [0] }],
      verifyOnly: false,
    });
    d.nowMs += 250;
    const timedOut = d.run({ type: 'tick' }).find((e) => e.type === 'respond');
    assert.ok(timedOut?.type === 'respond' && timedOut.requestId === 501);
    assert.deepEqual(timedOut.response, {
      results: [{ topic: 't', partition: 0, errorCode: ErrorCode.CONCURRENT_TRANSACTIONS }],
    });
  });

  test('a failed append answers the mapped error and leaves the state as it was', () => {
    const d = new Driver();
    const p = d.init('a');
    const effects = d.runAndStore(
      {
        type: 'add-partitions',
        requestId: 77,
        transactionalId: 'a',
        producerId: p.producerId,
        producerEpoch: p.producerEpoch,
        partitions: [{ topic: 't', partitions: [0] }],
        verifyOnly: false,
      },
      ErrorCode.NOT_LEADER_OR_FOLLOWER,
    );
    assert.equal(
      answer(effects, 'add-partitions').results[0]?.errorCode,
      ErrorCode.NOT_COORDINATOR,
    );
    assert.equal(d.describe('a').state, 'Empty');
  });

  test('a new coordinator loads the log and finishes a transaction left in PrepareCommit', () => {
    const d = new Driver();
    const p = d.init('a');
    d.add('a', p.producerId, p.producerEpoch, 't', [2]);
    const { effects } = d.end('a', p.producerId, p.producerEpoch, true);
    const records = d.log.flatMap((e) => (e.type === 'persist' ? [e.record] : []));
    assert.equal(records.at(-1)?.value?.state, 'PrepareCommit');
    assert.ok(effects.length > 0);
    const partition = partitionForTransactionalId('a', CONFIG.transactionStateLogNumPartitions);
    const next = new Driver(4);
    next.run({ type: 'unload', partition });
    next.run({ type: 'load-begin', partition, coordinatorEpoch: 9 });
    const resumed = next.run({ type: 'load-complete', partition, records });
    const markers = resumed.find((e) => e.type === 'write-markers');
    assert.ok(markers?.type === 'write-markers', 'markers are written again');
    assert.equal(markers.commit, true);
    assert.equal(markers.coordinatorEpoch, 9, 'with the new coordinator epoch');
    next.markersDone(resumed);
    assert.equal(next.describe('a').state, 'CompleteCommit');
  });

  test('requests for a partition this machine does not own are NOT_COORDINATOR', () => {
    const d = new Driver();
    const partition = partitionForTransactionalId('a', CONFIG.transactionStateLogNumPartitions);
    d.run({ type: 'unload', partition });
    assert.equal(d.init('a').errorCode, ErrorCode.NOT_COORDINATOR);
    d.run({ type: 'load-begin', partition, coordinatorEpoch: 1 });
    assert.equal(d.init('a').errorCode, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
  });

  test('an idle transactional id expires after transactional.id.expiration.ms', () => {
    const d = new Driver();
    d.init('a');
    d.nowMs += CONFIG.transactionalIdExpirationMs + CONFIG.removeExpiredTransactionsIntervalMs;
    const effects = d.runAndStore({ type: 'tick' });
    const tombstone = effects.find((e) => e.type === 'persist');
    assert.ok(tombstone?.type === 'persist' && tombstone.record.value === null);
    assert.equal(d.describe('a').errorCode, ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);
  });
});
