// End-to-end latency of Gregor by the benchmark's one method (bench/latency/kafka.ts),
// run as its own process: a client that cannot keep up (it may throw from a socket
// callback) then fails one measurement, not the runner, and it has an event loop to
// itself. On one fresh broker the rates are derived from the peaks measured earlier:
// half the kcat peak (the definition) and half the Node client's own peak.

import { join } from 'node:path';
import type { KafkaLatencyOptions } from '../latency/kafka.ts';
import { runChecked } from '../lib/command.ts';
import type { LatencyResult } from '../lib/results.ts';
import { startGregor } from './broker.ts';
import { BENCH_BROKER_OVERRIDES } from './single.ts';

const REPO = join(import.meta.dirname, '..', '..');
const WARMUP_SECONDS = 2;
/** Beyond warm-up and measurement: the consumer joining, the drain, the client's start. */
const LATENCY_SLACK_MS = 60_000;

/** bench/latency/kafka.ts in a child process; its result, labelled as `opts.system`. */
export async function runKafkaLatency(opts: KafkaLatencyOptions): Promise<LatencyResult> {
  const script = join(REPO, 'bench', 'latency', 'kafka.ts');
  const flags = {
    bootstrap: opts.bootstrap,
    topic: opts.topic,
    bytes: opts.messageBytes,
    rate: opts.ratePerSecond,
    seconds: opts.seconds,
    warmup: opts.warmupSeconds ?? WARMUP_SECONDS,
    acks: opts.acks,
  };
  const args = Object.entries(flags).flatMap(([k, v]) => [`--${k}`, String(v)]);
  const timeoutMs =
    (opts.seconds + (opts.warmupSeconds ?? WARMUP_SECONDS)) * 1000 + LATENCY_SLACK_MS;
  const r = await runChecked(process.execPath, ['--import', 'tsx', script, ...args], {
    timeoutMs,
    cwd: REPO,
  });
  const json = r.stdout.slice(r.stdout.indexOf('{'));
  const result = JSON.parse(json) as LatencyResult;
  return opts.system === undefined ? result : { ...result, system: opts.system };
}

export interface LatencyPoint {
  readonly messageBytes: number;
  readonly ratePerSecond: number;
  /** Why this rate, e.g. 'half the kcat acks=1 peak'. */
  readonly why: string;
}

export interface GregorLatencyOptions {
  readonly workDir: string;
  readonly seconds: number;
  readonly points: readonly LatencyPoint[];
  readonly log: (line: string) => void;
}

/** One fresh broker, each point in turn; a point that fails is a note, not the end. */
export async function measureGregorLatency(
  options: GregorLatencyOptions,
): Promise<{ latency: LatencyResult[]; notes: string[] }> {
  const broker = await startGregor({
    dataDir: join(options.workDir, 'gregor-latency'),
    fresh: true,
    overrides: BENCH_BROKER_OVERRIDES,
  });
  const latency: LatencyResult[] = [];
  const notes: string[] = [];
  try {
    for (const [i, point] of options.points.entries()) {
      const what = `${point.messageBytes} B at ${point.ratePerSecond} msgs/s (${point.why})`;
      options.log(`gregor: latency, ${what}`);
      try {
        const r = await runKafkaLatency({
          bootstrap: broker.bootstrap,
          topic: `latency-${i}`,
          messageBytes: point.messageBytes,
          ratePerSecond: point.ratePerSecond,
          seconds: options.seconds,
          acks: 1,
        });
        latency.push({ ...r, notes: `rate = ${point.why}; ${r.notes ?? ''}` });
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        notes.push(`gregor latency ${what} failed: ${lastLine(message)}`);
        options.log(`gregor: latency ${what} failed: ${message}`);
      }
    }
    return { latency, notes };
  } finally {
    await broker.stop();
  }
}

/** The most telling line of a client's error output: the last one naming an error. */
function lastLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim());
  const errors = lines.filter((l) => /error/i.test(l) && !l.startsWith('at '));
  return errors[errors.length - 1] ?? lines[0] ?? text;
}
