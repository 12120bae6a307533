// Conversions between the ACL APIs' int8 wire fields and the authorizer's
// bindings and filters (security/acl-binding.ts), shared by the CreateAcls,
// DescribeAcls and DeleteAcls handlers. Unknown codes become UNKNOWN, which
// validation then refuses with INVALID_REQUEST, as Kafka does.

import {
  AclOperation,
  AclPermissionType,
  operationName,
  PatternType,
  patternTypeName,
  permissionTypeName,
  ResourceType,
  resourceTypeName,
} from '../protocol/acl-codes.ts';
import type {
  AclBinding,
  AclBindingFilter,
  ResourcePattern,
  SpecificPatternType,
  SpecificPermission,
} from '../security/acl-binding.ts';

export interface WireBinding {
  readonly resourceType: number;
  readonly resourceName: string;
  readonly patternType: number;
  readonly principal: string;
  readonly host: string;
  readonly operation: number;
  readonly permissionType: number;
}

export interface WireFilter {
  readonly resourceTypeFilter: number;
  readonly resourceNameFilter: string | null;
  readonly patternTypeFilter: number;
  readonly principalFilter: string | null;
  readonly hostFilter: string | null;
  readonly operation: number;
  readonly permissionType: number;
}

/** A binding as sent; fields that are not specific values are passed on for validation to refuse. */
export function bindingFromWire(w: WireBinding): AclBinding {
  return {
    pattern: {
      resourceType: resourceTypeName(w.resourceType),
      name: w.resourceName,
      patternType: patternTypeName(w.patternType) as SpecificPatternType,
    },
    entry: {
      principal: w.principal,
      host: w.host,
      operation: operationName(w.operation),
      permissionType: permissionTypeName(w.permissionType) as SpecificPermission,
    },
  };
}

export function filterFromWire(w: WireFilter): AclBindingFilter {
  return {
    pattern: {
      resourceType: resourceTypeName(w.resourceTypeFilter),
      name: w.resourceNameFilter,
      patternType: patternTypeName(w.patternTypeFilter),
    },
    entry: {
      principal: w.principalFilter,
      host: w.hostFilter,
      operation: operationName(w.operation),
      permissionType: permissionTypeName(w.permissionType),
    },
  };
}

export function patternToWire(p: ResourcePattern): {
  resourceType: number;
  resourceName: string;
  patternType: number;
} {
  return {
    resourceType: ResourceType[p.resourceType],
    resourceName: p.name,
    patternType: PatternType[p.patternType],
  };
}

export function bindingToWire(b: AclBinding): WireBinding {
  return {
    ...patternToWire(b.pattern),
    principal: b.entry.principal,
    host: b.entry.host,
    operation: AclOperation[b.entry.operation],
    permissionType: AclPermissionType[b.entry.permissionType],
  };
}

/**
 * Before v1 there were no pattern types: a request names LITERAL resources only, and
 * answers must not carry PREFIXED bindings an old client could not tell apart.
 */
export function visibleAtVersion(b: AclBinding, version: number): boolean {
  return version >= 1 || b.pattern.patternType === 'LITERAL';
}
