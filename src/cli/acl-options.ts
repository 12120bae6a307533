// kafka-acls.sh's command line, as its AclCommand reads it: which resource
// filters the options name (--topic, --group, --cluster, --transactional-id,
// --delegation-token, --user-principal, with --resource-pattern-type), and
// which entries go with each (--allow-principal / --deny-principal with their
// hosts, times --operation; or the --producer and --consumer conveniences).
// Pure: parsing and the checks Kafka makes, with its messages; the command
// (acls-command.ts) does the I/O.

import {
  type AccessControlEntry,
  AclOperation,
  type AclOperationName,
  CLUSTER_RESOURCE_NAME,
  PatternType,
  type PatternTypeName,
  parseName,
  pascalCase,
  type ResourcePatternFilter,
  type ResourceTypeName,
  SUPPORTED_OPERATIONS,
  WILDCARD,
} from '../client/acls.ts';
import { UsageError } from './tool-support.ts';

export interface AclCommandOptions {
  readonly add?: boolean;
  readonly remove?: boolean;
  readonly list?: boolean;
  readonly topic: string[];
  readonly group: string[];
  readonly cluster?: boolean;
  readonly transactionalId: string[];
  readonly delegationToken: string[];
  readonly userPrincipal: string[];
  readonly resourcePatternType?: string;
  readonly operation: string[];
  readonly allowPrincipal: string[];
  readonly denyPrincipal: string[];
  readonly allowHost: string[];
  readonly denyHost: string[];
  /** --principal, for --list: list only these principals' ACLs. */
  readonly principal: string[];
  readonly producer?: boolean;
  readonly consumer?: boolean;
  readonly idempotent?: boolean;
  readonly force?: boolean;
}

export type AclAction = 'add' | 'remove' | 'list';

/** A resource filter with the entries an --add or --remove names for it (none: all of them). */
export interface FilterEntries {
  readonly filter: ResourcePatternFilter;
  readonly entries: readonly AccessControlEntry[];
}

/** Kafka's checkArgs: one action, and the option combinations it refuses. */
export function checkAclArgs(o: AclCommandOptions): AclAction {
  const actions = (['add', 'remove', 'list'] as const).filter((a) => o[a] === true);
  if (actions.length !== 1)
    throw new UsageError('Command must include exactly one action: --list, --add, --remove. ');
  const action = actions[0]!;
  const has = (v: boolean | undefined | readonly string[]) =>
    Array.isArray(v) ? v.length > 0 : v === true;
  if (action === 'list') {
    const invalid = (
      [
        ['producer', o.producer],
        ['consumer', o.consumer],
        ['allow-host', o.allowHost],
        ['allow-principal', o.allowPrincipal],
        ['deny-host', o.denyHost],
        ['deny-principal', o.denyPrincipal],
      ] as const
    ).find(([, v]) => has(v));
    if (invalid !== undefined)
      throw new UsageError(`Option "[list]" can't be used with option "[${invalid[0]}]"`);
  }
  for (const role of ['producer', 'consumer'] as const) {
    if (o[role] !== true) continue;
    const invalid = (
      [
        ['operation', o.operation],
        ['deny-principal', o.denyPrincipal],
        ['deny-host', o.denyHost],
      ] as const
    ).find(([, v]) => has(v));
    if (invalid !== undefined)
      throw new UsageError(`Option "[${role}]" can't be used with option "[${invalid[0]}]"`);
  }
  if (o.principal.length > 0 && action !== 'list')
    throw new UsageError('The --principal option is only available if --list is set');
  if (o.producer === true && o.topic.length === 0)
    throw new UsageError('With --producer you must specify a --topic');
  if (o.idempotent === true && o.producer !== true)
    throw new UsageError('The --idempotent option is only available if --producer is set');
  if (
    o.consumer === true &&
    (o.topic.length === 0 ||
      o.group.length === 0 ||
      (o.producer !== true && (o.cluster === true || o.transactionalId.length > 0)))
  )
    throw new UsageError(
      'With --consumer you must specify a --topic and a --group and no --cluster or --transactional-id option should be specified.',
    );
  return action;
}

export function parsePatternType(text: string | undefined): PatternTypeName {
  if (text === undefined) return 'LITERAL';
  const name = parseName(PatternType, text) as PatternTypeName | null;
  if (name === null || name === 'UNKNOWN')
    throw new UsageError(`Unknown resource-pattern-type: ${text}`);
  return name;
}

/** Kafka's SecurityUtils.parseKafkaPrincipal. */
export function parsePrincipal(text: string): string {
  const p = text.trim();
  if (!p.includes(':'))
    throw new UsageError(`expected a string in format principalType:principalName but got ${p}`);
  return p;
}

