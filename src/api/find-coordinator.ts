// FindCoordinator handler (key 10), versions 0-6.
// Behaviour: a group's coordinator is the leader of the group's
// __consumer_offsets partition (Kafka's hash of the group id modulo
// offsets.topic.num.partitions). The topic is created on first need; while it
// is being created or this broker is still loading the partition the answer is
// COORDINATOR_NOT_AVAILABLE, which clients retry. A transactional id's (key
// type 1) is the leader of its __transaction_state partition, found the same
// way; other key types (share groups) get INVALID_REQUEST.
// Version notes: v1 key type, throttle time and error message; v3 flexible;
// v4 batched coordinatorKeys with a result per key (KIP-699); v5 and v6 only
// widen the errors and key types.

import { endpointFor } from '../cluster/metadata-image.ts';
import type { FoundCoordinator, GroupCoordinator } from '../group/group-coordinator.ts';
import { FindCoordinator } from '../protocol/apis/find-coordinator.ts';
import { ErrorCode, errorInfo } from '../protocol/error-codes.ts';
import type { BrokerServices } from './broker-services.ts';
import type { ApiHandler, RequestContext, RequestOf, ResponseOf } from './handler.ts';

type Response = ResponseOf<typeof FindCoordinator>;

const KEY_TYPE_GROUP = 0;
const KEY_TYPE_TRANSACTION = 1;

interface Lookup {
  readonly errorCode: number;
  readonly errorMessage: string | null;
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
}

function failed(errorCode: number): Lookup {
  return {
    errorCode,
    errorMessage: errorInfo(errorCode)?.message ?? null,
    nodeId: -1,
    host: '',
    port: -1,
  };
}

/** Finds a transactional id's coordinator (the transaction coordinator runtime). */
export interface TransactionCoordinatorLookup {
  findCoordinator(transactionalId: string): Promise<FoundCoordinator>;
}

export function findCoordinatorHandler(
  s: BrokerServices,
  groups: GroupCoordinator,
  transactions?: TransactionCoordinatorLookup,
): ApiHandler<typeof FindCoordinator> {
  async function lookup(key: string, keyType: number, listenerName: string): Promise<Lookup> {
    if (keyType === KEY_TYPE_TRANSACTION && transactions === undefined)
      return failed(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    if (keyType !== KEY_TYPE_GROUP && keyType !== KEY_TYPE_TRANSACTION)
      return failed(ErrorCode.INVALID_REQUEST);
    const found =
      keyType === KEY_TYPE_TRANSACTION && transactions !== undefined
        ? await transactions.findCoordinator(key)
        : await groups.findCoordinator(key);
    if (found.errorCode !== ErrorCode.NONE) return failed(found.errorCode);
    const broker = s.image.broker(found.nodeId);
    // The coordinator's address on the listener the client came through, as Kafka answers.
    const at = broker === undefined ? null : endpointFor(broker, listenerName);
    if (at === null) return failed(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    return {
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      nodeId: found.nodeId,
      host: at.host,
      port: at.port,
    };
  }

  return {
    api: FindCoordinator,
    minVersion: 0,
    maxVersion: 6,
    async handle(req: RequestOf<typeof FindCoordinator>, ctx: RequestContext): Promise<Response> {
      const keyType = ctx.apiVersion >= 1 ? req.keyType : KEY_TYPE_GROUP;
      if (ctx.apiVersion >= 4) {
        const coordinators = await Promise.all(
          req.coordinatorKeys.map(async (key) => ({
            key,
            ...(await lookup(key, keyType, ctx.listenerName)),
          })),
        );
        return { throttleTimeMs: 0, ...failed(ErrorCode.NONE), errorMessage: null, coordinators };
      }
      const found = await lookup(req.key, keyType, ctx.listenerName);
      return { throttleTimeMs: 0, ...found, coordinators: [] };
    },
  };
}
