// acks=all, as pure decisions (Kafka's delayed produce): whether the ISR is
// large enough to take the batch at all, and what a batch that did not reach
// the high watermark in time is answered. api/produce.ts and the cluster
// simulator (src/testing/) answer producers with these.

import { ErrorCode } from '../protocol/error-codes.ts';

/** The leadership facts an acks=all answer depends on (the image's partition state). */
export interface AckPartitionState {
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly isr: readonly number[];
}

/** Before appending: NOT_ENOUGH_REPLICAS when the ISR is below min.insync.replicas, else null. */
export function ackRefusal(isrSize: number, minInsync: number): number | null {
  return isrSize < minInsync ? ErrorCode.NOT_ENOUGH_REPLICAS : null;
}

/**
 * A batch appended in `appendedLeaderEpoch` whose offsets the high watermark
 * did not pass in time: NOT_LEADER_OR_FOLLOWER when leadership moved meanwhile
 * (the batch may be truncated away), NOT_ENOUGH_REPLICAS_AFTER_APPEND when the
 * ISR shrank below min.insync.replicas, REQUEST_TIMED_OUT otherwise.
 */
export function unreplicatedAnswer(
  now: AckPartitionState | undefined,
  o: { readonly nodeId: number; readonly appendedLeaderEpoch: number; readonly minInsync: number },
): { readonly errorCode: number; readonly message: string } {
  if (now === undefined || now.leader !== o.nodeId || now.leaderEpoch !== o.appendedLeaderEpoch) {
    const message = 'leadership changed before the batch was replicated';
    return { errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, message };
  }
  const errorCode =
    now.isr.length < o.minInsync
      ? ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND
      : ErrorCode.REQUEST_TIMED_OUT;
  return { errorCode, message: 'not replicated to the ISR within the request timeout' };
}
