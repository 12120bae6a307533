// The ACL vocabulary as it travels on the wire: Kafka's numeric codes for
// resource types, pattern types, operations and permission types (the int8
// fields of CreateAcls, DescribeAcls and DeleteAcls), with Kafka's names for
// each; the shape of a binding (a resource pattern and an entry) and of the
// filters that select bindings, with Kafka's text forms of them. Shared by the
// broker's authorizer, the admin client and `gregor acls`; it says nothing of
// what an ACL permits (security/authorizer.ts does).

/** org.apache.kafka.common.resource.ResourceType, by wire code. */
export const ResourceType = {
  UNKNOWN: 0,
  ANY: 1,
  TOPIC: 2,
  GROUP: 3,
  CLUSTER: 4,
  TRANSACTIONAL_ID: 5,
  DELEGATION_TOKEN: 6,
  USER: 7,
} as const;
export type ResourceTypeName = keyof typeof ResourceType;

/** org.apache.kafka.common.resource.PatternType, by wire code. */
export const PatternType = {
  UNKNOWN: 0,
  ANY: 1,
  MATCH: 2,
  LITERAL: 3,
  PREFIXED: 4,
} as const;
export type PatternTypeName = keyof typeof PatternType;

/** org.apache.kafka.common.acl.AclOperation, by wire code. */
export const AclOperation = {
  UNKNOWN: 0,
  ANY: 1,
  ALL: 2,
  READ: 3,
  WRITE: 4,
  CREATE: 5,
  DELETE: 6,
  ALTER: 7,
  DESCRIBE: 8,
  CLUSTER_ACTION: 9,
  DESCRIBE_CONFIGS: 10,
  ALTER_CONFIGS: 11,
  IDEMPOTENT_WRITE: 12,
  CREATE_TOKENS: 13,
  DESCRIBE_TOKENS: 14,
} as const;
export type AclOperationName = keyof typeof AclOperation;

/** org.apache.kafka.common.acl.AclPermissionType, by wire code. */
export const AclPermissionType = {
  UNKNOWN: 0,
  ANY: 1,
  DENY: 2,
  ALLOW: 3,
} as const;
export type AclPermissionTypeName = keyof typeof AclPermissionType;

/** The name of the one cluster resource (Kafka's `kafka-cluster`). */
export const CLUSTER_RESOURCE_NAME = 'kafka-cluster';
/** A literal resource name, principal name or host that matches every one. */
export const WILDCARD = '*';

function nameOf<T extends Record<string, number>>(table: T, code: number): keyof T | undefined {
  for (const [name, value] of Object.entries(table)) if (value === code) return name as keyof T;
  return undefined;
}

export function resourceTypeName(code: number): ResourceTypeName {
  return nameOf(ResourceType, code) ?? 'UNKNOWN';
}
export function patternTypeName(code: number): PatternTypeName {
  return nameOf(PatternType, code) ?? 'UNKNOWN';
}
export function operationName(code: number): AclOperationName {
  return nameOf(AclOperation, code) ?? 'UNKNOWN';
}
export function permissionTypeName(code: number): AclPermissionTypeName {
  return nameOf(AclPermissionType, code) ?? 'UNKNOWN';
}

/** `IDEMPOTENT_WRITE` → `IdempotentWrite`: Kafka's SecurityUtils.toPascalCase, used by its tools. */
export function pascalCase(name: string): string {
  return name
    .toLowerCase()
    .split('_')
    .map((w) => (w === '' ? '' : w[0]!.toUpperCase() + w.slice(1)))
    .join('');
}

/**
 * Parses a name as Kafka's tools accept it: the enum name (`IDEMPOTENT_WRITE`) or its
 * PascalCase form (`IdempotentWrite`), case-insensitively; null when unknown.
 */
export function parseName<T extends Record<string, number>>(
  table: T,
  text: string,
): keyof T | null {
  const wanted = text.trim().replace(/[_-]/g, '').toLowerCase();
  for (const name of Object.keys(table)) {
    if (name.replace(/_/g, '').toLowerCase() === wanted) return name as keyof T;
  }
  return null;
}

