// The deterministic cluster simulator (STYLE convention 14, after
// TigerBeetle's VOPR and etcd's rafttest): one seed picks a cluster (3 to 5
// brokers, a topic of 1 to 3 partitions with 3 replicas, session and lag
// timeouts, fsync policy, segment size, a small __consumer_offsets topic),
// producers, consumers committing offsets, and a stream of faults; the
// brokers run Gregor's own replication, ISR, controller, session, fence, log
// and group-coordinator code on a simulated clock, network, disks and
// metadata store, in one process. The checker (sim-checker.ts) looks at every replica after every
// event. After the fault phase everything is healed, the cluster is given
// time to settle, and the final checks run. The same seed replays the same
// run event for event: the trace hash says so.

import type { decideLeadership } from '../cluster/partition-leadership.ts';
import { OFFSETS_TOPIC } from '../group/group-coordinator.ts';
import { KeyLayout } from '../metadata/key-layout.ts';
import { silentLogger } from '../util/logger.ts';
import { SimBroker } from './sim-broker.ts';
import { SimChecker, type Violation } from './sim-checker.ts';
import { type ConsumerStats, SimConsumer } from './sim-consumers.ts';
import type { GroupServicesWrapper, SimContext, SimSettings, SimTopic } from './sim-context.ts';
import { FAULT_KINDS, type FaultKind, SimNemesis } from './sim-nemesis.ts';
import { SimNetwork } from './sim-network.ts';
import { type ProducerStats, SimProducer } from './sim-producers.ts';
import { SimRandom } from './sim-random.ts';
import { SIMULATOR_OWNER, SimScheduler } from './sim-scheduler.ts';
import { SimMetadataStore } from './sim-store.ts';
import { SimTrace } from './sim-trace.ts';

export const TOPIC = 'orders';
export const DEFAULT_FAULT_PHASE_MS = 60_000;
export const DEFAULT_SETTLE_MS = 30_000;

export interface SimOptions {
  readonly seed: number;
  /** Simulated time with faults; default 60 s. */
  readonly faultPhaseMs?: number;
  /** Simulated time after healing before the final checks; default 30 s. */
  readonly settleMs?: number;
  /** The tick limit: events a run may execute at most. */
  readonly eventsMax?: number;
  /** Fault kinds to choose from; default all that the chosen settings allow. */
  readonly faults?: readonly FaultKind[];
  /** Trace lines a failure report ends with; default 60. */
  readonly traceLines?: number;
  /** A broken leader election to prove the checker fails (the mutation test). */
  readonly decideLeadership?: typeof decideLeadership;
  /** A broken group coordinator's services (the offsets mutation test). */
  readonly groupServices?: GroupServicesWrapper;
}

export interface SimStats {
  readonly events: number;
  readonly simulatedMs: number;
  readonly wallMs: number;
  readonly faults: Readonly<Record<string, number>>;
  readonly faultsInjected: number;
  readonly acked: number;
  readonly produceAttempts: number;
  /** OffsetCommits answered with no error. */
  readonly commitsAcked: number;
  /** Committed offsets read back and compared (during the run and at the end). */
  readonly offsetFetchesChecked: number;
  readonly commitAttempts: number;
  readonly consumerErrors: Readonly<Record<string, number>>;
  readonly messages: number;
  readonly messagesDropped: number;
  readonly leaseExpiries: number;
  readonly elections: number;
  readonly isrChanges: number;
  readonly truncations: number;
  readonly produceErrors: Readonly<Record<string, number>>;
}

export interface SimResult {
  readonly seed: number;
  readonly faultPhaseMs: number;
  readonly settleMs: number;
  /** True when a test injected its own leader election (see SimOptions.decideLeadership). */
  readonly customElection: boolean;
  /** True when a test wrapped the group coordinator's services (see SimOptions.groupServices). */
  readonly customGroupServices: boolean;
  readonly settings: SimSettings;
  readonly violations: readonly Violation[];
  readonly traceHash: string;
  readonly traceTail: readonly string[];
  readonly stats: SimStats;
  /** True when the run stopped at the tick limit rather than at its end. */
  readonly truncated: boolean;
}

