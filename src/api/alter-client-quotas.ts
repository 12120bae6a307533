// AlterClientQuotas handler (key 49), versions 0-1.
// Behaviour: sets and removes producer_byte_rate, consumer_byte_rate and
// request_percentage of user, client-id or (user, client-id) entities, a null
// name being the type's <default>; values are checked as Kafka does (positive,
// whole numbers for the byte rates, known keys; INVALID_REQUEST naming the
// problem). ip entities and controller_mutation_rate are refused: Gregor does
// not enforce them. Stored in the metadata store; the answer waits until this
// broker has the change. validateOnly checks without writing.
// Authorization (as Kafka's KafkaApis): AlterConfigs on the cluster
// (CLUSTER_AUTHORIZATION_FAILED on every entry).
// Version notes: v1 flexible.

import { AlterClientQuotas } from '../protocol/apis/alter-client-quotas.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import type { ClientQuotaStore } from '../security/client-quota-store.ts';
import type { RequestAuthorizer } from './authorization.ts';
import type { ApiHandler, RequestContext, RequestOf, ResponseOf } from './handler.ts';

type Response = ResponseOf<typeof AlterClientQuotas>;

export function alterClientQuotasHandler(
  authz: RequestAuthorizer,
  store: ClientQuotaStore,
): ApiHandler<typeof AlterClientQuotas> {
  return {
    api: AlterClientQuotas,
    minVersion: 0,
    maxVersion: 1,
    async handle(req: RequestOf<typeof AlterClientQuotas>, ctx: RequestContext): Promise<Response> {
      const entityOut = (e: (typeof req.entries)[number]) =>
        e.entity.map((p) => ({ entityType: p.entityType, entityName: p.entityName }));
      if (!authz.cluster(ctx, 'ALTER_CONFIGS')) {
        return {
          throttleTimeMs: 0,
          entries: req.entries.map((e) => ({
            errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
            errorMessage: 'Cluster authorization failed.',
            entity: entityOut(e),
          })),
        };
      }
      const results = await store.alter(
        req.entries.map((e) => ({
          entity: e.entity.map((p) => ({ type: p.entityType, name: p.entityName })),
          ops: e.ops.map((o) => ({ key: o.key, value: o.value, remove: o.remove })),
        })),
        req.validateOnly,
      );
      return {
        throttleTimeMs: 0,
        entries: req.entries.map((e, i) => ({ ...results[i]!, entity: entityOut(e) })),
      };
    },
  };
}
