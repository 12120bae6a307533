// `gregor reassign-partitions`: kafka-reassign-partitions.sh's --execute,
// --verify, --cancel and --list, with its reassignment JSON
// ({"version":1,"partitions":[{"topic","partition","replicas","log_dirs"}]})
// and its output lines. --throttle sets Kafka's replication throttles for the
// moves (reassignment-throttle.ts) and --verify clears them once the moves are
// done. Gregor has one log directory per broker, so log_dirs other than "any"
// are refused. --generate is not built.

import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { ErrorCode, errorName } from '../client/errors.ts';
import {
  byTopicPartition,
  type TopicPartition,
  topicPartitionName as tpName,
} from '../client/fetcher.ts';
import type { KafkaClient } from '../client/kafka-client.ts';
import {
  alterPartitionReassignments,
  listPartitionReassignments,
  type OngoingReassignment,
  type ReassignmentOutcome,
} from '../client/reassignments.ts';
import { applyThrottle, clearThrottles, VERIFY_WARNING } from './reassignment-throttle.ts';
import {
  addBootstrapOption,
  type CommonToolOptions,
  clientFor,
  runTool,
  UsageError,
} from './tool-support.ts';

interface ReassignOptions extends CommonToolOptions {
  readonly reassignmentJsonFile?: string;
  readonly execute?: boolean;
  readonly verify?: boolean;
  readonly cancel?: boolean;
  readonly list?: boolean;
  readonly generate?: boolean;
  readonly additional?: boolean;
  readonly throttle?: string;
  readonly preserveThrottles?: boolean;
}

export type ReassignAction = 'execute' | 'verify' | 'cancel' | 'list';

export interface PartitionTarget extends TopicPartition {
  readonly replicas: readonly number[];
}

const ACTIONS = ['generate', 'execute', 'verify', 'cancel', 'list'] as const;

export function addReassignPartitionsCommand(program: Command): void {
  const cmd = program
    .command('reassign-partitions')
    .description('Move partition replicas between brokers (kafka-reassign-partitions.sh)')
    .option(
      '--reassignment-json-file <file>',
      'The partitions and their target replicas, as --execute, --verify and --cancel read them.',
    )
    .option('--execute', 'Start the reassignments in --reassignment-json-file.')
    .option('--verify', 'Report whether the reassignments in --reassignment-json-file are done.')
    .option(
      '--cancel',
      'Cancel the reassignments in --reassignment-json-file that are in progress.',
    )
    .option('--list', 'List the reassignments in progress.')
    .option('--generate', 'Propose an assignment (not available in Gregor).')
    .option(
      '--additional',
      'With --execute: start even though other reassignments are in progress.',
    )
    .option(
      '--throttle <bytes/s>',
      'With --execute: limit the replication of the moves to this rate (cleared by --verify).',
    )
    .option('--preserve-throttles', 'With --verify: do not clear the throttles.');
  addBootstrapOption(cmd);
  cmd.action((opts: ReassignOptions) =>
    runTool('', async () => {
      const action = chooseAction(opts);
      const targets =
        action === 'list'
          ? []
          : parseReassignmentJson(await readFile(opts.reassignmentJsonFile!, 'utf8'));
      const client = clientFor(opts, 'gregor-reassign-partitions', { requestTimeoutMs: 75_000 });
      try {
        const lines = await run(client, action, targets, {
          additional: opts.additional === true,
          throttle: opts.throttle === undefined ? -1 : Number(opts.throttle),
          preserveThrottles: opts.preserveThrottles === true,
        });
        process.stdout.write(lines.map((l) => `${l}\n`).join(''));
      } finally {
        client.close();
      }
    }),
  );
}

/** Checks the flags as Kafka's tool does: exactly one action, and the file where one is needed. */
export function chooseAction(opts: ReassignOptions): ReassignAction {
  const chosen = ACTIONS.filter((a) => opts[a] === true);
  if (chosen.length !== 1) {
    throw new UsageError(
      'Command must include exactly one action: --generate, --execute, --verify, --cancel, or --list',
    );
  }
  const action = chosen[0]!;
  if (action === 'generate') {
    throw new UsageError(
      '--generate is not available in Gregor: write the reassignment JSON yourself',
    );
  }
  if (opts.throttle !== undefined) {
    if (!/^\d+$/.test(opts.throttle.trim()))
      throw new UsageError(`Cannot parse argument '${opts.throttle}' of option --throttle`);
    if (action !== 'execute')
      throw new UsageError(`Option "[throttle]" can't be used with action "[${action}]"`);
  }
  if (opts.additional === true && action !== 'execute') {
    throw new UsageError('Option "[additional]" can\'t be used with action "[' + action + ']"');
  }
  if (action !== 'list' && opts.reassignmentJsonFile === undefined) {
    throw new UsageError(`Missing required argument "[reassignment-json-file]"`);
  }
  return action;
}

