// `gregor consumer-groups`: kafka-consumer-groups.sh's --list, --describe
// (offsets and lag, --members, --state), --reset-offsets (dry run unless
// --execute; only for inactive groups) and --delete, with Kafka's tables.

import type { Command } from 'commander';
import {
  type CommittedOffset,
  commitOffsets,
  deleteGroups,
  describeGroup,
  fetchCommittedOffsets,
  type GroupDescription,
  listGroups,
} from '../client/admin.ts';
import { ErrorCode, errorName, kafkaError } from '../client/errors.ts';
import {
  byTopicPartition,
  LATEST_TIMESTAMP,
  listOffsets,
  type TopicPartition,
  topicsMetadata,
  tpKey,
} from '../client/fetcher.ts';
import type { KafkaClient } from '../client/kafka-client.ts';
import {
  groupListTable,
  lagOf,
  membersTable,
  type OffsetRow,
  offsetsTable,
  resetTable,
  stateTable,
} from './group-format.ts';
import { parseResetDatetime, planReset, type ResetScenario } from './group-offsets-reset.ts';
import {
  addBootstrapOption,
  addOutputOption,
  type CommonToolOptions,
  clientFor,
  collect,
  jsonLine,
  type OutputFormat,
  outputFormat,
  parseInteger,
  runTool,
  UsageError,
} from './tool-support.ts';

interface GroupsOptions extends CommonToolOptions {
  readonly list?: boolean;
  readonly describe?: boolean;
  readonly delete?: boolean;
  readonly resetOffsets?: boolean;
  readonly group: string[];
  readonly allGroups?: boolean;
  readonly members?: boolean;
  readonly state?: boolean | string;
  readonly offsets?: boolean;
  readonly topic: string[];
  readonly allTopics?: boolean;
  readonly toEarliest?: boolean;
  readonly toLatest?: boolean;
  readonly toCurrent?: boolean;
  readonly toOffset?: string;
  readonly toDatetime?: string;
  readonly shiftBy?: string;
  readonly dryRun?: boolean;
  readonly execute?: boolean;
  readonly output?: string;
}

const ACTIONS = ['list', 'describe', 'delete', 'resetOffsets'] as const;
const ACTION_FLAGS = '--list, --describe, --delete, --reset-offsets';
const REBALANCING = new Set([
  'PreparingRebalance',
  'CompletingRebalance',
  'Assigning',
  'Reconciling',
]);

export function addConsumerGroupsCommand(program: Command): void {
  const cmd = program
    .command('consumer-groups')
    .description(
      'List, describe, reset the offsets of, or delete consumer groups (kafka-consumer-groups.sh)',
    )
    .option('--list', 'List all consumer groups.')
    .option(
      '--describe',
      'Describe a consumer group: offsets and lag by default, or --members, --state.',
    )
    .option('--delete', 'Delete the given consumer groups (they must have no active members).')
    .option(
      '--reset-offsets',
      'Reset the offsets of an inactive consumer group (dry run unless --execute).',
    )
    .option('--group <group>', 'The consumer group to act on (repeatable).', collect, [])
    .option('--all-groups', 'Apply to all consumer groups.')
    .option('--members', 'With --describe, show the members of the group.')
    .option(
      '--state [states]',
      'With --describe, show the state of the group; with --list, show each state.',
    )
    .option('--offsets', 'With --describe, show offsets and lag (the default).')
    .option(
      '--topic <topic>',
      'With --reset-offsets, the topic, or topic:0,1 for some partitions (repeatable).',
      collect,
      [],
    )
    .option('--all-topics', 'With --reset-offsets, every topic the group has offsets for.')
    .option('--to-earliest', 'Reset offsets to the earliest offset.')
    .option('--to-latest', 'Reset offsets to the latest offset.')
    .option('--to-current', 'Reset offsets to the current committed offset.')
    .option('--to-offset <offset>', 'Reset offsets to this offset (kept within the log).')
    .option(
      '--to-datetime <datetime>',
      'Reset offsets to the first offset at or after yyyy-MM-ddTHH:mm:ss.SSS.',
    )
    .option('--shift-by <n>', 'Shift the current offsets by n, which may be negative.')
    .option('--dry-run', 'Only show the result of the reset (the default).')
    .option('--execute', 'Execute the reset.');
  addBootstrapOption(cmd);
  addOutputOption(cmd);
  cmd.action((opts: GroupsOptions) =>
    runTool('Error: ', async () => {
      const action = chooseAction(opts);
      const format = outputFormat(opts.output);
      const client = clientFor(opts, 'gregor-consumer-groups');
      try {
        await RUNNERS[action](client, opts, format);
      } finally {
        client.close();
      }
    }),
  );
}

