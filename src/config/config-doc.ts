// Renders docs/configuration.md from config-def's tables, so the reference cannot drift from
// the code: config-doc.test.ts fails when the committed file differs from this output.
// Regenerate with `node --import tsx src/config/config-doc.ts` from the repository root.

import { writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  BROKER_CONFIG_DEFS,
  BROKER_KEY_GROUPS,
  type BrokerKeyGroup,
  type ConfigKeyDef,
  TOPIC_CONFIG_DEFS,
  topicKeyForBrokerKey,
} from './config-def.ts';
import { describeValidator } from './config-value.ts';
import { DYNAMIC_BROKER_KEYS } from './dynamic-broker-config.ts';
import { ENV_ALLOW_LIST, ENV_ALLOWED_MEANING, envNameForKey } from './env-names.ts';

const GROUP_TITLES: Readonly<Record<BrokerKeyGroup, string>> = {
  cluster: 'Cluster, identity and metadata store',
  listeners: 'Listeners',
  requests: 'Requests and connections',
  topics: 'Topic creation and topic defaults',
  log: 'Log storage (partition data)',
  replication: 'Replication and leadership',
  groups: 'Consumer groups and committed offsets',
  transactions: 'Transactions and producer ids',
  security: 'TLS and SASL',
};

const INTRO = `# Configuration

<!-- Generated from src/config/config-def.ts by src/config/config-doc.ts; do not edit.
     Regenerate: node --import tsx src/config/config-doc.ts -->

Gregor takes Kafka's property names, so a Kafka \`server.properties\` mostly works as it is
and a topic is configured with the same keys as in Kafka.

## Where values come from

Each broker key takes the value from the highest of these, per key:

1. a dynamic value set for this broker, then one set as the cluster-wide default (see
   "Dynamic broker configs" below), for the keys marked *dynamic*;
2. \`--override key=value\` on the command line;
3. an environment variable \`GREGOR_<KEY>\` (see below);
4. the properties file;
5. the default in the tables below.

Where Kafka ranks keys rather than sources, the key rank wins whatever the source:
\`log.retention.ms\` beats \`log.retention.minutes\`, which beats \`log.retention.hours\`;
\`log.roll.ms\` beats \`log.roll.hours\`; \`node.id\` and \`broker.id\` must agree when both are
set. DescribeConfigs reports the file, environment and overrides as \`STATIC_BROKER_CONFIG\`.

A key Gregor does not know is an error (\`GREGOR_ERR_CONFIG_UNKNOWN\`), as is a value that does
not parse or is out of range (\`GREGOR_ERR_CONFIG_INVALID\`); see [errors.md](errors.md).

## Dynamic broker configs

As in Kafka, the keys marked *dynamic* in the tables below may be changed while the brokers
run, for one broker or as the cluster-wide default, with AlterConfigs or
IncrementalAlterConfigs on a broker resource (the broker id, or an empty name for the
default), for example:

\`\`\`sh
gregor configs --bootstrap-server localhost:9092 --alter --entity-type brokers --entity-default --add-config log.retention.ms=3600000
gregor configs --bootstrap-server localhost:9092 --alter --entity-type brokers --entity-name 1 --add-config log.retention.ms=86400000
gregor configs --bootstrap-server localhost:9092 --describe --entity-type brokers --entity-name 1 --all
\`\`\`

The values live in the metadata store (\`configs/broker/<id>\` and \`configs/broker/<default>\`),
so every broker applies them through its watch and a restarted broker keeps them. A value set
for a broker beats the cluster default, which beats the static configuration. DescribeConfigs
reports each value's source (\`DYNAMIC_BROKER_CONFIG\`, \`DYNAMIC_DEFAULT_BROKER_CONFIG\`,
\`STATIC_BROKER_CONFIG\`, \`DEFAULT_CONFIG\`) with its synonyms in Kafka's order. A key that is
not dynamic, or a value that does not parse, is refused with \`INVALID_CONFIG\` and Kafka's
message (\`Cannot update these configs dynamically: Set(log.dirs)\`). The topic defaults among
them reach every partition log at once; the \`log.cleaner.*\` ones reach the log cleaner.

## Environment variables

\`GREGOR_\` followed by the key in upper case, with \`.\` written \`_\`, \`_\` written \`__\` and
\`-\` written \`___\` (the convention of Confluent's Kafka images): \`${envNameForKey('log.dirs')}\`
sets \`log.dirs\`, \`${envNameForKey('advertised.listeners')}\` sets \`advertised.listeners\`.
A \`GREGOR_\` variable that names no key stops the broker, except:

${ENV_ALLOW_LIST.map((name) => `- \`${name}\`: ${ENV_ALLOWED_MEANING[name] ?? 'not a broker key'};`).join('\n')}
- the variables Kubernetes creates for a Service whose name starts with \`gregor\`
  (\`GREGOR_SERVICE_HOST\`, \`GREGOR_SERVICE_PORT…\`, \`GREGOR_PORT=tcp://…\`,
  \`GREGOR_PORT_9092_TCP…\`, and the same after a longer service name).

## The properties file

Java \`.properties\` syntax: \`#\` or \`!\` starts a comment line; \`key=value\`, \`key: value\`
and \`key value\` all work; a line ending in \`\\\` continues on the next; \`\\t\`, \`\\n\`,
\`\\uXXXX\` and other backslash escapes are resolved; the last of repeated keys wins. The file
is read as UTF-8. Values are trimmed; lists are comma-separated.

## Notes

- \`offsets.topic.replication.factor\` and \`transaction.state.log.replication.factor\` keep
  Kafka's default of 3; when the internal topic is created, Gregor lowers the factor to the
  number of live brokers, so a single broker works without changing them.
- \`num.network.threads\`, \`num.io.threads\` and \`num.recovery.threads.per.data.dir\` are
  accepted and reported but have no effect: Gregor runs on one event loop.
- Kafka's Long.MAX_VALUE (\`9223372036854775807\`, "never") reads as 2^53-1 ms, 285,000 years.
`;

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function shownDefault(def: ConfigKeyDef): string {
  if (def.default === null) return '(unset)';
  if (def.default === '') return '""';
  return `\`${def.default}\``;
}

