// `gregor configs`: kafka-configs.sh for topics, brokers and users (SCRAM credentials,
// user-configs.ts). --describe prints
// "Dynamic configs for topic t are:" (or "All configs ..." with --all, or
// "Default configs for brokers in the cluster are:") and one
// "  name=value sensitive=false synonyms={SOURCE:name=value, ...}" line per
// entry; --alter applies --add-config and --delete-config with
// IncrementalAlterConfigs and prints "Completed updating config for topic t."

import type { Command } from 'commander';
import {
  AlterConfigOp,
  CONFIG_SOURCE_NAMES,
  type ConfigEntry,
  type ConfigResource,
  ConfigResourceType,
  ConfigSource,
  describeCluster,
  describeConfigs,
  incrementalAlterConfigs,
} from '../client/admin.ts';
import type { KafkaClient } from '../client/kafka-client.ts';
import {
  addBootstrapOption,
  addOutputOption,
  type CommonToolOptions,
  clientFor,
  collect,
  jsonLine,
  type OutputFormat,
  outputFormat,
  runTool,
  UsageError,
} from './tool-support.ts';
import { alterUser, describeUsers, UserConfigError } from './user-configs.ts';

interface ConfigsOptions extends CommonToolOptions {
  readonly describe?: boolean;
  readonly alter?: boolean;
  readonly all?: boolean;
  readonly entityType?: string;
  readonly entityName?: string;
  readonly entityDefault?: boolean;
  readonly topic?: string;
  readonly broker?: string;
  readonly brokerDefaults?: boolean;
  readonly addConfig?: string;
  readonly deleteConfig: string[];
  readonly output?: string;
}

type EntityType = 'topics' | 'brokers' | 'users';

interface Entity {
  readonly type: EntityType;
  /** '' is the cluster-wide broker default; null means every entity of the type. */
  readonly name: string | null;
}

export function addConfigsCommand(program: Command): void {
  const cmd = program
    .command('configs')
    .description('Describe or alter the configuration of topics and brokers (kafka-configs.sh)')
    .option('--describe', 'List configs for the given entity.')
    .option('--alter', 'Alter the configuration for the entity.')
    .option('--all', 'With --describe, list all configs, not only the dynamic ones.')
    .option('--entity-type <type>', 'Type of entity: topics, brokers or users.')
    .option('--entity-name <name>', 'Name of entity: a topic name, a broker id or a user name.')
    .option(
      '--entity-default',
      'With --entity-type brokers, the cluster-wide default broker configs.',
    )
    .option('--topic <topic>', 'Short for --entity-type topics --entity-name <topic>.')
    .option('--broker <id>', 'Short for --entity-type brokers --entity-name <id>.')
    .option('--broker-defaults', 'Short for --entity-type brokers --entity-default.')
    .option(
      '--add-config <k=v,...>',
      'Configs to add, comma-separated; [a,b] groups a value with commas.',
    )
    .option(
      '--delete-config <k,...>',
      'Config names to remove, comma-separated (repeatable).',
      collect,
      [],
    );
  addBootstrapOption(cmd);
  addOutputOption(cmd);
  cmd.action((opts: ConfigsOptions) => {
    const args = process.argv.slice(3).join(' ');
    return runTool(`Error while executing config command with args '${args}': `, async () => {
      const entity = entityOf(opts);
      const format = outputFormat(opts.output);
      const client = clientFor(opts, 'gregor-configs');
      try {
        if (entity.type === 'users') await usersAction(client, entity, opts, format);
        else if (opts.alter === true) await alterAction(client, entity, opts);
        else await describeAction(client, entity, opts.all === true, format);
      } finally {
        client.close();
      }
    });
  });
}

function entityOf(opts: ConfigsOptions): Entity {
  if ((opts.describe === true) === (opts.alter === true)) {
    throw new UsageError('Command must include exactly one action: --describe, --alter');
  }
  let type = opts.entityType;
  let name: string | null = opts.entityName ?? null;
  if (opts.topic !== undefined) [type, name] = ['topics', opts.topic];
  if (opts.broker !== undefined) [type, name] = ['brokers', opts.broker];
  if (opts.brokerDefaults === true || opts.entityDefault === true) {
    if ((type ?? 'brokers') !== 'brokers')
      throw new UsageError('--entity-default must be used with --entity-type brokers');
    [type, name] = ['brokers', ''];
  }
  if (type === undefined) throw new UsageError('Missing required argument "[entity-type]"');
  if (type !== 'topics' && type !== 'brokers' && type !== 'users') {
    throw new UsageError(
      `Invalid entity type ${type}, the entity type must be one of topics, brokers, users`,
    );
  }
  if (type === 'brokers' && name !== null && name !== '' && !/^\d+$/.test(name)) {
    throw new UsageError(
      `The entity name for brokers must be a valid integer broker id, found: ${name}`,
    );
  }
  if (opts.alter === true && name === null)
    throw new UsageError('An entity name must be specified with --alter');
  return { type, name };
}

const resourceOf = (e: Entity, name: string): ConfigResource => ({
  type: e.type === 'topics' ? ConfigResourceType.TOPIC : ConfigResourceType.BROKER,
  name,
});

/** The source whose entries --describe shows without --all. */
function dynamicSource(e: Entity, name: string): number {
  if (e.type === 'topics') return ConfigSource.DYNAMIC_TOPIC_CONFIG;
  return name === ''
    ? ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG
    : ConfigSource.DYNAMIC_BROKER_CONFIG;
}

