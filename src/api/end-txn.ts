// EndTxn handler (key 26), versions 0-4.
// Behaviour: commits or aborts the producer's ongoing transaction. The
// coordinator stores the decision (PrepareCommit/PrepareAbort, replicated),
// answers, then writes the markers to every partition of the transaction and
// finally stores CompleteCommit/CompleteAbort. A retried EndTxn of a finished
// transaction with the same result is NONE; the other result is
// INVALID_TXN_STATE; one still being ended is CONCURRENT_TRANSACTIONS.
// Version notes: v2 PRODUCER_FENCED (INVALID_PRODUCER_EPOCH before); v3
// flexible; v4 TRANSACTION_ABORTABLE (never sent here). v5 (KIP-890 part 2) is
// not served.

import { EndTxn } from '../protocol/apis/end-txn.ts';
import type { TransactionCoordinator } from '../txn/transaction-coordinator.ts';
import type { ApiHandler, RequestContext, RequestOf, ResponseOf } from './handler.ts';
import { fencedForVersion } from './transaction-errors.ts';

const PRODUCER_FENCED_FROM_VERSION = 2;

export function endTxnHandler(txns: TransactionCoordinator): ApiHandler<typeof EndTxn> {
  return {
    api: EndTxn,
    minVersion: 0,
    maxVersion: 4,
    async handle(
      req: RequestOf<typeof EndTxn>,
      ctx: RequestContext,
    ): Promise<ResponseOf<typeof EndTxn>> {
      const r = await txns.endTxn({
        transactionalId: req.transactionalId,
        producerId: req.producerId,
        producerEpoch: req.producerEpoch,
        commit: req.committed,
      });
      return {
        throttleTimeMs: 0,
        errorCode: fencedForVersion(r.errorCode, ctx.apiVersion, PRODUCER_FENCED_FROM_VERSION),
      };
    },
  };
}