function brokerAppliesTo(name: string): string {
  const topicKey = topicKeyForBrokerKey(name);
  const scope = DYNAMIC_BROKER_KEYS.get(name);
  const dynamic = scope === undefined ? '' : `; dynamic (${scope})`;
  return topicKey === null
    ? `broker${dynamic}`
    : `broker${dynamic}; default of topic \`${topicKey}\``;
}

function brokerTable(group: BrokerKeyGroup): string {
  const rows = BROKER_CONFIG_DEFS.filter((def) => def.group === group).map((def) =>
    [
      `\`${def.name}\``,
      def.type,
      shownDefault(def),
      cell(describeValidator(def.valid)),
      def.importance,
      brokerAppliesTo(def.name),
      cell(def.doc),
    ].join(' | '),
  );
  return [
    `### ${GROUP_TITLES[group]}`,
    '',
    '| Key | Type | Default | Valid values | Importance | Applies to | Meaning |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map((row) => `| ${row} |`),
  ].join('\n');
}

function topicTable(): string {
  const rows = TOPIC_CONFIG_DEFS.map((def) =>
    [
      `\`${def.name}\``,
      def.type,
      shownDefault(def),
      cell(describeValidator(def.valid)),
      def.synonyms.length === 0 ? '(none)' : def.synonyms.map((s) => `\`${s.name}\``).join(', '),
      cell(def.doc),
    ].join(' | '),
  );
  return [
    '## Topic keys',
    '',
    'Set per topic by CreateTopics, AlterConfigs or IncrementalAlterConfigs. A key a topic does',
    'not set takes its value from the first broker key listed that has a value, converted to',
    'the topic unit (hours to ms); DescribeConfigs lists those broker keys as synonyms.',
    '',
    '| Key | Type | Default | Valid values | Broker default from | Meaning |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows.map((row) => `| ${row} |`),
  ].join('\n');
}

/** The full text of docs/configuration.md. */
export function renderConfigurationDoc(): string {
  const broker = BROKER_KEY_GROUPS.map(brokerTable).join('\n\n');
  return `${INTRO}\n## Broker keys\n\n${broker}\n\n${topicTable()}\n`;
}

/** Path of docs/configuration.md, relative to this module. */
export const CONFIGURATION_DOC_URL = new URL('../../docs/configuration.md', import.meta.url);

const invokedDirectly =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly) {
  writeFileSync(CONFIGURATION_DOC_URL, renderConfigurationDoc(), { encoding: 'utf8' });
  process.stdout.write(`wrote ${fileURLToPath(CONFIGURATION_DOC_URL)}\n`);
}