/** Kafka's reassignment JSON; every problem is a UsageError naming it. */
export function parseReassignmentJson(text: string): PartitionTarget[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new UsageError('The reassignment JSON is not valid JSON');
  }
  const o = (typeof doc === 'object' && doc !== null ? doc : {}) as {
    version?: unknown;
    partitions?: unknown;
  };
  if (o.version !== undefined && o.version !== 1)
    throw new UsageError(`Not supported version field value ${JSON.stringify(o.version)}`);
  if (!Array.isArray(o.partitions))
    throw new UsageError('The reassignment JSON has no "partitions" list');
  if (o.partitions.length === 0)
    throw new UsageError('Partition reassignment list cannot be empty');
  const out: PartitionTarget[] = [];
  const seen = new Set<string>();
  const duplicates: string[] = [];
  for (const entry of o.partitions as unknown[]) {
    const e = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
    const replicas = e['replicas'];
    if (
      typeof e['topic'] !== 'string' ||
      !Number.isInteger(e['partition']) ||
      !Array.isArray(replicas) ||
      !replicas.every((r) => Number.isInteger(r))
    ) {
      throw new UsageError(
        `Invalid partition entry ${JSON.stringify(entry)}: expected {"topic": ..., "partition": ..., "replicas": [...]}`,
      );
    }
    const target: PartitionTarget = {
      topic: e['topic'],
      partition: e['partition'] as number,
      replicas: replicas as number[],
    };
    const logDirs = e['log_dirs'];
    if (logDirs !== undefined) {
      if (!Array.isArray(logDirs) || logDirs.length !== replicas.length) {
        throw new UsageError(
          `Size of replicas list ${JSON.stringify(replicas)} is different from size of log dirs list ${JSON.stringify(logDirs)} for partition ${tpName(target)}`,
        );
      }
      if (logDirs.some((d) => d !== 'any')) {
        throw new UsageError(
          `Gregor has one log directory per broker: log_dirs of ${tpName(target)} must all be "any"`,
        );
      }
    }
    if (new Set(replicas).size !== replicas.length) {
      throw new UsageError(
        `Partition replica lists may not contain duplicate entries: ${tpName(target)} lists ${replicas.join(',')}`,
      );
    }
    if (seen.has(tpName(target))) duplicates.push(tpName(target));
    seen.add(tpName(target));
    out.push(target);
  }
  if (duplicates.length > 0)
    throw new UsageError(
      `Reassignment data contains duplicate partitions: ${duplicates.join(',')}`,
    );
  return out;
}

/** The JSON --execute prints for rollback (and --execute reads): sorted, log_dirs "any". */
export function formatReassignmentJson(parts: readonly PartitionTarget[]): string {
  const partitions = [...parts].sort(byTopicPartition).map((p) => ({
    topic: p.topic,
    partition: p.partition,
    replicas: p.replicas,
    log_dirs: p.replicas.map(() => 'any'),
  }));
  return JSON.stringify({ version: 1, partitions });
}

interface RunOptions {
  readonly additional: boolean;
  /** Bytes/s for --throttle; -1 for none. */
  readonly throttle: number;
  readonly preserveThrottles: boolean;
}

