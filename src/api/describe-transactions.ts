// DescribeTransactions handler (key 65), version 0.
// Behaviour: describes each transactional id this broker coordinates: state,
// timeout, start time, producer id and epoch, and the partitions in the
// transaction; an id of another coordinator's partition is NOT_COORDINATOR,
// an unknown one TRANSACTIONAL_ID_NOT_FOUND.
// Authorization (as Kafka's KafkaApis): Describe on each transactional id
// (TRANSACTIONAL_ID_AUTHORIZATION_FAILED for that id); a described transaction
// lists only the partitions of topics the principal may Describe.

import { DescribeTransactions } from '../protocol/apis/describe-transactions.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import type { TransactionCoordinator } from '../txn/transaction-coordinator.ts';
import type { RequestAuthorizer } from './authorization.ts';
import type { ApiHandler, RequestContext, RequestOf, ResponseOf } from './handler.ts';
import { describableTopics, describableTransactionalIds } from './txn-authorization.ts';

type Response = ResponseOf<typeof DescribeTransactions>;
type State = Response['transactionStates'][number];

function refused(transactionalId: string): State {
  return {
    errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
    transactionalId,
    transactionState: '',
    transactionTimeoutMs: 0,
    transactionStartTimeMs: -1,
    producerId: -1,
    producerEpoch: -1,
    topics: [],
  };
}

export function describeTransactionsHandler(
  txns: TransactionCoordinator,
  authz: RequestAuthorizer,
): ApiHandler<typeof DescribeTransactions> {
  return {
    api: DescribeTransactions,
    minVersion: 0,
    maxVersion: 0,
    async handle(
      req: RequestOf<typeof DescribeTransactions>,
      ctx: RequestContext,
    ): Promise<Response> {
      const ids = req.transactionalIds;
      const allowed = describableTransactionalIds(authz, ctx, ids);
      const r = await txns.describe({ transactionalIds: ids.filter((id) => allowed.has(id)) });
      const described = new Map(
        r.transactions.map((t): [string, State] => {
          const topics = describableTopics(
            authz,
            ctx,
            t.partitions.map((p) => p.topic),
          );
          return [
            t.transactionalId,
            {
              errorCode: t.errorCode,
              transactionalId: t.transactionalId,
              transactionState: t.state,
              transactionTimeoutMs: t.timeoutMs,
              transactionStartTimeMs: t.startTimestampMs,
              producerId: t.producerId,
              producerEpoch: t.producerEpoch,
              topics: t.partitions
                .filter((p) => topics.has(p.topic))
                .map((p) => ({ topic: p.topic, partitions: [...p.partitions] })),
            },
          ];
        }),
      );
      // In the request's order, as Kafka answers.
      const transactionStates = ids.map((id) => described.get(id) ?? refused(id));
      return { throttleTimeMs: 0, transactionStates };
    },
  };
}
