// InitProducerId handler (key 22), versions 0-5.
// Behaviour: gives an idempotent producer (no transactional id) a fresh
// producer id at epoch 0 every time, as Kafka's TransactionCoordinator does:
// the id and epoch a v3+ request presents (KIP-360) only matter for a
// transactional id, so producers that send 0/0 (@platformatic/kafka) never share
// an id. Ids are reserved from the metadata store in blocks. As in Kafka's
// KafkaApis, an id without an epoch (or the reverse) is INVALID_REQUEST. There
// is no transaction coordinator yet, so a transactional id is refused with
// TRANSACTIONAL_ID_AUTHORIZATION_FAILED rather than half-served.
// Authorization (as Kafka's KafkaApis): Write on the transactional id
// (TRANSACTIONAL_ID_AUTHORIZATION_FAILED); without one, IdempotentWrite on the
// cluster or Write on any topic (CLUSTER_AUTHORIZATION_FAILED).
// Version notes: v2 flexible; v3 producer id/epoch in the request; v4
// PRODUCER_FENCED; v5 (KIP-890) unchanged for idempotent producers.

import { InitProducerId } from '../protocol/apis/init-producer-id.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import type { BrokerServices } from './broker-services.ts';
import type { ApiHandler, RequestContext, RequestOf, ResponseOf } from './handler.ts';

type Response = ResponseOf<typeof InitProducerId>;
const NO_PRODUCER_ID = -1;
const NO_PRODUCER_EPOCH = -1;

export function initProducerIdHandler(s: BrokerServices): ApiHandler<typeof InitProducerId> {
  return {
    api: InitProducerId,
    minVersion: 0,
    maxVersion: 5,
    async handle(req: RequestOf<typeof InitProducerId>, ctx: RequestContext): Promise<Response> {
      const fail = (errorCode: number): Response => ({
        throttleTimeMs: 0,
        errorCode,
        producerId: -1,
        producerEpoch: -1,
      });
      // Kafka's rule: Write on the transactional id; an idempotent producer needs
      // IdempotentWrite on the cluster, or (Kafka 3.x, KIP-679) Write on any topic.
      if (
        req.transactionalId !== null &&
        !s.authorizer.allowed(ctx, 'WRITE', 'TRANSACTIONAL_ID', req.transactionalId)
      )
        return fail(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
      if (
        req.transactionalId === null &&
        !s.authorizer.cluster(ctx, 'IDEMPOTENT_WRITE', { logIfDenied: false }) &&
        !s.authorizer.byResourceType(ctx, 'WRITE', 'TOPIC')
      )
        return fail(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
      if (req.transactionalId !== null) {
        return {
          throttleTimeMs: 0,
          errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
          producerId: -1,
          producerEpoch: -1,
        };
      }
      if ((req.producerId === NO_PRODUCER_ID) !== (req.producerEpoch === NO_PRODUCER_EPOCH)) {
        return {
          throttleTimeMs: 0,
          errorCode: ErrorCode.INVALID_REQUEST,
          producerId: -1,
          producerEpoch: -1,
        };
      }
      const producerId = await s.producerIds.allocate();
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId, producerEpoch: 0 };
    },
  };
}
