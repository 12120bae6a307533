// `gregor console-consumer`: kafka-console-consumer.sh. Reads a topic (all its
// partitions, or one with --partition/--offset) or joins a group (--group),
// prints each record with DefaultMessageFormatter's conventions, stops after
// --max-messages, after --timeout-ms without a record, or on Ctrl-C, and ends
// with "Processed a total of N messages" on stderr, as Kafka's tool does.

import type { Command } from 'commander';
import type { AssignorName } from '../client/assignors.ts';
import type { TopicMetadata } from '../client/cluster-metadata.ts';
import { ErrorCode, isRetriable, kafkaError } from '../client/errors.ts';
import {
  type ConsumedRecord,
  EARLIEST_TIMESTAMP,
  Fetcher,
  LATEST_TIMESTAMP,
  listOffsets,
  type TopicPartition,
} from '../client/fetcher.ts';
import { GroupConsumer } from '../client/group-consumer.ts';
import type { KafkaClient } from '../client/kafka-client.ts';
import { sleep } from '../client/retry.ts';
import { formatRecord, formatterConfig } from './message-formatter.ts';
import {
  addBootstrapOption,
  type CommonToolOptions,
  clientFor,
  collect,
  parseInteger,
  parseKeyValues,
  runTool,
  UsageError,
} from './tool-support.ts';

interface ConsoleConsumerOptions extends CommonToolOptions {
  readonly topic?: string;
  readonly group?: string;
  readonly fromBeginning?: boolean;
  readonly maxMessages?: string;
  readonly partition?: string;
  readonly offset?: string;
  readonly property: string[];
  readonly consumerProperty: string[];
  readonly timeoutMs?: string;
}

/** Something that yields records: a group member or a plain assignment. */
interface RecordSource {
  poll(): Promise<ConsumedRecord[]>;
  seek(tp: TopicPartition, offset: number): void;
  close(): Promise<void>;
}

const TOPIC_WAIT_MS = 10_000;

export function addConsoleConsumerCommand(program: Command): void {
  const cmd = program
    .command('console-consumer')
    .description(
      'Read records from a topic and print them to standard output (kafka-console-consumer.sh)',
    )
    .option('--topic <topic>', 'The topic to consume on.')
    .option('--group <group>', 'The consumer group id of the consumer.')
    .option(
      '--from-beginning',
      'Start with the earliest message present when the consumer has no committed offset.',
    )
    .option('--max-messages <n>', 'The maximum number of messages to consume before exiting.')
    .option(
      '--partition <p>',
      'The partition to consume from; consumption starts from the end unless --offset is given.',
    )
    .option(
      '--offset <offset>',
      "The offset to start from: a non-negative number, 'earliest' or 'latest' (default latest).",
    )
    .option('--timeout-ms <ms>', 'Exit if no message is available for consumption for this long.')
    .option(
      '--property <prop=value>',
      'A formatter property: print.timestamp, print.key, print.value, print.partition, print.offset, ' +
        'print.headers, key.separator, line.separator, headers.separator, null.literal (repeatable).',
      collect,
      [],
    )
    .option(
      '--consumer-property <prop=value>',
      'A consumer property such as auto.offset.reset=earliest (repeatable).',
      collect,
      [],
    );
  addBootstrapOption(cmd);
  cmd.action((opts: ConsoleConsumerOptions) => runTool('', () => consume(opts)));
}

interface ConsumePlan {
  readonly topic: string;
  readonly partition: number | null;
  /** EARLIEST_TIMESTAMP, LATEST_TIMESTAMP or an offset. */
  readonly startOffset: number | null;
  readonly maxMessages: number | null;
  readonly timeoutMs: number | null;
}

