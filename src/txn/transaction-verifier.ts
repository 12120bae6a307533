// KIP-890 verification from a partition leader's side: before a transactional
// batch opens a producer's transaction on a partition, ask the transaction's
// coordinator whether the partition is in the ongoing transaction. A late
// write of a transaction that has ended (its producer died mid-request) is
// refused instead of opening a transaction nobody will ever end, which is how
// hanging transactions arise. The coordinator may be this broker (a direct
// call) or a peer (AddPartitionsToTxn v4 with VerifyOnly).

import { ErrorCode } from '../protocol/error-codes.ts';
import type { Logger } from '../util/logger.ts';
import type { PartitionResult } from './transaction-machine-types.ts';

export interface VerifyRequest {
  readonly transactionalId: string;
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly topic: string;
  readonly partition: number;
}

export interface TransactionVerifierOptions {
  /** transaction.partition.verification.enable */
  readonly enabled: boolean;
  readonly nodeId: number;
  /** The broker coordinating the transactional id, or -1 when unknown. */
  readonly coordinatorOf: (transactionalId: string) => number;
  /** Asks this broker's coordinator. */
  readonly local: (r: VerifyRequest) => Promise<readonly PartitionResult[]>;
  /** Asks a peer's coordinator. */
  readonly remote: (brokerId: number, r: VerifyRequest) => Promise<readonly PartitionResult[]>;
  readonly logger: Logger;
}

/** Errors that mean "try again": a producer retries the produce request. */
const RETRIABLE = new Set<number>([
  ErrorCode.NOT_COORDINATOR,
  ErrorCode.COORDINATOR_NOT_AVAILABLE,
  ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
  ErrorCode.CONCURRENT_TRANSACTIONS,
]);

export class TransactionVerifier {
  constructor(private readonly o: TransactionVerifierOptions) {}

  get enabled(): boolean {
    return this.o.enabled;
  }

  /**
   * NONE when the partition is in the ongoing transaction; otherwise the error
   * to answer the produce with. Coordinator trouble becomes
   * NOT_ENOUGH_REPLICAS, retriable for every client version, as Kafka does.
   */
  async verify(r: VerifyRequest): Promise<number> {
    const coordinator = this.o.coordinatorOf(r.transactionalId);
    if (coordinator < 0) return ErrorCode.NOT_ENOUGH_REPLICAS;
    let results: readonly PartitionResult[];
    try {
      results =
        coordinator === this.o.nodeId ? await this.o.local(r) : await this.o.remote(coordinator, r);
    } catch (err) {
      this.o.logger.debug({ err, coordinator }, 'transaction verification failed; retriable');
      return ErrorCode.NOT_ENOUGH_REPLICAS;
    }
    const mine = results.find((x) => x.topic === r.topic && x.partition === r.partition);
    const errorCode = mine?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR;
    if (RETRIABLE.has(errorCode)) return ErrorCode.NOT_ENOUGH_REPLICAS;
    if (errorCode === ErrorCode.PRODUCER_FENCED) return ErrorCode.INVALID_PRODUCER_EPOCH;
    return errorCode;
  }
}
