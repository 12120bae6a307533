// Registers the transaction APIs, which talk to the transaction coordinator
// (InitProducerId, AddPartitionsToTxn, AddOffsetsToTxn, EndTxn,
// DescribeTransactions, ListTransactions), to the group coordinator
// (TxnOffsetCommit) or to the partitions this broker leads (WriteTxnMarkers,
// DescribeProducers).

import type { GroupCoordinator } from '../group/group-coordinator.ts';
import type { TransactionCoordinator } from '../txn/transaction-coordinator.ts';
import { addOffsetsToTxnHandler } from './add-offsets-to-txn.ts';
import { addPartitionsToTxnHandler } from './add-partitions-to-txn.ts';
import type { BrokerServices } from './broker-services.ts';
import { describeProducersHandler } from './describe-producers.ts';
import { describeTransactionsHandler } from './describe-transactions.ts';
import { endTxnHandler } from './end-txn.ts';
import type { HandlerRegistry } from './handler.ts';
import { initProducerIdHandler } from './init-producer-id.ts';
import { listTransactionsHandler } from './list-transactions.ts';
import { txnOffsetCommitHandler } from './txn-offset-commit.ts';
import { writeTxnMarkersHandler } from './write-txn-markers.ts';

export function registerTransactionHandlers(
  registry: HandlerRegistry,
  s: BrokerServices,
  txns: TransactionCoordinator,
  groups: GroupCoordinator,
): void {
  registry
    .add(initProducerIdHandler(s, txns))
    .add(addPartitionsToTxnHandler(s, txns))
    .add(addOffsetsToTxnHandler(s, txns))
    .add(endTxnHandler(txns))
    .add(writeTxnMarkersHandler(s, groups))
    .add(txnOffsetCommitHandler(s, groups))
    .add(describeProducersHandler(s))
    .add(describeTransactionsHandler(txns))
    .add(listTransactionsHandler(txns));
}
