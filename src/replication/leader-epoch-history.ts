// The leader epochs a partition log has seen and the offset each began at
// (Kafka's leader-epoch cache), as pure data. It answers OffsetForLeaderEpoch
// and the follower's divergence check: an epoch ends where the next larger
// epoch begins, the latest one at the log end. Persisting it is
// leader-epoch-cache.ts's job; this module does no I/O.

export interface EpochEntry {
  readonly epoch: number;
  readonly startOffset: number;
}

export interface EpochEndOffset {
  readonly leaderEpoch: number;
  readonly endOffset: number;
}

/** Kafka's UNDEFINED_EPOCH and UNDEFINED_EPOCH_OFFSET. */
export const UNDEFINED_EPOCH = -1;
export const UNDEFINED_EPOCH_OFFSET = -1;

export class LeaderEpochHistory {
  /** Strictly ascending by epoch and by start offset. */
  private entries: EpochEntry[] = [];

  constructor(entries: readonly EpochEntry[] = []) {
    for (const e of entries) this.assign(e.epoch, e.startOffset);
  }

  /**
   * Notes that batches of `epoch` start at `startOffset`. A new larger epoch is
   * appended; the latest epoch seen again at a smaller offset moves its start
   * back; an entry that breaks the order (an epoch not above the latest, or an
   * offset not above the latest start) first removes the entries it conflicts
   * with, as Kafka does. Returns whether anything changed. Negative epochs
   * (batches written before leader epochs existed) are ignored.
   */
  assign(epoch: number, startOffset: number): boolean {
    if (epoch < 0) return false;
    if (!Number.isSafeInteger(startOffset) || startOffset < 0) {
      throw new RangeError(`leader epoch ${epoch} cannot start at offset ${startOffset}`);
    }
    const last = this.entries[this.entries.length - 1];
    if (last !== undefined && last.epoch === epoch && last.startOffset <= startOffset) return false;
    while (this.entries.length > 0) {
      const tail = this.entries[this.entries.length - 1]!;
      if (tail.epoch < epoch && tail.startOffset < startOffset) break;
      this.entries.pop();
    }
    this.entries.push({ epoch, startOffset });
    return true;
  }

  /** Forgets epochs that start at or after `endOffset` (the log was truncated there). */
  truncateFromEnd(endOffset: number): boolean {
    let changed = false;
    while (
      this.entries.length > 0 &&
      this.entries[this.entries.length - 1]!.startOffset >= endOffset
    ) {
      this.entries.pop();
      changed = true;
    }
    return changed;
  }

  /**
   * The log now starts at `startOffset`: entries wholly below it go, and the
   * epoch that holds it is made to start there (an entry exactly at it stays).
   */
  truncateFromStart(startOffset: number): boolean {
    let firstKept = 0;
    while (firstKept < this.entries.length && this.entries[firstKept]!.startOffset <= startOffset)
      firstKept++;
    // entries[firstKept - 1] is the last entry starting at or below startOffset.
    const holder = this.entries[firstKept - 1];
    if (holder === undefined || (firstKept === 1 && holder.startOffset === startOffset))
      return false;
    this.entries = [{ epoch: holder.epoch, startOffset }, ...this.entries.slice(firstKept)];
    return true;
  }

  latestEpoch(): number {
    return this.entries[this.entries.length - 1]?.epoch ?? UNDEFINED_EPOCH;
  }

  list(): readonly EpochEntry[] {
    return this.entries;
  }

  /**
   * Kafka's answer for `requested`: the largest known epoch at or below it and
   * the start of the next larger epoch (the log end for the latest epoch). An
   * epoch older than every entry (its batches were deleted) ends where the
   * oldest entry starts; one newer than every entry, or -1, is undefined.
   */
  endOffsetFor(requested: number, logEndOffset: number): EpochEndOffset {
    const undefinedAnswer = { leaderEpoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
    if (requested === UNDEFINED_EPOCH) return undefinedAnswer;
    const latest = this.entries[this.entries.length - 1];
    if (latest === undefined) return undefinedAnswer;
    if (latest.epoch === requested) return { leaderEpoch: requested, endOffset: logEndOffset };
    const higher = this.entries.findIndex((e) => e.epoch > requested);
    if (higher < 0) return undefinedAnswer;
    const endOffset = this.entries[higher]!.startOffset;
    const floor = this.entries[higher - 1];
    return { leaderEpoch: floor === undefined ? requested : floor.epoch, endOffset };
  }
}

/**
 * Where a follower truncates when the leader answers that their logs diverged
 * (`leader`: the leader's end offset for the follower's last fetched epoch),
 * by Kafka's follower rule (KIP-101, KIP-279). The follower looks the leader's
 * epoch up in its own history: if it knows that epoch, the logs agree up to
 * the smaller of the two ends of it; if not, it cuts back to the end of its
 * own largest epoch below, and the next fetch compares again. An undefined
 * answer leaves only what is committed: the high watermark.
 */
export function followerTruncationOffset(
  leader: EpochEndOffset,
  ownEndOffsetFor: (epoch: number) => EpochEndOffset,
  replica: { readonly logEndOffset: number; readonly highWatermark: number },
): number {
  const leo = replica.logEndOffset;
  if (leader.endOffset === UNDEFINED_EPOCH_OFFSET) return Math.min(replica.highWatermark, leo);
  if (leader.leaderEpoch === UNDEFINED_EPOCH) return Math.min(leader.endOffset, leo);
  const own = ownEndOffsetFor(leader.leaderEpoch);
  if (own.leaderEpoch === UNDEFINED_EPOCH || own.endOffset === UNDEFINED_EPOCH_OFFSET) {
    return Math.min(leader.endOffset, leo);
  }
  if (own.leaderEpoch !== leader.leaderEpoch) return Math.min(own.endOffset, leo);
  return Math.min(leader.endOffset, own.endOffset, leo);
}