function plan(opts: ConsoleConsumerOptions): ConsumePlan {
  if (opts.topic === undefined) throw new UsageError('Exactly one of include/topic is required.');
  if (opts.offset !== undefined && opts.partition === undefined) {
    throw new UsageError('The partition is required when offset is specified.');
  }
  if (opts.group !== undefined && opts.partition !== undefined) {
    throw new UsageError('Options group and partition cannot be specified together.');
  }
  if (opts.fromBeginning === true && opts.offset !== undefined) {
    throw new UsageError('Options from-beginning and offset cannot be specified together.');
  }
  return {
    topic: opts.topic,
    partition: opts.partition === undefined ? null : parseInteger(opts.partition, 'partition'),
    startOffset: startOffset(opts),
    maxMessages:
      opts.maxMessages === undefined ? null : parseInteger(opts.maxMessages, 'max-messages'),
    timeoutMs: opts.timeoutMs === undefined ? null : parseInteger(opts.timeoutMs, 'timeout-ms'),
  };
}

function startOffset(opts: ConsoleConsumerOptions): number | null {
  if (opts.fromBeginning === true) return EARLIEST_TIMESTAMP;
  const o = opts.offset?.trim().toLowerCase();
  if (o === undefined || o === 'latest') return opts.group === undefined ? LATEST_TIMESTAMP : null;
  if (o === 'earliest') return EARLIEST_TIMESTAMP;
  if (!/^\d+$/.test(o)) {
    throw new UsageError(
      "The provided offset value is incorrect. Valid values are 'earliest', 'latest', or a non-negative long.",
    );
  }
  return Number(o);
}

