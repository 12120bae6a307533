// The vocabulary of the transaction coordinator's state machine: what it
// keeps per transactional id, the inputs it accepts (requests, ticks, log
// append outcomes, markers written, partition loads), the answers it gives
// and the effects it asks its runtime to perform. Plain data, no I/O.

import type {
  TopicPartitions,
  TransactionLogRecord,
  TransactionStateName,
} from './transaction-log-format.ts';

export type RequestId = number;

/** Settings the machine reads, with Kafka's names in the comments. */
export interface TransactionCoordinatorConfig {
  /** transaction.state.log.num.partitions */
  readonly transactionStateLogNumPartitions: number;
  /** transaction.max.timeout.ms */
  readonly transactionMaxTimeoutMs: number;
  /** transactional.id.expiration.ms */
  readonly transactionalIdExpirationMs: number;
  /** transaction.abort.timed.out.transaction.cleanup.interval.ms */
  readonly abortTimedOutTransactionsIntervalMs: number;
  /** transaction.remove.expired.transaction.cleanup.interval.ms */
  readonly removeExpiredTransactionsIntervalMs: number;
}

/** One transactional id, as Kafka's TransactionMetadata. */
export interface TransactionMetadata {
  readonly transactionalId: string;
  producerId: number;
  previousProducerId: number;
  nextProducerId: number;
  producerEpoch: number;
  /** The epoch before the last bump (not persisted): a retried InitProducerId gets the same. */
  lastProducerEpoch: number;
  timeoutMs: number;
  state: TransactionStateName;
  /** topic -> partitions in the transaction. */
  partitions: Map<string, Set<number>>;
  startTimestampMs: number;
  lastUpdateTimestampMs: number;
  /** The write in flight for this id (Kafka's pendingState); requests meanwhile wait or retry. */
  pendingWrite: number | null;
  /** Prepare*: the markers are all written; the Complete* record is still to be stored. */
  markersWritten: boolean;
}

export interface PartitionStatus {
  readonly status: 'loading' | 'owned';
  /** The leader epoch of the __transaction_state partition: fences stale coordinators' markers. */
  readonly coordinatorEpoch: number;
}

export interface ParkedRequest {
  readonly input: AddPartitionsInput;
  readonly deadlineMs: number;
}

/** What happens once a __transaction_state append finishes. */
export type PendingWrite =
  | {
      readonly kind: 'init';
      readonly transactionalId: string;
      readonly requestId: RequestId;
      readonly next: TransactionMetadataValues;
    }
  | {
      readonly kind: 'add-partitions';
      readonly transactionalId: string;
      readonly requestId: RequestId;
      readonly partitions: readonly TopicPartitions[];
      readonly next: TransactionMetadataValues;
    }
  | {
      readonly kind: 'prepare-end';
      readonly transactionalId: string;
      /** null when the coordinator aborts on its own (timeout, fencing). */
      readonly requestId: RequestId | null;
      readonly next: TransactionMetadataValues;
    }
  | {
      readonly kind: 'complete-end';
      readonly transactionalId: string;
      readonly next: TransactionMetadataValues;
    }
  | { readonly kind: 'expire'; readonly transactionalId: string };

/** The persisted fields of a transition, applied once the record is stored. */
export interface TransactionMetadataValues {
  readonly producerId: number;
  readonly previousProducerId: number;
  readonly nextProducerId: number;
  readonly producerEpoch: number;
  readonly lastProducerEpoch: number;
  readonly timeoutMs: number;
  readonly state: TransactionStateName;
  readonly partitions: ReadonlyMap<string, ReadonlySet<number>>;
  readonly startTimestampMs: number;
  readonly lastUpdateTimestampMs: number;
}

export interface TransactionCoordinatorState {
  readonly config: TransactionCoordinatorConfig;
  readonly transactions: Map<string, TransactionMetadata>;
  /** __transaction_state partitions this broker coordinates or is loading. */
  readonly partitions: Map<number, PartitionStatus>;
  readonly pendingWrites: Map<number, PendingWrite>;
  /**
   * AddPartitionsToTxn requests that arrived while the id's previous
   * transaction was still being completed (markers, Complete* record): held
   * until it is, or until deadlineMs, instead of answered
   * CONCURRENT_TRANSACTIONS at once, which costs a client its retry backoff.
   */
  readonly parked: Map<string, ParkedRequest[]>;
  nextWriteId: number;
  /** When the next check for timed-out transactions runs. */
  abortCheckAtMs: number;
  /** When the next check for expired transactional ids runs. */
  expireCheckAtMs: number;
}

// ---------------------------------------------------------------------------
// Inputs.

