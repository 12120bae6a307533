// `gregor acls`: kafka-acls.sh. --add prints "Adding ACLs for resource
// `ResourcePattern(...)`:" with one tab-indented entry per line and creates
// them; --remove asks "Are you sure ...? (y/n)" (unless --force) and deletes
// what the filters match; --list prints "Current ACLs for resource `...`:"
// blocks (optionally only for --principal). The options and their checks are
// acl-options.ts's; the output lines are Kafka's, so scripts written for
// kafka-acls.sh read them unchanged.

import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import {
  type AccessControlEntry,
  type AclBinding,
  type AclBindingFilter,
  createAcls,
  deleteAcls,
  describeAcls,
  formatEntry,
  formatPattern,
  formatPatternFilter,
  type ResourcePattern,
  type ResourcePatternFilter,
} from '../client/acls.ts';
import type { KafkaClient } from '../client/kafka-client.ts';
import {
  type AclCommandOptions,
  checkAclArgs,
  filterEntries,
  parsePatternType,
  parsePrincipal,
  resourceFilters,
} from './acl-options.ts';
import {
  addBootstrapOption,
  type CommonToolOptions,
  clientFor,
  collect,
  runTool,
  UsageError,
} from './tool-support.ts';

type Options = AclCommandOptions & CommonToolOptions;

export function addAclsCommand(program: Command): void {
  const cmd = program
    .command('acls')
    .description('Add, remove or list ACLs (kafka-acls.sh)')
    .option('--add', 'Indicates you are trying to add ACLs.')
    .option('--remove', 'Indicates you are trying to remove ACLs.')
    .option('--list', 'List ACLs for the specified resource, or all ACLs.')
    .option(
      '--topic <topic>',
      "Topic to which ACLs should be added or removed; '*' is every topic.",
      collect,
      [],
    )
    .option(
      '--group <group>',
      "Consumer group to which ACLs apply; '*' is every group.",
      collect,
      [],
    )
    .option('--cluster', 'Add/Remove cluster ACLs.')
    .option(
      '--transactional-id <id>',
      "Transactional id to which ACLs apply; '*' is every id.",
      collect,
      [],
    )
    .option(
      '--delegation-token <id>',
      "Delegation token to which ACLs apply; '*' is every token.",
      collect,
      [],
    )
    .option(
      '--user-principal <principal>',
      'A user principal as the resource (CreateTokens, DescribeTokens).',
      collect,
      [],
    )
    .option(
      '--resource-pattern-type <type>',
      'literal or prefixed when adding; any, match, literal or prefixed when listing or removing (default literal).',
    )
    .option(
      '--operation <operation>',
      'Operation being allowed or denied (default All).',
      collect,
      [],
    )
    .option(
      '--allow-principal <principal>',
      'principalType:name to allow; User:* is every user.',
      collect,
      [],
    )
    .option(
      '--deny-principal <principal>',
      'principalType:name to deny. Deny rules take precedence.',
      collect,
      [],
    )
    .option(
      '--allow-host <host>',
      'Host the allowed principals may connect from (default *).',
      collect,
      [],
    )
    .option(
      '--deny-host <host>',
      'Host the denied principals are denied from (default *).',
      collect,
      [],
    )
    .option('--principal <principal>', 'With --list, only the ACLs of this principal.', collect, [])
    .option('--producer', 'Producer role: Write, Describe and Create on the topics.')
    .option('--consumer', 'Consumer role: Read and Describe on the topics, Read on the group.')
    .option('--idempotent', 'With --producer, IdempotentWrite on the cluster.')
    .option('--force', 'Assume Yes to all queries and do not prompt.');
  addBootstrapOption(cmd);
  cmd.action((opts: Options) =>
    runTool('Error while executing ACL command: ', async () => {
      const action = checkAclArgs(opts);
      const client = clientFor(opts, 'gregor-acls');
      try {
        if (action === 'add') await addAction(client, opts);
        else if (action === 'remove') await removeAction(client, opts);
        else await listAction(client, opts);
      } finally {
        client.close();
      }
    }),
  );
}

