// What the broker does with ACL bindings and filters as Kafka models them
// (the types live in protocol/acl-codes.ts, shared with the tools): validation
// of new bindings and of filters, and filter matching for DescribeAcls and
// DeleteAcls (ANY and MATCH pattern types, null for "any" names). Whether a
// binding grants an action is authorizer.ts's job.

import {
  type AccessControlEntry,
  type AccessControlEntryFilter,
  type AclBinding,
  type AclBindingFilter,
  CLUSTER_RESOURCE_NAME,
  type ResourcePattern,
  type ResourcePatternFilter,
  WILDCARD,
} from '../protocol/acl-codes.ts';

export type {
  AccessControlEntry,
  AccessControlEntryFilter,
  AclBinding,
  AclBindingFilter,
  ResourcePattern,
  ResourcePatternFilter,
  SpecificPatternType,
  SpecificPermission,
} from '../protocol/acl-codes.ts';
export { formatEntry, formatPattern, formatPatternFilter } from '../protocol/acl-codes.ts';

export const ANY_ACL_FILTER: AclBindingFilter = {
  pattern: { resourceType: 'ANY', name: null, patternType: 'ANY' },
  entry: { principal: null, host: null, operation: 'ANY', permissionType: 'ANY' },
};

/** Kafka's SecurityUtils.parseKafkaPrincipal: `type:name`, split at the first colon. */
export function parsePrincipalText(text: string): { type: string; name: string } | null {
  const colon = text.indexOf(':');
  if (colon < 0) return null;
  return { type: text.slice(0, colon), name: text.slice(colon + 1) };
}

/** Why a binding may not be created (Kafka's INVALID_REQUEST message), or null. */
export function newBindingProblem(b: AclBinding): string | null {
  const { pattern, entry } = b;
  if (pattern.resourceType === 'UNKNOWN' || pattern.resourceType === 'ANY')
    return `Invalid resourceType ${pattern.resourceType}`;
  if (pattern.patternType !== 'LITERAL' && pattern.patternType !== 'PREFIXED')
    return `Invalid patternType ${String(pattern.patternType)}`;
  if (entry.operation === 'UNKNOWN' || entry.operation === 'ANY')
    return `Invalid operation ${entry.operation}`;
  if (entry.permissionType !== 'ALLOW' && entry.permissionType !== 'DENY')
    return `Invalid permissionType ${String(entry.permissionType)}`;
  if (pattern.name === '') return 'Resource name should not be empty';
  if (pattern.resourceType === 'CLUSTER' && pattern.name !== CLUSTER_RESOURCE_NAME)
    return `The only valid name for the CLUSTER resource is ${CLUSTER_RESOURCE_NAME}`;
  if (parsePrincipalText(entry.principal) === null)
    return `Expected a string in format principalType:principalName but got ${entry.principal}`;
  if (entry.host === '') return 'Invalid empty host';
  return null;
}

/** Why a filter cannot be used (an UNKNOWN field, as Kafka's validateFilter), or null. */
export function filterProblem(f: AclBindingFilter): string | null {
  if (f.pattern.resourceType === 'UNKNOWN' || f.pattern.patternType === 'UNKNOWN')
    return 'Unknown patternFilter.';
  if (f.entry.operation === 'UNKNOWN' || f.entry.permissionType === 'UNKNOWN')
    return 'Unknown entryFilter.';
  return null;
}

/** Kafka's ResourcePatternFilter.matches. */
export function patternMatches(f: ResourcePatternFilter, p: ResourcePattern): boolean {
  if (f.resourceType !== 'ANY' && f.resourceType !== p.resourceType) return false;
  if (f.patternType !== 'ANY' && f.patternType !== 'MATCH' && f.patternType !== p.patternType)
    return false;
  if (f.name === null) return true;
  if (f.patternType === 'ANY' || f.patternType === p.patternType) return f.name === p.name;
  // MATCH: every pattern that would apply to a resource called f.name.
  if (p.patternType === 'LITERAL') return f.name === p.name || p.name === WILDCARD;
  return f.name.startsWith(p.name);
}

/** Kafka's AccessControlEntryFilter.matches. */
export function entryMatches(f: AccessControlEntryFilter, e: AccessControlEntry): boolean {
  if (f.principal !== null && f.principal !== e.principal) return false;
  if (f.host !== null && f.host !== e.host) return false;
  if (f.operation !== 'ANY' && f.operation !== e.operation) return false;
  return f.permissionType === 'ANY' || f.permissionType === e.permissionType;
}

export function bindingMatches(f: AclBindingFilter, b: AclBinding): boolean {
  return patternMatches(f.pattern, b.pattern) && entryMatches(f.entry, b.entry);
}

export function sameEntry(a: AccessControlEntry, b: AccessControlEntry): boolean {
  return (
    a.principal === b.principal &&
    a.host === b.host &&
    a.operation === b.operation &&
    a.permissionType === b.permissionType
  );
}