async function consume(opts: ConsoleConsumerOptions): Promise<void> {
  const p = plan(opts);
  const formatter = formatterConfig(parseKeyValues(opts.property, 'property'));
  const consumerProps = parseKeyValues(opts.consumerProperty, 'consumer property');
  const client = clientFor(opts, consumerProps.get('client.id') ?? 'console-consumer');
  let processed = 0;
  let stopping = false;
  const stop = (): void => {
    if (stopping) process.exit(130);
    stopping = true;
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.stdout.on('error', () => stop());
  let source: RecordSource | null = null;
  try {
    const topic = await ensureTopic(client, p.topic);
    source = await openSource(client, opts, p, topic, consumerProps);
    let lastRecordMs = Date.now();
    while (!stopping) {
      const records = await source.poll();
      if (records.length === 0) {
        if (p.timeoutMs !== null && Date.now() - lastRecordMs >= p.timeoutMs) break;
        continue;
      }
      lastRecordMs = Date.now();
      const room = p.maxMessages === null ? records.length : p.maxMessages - processed;
      const shown = records.slice(0, room);
      if (shown.length > 0)
        process.stdout.write(Buffer.concat(shown.map((r) => formatRecord(r, formatter))));
      processed += shown.length;
      rewindUnshown(source, records, shown.length);
      if (p.maxMessages !== null && processed >= p.maxMessages) break;
    }
  } finally {
    await source?.close().catch(() => undefined);
    client.close();
    process.stderr.write(`Processed a total of ${processed} messages\n`);
  }
}

/** Records fetched but not printed stay unread: their partitions' positions go back to them. */
function rewindUnshown(
  source: RecordSource,
  records: readonly ConsumedRecord[],
  shown: number,
): void {
  const firstUnshown = new Map<string, ConsumedRecord>();
  for (const r of records.slice(shown)) {
    const key = `${r.topic}\u0000${r.partition}`;
    if (!firstUnshown.has(key)) firstUnshown.set(key, r);
  }
  for (const r of firstUnshown.values()) source.seek(r, r.offset);
}

/** The topic's metadata, asking for auto-creation as Kafka's consumer does, and waiting for it. */
async function ensureTopic(client: KafkaClient, topic: string): Promise<TopicMetadata> {
  const deadline = Date.now() + TOPIC_WAIT_MS;
  for (;;) {
    const md = await client.metadata([topic], { allowAutoTopicCreation: true });
    const t = md.topics.find((x) => x.name === topic);
    if (t !== undefined && t.errorCode === ErrorCode.NONE && t.partitions.length > 0) return t;
    const code = t?.errorCode ?? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    // TOPIC_ALREADY_EXISTS: the broker raced another auto-creation of the topic; it will appear.
    const passing = isRetriable(code) || code === ErrorCode.TOPIC_ALREADY_EXISTS;
    if (!passing || Date.now() >= deadline) {
      throw kafkaError(
        code,
        code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
          ? `Topic ${topic} not present in metadata after ${TOPIC_WAIT_MS} ms.`
          : null,
      );
    }
    await sleep(200);
  }
}

function fetchWaitMs(p: ConsumePlan, props: ReadonlyMap<string, string>): number {
  const configured = props.get('fetch.max.wait.ms');
  const wait = configured === undefined ? 500 : parseInteger(configured, 'fetch.max.wait.ms');
  return p.timeoutMs === null ? wait : Math.max(10, Math.min(wait, p.timeoutMs));
}

async function openSource(
  client: KafkaClient,
  opts: ConsoleConsumerOptions,
  p: ConsumePlan,
  topic: TopicMetadata,
  props: ReadonlyMap<string, string>,
): Promise<RecordSource> {
  const maxWaitMs = fetchWaitMs(p, props);
  const group = opts.group ?? props.get('group.id');
  if (group !== undefined) return groupSource(client, group, p, maxWaitMs, props);
  const partitions =
    p.partition === null ? topic.partitions.map((x) => x.partition) : [p.partition];
  if (!partitions.every((x) => topic.partitions.some((y) => y.partition === x))) {
    throw kafkaError(
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      `Partition ${p.partition} of topic ${p.topic} does not exist`,
    );
  }
  const fetcher = new Fetcher(client, { maxWaitMs, autoOffsetReset: 'latest' });
  const start = p.startOffset ?? LATEST_TIMESTAMP;
  if (start >= 0) {
    for (const partition of partitions) fetcher.seek({ topic: p.topic, partition }, start);
  } else {
    const listed = await listOffsets(
      client,
      partitions.map((partition) => ({ topic: p.topic, partition, timestamp: start })),
    );
    for (const l of listed) fetcher.seek(l, l.offset);
  }
  return {
    poll: () => fetcher.poll(),
    seek: (tp, o) => fetcher.seek(tp, o),
    close: async () => undefined,
  };
}

const ASSIGNOR_CLASSES: Readonly<Record<string, AssignorName>> = {
  range: 'range',
  roundrobin: 'roundrobin',
  'org.apache.kafka.clients.consumer.RangeAssignor': 'range',
  'org.apache.kafka.clients.consumer.RoundRobinAssignor': 'roundrobin',
};

function groupSource(
  client: KafkaClient,
  groupId: string,
  p: ConsumePlan,
  maxWaitMs: number,
  props: ReadonlyMap<string, string>,
): RecordSource {
  const num = (name: string): number | undefined => {
    const v = props.get(name);
    return v === undefined ? undefined : parseInteger(v, name);
  };
  const reset =
    props.get('auto.offset.reset') ??
    (p.startOffset === EARLIEST_TIMESTAMP ? 'earliest' : 'latest');
  if (reset !== 'earliest' && reset !== 'latest' && reset !== 'none') {
    throw new UsageError(
      `Invalid value ${reset} for configuration auto.offset.reset: String must be one of: latest, earliest, none`,
    );
  }
  const strategy = props.get('partition.assignment.strategy');
  const assignors = strategy?.split(',').map((s) => {
    const name = ASSIGNOR_CLASSES[s.trim()];
    if (name === undefined)
      throw new UsageError(
        `Unsupported partition.assignment.strategy '${s.trim()}': use range or roundrobin`,
      );
    return name;
  });
  const optional = {
    sessionTimeoutMs: num('session.timeout.ms'),
    heartbeatIntervalMs: num('heartbeat.interval.ms'),
    autoCommitIntervalMs: num('auto.commit.interval.ms'),
    assignors,
  };
  return new GroupConsumer(client, {
    groupId,
    topics: [p.topic],
    autoOffsetReset: reset,
    maxWaitMs,
    enableAutoCommit: (props.get('enable.auto.commit') ?? 'true').toLowerCase() === 'true',
    ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)),
  });
}
