// Per-partition state of idempotent producers: for each producer id, its
// epoch and the last few batches it wrote (Kafka keeps five, the most a
// producer may have in flight). A batch is checked against it before it is
// appended: a retry of a written batch is recognised and answered with its
// original offset instead of being stored twice; a gap in sequence numbers is
// OUT_OF_ORDER_SEQUENCE_NUMBER; an older epoch is INVALID_PRODUCER_EPOCH.
// Pure data: the caller supplies the header fields and applies the outcome.

import { ErrorCode } from '../protocol/error-codes.ts';

export const NO_PRODUCER_ID = -1;
export const CACHED_BATCHES_MAX = 5;
const NO_SEQUENCE = -1;
const SEQUENCE_MAX = 0x7fffffff;

export interface BatchIdentity {
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly baseSequence: number;
  /** Records in the batch minus one (the header's lastOffsetDelta). */
  readonly lastOffsetDelta: number;
}

export interface CachedBatch {
  readonly firstSequence: number;
  readonly lastSequence: number;
  readonly firstOffset: number;
}

export interface ProducerEntry {
  epoch: number;
  batches: CachedBatch[];
  /** Newest timestamp written by the producer here, -1 when unknown. */
  lastTimestampMs: number;
  /** Epoch of the coordinator that wrote its last transaction marker here, -1 if none. */
  coordinatorEpoch: number;
}

/** One producer as DescribeProducers shows it. */
export interface ProducerDescription {
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly lastSequence: number;
  readonly lastTimestampMs: number;
  readonly coordinatorEpoch: number;
}

export type SequenceCheck =
  | { readonly kind: 'append' }
  | { readonly kind: 'duplicate'; readonly firstOffset: number }
  | { readonly kind: 'error'; readonly errorCode: number; readonly message: string };

function lastSequenceOf(b: BatchIdentity): number {
  return (b.baseSequence + b.lastOffsetDelta) % (SEQUENCE_MAX + 1);
}

function nextSequence(seq: number): number {
  return seq === SEQUENCE_MAX ? 0 : seq + 1;
}

/** A copy the table's later changes do not reach (its batch list is its own). */
function copyEntry(e: ProducerEntry): ProducerEntry {
  return { ...e, batches: [...e.batches] };
}

export class ProducerStateTable {
  private readonly producers = new Map<number, ProducerEntry>();

  get size(): number {
    return this.producers.size;
  }

  /** Decides what to do with a batch; does not change state. */
  check(b: BatchIdentity): SequenceCheck {
    if (b.producerId === NO_PRODUCER_ID) return { kind: 'append' };
    if (b.baseSequence === NO_SEQUENCE) return this.checkEpochOnly(b);
    const entry = this.producers.get(b.producerId);
    if (entry === undefined) return this.checkUnknownProducer(b);
    if (b.producerEpoch < entry.epoch) {
      return {
        kind: 'error',
        errorCode: ErrorCode.INVALID_PRODUCER_EPOCH,
        message: `epoch ${b.producerEpoch} is older than ${entry.epoch}`,
      };
    }
    if (b.producerEpoch > entry.epoch) return this.checkUnknownProducer(b);
    const last = lastSequenceOf(b);
    for (const cached of entry.batches) {
      if (cached.firstSequence === b.baseSequence && cached.lastSequence === last) {
        return { kind: 'duplicate', firstOffset: cached.firstOffset };
      }
    }
    const newest = entry.batches[entry.batches.length - 1];
    if (newest === undefined) return { kind: 'append' };
    if (b.baseSequence !== nextSequence(newest.lastSequence)) {
      return {
        kind: 'error',
        errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
        message: `expected sequence ${nextSequence(newest.lastSequence)}, got ${b.baseSequence}`,
      };
    }
    return { kind: 'append' };
  }

  // Batches a coordinator writes for a producer (TxnOffsetCommit) carry no
  // sequence: only the epoch is checked, as Kafka does for the coordinator's appends.
  private checkEpochOnly(b: BatchIdentity): SequenceCheck {
    const entry = this.producers.get(b.producerId);
    if (entry !== undefined && b.producerEpoch < entry.epoch) {
      return {
        kind: 'error',
        errorCode: ErrorCode.INVALID_PRODUCER_EPOCH,
        message: `epoch ${b.producerEpoch} is older than ${entry.epoch}`,
      };
    }
    return { kind: 'append' };
  }

  // A producer we have no state for (or a bumped epoch) must start at
  // sequence 0. Kafka answers a non-zero start with OUT_OF_ORDER_SEQUENCE_NUMBER
  // once it has no state left for the producer (KIP-360 era brokers).
  private checkUnknownProducer(b: BatchIdentity): SequenceCheck {
    if (b.baseSequence !== 0) {
      return {
        kind: 'error',
        errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
        message: `producer ${b.producerId} epoch ${b.producerEpoch} must start at sequence 0, got ${b.baseSequence}`,
      };
    }
    return { kind: 'append' };
  }

