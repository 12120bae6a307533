// `npm run bench`: measures Gregor and the alternatives a user would pick instead in one
// run on this machine and prints the figures as ratios of each other: the machine's
// limits, Gregor on one broker and on three (RF=3), Redis Streams and NATS JetStream,
// latency at one common rate, start-up time and memory. Writes a JSON file and an
// SVG chart per run to bench/results/. Every process it starts is stopped at the end, on
// an error, on Ctrl-C and at the hard deadline. See bench/README.md.
//
//   npm run bench                      # everything, ~10 minutes
//   npm run bench -- --quick           # small counts, ~3 minutes
//   npm run bench -- --only gregor,cluster --profile

import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { measureCluster } from './gregor/cluster.ts';
import { measureGregorLatency, runKafkaLatency } from './gregor/latency.ts';
import { profileBroker } from './gregor/profile.ts';
import { KCAT, measureSingleBroker, NODE_CLIENT } from './gregor/single.ts';
import { measureStartUp } from './gregor/start-up.ts';
import { renderChart } from './lib/chart.ts';
import { cleanupAll, pendingCleanups } from './lib/cleanup.ts';
import { measureLimits } from './lib/limits.ts';
import { type BenchOptions, parseOptions, type Section, USAGE, UsageError } from './lib/options.ts';
import { measurePeers } from './lib/peers-section.ts';
import { stopAll } from './lib/processes.ts';
import { formatReport } from './lib/report.ts';
import type {
  BenchRun,
  LatencyResult,
  MachineResult,
  ProcessResult,
  ThroughputResult,
} from './lib/results.ts';
import { findThroughput, GREGOR, GREGOR_CLUSTER } from './lib/targets.ts';

const REPO = join(import.meta.dirname, '..');
const RESULTS_DIR = join(REPO, 'bench', 'results');
const DOCS_CHART = join(REPO, 'docs', 'bench-chart.svg');

interface Collected {
  limits: MachineResult[];
  throughput: ThroughputResult[];
  latency: LatencyResult[];
  processes: ProcessResult[];
  notes: string[];
  /** Printed after the report (the CPU profile summaries); not part of the JSON. */
  trailer: string[];
}

const clock0 = performance.now();
function log(line: string): void {
  const s = ((performance.now() - clock0) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`[${s} s] ${line}\n`);
}

/** 2026-11-22T05:30:12.345Z → 20261122T053012Z (ISO 8601 basic format, safe in file names). */
export function fileStamp(iso: string): string {
  return `${iso.slice(0, 19).replace(/[-:]/g, '')}Z`;
}

function machine(): BenchRun['machine'] {
  return {
    cpus: cpus().length,
    memoryGigabytes: Math.round(totalmem() / 1e9),
    loadAverage: loadavg(),
    node: process.version,
  };
}

async function gregorSection(options: BenchOptions, out: Collected): Promise<void> {
  const single = await measureSingleBroker({ ...options, log });
  out.throughput.push(...single.throughput);
  const peak = (client: string, kind: 'produce' | 'consume') =>
    findThroughput(single.throughput, {
      system: GREGOR,
      kind,
      bytes: 1024,
      client,
      ...(kind === 'produce' ? { acks: '1' } : {}),
    })?.messagesPerSecond ?? null;
  const kcatPeak = peak(KCAT, 'produce');
  const nodeProduce = peak(NODE_CLIENT, 'produce');
  const nodeConsume = peak(NODE_CLIENT, 'consume');
  const nodePeak =
    nodeProduce === null || nodeConsume === null ? null : Math.min(nodeProduce, nodeConsume);
  // The common rate first (the targets compare it with the peers at the same rate); then
  // the issue's half-peak definitions, which outrun the measuring client (see README).
  const points = [
    {
      messageBytes: 1024,
      ratePerSecond: options.latencyRate,
      why: 'the common rate of every system',
    },
  ];
  if (kcatPeak !== null) {
    points.push({
      messageBytes: 1024,
      ratePerSecond: Math.round(kcatPeak / 2),
      why: 'half the kcat acks=1 peak',
    });
  }
  if (nodePeak !== null) {
    const why = 'half the Node client peak (the lower of its produce and consume)';
    points.push({ messageBytes: 1024, ratePerSecond: Math.round(nodePeak / 2), why });
  }
  const latency = await measureGregorLatency({
    workDir: options.workDir,
    seconds: options.latencySeconds,
    points,
    log,
  });
  out.latency.push(...latency.latency);
  out.notes.push(...latency.notes);
  log('gregor: start to first produce, idle memory');
  const start = await measureStartUp(options.workDir, options.startRuns);
  out.processes.push({
    system: GREGOR,
    startToFirstProduceMs: start.startToFirstProduceMs,
    idleRssMegabytes: start.idleRssMegabytes,
    loadRssMegabytes: single.loadRssMegabytes,
  });
}

