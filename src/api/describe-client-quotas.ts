// DescribeClientQuotas handler (key 48), versions 0-1.
// Behaviour: the quotas of the entities the filter matches (Kafka's
// ClientQuotasImage rules: exact names, the default entity, or any entity of a
// type; strict excludes entities with other parts). A bad filter is
// INVALID_REQUEST (an unknown entity type UNSUPPORTED_VERSION) with null entries.
// Authorization (as Kafka's KafkaApis): DescribeConfigs on the cluster
// (CLUSTER_AUTHORIZATION_FAILED).
// Version notes: v1 flexible.

import { DescribeClientQuotas } from '../protocol/apis/describe-client-quotas.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import { type ClientQuotaConfig, QuotaFilterError } from '../security/client-quota-config.ts';
import type { RequestAuthorizer } from './authorization.ts';
import type { ApiHandler, RequestContext, RequestOf, ResponseOf } from './handler.ts';

type Response = ResponseOf<typeof DescribeClientQuotas>;

export function describeClientQuotasHandler(
  authz: RequestAuthorizer,
  quotas: ClientQuotaConfig,
): ApiHandler<typeof DescribeClientQuotas> {
  return {
    api: DescribeClientQuotas,
    minVersion: 0,
    maxVersion: 1,
    handle(req: RequestOf<typeof DescribeClientQuotas>, ctx: RequestContext): Response {
      const failure = (errorCode: number, errorMessage: string): Response => ({
        throttleTimeMs: 0,
        errorCode,
        errorMessage,
        entries: null,
      });
      if (!authz.cluster(ctx, 'DESCRIBE_CONFIGS'))
        return failure(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'Cluster authorization failed.');
      try {
        const found = quotas.describe(req.components, req.strict);
        return {
          throttleTimeMs: 0,
          errorCode: ErrorCode.NONE,
          errorMessage: null,
          entries: found.map((e) => ({
            entity: e.entity.map((p) => ({ entityType: p.type, entityName: p.name })),
            values: Object.entries(e.values).map(([key, value]) => ({ key, value: value ?? 0 })),
          })),
        };
      } catch (err) {
        if (!(err instanceof QuotaFilterError)) throw err;
        const code = err.unsupported ? ErrorCode.UNSUPPORTED_VERSION : ErrorCode.INVALID_REQUEST;
        return failure(code, err.message);
      }
    },
  };
}
