// `gregor drain` and `gregor rebalance`: scale-down and scale-up of a broker StatefulSet without
// an operator. A StatefulSet removes its highest ordinal; `drain --broker N` first moves the
// leadership of N's partitions to replicas that are in sync (a reordering of each replica list
// and a preferred election), then reassigns every replica off N, reports progress and exits 0
// once N holds nothing. `rebalance` spreads the replicas evenly over the registered brokers
// (new pods start empty) and elects the preferred leaders. Both use Kafka's own
// AlterPartitionReassignments and ElectLeaders, so they work against any Gregor cluster.

import type { Command } from 'commander';
import { ElectionType, electLeaders } from '../client/elect-leaders.ts';
import { ErrorCode, errorName } from '../client/errors.ts';
import type { KafkaClient } from '../client/kafka-client.ts';
import {
  alterPartitionReassignments,
  listPartitionReassignments,
  type ReassignmentTarget,
} from '../client/reassignments.ts';
import { formatReassignmentJson } from './reassign-partitions-command.ts';
import {
  type BrokerInfo,
  type PartitionReplicas,
  PlanError,
  planDrain,
  planRebalance,
} from './replica-moves.ts';
import {
  addBootstrapOption,
  type CommonToolOptions,
  clientFor,
  runTool,
  UsageError,
} from './tool-support.ts';

interface DrainOptions extends CommonToolOptions {
  readonly broker: string;
  readonly timeout: string;
  readonly dryRun?: boolean;
}

interface RebalanceOptions extends CommonToolOptions {
  readonly brokerList?: string;
  readonly execute?: boolean;
  readonly timeout: string;
}

const POLL_MS = 1000;
const ELECTION_NOT_NEEDED = 84;

export function addDrainCommands(program: Command): void {
  const drain = program
    .command('drain')
    .description('Move every partition replica off a broker, leaders first, before removing it')
    .requiredOption(
      '--broker <id>',
      'the broker to empty (a StatefulSet removes its highest ordinal)',
    )
    .option('--timeout <seconds>', 'give up after this long', '3600')
    .option('--dry-run', 'print the moves and change nothing');
  addBootstrapOption(drain);
  drain.action((opts: DrainOptions) =>
    runTool('', async () => {
      const nodeId = nonNegativeInt(opts.broker, '--broker');
      const client = clientFor(opts, 'gregor-drain', { requestTimeoutMs: 75_000 });
      try {
        await runDrain(client, nodeId, opts.dryRun === true, seconds(opts.timeout), print);
      } finally {
        client.close();
      }
    }),
  );
  const rebalance = program
    .command('rebalance')
    .description('Spread partition replicas evenly over the brokers (after adding brokers)')
    .option('--broker-list <ids>', 'brokers to spread over, e.g. 0,1,2,3 (default: all registered)')
    .option('--execute', 'start the moves and wait for them; without it, print the plan only')
    .option('--timeout <seconds>', 'with --execute: give up after this long', '3600');
  addBootstrapOption(rebalance);
  rebalance.action((opts: RebalanceOptions) =>
    runTool('', async () => {
      const client = clientFor(opts, 'gregor-rebalance', { requestTimeoutMs: 75_000 });
      try {
        await runRebalance(client, opts, print);
      } finally {
        client.close();
      }
    }),
  );
}

function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

function nonNegativeInt(text: string, flag: string): number {
  if (!/^[0-9]+$/.test(text)) throw new UsageError(`${flag} '${text}' is not a broker id`);
  return Number(text);
}

function seconds(text: string): number {
  if (!/^[0-9]+$/.test(text) || Number(text) < 1)
    throw new UsageError(`--timeout '${text}' is not a number of seconds`);
  return Number(text) * 1000;
}

interface ClusterView {
  readonly brokers: BrokerInfo[];
  readonly parts: Array<
    PartitionReplicas & { readonly leader: number; readonly isr: readonly number[] }
  >;
}

async function view(client: KafkaClient): Promise<ClusterView> {
  const md = await client.metadata(null);
  const parts: ClusterView['parts'] = [];
  for (const t of md.topics) {
    if (t.errorCode !== ErrorCode.NONE) continue;
    for (const p of t.partitions)
      parts.push({
        topic: t.name,
        partition: p.partition,
        replicas: p.replicas,
        leader: p.leaderId,
        isr: p.isr,
      });
  }
  return { brokers: md.brokers.map((b) => ({ nodeId: b.nodeId, rack: b.rack })), parts };
}

const name = (p: { topic: string; partition: number }) => `${p.topic}-${p.partition}`;

async function submit(client: KafkaClient, targets: readonly ReassignmentTarget[]): Promise<void> {
  if (targets.length === 0) return;
  const failed = (await alterPartitionReassignments(client, targets)).filter(
    (o) => o.errorCode !== ErrorCode.NONE,
  );
  if (failed.length > 0)
    throw new Error(
      `Reassignment refused:\n${failed.map((f) => `${name(f)}: ${f.errorMessage ?? errorName(f.errorCode)}`).join('\n')}`,
    );
}