async function clusterSection(options: BenchOptions, out: Collected): Promise<void> {
  const latency = await measureCluster({
    ...options,
    log,
    onThroughput: (results) => out.throughput.push(...results),
    measureLatency: (bootstrap, topic, ratePerSecond) =>
      runKafkaLatency({
        bootstrap,
        topic,
        messageBytes: 1024,
        ratePerSecond,
        seconds: options.latencySeconds,
        acks: 'all',
        system: GREGOR_CLUSTER,
      }),
  });
  out.latency.push(...latency);
}

async function peersSection(options: BenchOptions, out: Collected): Promise<void> {
  await measurePeers(
    {
      sizes: [1024, 100],
      messages: options.peerMessages,
      latencySeconds: options.latencySeconds,
      latencyRate: options.latencyRate,
      log,
    },
    {
      throughput: (r) => out.throughput.push(...r),
      latency: (r) => out.latency.push(...r),
      note: (text) => out.notes.push(text),
    },
  );
}

const SECTION_RUNNERS: Record<Section, (o: BenchOptions, out: Collected) => Promise<void>> = {
  limits: async (o, out) => {
    out.limits.push(...(await measureLimits({ ...o, log })));
  },
  gregor: gregorSection,
  cluster: clusterSection,
  peers: peersSection,
};

/** Stops everything this run started: its own registry and bench/lib/processes.ts's. */
async function stopEverything(): Promise<void> {
  await cleanupAll();
  await stopAll(2_000);
}

/** Removes the brokers' data directories (gigabytes); the message files are kept for reuse. */
async function removeDataDirs(workDir: string): Promise<void> {
  const names = await readdir(workDir).catch(() => []);
  for (const name of names.filter((n) => n.startsWith('gregor-'))) {
    await rm(join(workDir, name), { recursive: true, force: true });
  }
}

async function writeOutputs(
  run: BenchRun,
  options: BenchOptions,
  trailer: readonly string[],
): Promise<void> {
  await mkdir(RESULTS_DIR, { recursive: true });
  const base = join(RESULTS_DIR, `bench-${fileStamp(run.startedAt)}`);
  const report = formatReport(run);
  const chart = renderChart(run);
  await writeFile(`${base}.json`, `${JSON.stringify(run, null, 2)}\n`);
  await writeFile(`${base}.txt`, report);
  await writeFile(`${base}.svg`, chart);
  // Only a full run of every section stands for the project in the README's chart.
  const full = !options.quick && options.sections.size === 4;
  if (full) await writeFile(DOCS_CHART, chart);
  process.stdout.write(report);
  for (const text of trailer) process.stdout.write(`\n${text}`);
  log(`wrote ${base}.json, .txt and .svg${full ? ` and ${DOCS_CHART}` : ''}`);
}

async function chartFrom(file: string): Promise<void> {
  const run = JSON.parse(await readFile(file, 'utf8')) as BenchRun;
  await writeFile(DOCS_CHART, renderChart(run));
  process.stdout.write(formatReport(run));
  log(`wrote ${DOCS_CHART} from ${file}`);
}

type Finish = (why: string | null, code: number) => Promise<number>;

