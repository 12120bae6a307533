// ListTransactions handler (key 66), versions 0-1.
// Behaviour: lists the transactional ids of the __transaction_state
// partitions this broker coordinates, filtered by state names and producer
// ids (empty filters match all); filters naming no state come back in
// UnknownStateFilters. COORDINATOR_LOAD_IN_PROGRESS while a partition loads.
// Version notes: v1 (KIP-994) DurationFilter: only transactions running longer.

import { ListTransactions } from '../protocol/apis/list-transactions.ts';
import type { TransactionCoordinator } from '../txn/transaction-coordinator.ts';
import type { ApiHandler, RequestContext, RequestOf, ResponseOf } from './handler.ts';

export function listTransactionsHandler(
  txns: TransactionCoordinator,
): ApiHandler<typeof ListTransactions> {
  return {
    api: ListTransactions,
    minVersion: 0,
    maxVersion: 1,
    async handle(
      req: RequestOf<typeof ListTransactions>,
      ctx: RequestContext,
    ): Promise<ResponseOf<typeof ListTransactions>> {
      const r = await txns.list({
        stateFilters: req.stateFilters,
        producerIdFilters: req.producerIdFilters,
        durationFilterMs: ctx.apiVersion >= 1 ? req.durationFilter : -1,
      });
      return {
        throttleTimeMs: 0,
        errorCode: r.errorCode,
        unknownStateFilters: [...r.unknownStateFilters],
        transactionStates: r.transactions.map((t) => ({
          transactionalId: t.transactionalId,
          producerId: t.producerId,
          transactionState: t.state,
        })),
      };
    },
  };
}
