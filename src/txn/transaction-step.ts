// What one step of the transaction machine works with (the state, the time
// the input arrived, the effects collected so far) and the helpers every
// handler shares: answering, finding a transactional id's partition, and the
// check that this coordinator serves it now.

import { ErrorCode } from '../protocol/error-codes.ts';
import { partitionForTransactionalId, type TopicPartitions } from './transaction-log-format.ts';
import type {
  RequestType,
  TransactionCoordinatorState,
  TransactionEffect,
  TransactionResponseByType,
} from './transaction-machine-types.ts';

export interface Step {
  readonly state: TransactionCoordinatorState;
  readonly nowMs: number;
  readonly effects: TransactionEffect[];
}

export function respond<T extends RequestType>(
  s: Step,
  requestId: number,
  api: T,
  response: TransactionResponseByType[T],
): void {
  s.effects.push({ type: 'respond', requestId, api, response });
}

export function partitionOf(s: Step, transactionalId: string): number {
  return partitionForTransactionalId(
    transactionalId,
    s.state.config.transactionStateLogNumPartitions,
  );
}

/** NOT_COORDINATOR or COORDINATOR_LOAD_IN_PROGRESS unless this machine serves the id now. */
export function coordinatorError(s: Step, transactionalId: string): number | null {
  const status = s.state.partitions.get(partitionOf(s, transactionalId));
  if (status === undefined) return ErrorCode.NOT_COORDINATOR;
  if (status.status === 'loading') return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
  return null;
}

export function topicPartitionsOf(
  partitions: ReadonlyMap<string, ReadonlySet<number>>,
): TopicPartitions[] {
  return [...partitions]
    .filter(([, set]) => set.size > 0)
    .map(([topic, set]) => ({ topic, partitions: [...set].sort((a, b) => a - b) }));
}