export interface InitProducerIdInput {
  readonly type: 'init-producer-id';
  readonly requestId: RequestId;
  readonly transactionalId: string;
  readonly transactionTimeoutMs: number;
  /** -1 when the producer has none (v0-2, or a fresh producer). */
  readonly producerId: number;
  readonly producerEpoch: number;
  /** A producer id reserved by the runtime, used if this request needs a new one. */
  readonly freshProducerId: number;
}

export interface AddPartitionsInput {
  readonly type: 'add-partitions';
  readonly requestId: RequestId;
  readonly transactionalId: string;
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly partitions: readonly TopicPartitions[];
  /** KIP-890: only report whether each partition is in the ongoing transaction. */
  readonly verifyOnly: boolean;
}

export interface EndTxnInput {
  readonly type: 'end-txn';
  readonly requestId: RequestId;
  readonly transactionalId: string;
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly commit: boolean;
}

export interface DescribeTransactionsInput {
  readonly type: 'describe-transactions';
  readonly requestId: RequestId;
  readonly transactionalIds: readonly string[];
}

export interface ListTransactionsInput {
  readonly type: 'list-transactions';
  readonly requestId: RequestId;
  readonly stateFilters: readonly string[];
  readonly producerIdFilters: readonly number[];
  /** Only transactions running longer than this; -1 for all. */
  readonly durationFilterMs: number;
}

export interface TickInput {
  readonly type: 'tick';
}

export interface PersistedInput {
  readonly type: 'persisted';
  readonly writeId: number;
  readonly errorCode: number;
}

/** Every marker of a Prepare* transaction is in its partition's log (or the partition is gone). */
export interface MarkersWrittenInput {
  readonly type: 'markers-written';
  readonly transactionalId: string;
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly coordinatorEpoch: number;
}

export interface LoadBeginInput {
  readonly type: 'load-begin';
  readonly partition: number;
  readonly coordinatorEpoch: number;
}

export interface LoadCompleteInput {
  readonly type: 'load-complete';
  readonly partition: number;
  /** The partition's records in log order; the last one per id wins. */
  readonly records: readonly TransactionLogRecord[];
}

export interface UnloadInput {
  readonly type: 'unload';
  readonly partition: number;
}

export type TransactionInput =
  | InitProducerIdInput
  | AddPartitionsInput
  | EndTxnInput
  | DescribeTransactionsInput
  | ListTransactionsInput
  | TickInput
  | PersistedInput
  | MarkersWrittenInput
  | LoadBeginInput
  | LoadCompleteInput
  | UnloadInput;

// ---------------------------------------------------------------------------
// Responses and effects.

export interface InitProducerIdResponse {
  readonly errorCode: number;
  readonly producerId: number;
  readonly producerEpoch: number;
}

export interface PartitionResult {
  readonly topic: string;
  readonly partition: number;
  readonly errorCode: number;
}

export interface AddPartitionsResponse {
  readonly results: readonly PartitionResult[];
}

export interface EndTxnResponse {
  readonly errorCode: number;
}

export interface DescribedTransaction {
  readonly errorCode: number;
  readonly transactionalId: string;
  readonly state: string;
  readonly timeoutMs: number;
  readonly startTimestampMs: number;
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly partitions: readonly TopicPartitions[];
}

export interface DescribeTransactionsResponse {
  readonly transactions: readonly DescribedTransaction[];
}

export interface ListTransactionsResponse {
  readonly errorCode: number;
  readonly unknownStateFilters: readonly string[];
  readonly transactions: readonly {
    readonly transactionalId: string;
    readonly producerId: number;
    readonly state: string;
  }[];
}

export interface TransactionResponseByType {
  readonly 'init-producer-id': InitProducerIdResponse;
  readonly 'add-partitions': AddPartitionsResponse;
  readonly 'end-txn': EndTxnResponse;
  readonly 'describe-transactions': DescribeTransactionsResponse;
  readonly 'list-transactions': ListTransactionsResponse;
}

export type RequestType = keyof TransactionResponseByType;

export type TransactionEffect =
  | {
      readonly type: 'respond';
      readonly requestId: RequestId;
      readonly api: RequestType;
      readonly response: TransactionResponseByType[RequestType];
    }
  | {
      readonly type: 'persist';
      readonly writeId: number;
      readonly partition: number;
      readonly record: TransactionLogRecord;
    }
  | {
      /** Write the transaction's markers to every partition; report with markers-written. */
      readonly type: 'write-markers';
      readonly transactionalId: string;
      readonly producerId: number;
      readonly producerEpoch: number;
      readonly commit: boolean;
      readonly coordinatorEpoch: number;
      readonly partitions: readonly TopicPartitions[];
    };
