// Fencing and divergence in follower fetches, both sides, as pure functions:
// the leader refuses a request naming another leader epoch and tells a
// follower whose last fetched epoch ended earlier in its own log where it
// ended (KIP-320, KIP-595's diverging epoch); the follower turns the answer
// into an append, a truncation or a retry (KIP-101, KIP-279). api/fetch.ts and
// replication/replica-fetcher.ts run them on real requests, the cluster
// simulator (src/testing/) on simulated ones.

import { ErrorCode } from '../protocol/error-codes.ts';
import {
  type EpochEndOffset,
  followerTruncationOffset,
  UNDEFINED_EPOCH,
  UNDEFINED_EPOCH_OFFSET,
} from './leader-epoch-history.ts';

/**
 * Kafka's answer to a request naming leader epoch `requested` (>= 0) on a
 * replica in `current`: UNKNOWN_LEADER_EPOCH when the request is ahead of us,
 * FENCED_LEADER_EPOCH when it is behind, null when they agree or none is named.
 */
export function leaderEpochError(requested: number, current: number): number | null {
  if (requested < 0 || requested === current) return null;
  return requested > current ? ErrorCode.UNKNOWN_LEADER_EPOCH : ErrorCode.FENCED_LEADER_EPOCH;
}

/**
 * Leader: the diverging epoch to answer a follower that fetches from
 * `fetchOffset` after batches of `lastFetchedEpoch`, or null when its log
 * agrees with ours so far. It diverged if we do not know that epoch as such,
 * or if the epoch ended here before the follower's log end.
 */
export function divergingEpochFor(
  fetch: { readonly fetchOffset: number; readonly lastFetchedEpoch: number },
  endOffsetFor: (epoch: number) => EpochEndOffset,
): EpochEndOffset | null {
  if (fetch.lastFetchedEpoch < 0) return null;
  const end = endOffsetFor(fetch.lastFetchedEpoch);
  if (end.leaderEpoch === fetch.lastFetchedEpoch && end.endOffset >= fetch.fetchOffset) return null;
  return end;
}

/** What a follower does with one partition's fetch answer. */
export type FollowerFetchAction =
  | { readonly kind: 'append' }
  | { readonly kind: 'truncate'; readonly offset: number; readonly reason: TruncationReason }
  | { readonly kind: 'retry' };

export type TruncationReason = 'diverged' | 'ahead-of-leader';

export interface FollowerFetchAnswer {
  readonly errorCode: number;
  readonly highWatermark: number;
  /** Absent, or Kafka's default (-1, -1), when the logs agree. */
  readonly divergingEpoch: { readonly epoch: number; readonly endOffset: number } | null;
}

export interface FollowerReplica {
  readonly logEndOffset: number;
  readonly logStartOffset: number;
  readonly highWatermark: number;
  /** This replica's own end offset for an epoch (its leader-epoch history). */
  endOffsetFor(epoch: number): EpochEndOffset;
}

/**
 * The follower's reaction to a partition's answer: append the records; cut
 * the log where it diverged from the leader's; cut back to the leader's high
 * watermark when the leader says our fetch offset is past its log; otherwise
 * (any other error) retry after a pause.
 */
export function followerFetchAction(
  answer: FollowerFetchAnswer,
  replica: FollowerReplica,
): FollowerFetchAction {
  if (answer.errorCode !== ErrorCode.NONE) {
    const ahead =
      answer.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE &&
      replica.logEndOffset > answer.highWatermark;
    if (!ahead) return { kind: 'retry' };
    // We are ahead of the leader: keep only what it has committed.
    const offset = Math.max(answer.highWatermark, replica.logStartOffset);
    return { kind: 'truncate', offset, reason: 'ahead-of-leader' };
  }
  const d = answer.divergingEpoch;
  // (-1, -1) is the field's default: Kafka treats it as absent.
  if (d === null || (d.epoch === UNDEFINED_EPOCH && d.endOffset === UNDEFINED_EPOCH_OFFSET)) {
    return { kind: 'append' };
  }
  const offset = followerTruncationOffset(
    { leaderEpoch: d.epoch, endOffset: d.endOffset },
    (epoch) => replica.endOffsetFor(epoch),
    { logEndOffset: replica.logEndOffset, highWatermark: replica.highWatermark },
  );
  return { kind: 'truncate', offset, reason: 'diverged' };
}
