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
const SEQUENCE_MAX = 0x7fffffff;

export interface BatchIdentity {
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly baseSequence: number;
  /** Records in the batch minus one (the header's lastOffsetDelta). */
  readonly lastOffsetDelta: number;
}

interface CachedBatch {
  readonly firstSequence: number;
  readonly lastSequence: number;
  readonly firstOffset: number;
}

interface ProducerEntry {
  epoch: number;
  batches: CachedBatch[];
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

export class ProducerStateTable {
  private readonly producers = new Map<number, ProducerEntry>();

  get size(): number {
    return this.producers.size;
  }

  /** Decides what to do with a batch; does not change state. */
  check(b: BatchIdentity): SequenceCheck {
    if (b.producerId === NO_PRODUCER_ID) return { kind: 'append' };
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
  record(b: BatchIdentity, firstOffset: number): void {
    if (b.producerId === NO_PRODUCER_ID) return;
    let entry = this.producers.get(b.producerId);
    if (entry === undefined || b.producerEpoch > entry.epoch) {
      entry = { epoch: b.producerEpoch, batches: [] };
      this.producers.set(b.producerId, entry);
    }
    entry.batches.push({
      firstSequence: b.baseSequence,
      lastSequence: lastSequenceOf(b),
      firstOffset,
    });
    if (entry.batches.length > CACHED_BATCHES_MAX) entry.batches.shift();
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
    return e === undefined ? undefined : { epoch: e.epoch, batches: [...e.batches] };
  }

  restore(producerId: number, entry: ProducerEntry | undefined): void {
    if (entry === undefined) this.producers.delete(producerId);
    else this.producers.set(producerId, entry);
  }
}