/**
 * The operations each resource type supports (Kafka's AclEntry.supportedOperations), in
 * wire-code order: what "authorized operations" bit fields are made of and what
 * kafka-acls.sh accepts (besides All) for a resource of the type.
 */
export const SUPPORTED_OPERATIONS: Readonly<Record<ResourceTypeName, readonly AclOperationName[]>> =
  {
    UNKNOWN: [],
    ANY: [],
    TOPIC: [
      'READ',
      'WRITE',
      'CREATE',
      'DELETE',
      'ALTER',
      'DESCRIBE',
      'DESCRIBE_CONFIGS',
      'ALTER_CONFIGS',
    ],
    GROUP: ['READ', 'DELETE', 'DESCRIBE'],
    CLUSTER: [
      'CREATE',
      'ALTER',
      'DESCRIBE',
      'CLUSTER_ACTION',
      'DESCRIBE_CONFIGS',
      'ALTER_CONFIGS',
      'IDEMPOTENT_WRITE',
    ],
    TRANSACTIONAL_ID: ['WRITE', 'DESCRIBE'],
    DELEGATION_TOKEN: ['DESCRIBE'],
    USER: ['CREATE_TOKENS', 'DESCRIBE_TOKENS'],
  };

/** Kafka's Utils.to32BitField: bit `code` set for each operation. */
export function operationsBitField(operations: Iterable<AclOperationName>): number {
  let bits = 0;
  for (const op of operations) bits |= 1 << AclOperation[op];
  return bits;
}

// What an ACL is, as Kafka models it: a resource pattern (resource type, name,
// LITERAL or PREFIXED) bound to an entry (principal, host, operation, ALLOW or
// DENY); and the filters DescribeAcls and DeleteAcls select bindings with.

export type SpecificPatternType = 'LITERAL' | 'PREFIXED';
export type SpecificPermission = 'ALLOW' | 'DENY';

export interface ResourcePattern {
  readonly resourceType: ResourceTypeName;
  readonly name: string;
  readonly patternType: SpecificPatternType;
}

export interface AccessControlEntry {
  /** `User:alice`, or `User:*` for every principal. */
  readonly principal: string;
  /** A client IP address, or `*` for every host. */
  readonly host: string;
  readonly operation: AclOperationName;
  readonly permissionType: SpecificPermission;
}

export interface AclBinding {
  readonly pattern: ResourcePattern;
  readonly entry: AccessControlEntry;
}

export interface ResourcePatternFilter {
  /** ANY matches every type. */
  readonly resourceType: ResourceTypeName;
  /** Null matches every name. */
  readonly name: string | null;
  /** ANY: any pattern type with exactly this name; MATCH: every pattern that matches the name. */
  readonly patternType: PatternTypeName;
}

export interface AccessControlEntryFilter {
  readonly principal: string | null;
  readonly host: string | null;
  /** ANY matches every operation. */
  readonly operation: AclOperationName;
  /** ANY matches both. */
  readonly permissionType: AclPermissionTypeName;
}

export interface AclBindingFilter {
  readonly pattern: ResourcePatternFilter;
  readonly entry: AccessControlEntryFilter;
}

/** `ResourcePattern(resourceType=TOPIC, name=t, patternType=LITERAL)`, as Kafka prints it. */
export function formatPattern(p: ResourcePattern): string {
  return `ResourcePattern(resourceType=${p.resourceType}, name=${p.name}, patternType=${p.patternType})`;
}

/** `ResourcePatternFilter(resourceType=TOPIC, name=t, patternType=MATCH)`, as Kafka prints it. */
export function formatPatternFilter(f: ResourcePatternFilter): string {
  const name = f.name ?? '<any>';
  return `ResourcePatternFilter(resourceType=${f.resourceType}, name=${name}, patternType=${f.patternType})`;
}

/** `(principal=User:a, host=*, operation=READ, permissionType=ALLOW)`, as Kafka prints it. */
export function formatEntry(e: AccessControlEntry): string {
  return `(principal=${e.principal}, host=${e.host}, operation=${e.operation}, permissionType=${e.permissionType})`;
}
