// The ACL authorizer with Kafka's StandardAuthorizer semantics, as a pure
// in-memory module: it holds every ACL binding, is told of each stored change
// in the metadata store's revision order (`applyStored`, wired by broker.ts to
// the metadata loader), and answers "may this principal, from this host, do
// this operation on this resource?". It performs no I/O except the audit log
// lines it writes through the logger it is given.
//
// The rule, for an action on a resource (a literal name):
// - a super user (`super.users`) may do anything;
// - the ACLs that apply are those whose pattern matches the name (LITERAL equal
//   or `*`, PREFIXED a prefix of it) and whose principal (or `User:*`) and
//   host (or `*`) match the request;
// - any matching DENY for the operation (or All) denies: Deny wins;
// - else any matching ALLOW grants, where ALLOW of Read, Write, Delete or
//   Alter also grants Describe and ALLOW of AlterConfigs grants
//   DescribeConfigs (implications apply to ALLOW only, as in Kafka);
// - else, when no ACL at all exists for the resource (for anybody, for any
//   operation), `allow.everyone.if.no.acl.found` decides; otherwise denied.

import {
  type AclOperationName,
  type ResourceTypeName,
  SUPPORTED_OPERATIONS,
  WILDCARD,
} from '../protocol/acl-codes.ts';
import type { Logger } from '../util/logger.ts';
import {
  type AccessControlEntry,
  type AclBinding,
  type AclBindingFilter,
  bindingMatches,
  type ResourcePattern,
} from './acl-binding.ts';
import { formatPrincipal, type KafkaPrincipal } from './principal.ts';

export const WILDCARD_PRINCIPAL = 'User:*';

export interface AuthorizerSettings {
  /** Principals (`User:admin`) allowed everything, from `super.users`. */
  readonly superUsers: ReadonlySet<string>;
  /** `allow.everyone.if.no.acl.found`: the answer for a resource no ACL names. */
  readonly allowEveryoneIfNoAclFound: boolean;
}

/** Who asks, from where, in which request: what the rule and the audit log need. */
export interface AuthorizableRequest {
  readonly principal: KafkaPrincipal;
  /** The client's IP address, matched against ACL hosts. */
  readonly clientAddress: string;
  /** The API's name ("Produce"), for the audit log. */
  readonly requestName: string;
}

export interface Action {
  readonly operation: AclOperationName;
  readonly resourceType: ResourceTypeName;
  /** A literal resource name (a topic, a group, `kafka-cluster`, ...). */
  readonly name: string;
  /** Log an allowed action at debug level (false: trace only, as for authorized operations). */
  readonly logIfAllowed?: boolean;
  /** Log a denied action at info level (false: it is a filter, not a refused request). */
  readonly logIfDenied?: boolean;
}

export type AuthorizationRule =
  | { readonly kind: 'super-user' }
  | { readonly kind: 'default'; readonly allowed: boolean }
  | { readonly kind: 'no-matching-acl' }
  | { readonly kind: 'acl'; readonly allowed: boolean; readonly binding: AclBinding };

/** The bindings of one resource type, by pattern. */
interface TypeAcls {
  readonly literal: Map<string, readonly AccessControlEntry[]>;
  readonly prefixed: Map<string, readonly AccessControlEntry[]>;
}

const IMPLIES_DESCRIBE: ReadonlySet<AclOperationName> = new Set([
  'DESCRIBE',
  'READ',
  'WRITE',
  'DELETE',
  'ALTER',
]);
const IMPLIES_DESCRIBE_CONFIGS: ReadonlySet<AclOperationName> = new Set([
  'DESCRIBE_CONFIGS',
  'ALTER_CONFIGS',
]);

/** Does an entry's operation cover the action's? (Kafka's StandardAuthorizerData.findResult.) */
function operationCovers(entry: AccessControlEntry, operation: AclOperationName): boolean {
  if (entry.operation === 'ALL') return true;
  if (entry.permissionType === 'DENY') return entry.operation === operation;
  if (operation === 'DESCRIBE') return IMPLIES_DESCRIBE.has(entry.operation);
  if (operation === 'DESCRIBE_CONFIGS') return IMPLIES_DESCRIBE_CONFIGS.has(entry.operation);
  return entry.operation === operation;
}

export class StandardAuthorizer {
  private readonly byType = new Map<ResourceTypeName, TypeAcls>();
  private count = 0;
  private readonly audit: Logger;