async function entityNames(client: KafkaClient, e: Entity): Promise<string[]> {
  if (e.type === 'topics') {
    const topics = (await client.metadata(null)).topics.map((t) => t.name).sort();
    if (e.name === null) return topics;
    if (!topics.includes(e.name))
      throw new Error(`The topic '${e.name}' doesn't exist and doesn't have dynamic config.`);
    return [e.name];
  }
  const ids = (await describeCluster(client)).brokers.map((b) => String(b.nodeId));
  if (e.name === null) return [...ids, ''];
  if (e.name !== '' && !ids.includes(e.name)) {
    throw new Error(`The broker '${e.name}' doesn't exist and doesn't have dynamic config.`);
  }
  return [e.name];
}

export function configLine(c: ConfigEntry): string {
  const synonyms = c.synonyms
    .map((s) => `${CONFIG_SOURCE_NAMES[s.source] ?? 'UNKNOWN'}:${s.name}=${s.value}`)
    .join(', ');
  return `  ${c.name}=${c.value} sensitive=${c.isSensitive} synonyms={${synonyms}}`;
}

export function configsHeader(type: EntityType, name: string, all: boolean): string {
  if (name === '') return `Default configs for ${type} in the cluster are:`;
  return `${all ? 'All' : 'Dynamic'} configs for ${type.slice(0, -1)} ${name} are:`;
}

async function describeAction(
  client: KafkaClient,
  e: Entity,
  all: boolean,
  format: OutputFormat,
): Promise<void> {
  const names = await entityNames(client, e);
  const json: unknown[] = [];
  for (const name of names) {
    const entries = (await describeConfigs(client, resourceOf(e, name), { includeSynonyms: true }))
      .filter((c) => all || c.source === dynamicSource(e, name))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    if (format === 'json') {
      json.push({
        entityType: e.type,
        entityName: name,
        configs: entries.map((c) => ({
          ...c,
          source: CONFIG_SOURCE_NAMES[c.source] ?? 'UNKNOWN',
          synonyms: c.synonyms.map((s) => ({
            ...s,
            source: CONFIG_SOURCE_NAMES[s.source] ?? 'UNKNOWN',
          })),
        })),
      });
      continue;
    }
    process.stdout.write(
      `${[configsHeader(e.type, name, all), ...entries.map(configLine)].join('\n')}\n`,
    );
  }
  if (format === 'json') process.stdout.write(jsonLine(json));
}

/**
 * Kafka's --add-config syntax: entries split at commas outside [...], each
 * "key=value"; brackets group a value that holds commas and are dropped.
 */
export function parseAddConfig(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const entries = text.split(/,(?=[^\]]*(?:\[|$))/).filter((s) => s.trim() !== '');
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    if (eq <= 0) {
      throw new UsageError(
        'Invalid entity config: all configs to be added must be in the format "key=val" or "key=[val1,val2]" to group values which contain commas.',
      );
    }
    out.set(
      entry.slice(0, eq).trim(),
      entry
        .slice(eq + 1)
        .replace(/[[\]]/g, '')
        .trim(),
    );
  }
  return out;
}

async function usersAction(
  client: KafkaClient,
  e: Entity,
  opts: ConfigsOptions,
  format: OutputFormat,
): Promise<void> {
  if (opts.alter !== true) {
    await describeUsers(client, e.name, format === 'json');
    return;
  }
  const add =
    opts.addConfig === undefined ? new Map<string, string>() : parseAddConfig(opts.addConfig);
  const remove = opts.deleteConfig
    .flatMap((d) => d.split(','))
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (add.size === 0 && remove.length === 0)
    throw new UsageError(
      'At least one of --add-config or --delete-config must be specified with --alter',
    );
  try {
    await alterUser(client, e.name ?? '', add, remove);
  } catch (err) {
    if (err instanceof UserConfigError) throw new UsageError(err.message);
    throw err;
  }
}

async function alterAction(client: KafkaClient, e: Entity, opts: ConfigsOptions): Promise<void> {
  const name = e.name ?? '';
  const add =
    opts.addConfig === undefined ? new Map<string, string>() : parseAddConfig(opts.addConfig);
  const remove = opts.deleteConfig
    .flatMap((d) => d.split(','))
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (add.size === 0 && remove.length === 0)
    throw new UsageError(
      'At least one of --add-config or --delete-config must be specified with --alter',
    );
  if (e.type === 'topics') await entityNames(client, e);
  const current = await describeConfigs(client, resourceOf(e, name));
  const present = new Set(
    current.filter((c) => c.source === dynamicSource(e, name)).map((c) => c.name),
  );
  const invalid = remove.filter((r) => !present.has(r));
  if (invalid.length > 0) throw new UsageError(`Invalid config(s): ${invalid.join(',')}`);
  await incrementalAlterConfigs(client, resourceOf(e, name), [
    ...remove.map((n) => ({ name: n, op: AlterConfigOp.DELETE, value: null })),
    ...[...add].map(([n, v]) => ({ name: n, op: AlterConfigOp.SET, value: v })),
  ]);
  process.stdout.write(
    name === ''
      ? `Completed updating default config for ${e.type} in the cluster.\n`
      : `Completed updating config for ${e.type.slice(0, -1)} ${name}.\n`,
  );
}
