// InitProducerId handler (key 22), versions 0-5.
// Behaviour: without a transactional id, a fresh producer id at epoch 0 every
// time, as Kafka's TransactionCoordinator does: the id and epoch a v3+ request
// presents (KIP-360) only matter for a transactional id, so producers that
// send 0/0 (@platformatic/kafka) never share an id; an id without an epoch (or
// the reverse) is INVALID_REQUEST as in KafkaApis. With a transactional id,
// the transaction coordinator (this broker must lead the id's
// __transaction_state partition, else NOT_COORDINATOR) gives the id's producer
// id with a bumped epoch, fencing older instances; an open transaction is
// aborted first (CONCURRENT_TRANSACTIONS until it is); a timeout above
// transaction.max.timeout.ms is INVALID_TRANSACTION_TIMEOUT. Ids are reserved
// from the metadata store in blocks.
// Version notes: v2 flexible; v3 producer id/epoch in the request (KIP-360
// epoch bump); v4 PRODUCER_FENCED (INVALID_PRODUCER_EPOCH before); v5
// (KIP-890) unchanged.

import { InitProducerId } from '../protocol/apis/init-producer-id.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import type { TransactionCoordinator } from '../txn/transaction-coordinator.ts';
import type { BrokerServices } from './broker-services.ts';
import type { ApiHandler, RequestContext, RequestOf, ResponseOf } from './handler.ts';
import { fencedForVersion } from './transaction-errors.ts';

type Response = ResponseOf<typeof InitProducerId>;
const NO_PRODUCER_ID = -1;
const NO_PRODUCER_EPOCH = -1;
const PRODUCER_FENCED_FROM_VERSION = 4;

export function initProducerIdHandler(
  s: BrokerServices,
  txns: TransactionCoordinator,
): ApiHandler<typeof InitProducerId> {
  return {
    api: InitProducerId,
    minVersion: 0,
    maxVersion: 5,
    async handle(req: RequestOf<typeof InitProducerId>, ctx: RequestContext): Promise<Response> {
      if ((req.producerId === NO_PRODUCER_ID) !== (req.producerEpoch === NO_PRODUCER_EPOCH)) {
        return {
          throttleTimeMs: 0,
          errorCode: ErrorCode.INVALID_REQUEST,
          producerId: -1,
          producerEpoch: -1,
        };
      }
      if (req.transactionalId === null) {
        const producerId = await s.producerIds.allocate();
        return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId, producerEpoch: 0 };
      }
      const r = await txns.initProducerId({
        transactionalId: req.transactionalId,
        transactionTimeoutMs: req.transactionTimeoutMs,
        producerId: req.producerId,
        producerEpoch: req.producerEpoch,
      });
      return {
        throttleTimeMs: 0,
        errorCode: fencedForVersion(r.errorCode, ctx.apiVersion, PRODUCER_FENCED_FROM_VERSION),
        producerId: r.producerId,
        producerEpoch: r.producerEpoch,
      };
    },
  };
}
