// What the log cleaner needs to know about transactions, and the default way
// of knowing it: from the transaction markers in the log itself. As Kafka's
// cleaner does, records of aborted transactions are removed, and a marker is
// kept while its transaction still has records in the log; once none are left
// it gets a delete horizon and goes after delete.retention.ms.
//
// The seam is CleanerTransactions: a transaction coordinator that keeps an
// aborted-transaction index may supply its own. The default learns aborted
// ranges from the ABORT markers it is shown while the cleaner reads the dirty
// part of the log (and the part after it, when a transaction is still open at
// the end of what the cleaner read).

/** Kafka's control record types (the key's second int16). */
export const CONTROL_TYPE_ABORT = 0;
export const CONTROL_TYPE_COMMIT = 1;

/** What a clean asks about transactions, in log order. */
export interface CleanerTransactions {
  /** The map pass saw a batch (every batch from the first dirty offset on, in order). */
  noteBatch(batch: {
    producerId: number;
    baseOffset: number;
    transactional: boolean;
    controlType: number | null;
  }): void;
  /** True when transactions are still open after everything noted (more must be read). */
  readonly hasOpenTransactions: boolean;
  /** True when a transactional data batch of this producer at this offset was aborted. */
  isAborted(producerId: number, baseOffset: number): boolean;
  /** The clean pass kept records of a transactional data batch of this producer. */
  keptTransactionalData(producerId: number): void;
  /**
   * The clean pass reached this producer's marker: true when its transaction still
   * has records in the log (keep the marker as it is); false when it may go once
   * its delete horizon has passed.
   */
  markerHasData(producerId: number): boolean;
}

interface AbortedRange {
  /** First offset of the transaction. */
  readonly first: number;
  /** The ABORT marker's offset. */
  readonly last: number;
}

/** The default: aborted ranges learnt from the markers the map pass saw. */
export class MarkerTransactions implements CleanerTransactions {
  /** Producer -> first offset of its transaction still open in what was noted. */
  private readonly open = new Map<number, number>();
  private readonly aborted = new Map<number, AbortedRange[]>();
  /** Producer -> whether its current transaction kept records in this clean. */
  private readonly withData = new Map<number, boolean>();

  noteBatch(batch: {
    producerId: number;
    baseOffset: number;
    transactional: boolean;
    controlType: number | null;
  }): void {
    if (!batch.transactional || batch.producerId < 0) return;
    if (batch.controlType === null) {
      if (!this.open.has(batch.producerId)) this.open.set(batch.producerId, batch.baseOffset);
      return;
    }
    // A transaction begun before the first dirty offset cannot end after it: the
    // cleaner never cleans past the last stable offset (firstUnstableOffset).
    const first = this.open.get(batch.producerId);
    this.open.delete(batch.producerId);
    if (first === undefined || batch.controlType !== CONTROL_TYPE_ABORT) return;
    const ranges = this.aborted.get(batch.producerId) ?? [];
    ranges.push({ first, last: batch.baseOffset });
    this.aborted.set(batch.producerId, ranges);
  }

  get hasOpenTransactions(): boolean {
    return this.open.size > 0;
  }

  isAborted(producerId: number, baseOffset: number): boolean {
    const ranges = this.aborted.get(producerId);
    if (ranges === undefined) return false;
    return ranges.some((r) => baseOffset >= r.first && baseOffset < r.last);
  }

  keptTransactionalData(producerId: number): void {
    this.withData.set(producerId, true);
  }

  markerHasData(producerId: number): boolean {
    const had = this.withData.get(producerId) === true;
    this.withData.delete(producerId);
    return had;
  }
}
