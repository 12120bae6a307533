// AddOffsetsToTxn handler (key 25), versions 0-4.
// Behaviour: adds the group's __consumer_offsets partition (Kafka's hash of
// the group id) to the producer's ongoing transaction, so the coordinator
// writes the transaction's marker there and the group coordinator shows the
// offsets committed with TxnOffsetCommit only on commit.
// Version notes: v2 PRODUCER_FENCED (INVALID_PRODUCER_EPOCH before); v3
// flexible; v4 TRANSACTION_ABORTABLE (never sent here).

import { OFFSETS_TOPIC } from '../group/group-coordinator.ts';
import { partitionForGroup } from '../group/offsets-topic-format.ts';
import { AddOffsetsToTxn } from '../protocol/apis/add-offsets-to-txn.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import type { TransactionCoordinator } from '../txn/transaction-coordinator.ts';
import type { BrokerServices } from './broker-services.ts';
import type { ApiHandler, RequestContext, RequestOf, ResponseOf } from './handler.ts';
import { fencedForVersion } from './transaction-errors.ts';

const PRODUCER_FENCED_FROM_VERSION = 2;

export function addOffsetsToTxnHandler(
  s: BrokerServices,
  txns: TransactionCoordinator,
): ApiHandler<typeof AddOffsetsToTxn> {
  return {
    api: AddOffsetsToTxn,
    minVersion: 0,
    maxVersion: 4,
    async handle(
      req: RequestOf<typeof AddOffsetsToTxn>,
      ctx: RequestContext,
    ): Promise<ResponseOf<typeof AddOffsetsToTxn>> {
      if (req.groupId === '') return { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_GROUP_ID };
      const partition = partitionForGroup(req.groupId, s.config.offsetsTopicNumPartitions);
      const r = await txns.addPartitions({
        transactionalId: req.transactionalId,
        producerId: req.producerId,
        producerEpoch: req.producerEpoch,
        partitions: [{ topic: OFFSETS_TOPIC, partitions: [partition] }],
        verifyOnly: false,
      });
      const errorCode = r.results[0]?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR;
      return {
        throttleTimeMs: 0,
        errorCode: fencedForVersion(errorCode, ctx.apiVersion, PRODUCER_FENCED_FROM_VERSION),
      };
    },
  };
}
