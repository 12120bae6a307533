// Writes the commit or abort markers of decided transactions to every
// partition in them, as Kafka's TransactionMarkerChannelManager does: one
// WriteTxnMarkers request per partition leader, retried (with backoff) until
// each partition answers NONE, whichever broker leads it by then, so markers
// survive leader changes of the data partitions. A partition whose topic is
// gone counts as done. A marker refused with INVALID_PRODUCER_EPOCH or
// TRANSACTION_COORDINATOR_FENCED means a newer coordinator or producer
// epoch owns the transaction: the job is dropped unfinished.

import { ErrorCode } from '../protocol/error-codes.ts';
import type { Logger } from '../util/logger.ts';
import type { TopicPartitions } from './transaction-log-format.ts';

export interface MarkerJob {
  readonly transactionalId: string;
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly commit: boolean;
  readonly coordinatorEpoch: number;
  /** The __transaction_state partition the transaction belongs to. */
  readonly coordinatorPartition: number;
  readonly partitions: readonly TopicPartitions[];
}

/** One WriteTxnMarkers marker entry, as the request carries it. */
export interface MarkerRequest {
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly transactionResult: boolean;
  readonly coordinatorEpoch: number;
  readonly topics: readonly { readonly name: string; readonly partitionIndexes: number[] }[];
}

export interface MarkerResult {
  readonly topic: string;
  readonly partition: number;
  readonly errorCode: number;
}

/** Sends markers to a broker (this one included) and returns an error code per partition. */
export type MarkerTransport = (brokerId: number, marker: MarkerRequest) => Promise<MarkerResult[]>;

export interface TransactionMarkersOptions {
  readonly transport: MarkerTransport;
  /** The partition's leader now: -1 while it has none, null when the partition is gone. */
  readonly leaderOf: (topic: string, partition: number) => number | null;
  readonly logger: Logger;
  readonly retryBackoffMs?: number;
  readonly retryBackoffMsMax?: number;
}

const RETRY_BACKOFF_MS = 100;
const RETRY_BACKOFF_MS_MAX = 1000;
const GIVE_UP = new Set<number>([
  ErrorCode.INVALID_PRODUCER_EPOCH,
  ErrorCode.PRODUCER_FENCED,
  ErrorCode.TRANSACTION_COORDINATOR_FENCED,
]);

interface Running {
  readonly job: MarkerJob;
  cancelled: boolean;
}

export class TransactionMarkers {
  private readonly running = new Set<Running>();
  private closed = false;

  constructor(private readonly o: TransactionMarkersOptions) {}

  /** Writes the job's markers; `done` runs once all are written (not if dropped or cancelled). */
  start(job: MarkerJob, done: () => void): void {
    if (this.closed) return;
    const run: Running = { job, cancelled: false };
    this.running.add(run);
    void this.drive(run)
      .then((finished) => {
        if (finished && !run.cancelled) done();
      })
      .catch((err: unknown) => {
        this.o.logger.error(
          { err, transactionalId: job.transactionalId },
          'writing transaction markers failed',
        );
      })
      .finally(() => this.running.delete(run));
  }

  /** Stops the jobs of a __transaction_state partition this broker no longer leads. */
  cancelPartition(coordinatorPartition: number): void {
    for (const r of this.running)
      if (r.job.coordinatorPartition === coordinatorPartition) r.cancelled = true;
  }

  /** Jobs in flight, for tests and metrics. */
  get pending(): number {
    return this.running.size;
  }

  close(): void {
    this.closed = true;
    for (const r of this.running) r.cancelled = true;
  }

  /** Loops until every partition is written (true), or the job is dropped or cancelled (false). */
  private async drive(run: Running): Promise<boolean> {
    const job = run.job;
    let left = job.partitions.flatMap((t) =>
      t.partitions.map((p) => ({ topic: t.topic, partition: p })),
    );
    let backoffMs = this.o.retryBackoffMs ?? RETRY_BACKOFF_MS;
    const backoffMax = this.o.retryBackoffMsMax ?? RETRY_BACKOFF_MS_MAX;
    while (left.length > 0) {
      if (run.cancelled || this.closed) return false;
      const byLeader = new Map<number, typeof left>();
      const waiting: typeof left = [];
      for (const tp of left) {
        const leader = this.o.leaderOf(tp.topic, tp.partition);
        if (leader === null) continue;
        if (leader < 0) waiting.push(tp);
        else byLeader.set(leader, [...(byLeader.get(leader) ?? []), tp]);
      }
      const outcomes = await Promise.all(
        [...byLeader].map(([broker, tps]) => this.sendTo(broker, job, tps)),
      );
      if (outcomes.some((o) => o === 'give-up')) {
        this.o.logger.warn(
          { transactionalId: job.transactionalId, producerEpoch: job.producerEpoch },
          'transaction markers refused by a newer producer or coordinator epoch; dropped',
        );
        return false;
      }
      left = [...waiting, ...outcomes.flatMap((o) => (o === 'give-up' ? [] : o))];
      if (left.length > 0) {
        await new Promise((r) => setTimeout(r, backoffMs));
        backoffMs = Math.min(backoffMs * 2, backoffMax);
      }
    }
    return true;
  }

  /** The partitions still to retry, or 'give-up'. */
  private async sendTo(
    broker: number,
    job: MarkerJob,
    tps: { topic: string; partition: number }[],
  ): Promise<{ topic: string; partition: number }[] | 'give-up'> {
    const topics = new Map<string, number[]>();
    for (const tp of tps) topics.set(tp.topic, [...(topics.get(tp.topic) ?? []), tp.partition]);
    let results: MarkerResult[];
    try {
      results = await this.o.transport(broker, {
        producerId: job.producerId,
        producerEpoch: job.producerEpoch,
        transactionResult: job.commit,
        coordinatorEpoch: job.coordinatorEpoch,
        topics: [...topics].map(([name, partitionIndexes]) => ({ name, partitionIndexes })),
      });
    } catch (err) {
      this.o.logger.debug({ err, broker }, 'WriteTxnMarkers failed; retrying');
      return tps;
    }
    const retry: { topic: string; partition: number }[] = [];
    for (const tp of tps) {
      const r = results.find((x) => x.topic === tp.topic && x.partition === tp.partition);
      if (r === undefined) retry.push(tp);
      else if (GIVE_UP.has(r.errorCode)) return 'give-up';
      else if (r.errorCode !== ErrorCode.NONE) retry.push(tp);
    }
    return retry;
  }
}
