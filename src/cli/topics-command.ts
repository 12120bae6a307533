// `gregor topics`: kafka-topics.sh's flags and output. Exactly one action of
// --create, --list, --describe, --alter, --delete; --topic is a regex for all
// but --create; failures print "Error while executing topic command : <why>".

import type { Command } from 'commander';
import {
  type ConfigEntry,
  ConfigResourceType,
  createPartitions,
  createTopics,
  deleteTopics,
  describeCluster,
  describeConfigs,
} from '../client/admin.ts';
import type { TopicMetadata } from '../client/cluster-metadata.ts';
import { ErrorCode, KafkaError } from '../client/errors.ts';
import type { KafkaClient } from '../client/kafka-client.ts';
import {
  addBootstrapOption,
  addOutputOption,
  type CommonToolOptions,
  clientFor,
  collect,
  jsonLine,
  outputFormat,
  parseInteger,
  parseKeyValues,
  runTool,
  UsageError,
} from './tool-support.ts';
import { describeLines, isInternalTopic, topicMatcher } from './topic-format.ts';

interface TopicsOptions extends CommonToolOptions {
  readonly create?: boolean;
  readonly list?: boolean;
  readonly describe?: boolean;
  readonly alter?: boolean;
  readonly delete?: boolean;
  readonly topic?: string;
  readonly partitions?: string;
  readonly replicationFactor?: string;
  readonly config: string[];
  readonly underReplicatedPartitions?: boolean;
  readonly unavailablePartitions?: boolean;
  readonly ifExists?: boolean;
  readonly ifNotExists?: boolean;
  readonly excludeInternal?: boolean;
  readonly output?: string;
}

const ACTIONS = ['create', 'list', 'describe', 'alter', 'delete'] as const;

export function addTopicsCommand(program: Command): void {
  const cmd = program
    .command('topics')
    .description('Create, delete, describe, or change a topic (kafka-topics.sh)')
    .option('--create', 'Create a new topic.')
    .option('--list', 'List all available topics.')
    .option('--describe', 'List details for the given topics.')
    .option('--alter', 'Alter the number of partitions of a topic.')
    .option('--delete', 'Delete a topic.')
    .option(
      '--topic <topic>',
      'The topic to create, alter, describe or delete; a regular expression except with --create.',
    )
    .option('--partitions <n>', 'The number of partitions for the topic being created or altered.')
    .option(
      '--replication-factor <n>',
      'The replication factor for each partition of the topic being created.',
    )
    .option(
      '--config <name=value>',
      'A topic configuration override for the topic being created (repeatable).',
      collect,
      [],
    )
    .option(
      '--under-replicated-partitions',
      'With --describe, only show under-replicated partitions.',
    )
    .option(
      '--unavailable-partitions',
      'With --describe, only show partitions whose leader is not available.',
    )
    .option('--if-exists', 'With --alter, --delete or --describe, act only if the topic exists.')
    .option('--if-not-exists', 'With --create, do not fail if the topic already exists.')
    .option('--exclude-internal', 'Exclude internal topics when listing or describing topics.');
  addBootstrapOption(cmd);
  addOutputOption(cmd);
  cmd.action((opts: TopicsOptions) =>
    runTool('Error while executing topic command : ', async () => {
      const action = chooseAction(opts);
      const client = clientFor(opts, 'gregor-topics');
      try {
        await ACTION_RUNNERS[action](client, opts);
      } finally {
        client.close();
      }
    }),
  );
}

function chooseAction(opts: TopicsOptions): (typeof ACTIONS)[number] {
  const chosen = ACTIONS.filter((a) => opts[a] === true);
  if (chosen.length !== 1) {
    throw new UsageError(
      'Command must include exactly one action: --list, --describe, --create, --alter or --delete',
    );
  }
  const action = chosen[0]!;
  if (action !== 'list' && action !== 'describe' && opts.topic === undefined) {
    throw new UsageError('Missing required argument "[topic]"');
  }
  if (action === 'alter' && opts.partitions === undefined) {
    throw new UsageError('Missing required argument "[partitions]"');
  }
  if (opts.replicationFactor !== undefined && action !== 'create') {
    throw new UsageError(`Option "[replication-factor]" can't be used with option "[${action}]"`);
  }
  return action;
}

const ACTION_RUNNERS: Record<
  (typeof ACTIONS)[number],
  (c: KafkaClient, o: TopicsOptions) => Promise<void>
> = {
  create: createAction,
  list: listAction,
  describe: describeAction,
  alter: alterAction,
  delete: deleteAction,
};