function chooseAction(opts: GroupsOptions): (typeof ACTIONS)[number] {
  const chosen = ACTIONS.filter((a) => opts[a] === true);
  if (chosen.length !== 1)
    throw new UsageError(`Command must include exactly one action: ${ACTION_FLAGS}`);
  const action = chosen[0]!;
  if (action !== 'list' && opts.group.length === 0 && opts.allGroups !== true) {
    const flag = action === 'resetOffsets' ? 'reset-offsets' : action;
    throw new UsageError(`Option [${flag}] takes one of these options: [all-groups], [group]`);
  }
  return action;
}

type Runner = (client: KafkaClient, opts: GroupsOptions, format: OutputFormat) => Promise<void>;

const RUNNERS: Record<(typeof ACTIONS)[number], Runner> = {
  list: listAction,
  describe: describeAction,
  delete: deleteAction,
  resetOffsets: resetAction,
};

async function consumerGroups(client: KafkaClient): Promise<{ groupId: string; state: string }[]> {
  const all = await listGroups(client);
  return all.filter((g) => g.protocolType === 'consumer' || g.protocolType === '');
}

async function listAction(
  client: KafkaClient,
  opts: GroupsOptions,
  format: OutputFormat,
): Promise<void> {
  let groups = await consumerGroups(client);
  if (typeof opts.state === 'string') {
    const wanted = new Set(opts.state.split(',').map((s) => s.trim().toLowerCase()));
    groups = groups.filter((g) => wanted.has(g.state.toLowerCase()));
  }
  if (format === 'json')
    process.stdout.write(jsonLine(groups.map((g) => ({ group: g.groupId, state: g.state }))));
  else if (opts.state !== undefined) process.stdout.write(groupListTable(groups));
  else if (groups.length > 0) process.stdout.write(`${groups.map((g) => g.groupId).join('\n')}\n`);
}

async function groupIds(client: KafkaClient, opts: GroupsOptions): Promise<string[]> {
  return opts.allGroups === true
    ? (await consumerGroups(client)).map((g) => g.groupId)
    : opts.group;
}

/** Kafka's notes on a group's state; a Dead group (one that does not exist) is an error. */
function noteState(desc: GroupDescription): void {
  if (desc.state === 'Dead') throw new Error(`Consumer group '${desc.groupId}' does not exist.`);
  if (desc.state === 'Empty')
    process.stderr.write(`\nConsumer group '${desc.groupId}' has no active members.\n`);
  if (REBALANCING.has(desc.state))
    process.stderr.write(`\nWarning: Consumer group '${desc.groupId}' is rebalancing.\n`);
}

