// `gregor leader-election`: kafka-leader-election.sh's flags and output.
// --election-type PREFERRED|UNCLEAN and exactly one of --all-topic-partitions,
// --topic with --partition, or --path-to-json-file; prints the partitions
// elected, those that already had the wanted leader, and one line per failure
// (then exits 1 with "<n> replica(s) could not be elected").

import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import {
  ELECTION_TIMEOUT_MS_DEFAULT,
  type ElectionResult,
  ElectionType,
  type ElectionTypeValue,
  electLeaders,
} from '../client/elect-leaders.ts';
import { ErrorCode, errorName } from '../client/errors.ts';
import { byTopicPartition, type TopicPartition, topicPartitionName } from '../client/fetcher.ts';
import {
  addBootstrapOption,
  type CommonToolOptions,
  clientFor,
  parseInteger,
  runTool,
  UsageError,
} from './tool-support.ts';

interface LeaderElectionOptions extends CommonToolOptions {
  readonly electionType?: string;
  readonly allTopicPartitions?: boolean;
  readonly topic?: string;
  readonly partition?: string;
  readonly pathToJsonFile?: string;
}

/** What to elect: the type and the partitions (null: every partition). */
export interface ElectionPlan {
  readonly type: ElectionTypeValue;
  readonly typeName: 'PREFERRED' | 'UNCLEAN';
  readonly partitions: readonly TopicPartition[] | null;
  readonly jsonFile: string | null;
}

export function addLeaderElectionCommand(program: Command): void {
  const cmd = program
    .command('leader-election')
    .description('Elect preferred or unclean leaders for partitions (kafka-leader-election.sh)')
    .option(
      '--election-type <type>',
      'PREFERRED (move leadership to the first replica) or UNCLEAN.',
    )
    .option('--all-topic-partitions', 'Elect leaders for every partition that needs it.')
    .option('--topic <topic>', 'The topic of the one partition to elect a leader for.')
    .option('--partition <id>', 'The partition to elect a leader for; requires --topic.')
    .option(
      '--path-to-json-file <file>',
      'A JSON file of partitions: {"partitions": [{"topic": "foo", "partition": 1}]}.',
    );
  addBootstrapOption(cmd);
  cmd.action((opts: LeaderElectionOptions) =>
    runTool('', async () => {
      const plan = planElection(opts);
      const partitions =
        plan.jsonFile === null
          ? plan.partitions
          : parseElectionJson(await readFile(plan.jsonFile, 'utf8'));
      const timeoutMs = ELECTION_TIMEOUT_MS_DEFAULT;
      const client = clientFor(opts, 'gregor-leader-election', {
        requestTimeoutMs: timeoutMs + 15_000,
      });
      try {
        const results = await electLeaders(client, plan.type, partitions, timeoutMs);
        const report = electionReport(plan.typeName, results);
        process.stdout.write(report.lines.map((l) => `${l}\n`).join(''));
        if (report.failed > 0) throw new Error(`${report.failed} replica(s) could not be elected`);
      } finally {
        client.close();
      }
    }),
  );
}

/** Checks the options as Kafka's tool does; the JSON file is read later. */
export function planElection(opts: LeaderElectionOptions): ElectionPlan {
  if (opts.electionType === undefined)
    throw new UsageError('Missing required option(s): election-type');
  const typeName = opts.electionType.toUpperCase();
  if (typeName !== 'PREFERRED' && typeName !== 'UNCLEAN') {
    throw new UsageError(`Invalid election type '${opts.electionType}': use PREFERRED or UNCLEAN`);
  }
  const chosen = [
    opts.topic !== undefined,
    opts.allTopicPartitions === true,
    opts.pathToJsonFile !== undefined,
  ];
  if (chosen.filter(Boolean).length !== 1) {
    throw new UsageError(
      'One and only one of the following options is required: topic, all-topic-partitions, path-to-json-file',
    );
  }
  if (opts.topic !== undefined && opts.partition === undefined) {
    throw new UsageError('Missing required option(s): partition');
  }
  if (opts.topic === undefined && opts.partition !== undefined) {
    throw new UsageError('Option partition is only allowed if topic is used');
  }
  const type = typeName === 'PREFERRED' ? ElectionType.PREFERRED : ElectionType.UNCLEAN;
  const partitions =
    opts.topic !== undefined && opts.partition !== undefined
      ? [{ topic: opts.topic, partition: parseInteger(opts.partition, 'partition') }]
      : null;
  return { type, typeName, partitions, jsonFile: opts.pathToJsonFile ?? null };
}

/** Kafka's election JSON: {"partitions": [{"topic": "t", "partition": 0}, ...]}, no duplicates. */
export function parseElectionJson(text: string): TopicPartition[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new UsageError('Replica election data is not valid JSON');
  }
  const list =
    typeof doc === 'object' && doc !== null
      ? (doc as { partitions?: unknown }).partitions
      : undefined;
  if (!Array.isArray(list))
    throw new UsageError('Replica election data is missing "partitions" field');
  const out: TopicPartition[] = [];
  const seen = new Set<string>();
  const duplicates: string[] = [];
  for (const entry of list) {
    const e = (typeof entry === 'object' && entry !== null ? entry : {}) as {
      topic?: unknown;
      partition?: unknown;
    };
    if (typeof e.topic !== 'string' || !Number.isInteger(e.partition)) {
      throw new UsageError(
        `Invalid partition entry ${JSON.stringify(entry)}: expected {"topic": ..., "partition": ...}`,
      );
    }
    const tp = { topic: e.topic, partition: e.partition as number };
    const name = topicPartitionName(tp);
    if (seen.has(name)) duplicates.push(name);
    seen.add(name);
    out.push(tp);
  }
  if (duplicates.length > 0) {
    throw new UsageError(
      `Replica election data contains duplicate partitions: ${duplicates.join(',')}`,
    );
  }
  return out;
}

/** The tool's output lines and how many partitions failed. */
export function electionReport(
  typeName: string,
  results: readonly ElectionResult[],
): { lines: string[]; failed: number } {
  const sorted = [...results].sort(byTopicPartition);
  const name = topicPartitionName;
  const succeeded = sorted.filter((r) => r.errorCode === ErrorCode.NONE).map(name);
  const noop = sorted.filter((r) => r.errorCode === ErrorCode.ELECTION_NOT_NEEDED).map(name);
  const failed = sorted.filter(
    (r) => r.errorCode !== ErrorCode.NONE && r.errorCode !== ErrorCode.ELECTION_NOT_NEEDED,
  );
  const lines: string[] = [];
  if (succeeded.length > 0) {
    lines.push(
      `Successfully completed leader election (${typeName}) for partitions ${succeeded.join(', ')}`,
    );
  }
  if (noop.length > 0)
    lines.push(`Valid replica already elected for partitions ${noop.join(', ')}`);
  for (const r of failed) {
    const why =
      r.errorMessage === null
        ? errorName(r.errorCode)
        : `${errorName(r.errorCode)}: ${r.errorMessage}`;
    lines.push(`Error completing leader election (${typeName}) for partition: ${name(r)}: ${why}`);
  }
  return { lines, failed: failed.length };
}
