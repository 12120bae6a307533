// CreateAcls handler (key 30), versions 0-3.
// Behaviour: needs Alter on the cluster (else every result is
// CLUSTER_AUTHORIZATION_FAILED); without an authorizer every result is
// SECURITY_DISABLED. Each binding is validated (a specific resource type,
// LITERAL or PREFIXED, a specific operation and permission, a non-empty name,
// `kafka-cluster` for the cluster, a `type:name` principal; else
// INVALID_REQUEST) and stored in the metadata store; the answer waits until
// this broker's authorizer has the change. An existing binding is a success.
// Version notes: v1 pattern types (KIP-290); v2 flexible; v3 USER resources.

import { CreateAcls } from '../protocol/apis/create-acls.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import type { AclStore } from '../security/acl-store.ts';
import { bindingFromWire } from './acl-wire.ts';
import type { RequestAuthorizer } from './authorization.ts';
import type { ApiHandler, RequestContext, RequestOf, ResponseOf } from './handler.ts';

type Response = ResponseOf<typeof CreateAcls>;

export function createAclsHandler(
  authz: RequestAuthorizer,
  store: AclStore | null,
): ApiHandler<typeof CreateAcls> {
  return {
    api: CreateAcls,
    minVersion: 0,
    maxVersion: 3,
    async handle(req: RequestOf<typeof CreateAcls>, ctx: RequestContext): Promise<Response> {
      const all = (errorCode: number, errorMessage: string): Response => ({
        throttleTimeMs: 0,
        results: req.creations.map(() => ({ errorCode, errorMessage })),
      });
      if (!authz.cluster(ctx, 'ALTER'))
        return all(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'Cluster authorization failed.');
      if (authz.authorizer === null || store === null)
        return all(ErrorCode.SECURITY_DISABLED, 'No Authorizer is configured.');
      const bindings = req.creations.map((c) =>
        bindingFromWire({ ...c, patternType: c.resourcePatternType }),
      );
      const results = await store.createAcls(bindings);
      return { throttleTimeMs: 0, results };
    },
  };
}