/** The cluster a seed stands for. */
export function settingsFor(random: SimRandom): SimSettings {
  const sessionTimeoutMs = random.pick([3000, 6000]);
  return {
    brokers: random.pick([3, 3, 4, 5]),
    topics: [{ name: TOPIC, partitions: random.int(1, 3), replicationFactor: 3 }],
    sessionTimeoutMs,
    lagTimeMaxMs: random.pick([1000, 3000]),
    minInsync: 2,
    flushEveryMessage: random.chance(0.5),
    segmentBytes: random.pick([16 * 1024, 1024 * 1024]),
    fetchIdleMs: random.pick([20, 100]),
    requestTimeoutMs: 2000,
    storeTimeoutMs: 1500,
    produceTimeoutMs: random.pick([1000, 5000]),
    offsetsPartitions: random.int(1, 2),
    groups: random.int(2, 3),
  };
}

/** Every replicated topic of a run: the data topics and __consumer_offsets. */
function replicatedTopics(settings: SimSettings): SimTopic[] {
  const offsets = {
    name: OFFSETS_TOPIC,
    partitions: settings.offsetsPartitions,
    replicationFactor: 3,
  };
  return [...settings.topics, offsets];
}

/** Power cuts lose unfsynced bytes: only a run that fsyncs each append may promise survival. */
function faultsFor(settings: SimSettings, wanted: readonly FaultKind[] | undefined): FaultKind[] {
  const kinds = wanted ?? FAULT_KINDS;
  return kinds.filter((k) => k !== 'power-loss' || settings.flushEveryMessage);
}

function assignment(settings: SimSettings, topic: SimTopic, random: SimRandom): number[][] {
  const ids = Array.from({ length: settings.brokers }, (_, i) => i + 1);
  const out: number[][] = [];
  for (let p = 0; p < topic.partitions; p++) {
    const start = random.int(0, ids.length - 1);
    out.push(
      Array.from({ length: topic.replicationFactor }, (_, i) => ids[(start + i) % ids.length]!),
    );
  }
  return out;
}

/**
 * Writes a topic and its partitions as topic-admin.ts does, before any broker
 * starts (__consumer_offsets internal and compacted, as the coordinator creates it).
 */
async function createTopic(
  store: SimMetadataStore,
  keys: KeyLayout,
  name: string,
  topicId: string,
  replicas: number[][],
) {
  const internal = name === OFFSETS_TOPIC;
  const ops = [
    {
      type: 'put' as const,
      key: keys.topic(name),
      value: JSON.stringify({ topicId, internal, replicas }),
    },
    ...replicas.map((r, p) => ({
      type: 'put' as const,
      key: keys.partition(name, p),
      value: JSON.stringify({ leader: r[0], leaderEpoch: 0, isr: r, partitionEpoch: 0 }),
    })),
    ...(internal
      ? [
          {
            type: 'put' as const,
            key: keys.config('topic', name),
            value: JSON.stringify({ 'cleanup.policy': 'compact' }),
          },
        ]
      : []),
  ];
  await store.store.txn([], ops);
}

