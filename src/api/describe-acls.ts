// DescribeAcls handler (key 29), versions 0-3.
// Behaviour: needs Describe on the cluster (else CLUSTER_AUTHORIZATION_FAILED);
// without an authorizer answers SECURITY_DISABLED, as Kafka does. Returns the
// bindings the filter matches (security/acl-binding.ts: ANY and MATCH pattern
// filters, null names), grouped by resource pattern; an UNKNOWN field in the
// filter is INVALID_REQUEST. Version 0 sees only LITERAL patterns.
// Version notes: v1 pattern types (KIP-290); v2 flexible; v3 USER resources.

import { DescribeAcls } from '../protocol/apis/describe-acls.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import { filterProblem, type ResourcePattern } from '../security/acl-binding.ts';
import { bindingToWire, filterFromWire, patternToWire, visibleAtVersion } from './acl-wire.ts';
import type { RequestAuthorizer } from './authorization.ts';
import type { ApiHandler, RequestContext, RequestOf, ResponseOf } from './handler.ts';

type Response = ResponseOf<typeof DescribeAcls>;

function failure(errorCode: number, errorMessage: string): Response {
  return { throttleTimeMs: 0, errorCode, errorMessage, resources: [] };
}

export function describeAclsHandler(authz: RequestAuthorizer): ApiHandler<typeof DescribeAcls> {
  return {
    api: DescribeAcls,
    minVersion: 0,
    maxVersion: 3,
    handle(req: RequestOf<typeof DescribeAcls>, ctx: RequestContext): Response {
      if (!authz.cluster(ctx, 'DESCRIBE'))
        return failure(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'Cluster authorization failed.');
      const authorizer = authz.authorizer;
      if (authorizer === null)
        return failure(ErrorCode.SECURITY_DISABLED, 'No Authorizer is configured on the broker');
      const filter = filterFromWire(req);
      const problem = filterProblem(filter);
      if (problem !== null) return failure(ErrorCode.INVALID_REQUEST, problem);
      type Acls = Response['resources'][number]['acls'];
      const byPattern = new Map<string, { pattern: ResourcePattern; acls: Acls }>();
      for (const b of authorizer.acls(filter)) {
        if (!visibleAtVersion(b, ctx.apiVersion)) continue;
        const k = JSON.stringify(b.pattern);
        let group = byPattern.get(k);
        if (group === undefined) {
          group = { pattern: b.pattern, acls: [] };
          byPattern.set(k, group);
        }
        const w = bindingToWire(b);
        group.acls.push({
          principal: w.principal,
          host: w.host,
          operation: w.operation,
          permissionType: w.permissionType,
        });
      }
      const resources = [...byPattern.values()].map(({ pattern, acls }) => ({
        ...patternToWire(pattern),
        acls,
      }));
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, resources };
    },
  };
}