async function createAction(client: KafkaClient, opts: TopicsOptions): Promise<void> {
  const name = opts.topic!;
  const partitions =
    opts.partitions === undefined ? -1 : parseInteger(opts.partitions, 'partitions');
  const rf =
    opts.replicationFactor === undefined
      ? -1
      : parseInteger(opts.replicationFactor, 'replication-factor');
  if (opts.replicationFactor !== undefined && (rf < 1 || rf > 32767)) {
    throw new UsageError('The replication factor must be between 1 and 32767 inclusive');
  }
  if (opts.partitions !== undefined && partitions < 1)
    throw new UsageError('The partitions must be greater than 0');
  const configs = Object.fromEntries(parseKeyValues(opts.config, 'topic config'));
  if (name.includes('.') || name.includes('_')) {
    process.stdout.write(
      "WARNING: Due to limitations in metric names, topics with a period ('.') or underscore ('_') could " +
        'collide. To avoid issues it is best to use either, but not both.\n',
    );
  }
  try {
    await createTopics(client, [
      { name, numPartitions: partitions, replicationFactor: rf, configs },
    ]);
    process.stdout.write(`Created topic ${name}.\n`);
  } catch (err) {
    const exists = err instanceof KafkaError && err.code === ErrorCode.TOPIC_ALREADY_EXISTS;
    if (!(exists && opts.ifNotExists === true)) throw err;
  }
}

/** Topic names matching --topic (all when absent), sorted, internal ones unless excluded. */
async function matchingTopics(client: KafkaClient, opts: TopicsOptions): Promise<TopicMetadata[]> {
  const md = await client.metadata(null);
  const matches = opts.topic === undefined ? () => true : topicMatcher(opts.topic);
  return md.topics
    .filter((t) => matches(t.name))
    .filter((t) => !(opts.excludeInternal === true && (t.isInternal || isInternalTopic(t.name))))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Kafka's check that a named topic matched, unless --if-exists. */
function ensureFound(found: readonly TopicMetadata[], opts: TopicsOptions): void {
  if (opts.topic !== undefined && found.length === 0 && opts.ifExists !== true) {
    throw new UsageError(`Topic '${opts.topic}' does not exist as expected`);
  }
}

async function listAction(client: KafkaClient, opts: TopicsOptions): Promise<void> {
  const names = (await matchingTopics(client, opts)).map((t) => t.name);
  if (outputFormat(opts.output) === 'json') process.stdout.write(jsonLine(names));
  else if (names.length > 0) process.stdout.write(`${names.join('\n')}\n`);
}

async function describeAction(client: KafkaClient, opts: TopicsOptions): Promise<void> {
  const format = outputFormat(opts.output);
  const topics = await matchingTopics(client, opts);
  ensureFound(topics, opts);
  const configs = await Promise.all(
    topics.map((t) => describeConfigs(client, { type: ConfigResourceType.TOPIC, name: t.name })),
  );
  const live = new Set((await describeCluster(client)).brokers.map((b) => b.nodeId));
  const filters = {
    underReplicated: opts.underReplicatedPartitions === true,
    unavailable: opts.unavailablePartitions === true,
  };
  if (format === 'json') {
    process.stdout.write(jsonLine(topics.map((t, i) => describeJson(t, configs[i] ?? []))));
    return;
  }
  const lines = topics.flatMap((t, i) => describeLines(t, configs[i] ?? [], filters, live));
  if (lines.length > 0) process.stdout.write(`${lines.join('\n')}\n`);
}

function describeJson(t: TopicMetadata, configs: readonly ConfigEntry[]) {
  return {
    topic: t.name,
    topicId: t.topicId,
    partitionCount: t.partitions.length,
    replicationFactor: t.partitions[0]?.replicas.length ?? 0,
    configs: Object.fromEntries(
      configs.filter((c) => c.source !== 5).map((c) => [c.name, c.value]),
    ),
    partitions: t.partitions.map((p) => ({
      partition: p.partition,
      leader: p.leaderId < 0 ? null : p.leaderId,
      replicas: p.replicas,
      isr: p.isr,
    })),
  };
}

async function alterAction(client: KafkaClient, opts: TopicsOptions): Promise<void> {
  const count = parseInteger(opts.partitions!, 'partitions');
  const topics = await matchingTopics(client, opts);
  ensureFound(topics, opts);
  for (const t of topics) await createPartitions(client, t.name, count);
}

async function deleteAction(client: KafkaClient, opts: TopicsOptions): Promise<void> {
  const topics = await matchingTopics(client, opts);
  ensureFound(topics, opts);
  if (topics.length > 0)
    await deleteTopics(
      client,
      topics.map((t) => t.name),
    );
}