export function parseOperation(text: string): AclOperationName {
  const name = parseName(AclOperation, text) as AclOperationName | null;
  if (name === null || name === 'ANY' || name === 'UNKNOWN')
    throw new UsageError(`Unknown operation: ${text.trim()}`);
  return name;
}

/** The resource filters the options name (Kafka's getResourceFilter). */
export function resourceFilters(o: AclCommandOptions, required: boolean): ResourcePatternFilter[] {
  const patternType = parsePatternType(o.resourcePatternType);
  const out: ResourcePatternFilter[] = [];
  const push = (resourceType: ResourceTypeName, names: readonly string[]) => {
    for (const name of names) {
      const f: ResourcePatternFilter = { resourceType, name: name.trim(), patternType };
      if (!out.some((x) => x.resourceType === f.resourceType && x.name === f.name)) out.push(f);
    }
  };
  push('TOPIC', o.topic);
  if (patternType === 'LITERAL' && (o.cluster === true || o.idempotent === true))
    push('CLUSTER', [CLUSTER_RESOURCE_NAME]);
  push('GROUP', o.group);
  push('TRANSACTIONAL_ID', o.transactionalId);
  push('DELEGATION_TOKEN', o.delegationToken);
  push('USER', o.userPrincipal);
  if (out.length === 0 && required)
    throw new UsageError(
      'You must provide at least one resource: --topic <topic> or --cluster or --group <group> or --delegation-token <Delegation Token ID>',
    );
  return out;
}

function hostsFor(hosts: readonly string[], principals: readonly string[]): string[] {
  if (hosts.length > 0) return [...new Set(hosts.map((h) => h.trim()))];
  return principals.length > 0 ? [WILDCARD] : [];
}

/** Allow and deny entries for these operations (Kafka's getAcl). */
function entriesFor(
  o: AclCommandOptions,
  operations: readonly AclOperationName[],
): AccessControlEntry[] {
  const out: AccessControlEntry[] = [];
  const add = (
    principals: readonly string[],
    hosts: readonly string[],
    permissionType: 'ALLOW' | 'DENY',
  ) => {
    const parsed = [...new Set(principals.map(parsePrincipal))];
    for (const principal of parsed)
      for (const operation of operations)
        for (const host of hostsFor(hosts, principals))
          out.push({ principal, host, operation, permissionType });
  };
  add(o.allowPrincipal, o.allowHost, 'ALLOW');
  add(o.denyPrincipal, o.denyHost, 'DENY');
  return out;
}

/** Every resource filter with its entries, for --add and --remove (Kafka's getResourceFilterToAcls). */
export function filterEntries(o: AclCommandOptions): FilterEntries[] {
  const filters = resourceFilters(o, true);
  const byKey = new Map<string, { filter: ResourcePatternFilter; entries: AccessControlEntry[] }>();
  const put = (filter: ResourcePatternFilter, entries: readonly AccessControlEntry[]) => {
    const k = `${filter.resourceType}\u0000${filter.name}`;
    const cur = byKey.get(k) ?? { filter, entries: [] };
    for (const e of entries)
      if (!cur.entries.some((c) => JSON.stringify(c) === JSON.stringify(e))) cur.entries.push(e);
    byKey.set(k, cur);
  };
  if (o.producer !== true && o.consumer !== true) {
    const operations = (o.operation.length > 0 ? o.operation : ['All']).map(parseOperation);
    const entries = entriesFor(o, [...new Set(operations)]);
    for (const f of filters) put(f, entries);
  }
  if (o.producer === true) {
    for (const f of filters) {
      if (f.resourceType === 'TOPIC') put(f, entriesFor(o, ['WRITE', 'DESCRIBE', 'CREATE']));
      if (f.resourceType === 'TRANSACTIONAL_ID') put(f, entriesFor(o, ['WRITE', 'DESCRIBE']));
    }
    if (o.idempotent === true)
      put(
        { resourceType: 'CLUSTER', name: CLUSTER_RESOURCE_NAME, patternType: 'LITERAL' },
        entriesFor(o, ['IDEMPOTENT_WRITE']),
      );
  }
  if (o.consumer === true) {
    for (const f of filters) {
      if (f.resourceType === 'TOPIC') put(f, entriesFor(o, ['READ', 'DESCRIBE']));
      if (f.resourceType === 'GROUP') put(f, entriesFor(o, ['READ']));
    }
  }
  const out = [...byKey.values()];
  for (const { filter, entries } of out) validateOperations(filter.resourceType, entries);
  return out;
}

function validateOperations(type: ResourceTypeName, entries: readonly AccessControlEntry[]): void {
  const valid = new Set<AclOperationName>([...SUPPORTED_OPERATIONS[type], 'ALL']);
  if (entries.every((e) => valid.has(e.operation))) return;
  const names = [...valid].map(pascalCase).join(', ');
  throw new UsageError(`ResourceType ${type} only supports operations ${names}`);
}
