// DescribeTransactions handler (key 65), version 0.
// Behaviour: describes each transactional id this broker coordinates: state,
// timeout, start time, producer id and epoch, and the partitions in the
// transaction; an id of another coordinator's partition is NOT_COORDINATOR,
// an unknown one TRANSACTIONAL_ID_NOT_FOUND.

import { DescribeTransactions } from '../protocol/apis/describe-transactions.ts';
import type { TransactionCoordinator } from '../txn/transaction-coordinator.ts';
import type { ApiHandler, RequestOf, ResponseOf } from './handler.ts';

export function describeTransactionsHandler(
  txns: TransactionCoordinator,
): ApiHandler<typeof DescribeTransactions> {
  return {
    api: DescribeTransactions,
    minVersion: 0,
    maxVersion: 0,
    async handle(
      req: RequestOf<typeof DescribeTransactions>,
    ): Promise<ResponseOf<typeof DescribeTransactions>> {
      const r = await txns.describe({ transactionalIds: req.transactionalIds });
      return {
        throttleTimeMs: 0,
        transactionStates: r.transactions.map((t) => ({
          errorCode: t.errorCode,
          transactionalId: t.transactionalId,
          transactionState: t.state,
          transactionTimeoutMs: t.timeoutMs,
          transactionStartTimeMs: t.startTimestampMs,
          producerId: t.producerId,
          producerEpoch: t.producerEpoch,
          topics: t.partitions.map((p) => ({ topic: p.topic, partitions: [...p.partitions] })),
        })),
      };
    },
  };
}