export async function runSimulation(options: SimOptions): Promise<SimResult> {
  const startedMs = performance.now();
  const random = new SimRandom(options.seed);
  const settings = settingsFor(random.fork(1));
  const trace = new SimTrace(options.traceLines);
  const scheduler = new SimScheduler(trace);
  const network = new SimNetwork(scheduler, random.fork(2), {
    delayMsMin: 1,
    delayMsMax: 20,
    dropProbability: 0.002,
  });
  const store = new SimMetadataStore(scheduler, network, trace, settings.storeTimeoutMs);
  const keys = new KeyLayout('sim');
  const brokers: SimBroker[] = [];
  const checker = new SimChecker(settings, brokers, scheduler, trace);
  const ctx: SimContext = {
    scheduler,
    network,
    random: random.fork(3),
    trace,
    store,
    keys,
    settings,
    logger: silentLogger(),
    observer: checker,
    broker: (id) => brokers.find((b) => b.nodeId === id),
    ...(options.decideLeadership === undefined
      ? {}
      : { decideLeadership: options.decideLeadership }),
    ...(options.groupServices === undefined ? {} : { groupServices: options.groupServices }),
  };
  trace.add(0, `seed ${options.seed} settings ${JSON.stringify(settings)}`);
  await checker.observeStore(store.store, keys);
  const data = settings.topics[0]!;
  const dataReplicas = assignment(settings, data, random.fork(4));
  await createTopic(store, keys, TOPIC, 'AAAAAAAAAAAAAAAAAAAAAA', dataReplicas);
  const offsetsTopic = replicatedTopics(settings).at(-1)!;
  // Forked in this order so that the data topic, producers and faults draw what they drew
  // before consumers were simulated.
  const producerRandom = random.fork(5);
  const nemesisRandom = random.fork(6);
  // Offsets partition i starts on data partition i's replicas (and leader), so the
  // followers' fetch loops are shared until elections move the leaders apart: an
  // offsets leader of its own costs every follower a loop of empty fetches.
  const offsetsReplicas = assignment(settings, offsetsTopic, random.fork(7)).map(
    (r, i) => dataReplicas[i] ?? r,
  );
  const consumerRandom = random.fork(8);
  await createTopic(store, keys, OFFSETS_TOPIC, 'AAAAAAAAAAAAAAAAAAAAAQ', offsetsReplicas);
  for (let id = 1; id <= settings.brokers; id++) brokers.push(new SimBroker(ctx, id));
  for (const b of brokers) b.start();

  const stats: ProducerStats = { attempts: 0, acked: 0, errors: new Map() };
  const producers = Array.from(
    { length: producerRandom.int(2, 4) },
    (_, i) => new SimProducer(ctx, i, producerRandom.fork(i), stats, { min: 10, max: 150 }),
  );
  const consumerStats: ConsumerStats = {
    commitAttempts: 0,
    commitsAcked: 0,
    fetchesAnswered: 0,
    errors: new Map(),
  };
  const consumers = Array.from(
    { length: settings.groups },
    (_, i) => new SimConsumer(ctx, i, consumerRandom.fork(i), consumerStats),
  );
  const nemesis = new SimNemesis(ctx, brokers, nemesisRandom, faultsFor(settings, options.faults), {
    intervalMs: { min: 300, max: 3000 },
    activeMax: 2,
    clients: [...producers.map((p) => p.node), ...consumers.map((c) => c.node)],
    leaders: () => checker.currentLeaders(),
  });
  for (const p of producers) p.start();
  for (const c of consumers) c.start();
  nemesis.start();

  const faultPhaseMs = options.faultPhaseMs ?? DEFAULT_FAULT_PHASE_MS;
  const settleMs = options.settleMs ?? DEFAULT_SETTLE_MS;
  const run = { phase: 'faults' as 'faults' | 'settle' | 'quiet' | 'done' };
  scheduler.after(faultPhaseMs, SIMULATOR_OWNER, 'heal everything', () => {
    run.phase = 'settle';
    nemesis.stopAndHeal();
  });
  scheduler.after(faultPhaseMs + settleMs / 2, SIMULATOR_OWNER, 'producers stop', () => {
    run.phase = 'quiet';
    for (const p of producers) p.stop();
    for (const c of consumers) c.stop();
  });
  scheduler.after(faultPhaseMs + settleMs, SIMULATOR_OWNER, 'end', () => {
    run.phase = 'done';
  });

  const eventsMax = options.eventsMax ?? 2_000_000;
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => rejections.push(reason);
  process.on('unhandledRejection', onRejection);
  let truncated = false;
  try {
    while (run.phase !== 'done' && checker.violations.length === 0) {
      if (scheduler.executed >= eventsMax) {
        truncated = true;
        break;
      }
      if (!(await scheduler.runNext())) break;
      checker.checkStep(scheduler.lastRunOwner);
      for (const r of rejections.splice(0)) {
        checker.violations.push({
          kind: 'crash',
          atMs: scheduler.nowMs,
          message: `unhandled rejection in broker code: ${r instanceof Error ? r.stack : String(r)}`,
        });
      }
    }
    if (checker.violations.length === 0 && !truncated) {
      const leaders = await finalLeaders(store, keys, settings);
      checker.checkEnd(leaders);
      await checker.checkEndOffsets(
        consumers.map((c) => c.groupId),
        new Map(consumers.map((c) => [c.groupId, c.partitions()])),
        leaders,
      );
    }
  } finally {
    process.off('unhandledRejection', onRejection);
  }
  return {
    seed: options.seed,
    faultPhaseMs,
    settleMs,
    customElection: options.decideLeadership !== undefined,
    customGroupServices: options.groupServices !== undefined,
    settings,
    violations: checker.violations,
    traceHash: trace.hash,
    traceTail: trace.lastLines(),
    truncated,
    stats: {
      events: scheduler.executed,
      simulatedMs: scheduler.nowMs,
      wallMs: Math.round(performance.now() - startedMs),
      faults: Object.fromEntries(nemesis.counts),
      faultsInjected: nemesis.injected,
      acked: checker.acknowledged,
      produceAttempts: stats.attempts,
      commitsAcked: checker.commitsAcknowledged,
      offsetFetchesChecked: checker.fetchesChecked,
      commitAttempts: consumerStats.commitAttempts,
      consumerErrors: Object.fromEntries(consumerStats.errors),
      messages: network.sent,
      messagesDropped: network.dropped,
      leaseExpiries: store.expiredLeaseCount,
      elections: checker.elections,
      isrChanges: checker.isrChanges,
      truncations: checker.truncations,
      produceErrors: Object.fromEntries(stats.errors),
    },
  };
}