/** Leaders first: each partition N leads gets N last in its list, then a preferred election. */
async function moveLeadershipOff(
  client: KafkaClient,
  v: ClusterView,
  nodeId: number,
  out: (line: string) => void,
): Promise<void> {
  const led = v.parts.filter((p) => p.leader === nodeId && p.isr.some((r) => r !== nodeId));
  if (led.length === 0) return;
  // A reordering of the same replicas settles at once; the first in-sync one becomes preferred.
  await submit(
    client,
    led.map((p) => {
      const others = p.replicas.filter((r) => r !== nodeId);
      const inSync = others.filter((r) => p.isr.includes(r));
      const rest = others.filter((r) => !p.isr.includes(r));
      return { topic: p.topic, partition: p.partition, replicas: [...inSync, ...rest, nodeId] };
    }),
  );
  const results = await electLeaders(client, ElectionType.PREFERRED, led);
  const failed = results.filter(
    (r) => r.errorCode !== ErrorCode.NONE && r.errorCode !== ELECTION_NOT_NEEDED,
  );
  for (const f of failed)
    out(`Leadership of ${name(f)} stays for now: ${f.errorMessage ?? errorName(f.errorCode)}`);
  out(`Moved leadership of ${led.length - failed.length} partition(s) off broker ${nodeId}`);
}

export async function runDrain(
  client: KafkaClient,
  nodeId: number,
  dryRun: boolean,
  timeoutMs: number,
  out: (line: string) => void,
): Promise<void> {
  const first = await view(client);
  const initial = first.parts.filter((p) => p.replicas.includes(nodeId));
  if (initial.length === 0) {
    out(`Broker ${nodeId} holds no partition replicas: it can be removed.`);
    return;
  }
  const plan = planOrThrow(() => planDrain(initial, first.brokers, nodeId));
  out(`Draining broker ${nodeId}: ${initial.length} partition(s) to move`);
  if (dryRun) {
    out(formatReassignmentJson(plan.moves));
    return;
  }
  await moveLeadershipOff(client, first, nodeId, out);
  const deadline = Date.now() + timeoutMs;
  let reported = -1;
  /** Why a partition could not be planned in the latest round, named if the drain times out. */
  const unplanned = new Map<string, string>();
  for (;;) {
    const v = await view(client);
    const remaining = v.parts.filter((p) => p.replicas.includes(nodeId));
    const moved = Math.max(0, initial.length - remaining.length);
    if (moved !== reported) {
      out(`${moved}/${initial.length} partition(s) moved off broker ${nodeId}`);
      reported = moved;
    }
    if (remaining.length === 0) break;
    if (Date.now() > deadline)
      throw new Error(
        `Timed out with ${remaining.length} partition(s) still on broker ${nodeId}: ${remaining.map(name).join(', ')}${[...unplanned.values()].map((why) => `\n${why}`).join('')}`,
      );
    // Partitions not moving yet (the first round, or created since) get their target now.
    const ongoing = new Set((await listPartitionReassignments(client)).map(name));
    const idle = remaining.filter((p) => !ongoing.has(name(p)));
    // One at a time, and a plan that fails waits for the next round: a move that finished
    // between the metadata read and the reassignment listing still shows its adding and
    // removing replicas together (RF+1), which no plan can place until the view catches up.
    unplanned.clear();
    await submit(client, planRound(idle, v.brokers, nodeId, unplanned));
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  out(`Broker ${nodeId} holds no partition replicas: it can be removed.`);
}

/** The round's moves, planned together (for balance) or, if that fails, one by one. */
export function planRound(
  idle: readonly PartitionReplicas[],
  brokers: readonly BrokerInfo[],
  nodeId: number,
  unplanned: Map<string, string>,
): ReassignmentTarget[] {
  try {
    return planDrain(idle, brokers, nodeId).moves;
  } catch (err) {
    if (!(err instanceof PlanError)) throw err;
  }
  const moves: ReassignmentTarget[] = [];
  for (const p of idle) {
    try {
      moves.push(...planDrain([p], brokers, nodeId).moves);
    } catch (err) {
      if (!(err instanceof PlanError)) throw err;
      unplanned.set(name(p), err.message);
    }
  }
  return moves;
}

function planOrThrow<T>(plan: () => T): T {
  try {
    return plan();
  } catch (err) {
    if (err instanceof PlanError) throw new UsageError(err.message);
    throw err;
  }
}

async function runRebalance(
  client: KafkaClient,
  opts: RebalanceOptions,
  out: (line: string) => void,
): Promise<void> {
  const v = await view(client);
  const registered = new Map(v.brokers.map((b) => [b.nodeId, b]));
  const brokers =
    opts.brokerList === undefined
      ? v.brokers
      : opts.brokerList.split(',').map((id) => {
          const b = registered.get(nonNegativeInt(id.trim(), '--broker-list'));
          if (b === undefined) throw new UsageError(`Broker ${id.trim()} is not registered`);
          return b;
        });
  const plan = planOrThrow(() => planRebalance(v.parts, brokers));
  if (plan.moves.length === 0) {
    out('The replicas are already spread evenly: nothing to move.');
    return;
  }
  out(`Proposed partition reassignment configuration (${plan.moves.length} partition(s))`);
  out(formatReassignmentJson(plan.moves));
  if (opts.execute !== true) {
    out('Run again with --execute to start these moves.');
    return;
  }
  await submit(client, plan.moves);
  const deadline = Date.now() + seconds(opts.timeout);
  const targets = new Map(plan.moves.map((m) => [name(m), m.replicas.join(',')]));
  for (;;) {
    const now = await view(client);
    const done = now.parts.filter((p) => targets.get(name(p)) === p.replicas.join(',')).length;
    out(`${done}/${targets.size} partition(s) moved`);
    if (done === targets.size) break;
    if (Date.now() > deadline)
      throw new Error(`Timed out with ${targets.size - done} partition(s) still moving`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  const results = await electLeaders(client, ElectionType.PREFERRED, plan.moves);
  const elected = results.filter((r) => r.errorCode === ErrorCode.NONE).length;
  out(`Rebalanced ${targets.size} partition(s); preferred leader elected for ${elected}.`);
}
