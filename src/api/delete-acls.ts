// DeleteAcls handler (key 31), versions 0-3.
// Behaviour: needs Alter on the cluster (else every filter result is
// CLUSTER_AUTHORIZATION_FAILED); without an authorizer SECURITY_DISABLED.
// Deletes every stored binding each filter matches (ANY and MATCH pattern
// filters, null names) and lists them per filter; an UNKNOWN field in a filter
// is INVALID_REQUEST. The answer waits until this broker's authorizer has the
// change.
// Version notes: v1 pattern types (KIP-290); v2 flexible; v3 USER resources.

import { DeleteAcls } from '../protocol/apis/delete-acls.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import type { AclStore } from '../security/acl-store.ts';
import { bindingToWire, filterFromWire, visibleAtVersion } from './acl-wire.ts';
import type { RequestAuthorizer } from './authorization.ts';
import type { ApiHandler, RequestContext, RequestOf, ResponseOf } from './handler.ts';

type Response = ResponseOf<typeof DeleteAcls>;

export function deleteAclsHandler(
  authz: RequestAuthorizer,
  store: AclStore | null,
): ApiHandler<typeof DeleteAcls> {
  return {
    api: DeleteAcls,
    minVersion: 0,
    maxVersion: 3,
    async handle(req: RequestOf<typeof DeleteAcls>, ctx: RequestContext): Promise<Response> {
      const all = (errorCode: number, errorMessage: string): Response => ({
        throttleTimeMs: 0,
        filterResults: req.filters.map(() => ({ errorCode, errorMessage, matchingAcls: [] })),
      });
      if (!authz.cluster(ctx, 'ALTER'))
        return all(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'Cluster authorization failed.');
      if (authz.authorizer === null || store === null)
        return all(ErrorCode.SECURITY_DISABLED, 'No Authorizer is configured.');
      // Before v1 a filter names LITERAL patterns only; it must not delete PREFIXED ones.
      const results = await store.deleteAcls(req.filters.map(filterFromWire));
      return {
        throttleTimeMs: 0,
        filterResults: results.map((r) => ({
          errorCode: r.errorCode,
          errorMessage: r.errorMessage,
          matchingAcls: r.deleted
            .filter((b) => visibleAtVersion(b, ctx.apiVersion))
            .map((b) => ({ errorCode: ErrorCode.NONE, errorMessage: null, ...bindingToWire(b) })),
        })),
      };
    },
  };
}