async function describeAction(
  client: KafkaClient,
  opts: GroupsOptions,
  format: OutputFormat,
): Promise<void> {
  const json: unknown[] = [];
  for (const groupId of (await groupIds(client, opts)).sort()) {
    const desc = await describeGroup(client, groupId);
    if (format === 'text') noteState(desc);
    else if (desc.state === 'Dead') throw new Error(`Consumer group '${groupId}' does not exist.`);
    if (opts.members === true) {
      const rows = desc.members.map((m) => ({
        group: groupId,
        consumerId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        host: m.host,
        clientId: m.clientId,
        partitions: m.assignment.length,
      }));
      if (format === 'json')
        json.push({ group: groupId, state: desc.state, members: desc.members });
      else if (rows.length > 0) process.stdout.write(membersTable(rows));
    } else if (opts.state !== undefined) {
      const row = {
        group: groupId,
        coordinator: desc.coordinator,
        assignmentStrategy: desc.protocol,
        state: desc.state,
        members: desc.members.length,
      };
      if (format === 'json') json.push(row);
      else process.stdout.write(stateTable(row));
    } else {
      const rows = await offsetRows(client, desc);
      if (format === 'json')
        json.push({ group: groupId, state: desc.state, offsets: rows.map(offsetJson) });
      else if (rows.length > 0) process.stdout.write(offsetsTable(rows));
    }
  }
  if (format === 'json') process.stdout.write(jsonLine(json));
}

function offsetJson(r: OffsetRow) {
  return {
    topic: r.topic,
    partition: r.partition,
    currentOffset: r.offset,
    logEndOffset: r.logEndOffset,
    lag: lagOf(r),
    consumerId: r.consumerId,
    host: r.host,
    clientId: r.clientId,
  };
}

/** Rows for assigned partitions (members with most partitions first), then committed-only ones. */
async function offsetRows(client: KafkaClient, desc: GroupDescription): Promise<OffsetRow[]> {
  const committed = await fetchCommittedOffsets(client, desc.groupId);
  const committedAt = new Map(committed.map((c) => [tpKey(c), c.offset]));
  const members = desc.members
    .filter((m) => m.assignment.length > 0)
    .sort((a, b) => b.assignment.length - a.assignment.length);
  const assigned = new Set(members.flatMap((m) => m.assignment.map(tpKey)));
  const unassigned = committed.filter((c) => !assigned.has(tpKey(c)));
  const all = [...members.flatMap((m) => m.assignment), ...unassigned];
  const ends = await logEndOffsets(client, all);
  const rowFor = (
    tp: TopicPartition,
    m: { memberId: string; host: string; clientId: string } | null,
  ): OffsetRow => ({
    group: desc.groupId,
    topic: tp.topic,
    partition: tp.partition,
    offset: committedAt.get(tpKey(tp)) ?? null,
    logEndOffset: ends.get(tpKey(tp)) ?? null,
    consumerId: m?.memberId ?? null,
    host: m?.host ?? null,
    clientId: m?.clientId ?? null,
  });
  return [
    ...members.flatMap((m) => [...m.assignment].sort(byTopicPartition).map((tp) => rowFor(tp, m))),
    ...[...unassigned].sort(byTopicPartition).map((tp) => rowFor(tp, null)),
  ];
}

/** Log end offsets per partition; a topic that is gone leaves its partitions unknown ("-"). */
async function logEndOffsets(
  client: KafkaClient,
  tps: readonly TopicPartition[],
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const byTopic = new Map<string, TopicPartition[]>();
  for (const tp of tps) byTopic.set(tp.topic, [...(byTopic.get(tp.topic) ?? []), tp]);
  await Promise.all(
    [...byTopic.values()].map(async (list) => {
      const listed = await listOffsets(
        client,
        list.map((tp) => ({ ...tp, timestamp: LATEST_TIMESTAMP })),
      ).catch(() => []);
      for (const l of listed) out.set(tpKey(l), l.offset);
    }),
  );
  return out;
}

async function deleteAction(
  client: KafkaClient,
  opts: GroupsOptions,
  format: OutputFormat,
): Promise<void> {
  const results = await deleteGroups(client, await groupIds(client, opts));
  const ok = [...results].filter(([, code]) => code === ErrorCode.NONE).map(([g]) => g);
  const failed = [...results].filter(([, code]) => code !== ErrorCode.NONE);
  if (format === 'json') {
    process.stdout.write(
      jsonLine(
        [...results].map(([group, code]) => ({
          group,
          error: code === 0 ? null : errorName(code),
        })),
      ),
    );
  } else if (ok.length > 0 && failed.length === 0) {
    process.stdout.write(
      `Deletion of requested consumer groups (${ok.map((g) => `'${g}'`).join(', ')}) was successful.\n`,
    );
  }
  if (failed.length > 0) {
    const why = failed.map(
      ([g, code]) =>
        `Group '${g}' could not be deleted due to: ${errorName(code)}: ${kafkaError(code).message}`,
    );
    throw new Error(`Deletion of some consumer groups failed: ${why.join('; ')}`);
  }
}