  constructor(
    private readonly settings: AuthorizerSettings,
    logger: Logger,
  ) {
    // Kafka writes these lines to its own logger, kafka.authorizer.logger, so
    // operators can route them apart; a child logger with that tag does here.
    this.audit = logger.child({ logger: 'kafka.authorizer.logger' });
  }

  get aclCount(): number {
    return this.count;
  }

  /** The entries stored for one pattern now (null or [] when its key was deleted). */
  applyStored(pattern: ResourcePattern, entries: readonly AccessControlEntry[] | null): void {
    let acls = this.byType.get(pattern.resourceType);
    if (acls === undefined) {
      acls = { literal: new Map(), prefixed: new Map() };
      this.byType.set(pattern.resourceType, acls);
    }
    const map = pattern.patternType === 'LITERAL' ? acls.literal : acls.prefixed;
    this.count -= map.get(pattern.name)?.length ?? 0;
    if (entries === null || entries.length === 0) map.delete(pattern.name);
    else {
      map.set(pattern.name, [...entries]);
      this.count += entries.length;
    }
  }

  /** Every binding a filter matches (DescribeAcls, DeleteAcls), in a stable order. */
  acls(filter: AclBindingFilter): AclBinding[] {
    const out: AclBinding[] = [];
    for (const [resourceType, acls] of this.byType) {
      for (const [patternType, map] of [
        ['LITERAL', acls.literal],
        ['PREFIXED', acls.prefixed],
      ] as const) {
        for (const [name, entries] of map) {
          const pattern: ResourcePattern = { resourceType, patternType, name };
          for (const entry of entries) {
            const binding = { pattern, entry };
            if (bindingMatches(filter, binding)) out.push(binding);
          }
        }
      }
    }
    return out;
  }

  authorize(req: AuthorizableRequest, action: Action): boolean {
    const rule = this.ruleFor(req, action);
    const allowed = ruleAllows(rule);
    this.logAudit(req, action, rule, allowed);
    return allowed;
  }

  /** The rule that decides an action, without logging (tests and explanations). */
  ruleFor(req: AuthorizableRequest, action: Action): AuthorizationRule {
    const principal = formatPrincipal(req.principal);
    if (this.settings.superUsers.has(principal)) return { kind: 'super-user' };
    const acls = this.byType.get(action.resourceType);
    let allow: AclBinding | null = null;
    let found = false;
    for (const pattern of matchingPatterns(acls, action)) {
      found = true;
      for (const entry of pattern.entries) {
        if (entry.principal !== principal && entry.principal !== WILDCARD_PRINCIPAL) continue;
        if (entry.host !== WILDCARD && entry.host !== req.clientAddress) continue;
        if (!operationCovers(entry, action.operation)) continue;
        const binding = { pattern: pattern.pattern, entry };
        if (entry.permissionType === 'DENY') return { kind: 'acl', allowed: false, binding };
        allow ??= binding;
      }
    }
    if (allow !== null) return { kind: 'acl', allowed: true, binding: allow };
    if (!found) return { kind: 'default', allowed: this.settings.allowEveryoneIfNoAclFound };
    return { kind: 'no-matching-acl' };
  }

  /**
   * Kafka's Authorizer.authorizeByResourceType: may the principal do `operation` on at
   * least one resource of the type? (InitProducerId: Write on any topic stands in for
   * IdempotentWrite on the cluster.) A super user, or an allowed "hardcode" resource,
   * may; else some ALLOW for the operation whose pattern no DENY dominates.
   */
  authorizeByResourceType(
    req: AuthorizableRequest,
    operation: AclOperationName,
    resourceType: ResourceTypeName,
  ): boolean {
    const probe = { operation, resourceType, name: 'hardcode', logIfDenied: false };
    if (ruleAllows(this.ruleFor(req, probe))) return true;
    const principal = formatPrincipal(req.principal);
    const deny = { LITERAL: new Set<string>(), PREFIXED: new Set<string>() };
    const allow = { LITERAL: new Set<string>(), PREFIXED: new Set<string>() };
    for (const b of this.acls(typeFilter(resourceType))) {
      const e = b.entry;
      if (e.host !== req.clientAddress && e.host !== WILDCARD) continue;
      if (e.principal !== principal && e.principal !== WILDCARD_PRINCIPAL) continue;
      if (e.operation !== operation && e.operation !== 'ALL') continue;
      const { patternType, name } = b.pattern;
      if (e.permissionType === 'DENY') {
        if (patternType === 'LITERAL' && name === WILDCARD) return false;
        deny[patternType].add(name);
      } else if (patternType === 'LITERAL' && name === WILDCARD) return true;
      else allow[patternType].add(name);
    }
    for (const patternType of ['LITERAL', 'PREFIXED'] as const) {
      for (const name of allow[patternType]) {
        if (patternType === 'LITERAL' && deny.LITERAL.has(name)) continue;
        let dominated = false;
        for (let i = 1; i <= name.length && !dominated; i++)
          dominated = deny.PREFIXED.has(name.slice(0, i));
        if (!dominated) return true;
      }
    }
    return false;
  }

