// InitProducerId handler (key 22), versions 0-5.
// Behaviour: gives an idempotent producer a fresh producer id at epoch 0
// (ids are reserved from the metadata store in blocks). A producer that
// presents its current id and epoch (v3+, KIP-360) gets the same id with the
// epoch bumped, so it can reset its sequence numbers. There is no
// transaction coordinator yet, so a transactional id is refused with
// TRANSACTIONAL_ID_AUTHORIZATION_FAILED rather than half-served.
// Version notes: v2 flexible; v3 producer id/epoch in the request; v4
// PRODUCER_FENCED; v5 (KIP-890) unchanged for idempotent producers.

import { InitProducerId } from '../protocol/apis/init-producer-id.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import type { BrokerServices } from './broker-services.ts';
import type { ApiHandler, RequestOf, ResponseOf } from './handler.ts';

type Response = ResponseOf<typeof InitProducerId>;
const EPOCH_MAX = 32767;

export function initProducerIdHandler(s: BrokerServices): ApiHandler<typeof InitProducerId> {
  return {
    api: InitProducerId,
    minVersion: 0,
    maxVersion: 5,
    async handle(req: RequestOf<typeof InitProducerId>): Promise<Response> {
      if (req.transactionalId !== null) {
        return {
          throttleTimeMs: 0,
          errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
          producerId: -1,
          producerEpoch: -1,
        };
      }
      if (req.producerId >= 0 && req.producerEpoch >= 0 && req.producerEpoch < EPOCH_MAX - 1) {
        return {
          throttleTimeMs: 0,
          errorCode: ErrorCode.NONE,
          producerId: req.producerId,
          producerEpoch: req.producerEpoch + 1,
        };
      }
      const producerId = await s.producerIds.allocate();
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId, producerEpoch: 0 };
    },
  };
}