/**
 * The ways a run ends early: the hard deadline, an exception a client library throws
 * from a callback, Ctrl-C or SIGTERM. Each stops everything and writes what was measured.
 */
function installEarlyEnds(options: BenchOptions, finish: Finish): NodeJS.Timeout {
  const end = (why: string, code: number) => void finish(why, code).then((c) => process.exit(c));
  const minutes = options.deadlineMs / 60_000;
  const deadline = setTimeout(() => {
    log(`hard deadline of ${minutes} minutes passed: stopping everything`);
    end(`stopped at the hard deadline (${minutes} min)`, 1);
  }, options.deadlineMs);
  deadline.unref();
  for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
    process.on(event, (err: unknown) => {
      log(`${event}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      end(`stopped by an ${event}: ${err instanceof Error ? err.message : String(err)}`, 1);
    });
  }
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping everything`);
      end(`interrupted by ${signal}`, 130);
    });
  }
  return deadline;
}

async function main(argv: readonly string[]): Promise<number> {
  const options = parseOptions(argv, process.env, REPO);
  if (options.chartFrom !== null) {
    await chartFrom(options.chartFrom);
    return 0;
  }
  const startedAt = new Date().toISOString();
  const out: Collected = {
    limits: [],
    throughput: [],
    latency: [],
    processes: [],
    notes: [],
    trailer: [],
  };
  const machineAtStart = machine();
  out.notes.push(`CPU: ${cpus()[0]?.model ?? 'unknown'}; kernel ${release()}`);
  out.notes.push(
    `mode: ${options.quick ? 'quick' : 'full'}; sections: ${[...options.sections].join(', ')}`,
  );
  // The first reason to finish (the end, the deadline, a signal) wins; later callers wait
  // for the same outputs instead of exiting before they are written.
  let finishing: Promise<number> | null = null;
  const finish: Finish = (why, code) => {
    finishing ??= (async () => {
      if (why !== null) out.notes.push(why);
      await stopEverything();
      await removeDataDirs(options.workDir);
      const { trailer, ...figures } = out;
      await writeOutputs({ startedAt, machine: machineAtStart, ...figures }, options, trailer);
      return code;
    })();
    return finishing;
  };
  const deadline = installEarlyEnds(options, finish);
  await mkdir(options.workDir, { recursive: true });
  for (const section of ['limits', 'gregor', 'cluster', 'peers'] as const) {
    if (!options.sections.has(section) || finishing !== null) continue;
    log(`section ${section}`);
    try {
      await SECTION_RUNNERS[section](options, out);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      out.notes.push(`section ${section} failed: ${message.split('\n')[0]}`);
      log(`section ${section} failed: ${message}`);
      await stopEverything();
    }
    const leaked = pendingCleanups();
    if (leaked.length > 0) log(`still running after ${section}: ${leaked.join(', ')}`);
  }
  if (options.profile && finishing === null) await profileSection(options, startedAt, out);
  clearTimeout(deadline);
  return finish(null, 0);
}

async function profileSection(
  options: BenchOptions,
  startedAt: string,
  out: Collected,
): Promise<void> {
  const outDir = join(RESULTS_DIR, `profile-${fileStamp(startedAt)}`);
  try {
    const summaries = await profileBroker({
      workDir: options.workDir,
      outDir,
      messages: options.kcatMessages[1024],
      top: 15,
      log,
    });
    for (const s of summaries) {
      out.trailer.push(
        `CPU profile of the broker, ${s.phase} (${s.seconds.toFixed(2)} s):\n${s.summary}`,
      );
    }
    out.notes.push(`CPU profiles and summaries in ${outDir}`);
  } catch (err) {
    out.notes.push(
      `profile failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`,
    );
    await stopEverything();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  async (err: unknown) => {
    if (err instanceof UsageError) {
      // --help asks for the usage (an empty message); anything else is a mistake.
      if (err.message !== '') console.error(err.message);
      console.error(USAGE);
      process.exit(err.message === '' ? 0 : 2);
    }
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    await stopEverything();
    process.exit(1);
  },
);