  /**
   * Kafka's AuthHelper.authorizedOperations: the bit field of the operations the
   * resource type supports that the principal may do on this resource (logged at trace).
   */
  authorizedOperations(
    req: AuthorizableRequest,
    resourceType: ResourceTypeName,
    name: string,
  ): AclOperationName[] {
    return SUPPORTED_OPERATIONS[resourceType].filter((operation) =>
      this.authorize(req, {
        operation,
        resourceType,
        name,
        logIfAllowed: false,
        logIfDenied: false,
      }),
    );
  }

  private logAudit(
    req: AuthorizableRequest,
    action: Action,
    rule: AuthorizationRule,
    allowed: boolean,
  ): void {
    const loud = allowed ? action.logIfAllowed !== false : action.logIfDenied !== false;
    const level = allowed ? (loud ? 'debug' : 'trace') : loud ? 'info' : 'trace';
    if (!this.audit.isLevelEnabled(level)) return;
    const principal = formatPrincipal(req.principal);
    const resource = `${action.resourceType}:LITERAL:${action.name}`;
    this.audit[level](
      {
        principal,
        operation: action.operation,
        resource,
        host: req.clientAddress,
        request: req.requestName,
        allowed,
        rule: describeRule(rule),
      },
      `Principal = ${principal} is ${allowed ? 'Allowed' : 'Denied'} operation = ` +
        `${action.operation} from host = ${req.clientAddress} on resource = ${resource} ` +
        `for request = ${req.requestName} based on rule ${describeRule(rule)}`,
    );
  }
}

function ruleAllows(rule: AuthorizationRule): boolean {
  switch (rule.kind) {
    case 'super-user':
      return true;
    case 'default':
    case 'acl':
      return rule.allowed;
    case 'no-matching-acl':
      return false;
  }
}

function describeRule(rule: AuthorizationRule): string {
  switch (rule.kind) {
    case 'super-user':
      return 'SuperUser';
    case 'default':
      return rule.allowed ? 'DefaultAllow' : 'DefaultDeny';
    case 'no-matching-acl':
      return 'DefaultDeny';
    case 'acl': {
      const { pattern, entry } = rule.binding;
      return (
        `MatchingAcl(${entry.permissionType} ${entry.operation} for ${entry.principal} ` +
        `from ${entry.host} on ${pattern.resourceType}:${pattern.patternType}:${pattern.name})`
      );
    }
  }
}

function typeFilter(resourceType: ResourceTypeName): AclBindingFilter {
  return {
    pattern: { resourceType, name: null, patternType: 'ANY' },
    entry: { principal: null, host: null, operation: 'ANY', permissionType: 'ANY' },
  };
}

/** The stored patterns that apply to the action's resource name. */
function* matchingPatterns(
  acls: TypeAcls | undefined,
  action: Action,
): Generator<{ pattern: ResourcePattern; entries: readonly AccessControlEntry[] }> {
  if (acls === undefined) return;
  const { resourceType, name } = action;
  const exact = acls.literal.get(name);
  if (exact !== undefined)
    yield { pattern: { resourceType, patternType: 'LITERAL', name }, entries: exact };
  const wildcard = name === WILDCARD ? undefined : acls.literal.get(WILDCARD);
  if (wildcard !== undefined)
    yield {
      pattern: { resourceType, patternType: 'LITERAL', name: WILDCARD },
      entries: wildcard,
    };
  if (acls.prefixed.size === 0) return;
  for (let i = 1; i <= name.length; i++) {
    const prefix = name.slice(0, i);
    const entries = acls.prefixed.get(prefix);
    if (entries !== undefined)
      yield { pattern: { resourceType, patternType: 'PREFIXED', name: prefix }, entries };
  }
}
