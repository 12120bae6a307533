// ListTransactions handler (key 66), versions 0-1.
// Behaviour: lists the transactional ids of the __transaction_state
// partitions this broker coordinates, filtered by state names and producer
// ids (empty filters match all); filters naming no state come back in
// UnknownStateFilters. COORDINATOR_LOAD_IN_PROGRESS while a partition loads.
// Authorization (as Kafka's KafkaApis): only the ids the principal may Describe
// are listed, without an error.
// Version notes: v1 (KIP-994) DurationFilter: only transactions running longer.

import { ListTransactions } from '../protocol/apis/list-transactions.ts';
import type { TransactionCoordinator } from '../txn/transaction-coordinator.ts';
import type { RequestAuthorizer } from './authorization.ts';
import type { ApiHandler, RequestContext, RequestOf, ResponseOf } from './handler.ts';
import { listableTransactionalIds } from './txn-authorization.ts';

export function listTransactionsHandler(
  txns: TransactionCoordinator,
  authz: RequestAuthorizer,
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
      const listable = listableTransactionalIds(
        authz,
        ctx,
        r.transactions.map((t) => t.transactionalId),
      );
      return {
        throttleTimeMs: 0,
        errorCode: r.errorCode,
        unknownStateFilters: [...r.unknownStateFilters],
        transactionStates: r.transactions
          .filter((t) => listable.has(t.transactionalId))
          .map((t) => ({
            transactionalId: t.transactionalId,
            producerId: t.producerId,
            transactionState: t.state,
          })),
      };
    },
  };
}
