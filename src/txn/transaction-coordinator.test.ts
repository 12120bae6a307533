// The transaction coordinator runtime over an in-memory broker, for what
// depends on __transaction_state's replicas: Kafka appends there with acks=-1,
// so an ISR below min.insync.replicas (transaction.state.log.min.isr) refuses
// the append, and the producer is answered COORDINATOR_NOT_AVAILABLE.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode } from '../protocol/error-codes.ts';
import { readBatchHeader } from '../protocol/record-batch.ts';
import { silentLogger } from '../util/logger.ts';
import { TransactionCoordinator } from './transaction-coordinator.ts';
import { TRANSACTION_STATE_TOPIC } from './transaction-log-format.ts';
import { TransactionMarkers } from './transaction-markers.ts';

const NODE_ID = 1;
const PARTITIONS = 2;

class MemoryPartition {
  readonly batches: Buffer[] = [];
  /** While true, appends wait for `replicate`; else the followers have them at once. */
  holdHighWatermark = false;
  private highWatermark = 0;
  private readonly waiters: Array<{ offset: number; resolve: (reached: boolean) => void }> = [];

  get log() {
    const end = this.batches.length;
    return {
      logStartOffset: 0,
      logEndOffset: end,
      read: async () => ({ records: end === 0 ? null : Buffer.concat(this.batches) }),
    };
  }

  async appendAsLeader(records: Buffer) {
    const copy = Buffer.from(records);
    copy.writeBigInt64BE(BigInt(this.batches.length), 0);
    assert.equal(readBatchHeader(copy).lastOffsetDelta, 0, 'one record per append');
    this.batches.push(copy);
    if (!this.holdHighWatermark) this.replicate();
    return { errorCode: ErrorCode.NONE, errorMessage: null, lastOffset: this.batches.length - 1 };
  }

  /** The followers caught up with the log end. */
  replicate(): void {
    this.highWatermark = this.batches.length;
    for (const w of this.waiters.splice(0)) w.resolve(w.offset <= this.highWatermark);
  }

  waitForHighWatermark(offset: number): Promise<boolean> {
    if (offset <= this.highWatermark) return Promise.resolve(true);
    return new Promise((resolve) => this.waiters.push({ offset, resolve }));
  }
}

/** One broker leading every __transaction_state partition, all in memory. */
class Env {
  topicExists = false;
  readonly partitions = new Map<number, MemoryPartition>();
  /** The ISR of every partition (the leader is NODE_ID). */
  isr: number[] = [NODE_ID, 2, 3];
  /** __transaction_state's min.insync.replicas (transaction.state.log.min.isr). */
  minInsync = 2;
  private nextProducerId = 1000;
  private readonly listeners: Array<() => void> = [];

  coordinator(): TransactionCoordinator {
    const services = {
      nodeId: NODE_ID,
      image: {
        topic: (name: string) =>
          name === TRANSACTION_STATE_TOPIC && this.topicExists ? {} : undefined,
        partition: (topic: string, p: number) =>
          topic === TRANSACTION_STATE_TOPIC && this.topicExists && p < PARTITIONS
            ? { leader: NODE_ID, leaderEpoch: 4, isr: this.isr }
            : undefined,
        brokers: () => [{ nodeId: NODE_ID }, { nodeId: 2 }, { nodeId: 3 }],
      },
      topicAdmin: {
        createTopic: async () => {
          this.topicExists = true;
          for (let p = 0; p < PARTITIONS; p++) this.partitions.set(p, new MemoryPartition());
          for (const l of this.listeners) l();
          return { errorCode: ErrorCode.NONE, errorMessage: null };
        },
      },
      replicas: { acquire: async (_topic: string, p: number) => this.partitions.get(p) },
      settings: { messageMaxBytes: () => 1_000_000, minInsyncReplicas: () => this.minInsync },
      config: {
        transactionStateLogNumPartitions: PARTITIONS,
        transactionStateLogReplicationFactor: 3,
        transactionStateLogMinIsr: 2,
        transactionStateLogSegmentBytes: 1 << 20,
      },
      logger: silentLogger(),
      now: () => 1_000_000,
      producerIds: { allocate: async () => this.nextProducerId++ },
    };
    const markers = new TransactionMarkers({
      transport: async () => [],
      leaderOf: () => null,
      logger: silentLogger(),
    });
    return new TransactionCoordinator(services, {
      config: {
        transactionStateLogNumPartitions: PARTITIONS,
        transactionMaxTimeoutMs: 60_000,
        transactionalIdExpirationMs: 600_000,
        abortTimedOutTransactionsIntervalMs: 1000,
        removeExpiredTransactionsIntervalMs: 60_000,
      },
      subscribe: (l) => this.listeners.push(l),
      markers,
      timers: { set: () => 0, clear: () => {} },
    });
  }
}

async function started(env: Env): Promise<TransactionCoordinator> {
  const c = env.coordinator();
  c.start();
  const found = await c.findCoordinator('tx');
  assert.equal(found.errorCode, ErrorCode.NONE);
  return c;
}

function init(c: TransactionCoordinator) {
  return c.initProducerId({
    transactionalId: 'tx',
    transactionTimeoutMs: 10_000,
    producerId: -1,
    producerEpoch: -1,
  });
}

describe('TransactionCoordinator and min.insync.replicas', () => {
  test('InitProducerId while the ISR is below min.insync.replicas appends nothing and gets COORDINATOR_NOT_AVAILABLE', async () => {
    const env = new Env();
    const c = await started(env);
    const partition = env.partitions.get(c.partitionOf('tx'))!;
    env.isr = [NODE_ID];
    const refused = await init(c);
    assert.equal(refused.errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
    assert.equal(partition.batches.length, 0, 'nothing appended');
    // The client retries once the ISR is back at min.insync.replicas.
    env.isr = [NODE_ID, 2];
    const ok = await init(c);
    assert.equal(ok.errorCode, ErrorCode.NONE);
    assert.equal(partition.batches.length, 1);
    await c.close();
  });

  test('a transition replicated after the ISR fell below min.insync.replicas gets COORDINATOR_NOT_AVAILABLE', async () => {
    // Kafka answers an acks=-1 append whose high watermark is reached with too
    // small an ISR NOT_ENOUGH_REPLICAS_AFTER_APPEND, which the coordinator maps.
    const env = new Env();
    const c = await started(env);
    const partition = env.partitions.get(c.partitionOf('tx'))!;
    partition.holdHighWatermark = true;
    const pending = init(c);
    for (let i = 0; i < 10 && partition.batches.length === 0; i++) {
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    assert.equal(partition.batches.length, 1, 'appended with the ISR at min');
    env.isr = [NODE_ID];
    partition.replicate();
    assert.equal((await pending).errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
    await c.close();
  });
});
