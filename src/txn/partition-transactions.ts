// The transaction state of one partition, derived from its log: which
// producers have a transaction open here (and from which offset), which
// finished transactions are not yet below the high watermark, and the
// aborted transactions, from which the last stable offset (LSO) and a
// read_committed fetch's AbortedTransactions follow. Pure data, fed batch
// headers and markers in log order by the partition; files are elsewhere
// (transaction-index.ts).

export interface AbortedTransaction {
  readonly producerId: number;
  readonly firstOffset: number;
  /** Offset of the abort marker. */
  readonly lastOffset: number;
  /** The LSO once this transaction was done (Kafka's field): ends a search early. */
  readonly lastStableOffset: number;
}

export interface OpenTransaction {
  readonly firstOffset: number;
  readonly startTimestampMs: number;
}

export interface FinishedTransaction {
  readonly producerId: number;
  readonly firstOffset: number;
  /** The marker's offset; the transaction counts as open until the high watermark passes it. */
  readonly lastOffset: number;
}

export class PartitionTransactions {
  private readonly open = new Map<number, OpenTransaction>();
  private unreplicated: FinishedTransaction[] = [];
  /** Ordered by lastOffset (the order markers are appended in). */
  private abortedList: AbortedTransaction[] = [];

  /** A transactional data batch was appended: it opens the producer's transaction if none is. */
  onTransactionalBatch(producerId: number, baseOffset: number, timestampMs: number): void {
    if (!this.open.has(producerId)) {
      this.open.set(producerId, { firstOffset: baseOffset, startTimestampMs: timestampMs });
    }
  }

  /**
   * A marker was appended at `offset`: the producer's transaction ends. For an
   * abort, returns the aborted-index entry (also kept here), else null. A
   * marker for a producer with nothing open here (a retried marker, or a
   * transaction that wrote nothing to this partition) ends nothing.
   */
  onMarker(producerId: number, commit: boolean, offset: number): AbortedTransaction | null {
    const open = this.open.get(producerId);
    if (open === undefined) return null;
    this.open.delete(producerId);
    this.unreplicated.push({ producerId, firstOffset: open.firstOffset, lastOffset: offset });
    if (commit) return null;
    let lastStableOffset = offset + 1;
    for (const o of this.open.values())
      lastStableOffset = Math.min(lastStableOffset, o.firstOffset);
    const entry = {
      producerId,
      firstOffset: open.firstOffset,
      lastOffset: offset,
      lastStableOffset,
    };
    this.abortedList.push(entry);
    return entry;
  }

  /** First offset of the producer's open transaction here, or -1. */
  openTransactionStart(producerId: number): number {
    return this.open.get(producerId)?.firstOffset ?? -1;
  }

  /** Producers with an open transaction and its first offset and start time. */
  openTransactions(): ReadonlyMap<number, OpenTransaction> {
    return this.open;
  }

  /** The lowest first offset of a transaction not yet known decided and replicated, or null. */
  firstUnstableOffset(): number | null {
    let first: number | null = null;
    for (const o of this.open.values())
      first = first === null ? o.firstOffset : Math.min(first, o.firstOffset);
    for (const t of this.unreplicated)
      first = first === null ? t.firstOffset : Math.min(first, t.firstOffset);
    return first;
  }

  /**
   * The last stable offset: below it every transaction is decided and its
   * marker is committed; it never passes the high watermark.
   */
  lastStableOffset(highWatermark: number): number {
    if (this.unreplicated.length > 0) {
      this.unreplicated = this.unreplicated.filter((t) => t.lastOffset >= highWatermark);
    }
    let lso = highWatermark;
    for (const o of this.open.values()) lso = Math.min(lso, o.firstOffset);
    for (const t of this.unreplicated) lso = Math.min(lso, t.firstOffset);
    return lso;
  }

  /**
   * Aborted transactions overlapping [fetchOffset, upperBoundOffset): those
   * whose marker is at or after fetchOffset and that started before the bound,
   * as Kafka's collectAbortedTxns returns them.
   */
  abortedBetween(fetchOffset: number, upperBoundOffset: number): AbortedTransaction[] {
    const list = this.abortedList;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (list[mid]!.lastOffset < fetchOffset) lo = mid + 1;
      else hi = mid;
    }
    const found: AbortedTransaction[] = [];
    for (let i = lo; i < list.length; i++) {
      const t = list[i]!;
      if (t.firstOffset < upperBoundOffset) found.push(t);
      if (t.lastStableOffset >= upperBoundOffset) break;
    }
    return found;
  }

  aborted(): readonly AbortedTransaction[] {
    return this.abortedList;
  }

  /** Restores aborted entries read from the index files (markers below where a rescan starts). */
  restoreAborted(entries: readonly AbortedTransaction[]): void {
    this.abortedList = [...entries].sort((a, b) => a.lastOffset - b.lastOffset);
  }

  /** Forgets everything derived from offsets at or above `offset` (before a rescan from there). */
  resetFrom(offset: number): void {
    this.open.clear();
    this.unreplicated = [];
    this.abortedList = this.abortedList.filter((t) => t.lastOffset < offset);
  }

  /**
   * The transactions a rescan from the log end could not see again: those open, and
   * those finished whose marker the high watermark has not passed. A producer-state
   * snapshot holds them, so a transaction open across many segments survives a restart.
   */
  pending(): {
    readonly open: ReadonlyArray<{ readonly producerId: number } & OpenTransaction>;
    readonly unreplicated: readonly FinishedTransaction[];
  } {
    return {
      open: [...this.open].map(([producerId, o]) => ({ producerId, ...o })),
      unreplicated: [...this.unreplicated],
    };
  }

  /**
   * Takes the pending transactions of a snapshot (after `resetFrom` the snapshot's
   * offset), before the batches after it are applied.
   */
  restorePending(pending: ReturnType<PartitionTransactions['pending']>): void {
    for (const o of pending.open)
      this.open.set(o.producerId, {
        firstOffset: o.firstOffset,
        startTimestampMs: o.startTimestampMs,
      });
    this.unreplicated = [...pending.unreplicated];
  }

  /** Retention or DeleteRecords moved the log start: entries wholly below it go. */
  dropBelow(logStartOffset: number): void {
    this.abortedList = this.abortedList.filter((t) => t.lastOffset >= logStartOffset);
  }
}