async function finalLeaders(store: SimMetadataStore, keys: KeyLayout, settings: SimSettings) {
  const out = new Map<string, { leader: number; isr: readonly number[] }>();
  for (const t of replicatedTopics(settings)) {
    for (let p = 0; p < t.partitions; p++) {
      const kv = await store.store.get(keys.partition(t.name, p));
      const r =
        kv === null
          ? { leader: -1, isr: [] }
          : (JSON.parse(kv.value) as { leader: number; isr: number[] });
      out.set(`${t.name}-${p}`, { leader: r.leader, isr: r.isr });
    }
  }
  return out;
}

/** The `npm run sim` command that replays a run. */
export function replayCommand(r: SimResult): string {
  const args = [`--seed ${r.seed}`];
  if (r.faultPhaseMs !== DEFAULT_FAULT_PHASE_MS) args.push(`--fault-phase-ms ${r.faultPhaseMs}`);
  if (r.settleMs !== DEFAULT_SETTLE_MS) args.push(`--settle-ms ${r.settleMs}`);
  // The only election the command line can inject is the mutation test's.
  if (r.customElection) args.push('--broken-election');
  // Likewise the only group services it can inject are the offsets mutation test's.
  if (r.customGroupServices) args.push('--broken-offsets-load');
  return `npm run sim -- ${args.join(' ')}`;
}

/** A failing run as text: the seed to replay, what broke, and the last lines of its trace. */
export function formatFailure(r: SimResult): string {
  const lines = [
    `simulation seed ${r.seed} failed (replay: ${replayCommand(r)})`,
    `settings: ${JSON.stringify(r.settings)}`,
    ...r.violations.map((v) => `  ${v.kind} at ${v.atMs} ms: ${v.message}`),
    `last ${r.traceTail.length} trace lines:`,
    ...r.traceTail.map((l) => `  ${l}`),
  ];
  return lines.join('\n');
}
