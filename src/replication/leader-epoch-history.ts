// The leader epochs a partition log has seen and the offset each began at
// (Kafka's leader-epoch cache). It answers OffsetForLeaderEpoch: an epoch
// ends where the next larger epoch begins, the current one at the log end.
// In memory for now, rebuilt from batch headers when a partition opens.

export class LeaderEpochHistory {
  /** Ascending by epoch and by start offset. */
  private readonly entries: Array<{ epoch: number; startOffset: number }> = [];

  /** Notes that batches of `epoch` start at `offset` (no-op if already known). */
  observe(epoch: number, offset: number): void {
    if (epoch < 0) return;
    const last = this.entries[this.entries.length - 1];
    if (last !== undefined && last.epoch >= epoch) return;
    this.entries.push({ epoch, startOffset: offset });
  }

  /** Forgets epochs that start at or after `offset` (the log was truncated there). */
  truncateFrom(offset: number): void {
    while (this.entries.length > 0 && this.entries[this.entries.length - 1]!.startOffset >= offset) this.entries.pop();
  }

  latestEpoch(): number {
    return this.entries[this.entries.length - 1]?.epoch ?? -1;
  }

  /** Kafka's answer: (largest known epoch <= requested, its end offset), or (-1, -1). */
  endOffsetFor(requested: number, logEndOffset: number): { leaderEpoch: number; endOffset: number } {
    let i = this.entries.length - 1;
    while (i >= 0 && this.entries[i]!.epoch > requested) i--;
    if (i < 0) return { leaderEpoch: -1, endOffset: -1 };
    const next = this.entries[i + 1];
    return { leaderEpoch: this.entries[i]!.epoch, endOffset: next === undefined ? logEndOffset : next.startOffset };
  }
}