/** Kafka's block: "<title> `X`: \n \t(e1)\n\t(e2) \n" and println's newline. */
function block(title: string, target: string, entries: readonly AccessControlEntry[]): string {
  const lines = entries.map((e) => `\t${formatEntry(e)}`).join('\n');
  return `${title} \`${target}\`: \n ${lines} \n\n`;
}

async function addAction(client: KafkaClient, opts: Options): Promise<void> {
  const patternType = parsePatternType(opts.resourcePatternType);
  if (patternType !== 'LITERAL' && patternType !== 'PREFIXED')
    throw new UsageError(
      `A '--resource-pattern-type' value of '${patternType}' is not valid when adding acls.`,
    );
  const groups = filterEntries(opts);
  if (groups.some((g) => g.entries.length === 0))
    throw new UsageError(
      'You must specify one of: --allow-principal, --deny-principal when trying to add ACLs.',
    );
  for (const { filter, entries } of groups) {
    const pattern: ResourcePattern = {
      resourceType: filter.resourceType,
      name: filter.name ?? '',
      patternType,
    };
    process.stdout.write(block('Adding ACLs for resource', formatPattern(pattern), entries));
    await createAcls(
      client,
      entries.map((entry) => ({ pattern, entry })),
    );
  }
}

async function confirm(question: string): Promise<boolean> {
  process.stdout.write(`${question}\n`);
  const rl = createInterface({ input: process.stdin });
  try {
    for await (const line of rl) return line.trim().toLowerCase() === 'y';
    return false;
  } finally {
    rl.close();
  }
}

async function removeAction(client: KafkaClient, opts: Options): Promise<void> {
  for (const { filter, entries } of filterEntries(opts)) {
    const question =
      entries.length === 0
        ? `Are you sure you want to delete all ACLs for resource filter \`${formatPatternFilter(filter)}\`? (y/n)`
        : `Are you sure you want to remove ACLs: \n ${entries.map((e) => `\t${formatEntry(e)}`).join('\n')} \n from resource filter \`${formatPatternFilter(filter)}\`? (y/n)`;
    if (opts.force !== true && !(await confirm(question))) continue;
    const filters: AclBindingFilter[] =
      entries.length === 0
        ? [{ pattern: filter, entry: ANY_ENTRY }]
        : entries.map((e) => ({ pattern: filter, entry: e }));
    await deleteAcls(client, filters);
  }
}

const ANY_ENTRY: AclBindingFilter['entry'] = {
  principal: null,
  host: null,
  operation: 'ANY',
  permissionType: 'ANY',
};

async function listAction(client: KafkaClient, opts: Options): Promise<void> {
  const filters = resourceFilters(opts, false);
  const bindings: AclBinding[] = [];
  const wanted: ResourcePatternFilter[] =
    filters.length === 0 ? [{ resourceType: 'ANY', name: null, patternType: 'ANY' }] : filters;
  for (const f of wanted)
    bindings.push(...(await describeAcls(client, { pattern: f, entry: ANY_ENTRY })));
  const byPattern = groupByPattern(bindings);
  const principals = [...new Set(opts.principal.map(parsePrincipal))];
  if (principals.length === 0) {
    for (const [pattern, entries] of byPattern)
      process.stdout.write(block('Current ACLs for resource', pattern, entries));
    return;
  }
  for (const principal of principals) {
    process.stdout.write(`ACLs for principal \`${principal}\`\n`);
    for (const [pattern, entries] of byPattern) {
      const own = entries.filter((e) => e.principal === principal);
      if (own.length > 0) process.stdout.write(block('Current ACLs for resource', pattern, own));
    }
  }
}

function groupByPattern(bindings: readonly AclBinding[]): Map<string, AccessControlEntry[]> {
  const out = new Map<string, AccessControlEntry[]>();
  for (const b of bindings) {
    const k = formatPattern(b.pattern);
    const list = out.get(k) ?? [];
    if (!list.some((e) => JSON.stringify(e) === JSON.stringify(b.entry))) list.push(b.entry);
    out.set(k, list);
  }
  return out;
}
