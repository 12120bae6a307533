// The part of a hosted partition a coordinator keeps its state in: the group
// coordinator's __consumer_offsets and the transaction coordinator's
// __transaction_state. A coordinator reads the log back when it takes a
// partition over, appends through the leader and waits for the in-sync
// replicas. Types only and structural: replication's Partition satisfies them,
// and coordinator tests run on an in-memory one. Here, below both group/ and
// txn/, because neither may import the other.

/** What a coordinator reads of a partition's log (PartitionLog satisfies it). */
export interface CoordinatorPartitionLog {
  readonly logStartOffset: number;
  readonly logEndOffset: number;
  read(
    fetchOffset: number,
    maxBytes: number,
    options: { readonly maxOffset: number; readonly minOneBatch: boolean },
  ): Promise<{ readonly records: Buffer | null }>;
}

/** A hosted partition a coordinator writes to (replication's Partition satisfies it). */
export interface CoordinatorPartition {
  readonly log: CoordinatorPartitionLog;
  appendAsLeader(
    records: Buffer,
    messageBytesMax: number,
  ): Promise<{
    readonly errorCode: number;
    readonly errorMessage: string | null;
    readonly lastOffset: number;
  }>;
  /** Resolves true once the high watermark reaches `offset`, false after `timeoutMs` or when leadership ends. */
  waitForHighWatermark(offset: number, timeoutMs: number): Promise<boolean>;
}