  /** Records a batch that was appended at firstOffset. */
  record(b: BatchIdentity, firstOffset: number, timestampMs = -1): void {
    if (b.producerId === NO_PRODUCER_ID) return;
    let entry = this.producers.get(b.producerId);
    if (entry === undefined || b.producerEpoch > entry.epoch) {
      entry = {
        epoch: b.producerEpoch,
        batches: [],
        lastTimestampMs: -1,
        coordinatorEpoch: entry?.coordinatorEpoch ?? -1,
      };
      this.producers.set(b.producerId, entry);
    }
    entry.lastTimestampMs = Math.max(entry.lastTimestampMs, timestampMs);
    if (b.baseSequence === NO_SEQUENCE) return;
    entry.batches.push({
      firstSequence: b.baseSequence,
      lastSequence: lastSequenceOf(b),
      firstOffset,
    });
    if (entry.batches.length > CACHED_BATCHES_MAX) entry.batches.shift();
  }

  /**
   * Whether a transaction marker may be written for the producer: not with an
   * epoch older than the producer's (INVALID_PRODUCER_EPOCH), nor from a
   * coordinator older than the one that wrote its last marker
   * (TRANSACTION_COORDINATOR_FENCED), as Kafka's appendEndTxnMarker checks.
   */
  checkMarker(
    producerId: number,
    producerEpoch: number,
    coordinatorEpoch: number,
  ): { errorCode: number; message: string } | null {
    const entry = this.producers.get(producerId);
    if (entry === undefined) return null;
    if (producerEpoch < entry.epoch) {
      return {
        errorCode: ErrorCode.INVALID_PRODUCER_EPOCH,
        message: `marker epoch ${producerEpoch} is older than ${entry.epoch}`,
      };
    }
    if (coordinatorEpoch < entry.coordinatorEpoch) {
      return {
        errorCode: ErrorCode.TRANSACTION_COORDINATOR_FENCED,
        message: `coordinator epoch ${coordinatorEpoch} is older than ${entry.coordinatorEpoch}`,
      };
    }
    return null;
  }

  /**
   * A marker was written: the producer takes its epoch (a coordinator that
   * aborts a timed-out transaction bumps it, fencing the old producer) and a
   * new epoch starts its sequences afresh.
   */
  recordMarker(
    producerId: number,
    producerEpoch: number,
    coordinatorEpoch: number,
    timestampMs: number,
  ): void {
    const entry = this.producers.get(producerId);
    if (entry === undefined || producerEpoch > entry.epoch) {
      this.producers.set(producerId, {
        epoch: producerEpoch,
        batches: [],
        lastTimestampMs: Math.max(entry?.lastTimestampMs ?? -1, timestampMs),
        coordinatorEpoch,
      });
      return;
    }
    entry.coordinatorEpoch = coordinatorEpoch;
    entry.lastTimestampMs = Math.max(entry.lastTimestampMs, timestampMs);
  }

  /** The producers with state here, for DescribeProducers. */
  describe(): ProducerDescription[] {
    return [...this.producers].map(([producerId, e]) => ({
      producerId,
      producerEpoch: e.epoch,
      lastSequence: e.batches[e.batches.length - 1]?.lastSequence ?? -1,
      lastTimestampMs: e.lastTimestampMs,
      coordinatorEpoch: e.coordinatorEpoch,
    }));
  }

  /**
   * The log was truncated to `offset`: batches from there on are gone, so a
   * retry of one must be appended again, not answered with an offset that now
   * holds another record. A producer keeps its epoch; with no batch left it
   * may continue from any sequence.
   */
  truncateFrom(offset: number): void {
    for (const entry of this.producers.values()) {
      entry.batches = entry.batches.filter((b) => b.firstOffset < offset);
    }
  }

  /** A copy of the state, to restore if an append fails after `record`. */
  snapshot(producerId: number): ProducerEntry | undefined {
    const e = this.producers.get(producerId);
    return e === undefined ? undefined : copyEntry(e);
  }

  /** Every producer's state, copied: what a producer-state snapshot holds. */
  entries(): Array<{ readonly producerId: number; readonly entry: ProducerEntry }> {
    return [...this.producers].map(([producerId, e]) => ({ producerId, entry: copyEntry(e) }));
  }

  /**
   * Forgets producers whose newest write here is `expirationMs` or more before
   * `nowMs` (producer.id.expiration.ms), except those `inUse` names (a producer with a
   * transaction open here), as Kafka's ProducerStateManager does; returns how many.
   * A forgotten producer that writes again must start at sequence 0.
   */
  expire(nowMs: number, expirationMs: number, inUse: (producerId: number) => boolean): number {
    let removed = 0;
    for (const [producerId, e] of this.producers) {
      if (nowMs - e.lastTimestampMs < expirationMs || inUse(producerId)) continue;
      this.producers.delete(producerId);
      removed++;
    }
    return removed;
  }

  /** Forgets every producer (before the state is rebuilt from the log). */
  clear(): void {
    this.producers.clear();
  }

  restore(producerId: number, entry: ProducerEntry | undefined): void {
    if (entry === undefined) this.producers.delete(producerId);
    else this.producers.set(producerId, entry);
  }
}
