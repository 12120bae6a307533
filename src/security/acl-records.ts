// How ACLs are stored in the metadata store: one key per resource pattern,
// `acls/<resource type>/<pattern type>/<name>` (key layout in
// metadata/key-layout.ts), holding every entry of that pattern as
// `{ "version": 1, "acls": [{ "principal": "User:alice", "host": "*",
// "operation": "Read", "permissionType": "Allow" }] }` — the shape ZooKeeper
// held for Kafka. Pure encoding and decoding; reads and writes live in
// acl-store.ts.

import {
  AclOperation,
  type AclOperationName,
  parseName,
  pascalCase,
  ResourceType,
  type ResourceTypeName,
} from '../protocol/acl-codes.ts';
import type {
  AccessControlEntry,
  ResourcePattern,
  SpecificPatternType,
  SpecificPermission,
} from './acl-binding.ts';

/** The key segments of a pattern: `topic`, `literal` (Kafka's names, lower case). */
export function patternKeySegments(p: ResourcePattern): {
  resourceType: string;
  patternType: string;
} {
  return { resourceType: p.resourceType.toLowerCase(), patternType: p.patternType.toLowerCase() };
}

/** The pattern a key names, or null for segments that are not ours. */
export function patternFromKey(
  resourceType: string,
  patternType: string,
  name: string,
): ResourcePattern | null {
  const type = resourceType.toUpperCase();
  if (!(type in ResourceType) || type === 'ANY' || type === 'UNKNOWN') return null;
  const pattern = patternType.toUpperCase();
  if (pattern !== 'LITERAL' && pattern !== 'PREFIXED') return null;
  if (name === '') return null;
  return {
    resourceType: type as ResourceTypeName,
    patternType: pattern as SpecificPatternType,
    name,
  };
}

interface StoredEntry {
  readonly principal: string;
  readonly host: string;
  readonly operation: string;
  readonly permissionType: string;
}

export function encodeEntries(entries: readonly AccessControlEntry[]): string {
  const acls: StoredEntry[] = entries.map((e) => ({
    principal: e.principal,
    host: e.host,
    operation: pascalCase(e.operation),
    permissionType: pascalCase(e.permissionType),
  }));
  return JSON.stringify({ version: 1, acls });
}

/**
 * The entries of a stored value. Entries we cannot read (a newer operation, a damaged
 * record) are skipped and counted, so one bad entry does not hide the others.
 */
export function decodeEntries(value: unknown): { entries: AccessControlEntry[]; skipped: number } {
  const acls = (value as { acls?: unknown } | null)?.acls;
  if (!Array.isArray(acls)) return { entries: [], skipped: value === null ? 0 : 1 };
  const entries: AccessControlEntry[] = [];
  let skipped = 0;
  for (const raw of acls as unknown[]) {
    const e = decodeEntry(raw);
    if (e === null) skipped++;
    else entries.push(e);
  }
  return { entries, skipped };
}

function decodeEntry(raw: unknown): AccessControlEntry | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const r = raw as Partial<Record<keyof StoredEntry, unknown>>;
  if (typeof r.principal !== 'string' || typeof r.host !== 'string') return null;
  if (typeof r.operation !== 'string' || typeof r.permissionType !== 'string') return null;
  const operation = parseName(AclOperation, r.operation) as AclOperationName | null;
  if (operation === null || operation === 'ANY' || operation === 'UNKNOWN') return null;
  const permission = r.permissionType.toUpperCase();
  if (permission !== 'ALLOW' && permission !== 'DENY') return null;
  return {
    principal: r.principal,
    host: r.host,
    operation,
    permissionType: permission as SpecificPermission,
  };
}

/**
 * A stored change of one pattern's key, decoded for the authorizer: the pattern and its
 * entries now (empty when the key was deleted), or null for a key that is not an ACL
 * pattern Gregor knows.
 */
export function decodeStoredAcls(
  resourceType: string,
  patternType: string,
  name: string,
  value: unknown,
): { pattern: ResourcePattern; entries: AccessControlEntry[]; skipped: number } | null {
  const pattern = patternFromKey(resourceType, patternType, name);
  if (pattern === null) return null;
  if (value === null) return { pattern, entries: [], skipped: 0 };
  return { pattern, ...decodeEntries(value) };
}
