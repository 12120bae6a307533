// The command line of `npm run bench` and the sizes it implies: how many messages each
// measurement sends, how many times it repeats, how long latency runs last and the hard
// deadline of the whole run. `--quick` scales everything down to a ~3 minute look.

import { join } from 'node:path';

export const SECTIONS = ['limits', 'gregor', 'cluster', 'peers'] as const;
export type Section = (typeof SECTIONS)[number];

export const MESSAGE_SIZES = [100, 1024] as const;
export type MessageSize = (typeof MESSAGE_SIZES)[number];

export interface BenchOptions {
  readonly quick: boolean;
  readonly sections: ReadonlySet<Section>;
  readonly profile: boolean;
  /** Re-draw the chart of an earlier run's JSON into docs/ and stop. */
  readonly chartFrom: string | null;
  /** Where message files, data dirs and fio files go (one filesystem). */
  readonly workDir: string;
  /** Messages per kcat produce/consume run, by message size. */
  readonly kcatMessages: Readonly<Record<MessageSize, number>>;
  /** Messages per kcat run on the three-broker cluster, by message size. */
  readonly clusterMessages: Readonly<Record<MessageSize, number>>;
  /** Messages per Node-client (@platformatic/kafka) run, by message size. */
  readonly nodeMessages: Readonly<Record<MessageSize, number>>;
  /**
   * Messages per peer (Redis, NATS) produce/consume run, whatever the size: a multiple of
   * 512, since redis-benchmark rounds its request count up to whole pipelines.
   */
  readonly peerMessages: number;
  /** Each kcat throughput figure (and each limit) is the median of this many runs. */
  readonly repeats: number;
  /** Runs of each Node-client figure (slower, and not in the targets). */
  readonly nodeRepeats: number;
  readonly latencySeconds: number;
  /**
   * The one send rate (1 KiB msgs/s) at which every system's latency is compared: one the
   * measuring Node process can drive for each of them (send and receive cost it ~10-25 µs
   * per message), so the percentiles are the systems' and not the client's backlog.
   */
  readonly latencyRate: number;
  /** Runs of start-to-first-produce (the median is reported). */
  readonly startRuns: number;
  readonly iperfSeconds: number;
  readonly fioSizeMegabytes: number;
  /** The whole run is stopped (every process killed) after this long. */
  readonly deadlineMs: number;
}

export const DEFAULT_LATENCY_RATE = 20_000;

export const USAGE = `usage: npm run bench -- [--quick] [--only SECTION[,SECTION]] [--profile]
       npm run bench -- --chart-from bench/results/bench-<time>.json
sections: ${SECTIONS.join(', ')} (default: all)
  --quick      small counts, one run each (~3 minutes)
  --profile    also CPU-profile the broker under one produce and one consume run
  --latency-rate N   the common rate for the latency comparison (default ${DEFAULT_LATENCY_RATE} msgs/s)`;

export class UsageError extends Error {}

function parseSections(value: string | undefined): Set<Section> {
  if (value === undefined || value === '') throw new UsageError('--only needs a section');
  const sections = new Set<Section>();
  for (const name of value.split(',')) {
    const section = SECTIONS.find((s) => s === name);
    if (section === undefined) throw new UsageError(`unknown section ${name}`);
    sections.add(section);
  }
  return sections;
}

function positiveRate(value: string | undefined): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw new UsageError(`--latency-rate needs a positive integer`);
  return n;
}

/** Parses argv (without node and the script); `env` may move the work directory. */
export function parseOptions(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  repoDir: string,
): BenchOptions {
  let quick = false;
  let profile = false;
  let chartFrom: string | null = null;
  let sections = new Set<Section>(SECTIONS);
  let latencyRate = DEFAULT_LATENCY_RATE;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick') quick = true;
    else if (arg === '--profile') profile = true;
    else if (arg === '--only') sections = parseSections(argv[++i]);
    else if (arg?.startsWith('--only=')) sections = parseSections(arg.slice(7));
    else if (arg === '--chart-from') chartFrom = argv[++i] ?? null;
    else if (arg === '--latency-rate') latencyRate = positiveRate(argv[++i]);
    else if (arg === '--help' || arg === '-h') throw new UsageError('');
    else throw new UsageError(`unknown argument ${arg}`);
  }
  if (argv.includes('--chart-from') && chartFrom === null) {
    throw new UsageError('--chart-from needs a file');
  }
  const workDir = env['BENCH_DIR'] ?? join(repoDir, '.tmp', 'bench');
  const sizes = quick
    ? {
        kcatMessages: { 100: 500_000, 1024: 200_000 },
        clusterMessages: { 100: 200_000, 1024: 100_000 },
        nodeMessages: { 100: 200_000, 1024: 100_000 },
        peerMessages: 102_400,
        repeats: 1,
        nodeRepeats: 1,
        latencySeconds: 5,
        // A single start is mostly the cold file cache of the first one; three take the median.
        startRuns: 3,
        iperfSeconds: 2,
        fioSizeMegabytes: 512,
        deadlineMs: 8 * 60_000,
      }
    : {
        kcatMessages: { 100: 2_000_000, 1024: 1_000_000 },
        clusterMessages: { 100: 1_000_000, 1024: 500_000 },
        nodeMessages: { 100: 300_000, 1024: 200_000 },
        peerMessages: 512_000,
        repeats: 3,
        nodeRepeats: 1,
        latencySeconds: 15,
        startRuns: 3,
        iperfSeconds: 3,
        fioSizeMegabytes: 1024,
        deadlineMs: 15 * 60_000,
      };
  return { quick, sections, profile, chartFrom, workDir, latencyRate, ...sizes };
}