function scenarioOf(opts: GroupsOptions): ResetScenario {
  const chosen: ResetScenario[] = [];
  if (opts.toEarliest === true) chosen.push({ kind: 'to-earliest' });
  if (opts.toLatest === true) chosen.push({ kind: 'to-latest' });
  if (opts.toCurrent === true) chosen.push({ kind: 'to-current' });
  if (opts.toOffset !== undefined)
    chosen.push({ kind: 'to-offset', offset: parseInteger(opts.toOffset, 'to-offset') });
  if (opts.shiftBy !== undefined)
    chosen.push({ kind: 'shift-by', shift: parseInteger(opts.shiftBy, 'shift-by') });
  if (opts.toDatetime !== undefined)
    chosen.push({ kind: 'to-datetime', timestampMs: parseResetDatetime(opts.toDatetime) });
  if (chosen.length !== 1) {
    throw new UsageError(
      "Option '[reset-offsets]' requires one of the following scenarios: [to-offset], [to-datetime], [to-earliest], [to-latest], [shift-by], [to-current]",
    );
  }
  return chosen[0]!;
}

/** The partitions named by --topic (t or t:0,1) or, with --all-topics, the group's committed ones. */
async function resetScope(
  client: KafkaClient,
  opts: GroupsOptions,
  committed: readonly CommittedOffset[],
): Promise<TopicPartition[]> {
  if (opts.allTopics === true)
    return committed.map((c) => ({ topic: c.topic, partition: c.partition }));
  if (opts.topic.length === 0)
    throw new UsageError('One of the reset scopes should be defined: --all-topics, --topic.');
  const explicit = opts.topic.filter((t) => t.includes(':'));
  const whole = opts.topic.filter((t) => !t.includes(':'));
  const out: TopicPartition[] = explicit.flatMap((arg) => {
    const [topic, partitions, ...rest] = arg.split(':');
    if (topic === undefined || partitions === undefined || rest.length > 0) {
      throw new UsageError(`Invalid topic arg '${arg}', expected topic name and partitions`);
    }
    return partitions.split(',').map((p) => ({ topic, partition: parseInteger(p, 'topic') }));
  });
  if (whole.length > 0) {
    const md = await topicsMetadata(client, whole);
    for (const t of md.values())
      for (const p of t.partitions) out.push({ topic: t.name, partition: p.partition });
  }
  return out.sort(byTopicPartition);
}

async function resetAction(
  client: KafkaClient,
  opts: GroupsOptions,
  format: OutputFormat,
): Promise<void> {
  const scenario = scenarioOf(opts);
  if (opts.execute !== true && opts.dryRun !== true) {
    process.stderr.write(
      'WARN: No action will be performed as the --execute option is missing. Add --dry-run to keep this behaviour without the warning.\n',
    );
  }
  const json: unknown[] = [];
  for (const groupId of await groupIds(client, opts)) {
    const desc = await describeGroup(client, groupId);
    if (desc.state !== 'Empty' && desc.state !== 'Dead') {
      throw new Error(
        `Assignments can only be reset if the group '${groupId}' is inactive, but the current state is ${desc.state}.`,
      );
    }
    const committed = await fetchCommittedOffsets(client, groupId);
    const planned = await planReset(
      client,
      await resetScope(client, opts, committed),
      scenario,
      committed,
    );
    if (opts.execute === true && planned.length > 0) await commitOffsets(client, groupId, planned);
    if (format === 'json') json.push({ group: groupId, offsets: planned });
    else process.stdout.write(resetTable(groupId, planned));
  }
  if (format === 'json') process.stdout.write(jsonLine(json));
}
