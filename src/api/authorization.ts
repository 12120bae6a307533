// How handlers ask the authorizer, in one shape, as Kafka's AuthHelper does:
// `allowed(ctx, op, type, name)` for one resource, `allowedNames` for many
// (each name asked once), `authorizedOperations` for the bit fields of
// Metadata, DescribeCluster and DescribeGroups. With no authorizer configured
// every request is allowed and authorized operations are every operation the
// resource type supports, as in Kafka.

import {
  type AclOperationName,
  CLUSTER_RESOURCE_NAME,
  operationsBitField,
  type ResourceTypeName,
  SUPPORTED_OPERATIONS,
} from '../protocol/acl-codes.ts';
import { ALL_APIS } from '../protocol/apis/index.ts';
import type { AuthorizableRequest, StandardAuthorizer } from '../security/authorizer.ts';
import type { RequestContext } from './handler.ts';

/** The "not requested" value of authorized-operations fields (Kafka's Integer.MIN_VALUE). */
export const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;

const API_NAMES = new Map<number, string>(ALL_APIS.map((a) => [a.apiKey, a.name]));

export interface AuthorizeOptions {
  /** False for checks that only filter (regex subscriptions, listings): denials log at trace. */
  readonly logIfDenied?: boolean;
}

export class RequestAuthorizer {
  /** `authorizer` null: no authorizer configured (authorizer.class.name empty). */
  constructor(readonly authorizer: StandardAuthorizer | null) {}

  get enabled(): boolean {
    return this.authorizer !== null;
  }

  allowed(
    ctx: RequestContext,
    operation: AclOperationName,
    resourceType: ResourceTypeName,
    name: string,
    opts: AuthorizeOptions = {},
  ): boolean {
    if (this.authorizer === null) return true;
    return this.authorizer.authorize(requestOf(ctx), {
      operation,
      resourceType,
      name,
      ...(opts.logIfDenied === undefined ? {} : { logIfDenied: opts.logIfDenied }),
    });
  }

  cluster(ctx: RequestContext, operation: AclOperationName, opts: AuthorizeOptions = {}): boolean {
    return this.allowed(ctx, operation, 'CLUSTER', CLUSTER_RESOURCE_NAME, opts);
  }

  /** The names among `names` the principal may `operation` (each asked once). */
  allowedNames(
    ctx: RequestContext,
    operation: AclOperationName,
    resourceType: ResourceTypeName,
    names: Iterable<string>,
    opts: AuthorizeOptions = {},
  ): Set<string> {
    const out = new Set<string>();
    const asked = new Set<string>();
    for (const name of names) {
      if (asked.has(name)) continue;
      asked.add(name);
      if (this.allowed(ctx, operation, resourceType, name, opts)) out.add(name);
    }
    return out;
  }

  /** May the principal `operation` some resource of the type (Kafka's authorizeByResourceType)? */
  byResourceType(
    ctx: RequestContext,
    operation: AclOperationName,
    resourceType: ResourceTypeName,
  ): boolean {
    if (this.authorizer === null) return true;
    return this.authorizer.authorizeByResourceType(requestOf(ctx), operation, resourceType);
  }

  /** The bit field of supported operations the principal may do on the resource. */
  authorizedOperations(ctx: RequestContext, resourceType: ResourceTypeName, name: string): number {
    if (this.authorizer === null) return operationsBitField(SUPPORTED_OPERATIONS[resourceType]);
    return operationsBitField(
      this.authorizer.authorizedOperations(requestOf(ctx), resourceType, name),
    );
  }
}

/** Every request allowed: for tests and tools that build handlers without a broker. */
export const ALLOW_ALL = new RequestAuthorizer(null);

function requestOf(ctx: RequestContext): AuthorizableRequest {
  return {
    principal: ctx.principal,
    clientAddress: ctx.clientAddress,
    requestName: API_NAMES.get(ctx.apiKey) ?? String(ctx.apiKey),
  };
}