async function run(
  client: KafkaClient,
  action: ReassignAction,
  targets: readonly PartitionTarget[],
  o: RunOptions,
): Promise<string[]> {
  const additional = o.additional;
  const ongoing = await listPartitionReassignments(client);
  if (action === 'list') return listLines(ongoing);
  if (action === 'execute') {
    if (ongoing.length > 0 && !additional) {
      throw new UsageError(
        'Cannot execute because there is an existing partition assignment. Use --additional to override this and create a new partition assignment in addition to the existing one.',
      );
    }
    const { brokerIds, current } = await clusterView(client, targets);
    const unknown = targets.flatMap((t) => t.replicas).find((r) => !brokerIds.has(r));
    if (unknown !== undefined) throw new UsageError(`Unknown broker id ${unknown}`);
    const lines = [
      'Current partition replica assignment',
      '',
      formatReassignmentJson(
        targets.flatMap((t) =>
          current.has(tpName(t)) ? [{ ...t, replicas: current.get(tpName(t))! }] : [],
        ),
      ),
      '',
      'Save this to use as the --reassignment-json-file option during rollback',
    ];
    if (o.throttle >= 0) {
      lines.push(VERIFY_WARNING);
      const moving = new Map(ongoing.map((r) => [tpName(r), r]));
      const moves = targets.map((t) => {
        const now = moving.get(tpName(t));
        // A partition already moving moves from the replicas it is not adding.
        const sources = now
          ? now.replicas.filter((r) => !now.addingReplicas.includes(r))
          : (current.get(tpName(t)) ?? []);
        return { topic: t.topic, partition: t.partition, sources, targets: t.replicas };
      });
      lines.push(await applyThrottle(client, moves, o.throttle));
    }
    const failed = failures(await alterPartitionReassignments(client, targets));
    if (failed.length > 0) {
      process.stdout.write(lines.map((l) => `${l}\n`).join(''));
      throw new Error(`Error reassigning partition(s):\n${failed.join('\n')}`);
    }
    const names = [...targets].sort(byTopicPartition).map(tpName);
    lines.push(
      `Successfully started partition reassignment${names.length === 1 ? '' : 's'} for ${names.join(',')}`,
    );
    return lines;
  }
  if (action === 'verify') {
    const view = await clusterView(client, targets);
    const lines = verifyLines(targets, ongoing, view.current);
    const active = new Set(ongoing.map(tpName));
    if (!o.preserveThrottles && !targets.some((t) => active.has(tpName(t)))) {
      const brokers = [...view.brokerIds, ...targets.flatMap((t) => t.replicas)];
      lines.push(
        ...(await clearThrottles(
          client,
          brokers,
          targets.map((t) => t.topic),
        )),
      );
    }
    return lines;
  }
  const active = new Set(ongoing.map(tpName));
  const cancelling = targets.filter((t) => active.has(tpName(t))).sort(byTopicPartition);
  const lines: string[] = [];
  if (cancelling.length === 0) {
    lines.push('None of the specified partition reassignments are active.');
  } else {
    const failed = failures(
      await alterPartitionReassignments(
        client,
        cancelling.map((t) => ({ ...t, replicas: null })),
      ),
    );
    if (failed.length > 0)
      throw new Error(
        `Error cancelling partition reassignment${failed.length === 1 ? '' : 's'} for:\n${failed.join('\n')}`,
      );
    lines.push(
      `Successfully cancelled partition reassignment${cancelling.length === 1 ? '' : 's'} for: ${cancelling.map(tpName).join(',')}`,
    );
  }
  // Kafka's tool reports log-directory moves next; Gregor has none.
  lines.push('None of the specified partition moves are active.');
  return lines;
}

function failures(outcomes: readonly ReassignmentOutcome[]): string[] {
  return [...outcomes]
    .filter((o) => o.errorCode !== ErrorCode.NONE)
    .sort(byTopicPartition)
    .map((o) => `${tpName(o)}: ${o.errorMessage ?? errorName(o.errorCode)}`);
}

/** One Metadata request: the registered brokers, and replicas per partition (a partition the cluster lacks is absent). */
async function clusterView(
  client: KafkaClient,
  targets: readonly TopicPartition[],
): Promise<{ brokerIds: Set<number>; current: Map<string, readonly number[]> }> {
  const md = await client.metadata([...new Set(targets.map((t) => t.topic))]);
  const current = new Map<string, readonly number[]>();
  for (const t of md.topics) {
    if (t.errorCode !== ErrorCode.NONE) continue;
    for (const p of t.partitions)
      current.set(tpName({ topic: t.name, partition: p.partition }), p.replicas);
  }
  return { brokerIds: new Set(md.brokers.map((b) => b.nodeId)), current };
}

export function listLines(ongoing: readonly OngoingReassignment[]): string[] {
  if (ongoing.length === 0) return ['No partition reassignments found.'];
  return [
    'Current partition reassignments:',
    ...[...ongoing].sort(byTopicPartition).map((r) => {
      const adding = r.addingReplicas.length > 0 ? ` adding: ${r.addingReplicas.join(',')}.` : '';
      const removing =
        r.removingReplicas.length > 0 ? ` removing: ${r.removingReplicas.join(',')}.` : '';
      return `${tpName(r)}: replicas: ${r.replicas.join(',')}.${adding}${removing}`;
    }),
  ];
}

/** --verify's report: per partition done, in progress, or settled elsewhere. */
export function verifyLines(
  targets: readonly PartitionTarget[],
  ongoing: readonly OngoingReassignment[],
  current: ReadonlyMap<string, readonly number[]>,
): string[] {
  const active = new Set(ongoing.map(tpName));
  const lines = ['Status of partition reassignment:'];
  for (const t of [...targets].sort(byTopicPartition)) {
    const name = tpName(t);
    if (active.has(name)) {
      lines.push(`Reassignment of partition ${name} is still in progress.`);
      continue;
    }
    const now = current.get(name) ?? [];
    if (now.join(',') === t.replicas.join(','))
      lines.push(`Reassignment of partition ${name} is completed.`);
    else
      lines.push(
        `There is no active reassignment of partition ${name}, but replica set is ${now.join(',')} rather than ${t.replicas.join(',')}.`,
      );
  }
  // Kafka's tool prints its (here empty) report of log-directory moves after this.
  lines.push('');
  return lines;
}
