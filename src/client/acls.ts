// ACL admin calls as Kafka's Admin client makes them (createAcls,
// describeAcls, deleteAcls), sent to any broker: every broker holds every ACL
// through the metadata store. Each returns plain bindings and throws a
// KafkaError (with the broker's message) for the first failure. The ACL
// vocabulary (protocol/acl-codes.ts) is re-exported for the tools.

import {
  type AclBinding,
  type AclBindingFilter,
  AclOperation,
  AclPermissionType,
  operationName,
  PatternType,
  patternTypeName,
  permissionTypeName,
  ResourceType,
  resourceTypeName,
  type SpecificPatternType,
  type SpecificPermission,
} from '../protocol/acl-codes.ts';
import { CreateAcls } from '../protocol/apis/create-acls.ts';
import { DeleteAcls } from '../protocol/apis/delete-acls.ts';
import { DescribeAcls } from '../protocol/apis/describe-acls.ts';
import { throwIfError } from './errors.ts';

import type { KafkaClient } from './kafka-client.ts';

export {
  type AccessControlEntry,
  type AclBinding,
  type AclBindingFilter,
  AclOperation,
  type AclOperationName,
  CLUSTER_RESOURCE_NAME,
  formatEntry,
  formatPattern,
  formatPatternFilter,
  PatternType,
  type PatternTypeName,
  parseName,
  pascalCase,
  type ResourcePattern,
  type ResourcePatternFilter,
  type ResourceTypeName,
  SUPPORTED_OPERATIONS,
  WILDCARD,
} from '../protocol/acl-codes.ts';

function filterToWire(f: AclBindingFilter) {
  return {
    resourceTypeFilter: ResourceType[f.pattern.resourceType],
    resourceNameFilter: f.pattern.name,
    patternTypeFilter: PatternType[f.pattern.patternType],
    principalFilter: f.entry.principal,
    hostFilter: f.entry.host,
    operation: AclOperation[f.entry.operation],
    permissionType: AclPermissionType[f.entry.permissionType],
  };
}

interface WireBinding {
  readonly resourceType: number;
  readonly resourceName: string;
  readonly patternType: number;
  readonly principal: string;
  readonly host: string;
  readonly operation: number;
  readonly permissionType: number;
}

function bindingOf(w: WireBinding): AclBinding {
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

export async function createAcls(
  client: KafkaClient,
  bindings: readonly AclBinding[],
): Promise<void> {
  const response = await client.sendToAny(CreateAcls, {
    creations: bindings.map((b) => ({
      resourceType: ResourceType[b.pattern.resourceType],
      resourceName: b.pattern.name,
      resourcePatternType: PatternType[b.pattern.patternType],
      principal: b.entry.principal,
      host: b.entry.host,
      operation: AclOperation[b.entry.operation],
      permissionType: AclPermissionType[b.entry.permissionType],
    })),
  });
  for (const r of response.results) throwIfError(r.errorCode, r.errorMessage);
}

export async function describeAcls(
  client: KafkaClient,
  filter: AclBindingFilter,
): Promise<AclBinding[]> {
  const response = await client.sendToAny(DescribeAcls, filterToWire(filter));
  throwIfError(response.errorCode, response.errorMessage);
  return response.resources.flatMap((r) => r.acls.map((a) => bindingOf({ ...r, ...a })));
}

/** Deletes what the filters match; returns the deleted bindings, per filter. */
export async function deleteAcls(
  client: KafkaClient,
  filters: readonly AclBindingFilter[],
): Promise<AclBinding[][]> {
  const response = await client.sendToAny(DeleteAcls, { filters: filters.map(filterToWire) });
  return response.filterResults.map((r) => {
    throwIfError(r.errorCode, r.errorMessage);
    return r.matchingAcls.map((m) => {
      throwIfError(m.errorCode, m.errorMessage);
      return bindingOf(m);
    });
  });
}
