// A Gregor broker for a benchmark, started the way a user starts one (`node bin/gregor
// server --override ...`) on 127.0.0.1 and a free port, with its own data directory,
// ready once it logs the CLI's ready line. It is registered for cleanup at once, so an
// error or a Ctrl-C anywhere in the run still stops it. Node flags such as --cpu-prof
// go on node's own command line (Node refuses them in NODE_OPTIONS).

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { BROKER_READY_TEXT, GREGOR_BIN, serverArguments } from '../../src/cli/broker-child.ts';
import { LineSplitter } from '../../src/cli/line-splitter.ts';
import { freePort } from '../../src/cli/loopback-ports.ts';
import { onCleanup, trackChild } from '../lib/cleanup.ts';

const STOP_GRACE_MS = 10_000;
const OUTPUT_LINES_KEPT = 40;

export interface StartGregorOptions {
  readonly dataDir: string;
  /** Remove and recreate the data directory first (a fresh broker). */
  readonly fresh: boolean;
  readonly nodeId?: number;
  readonly port?: number;
  readonly overrides?: Readonly<Record<string, string>>;
  /** Node flags for the broker process, e.g. ['--cpu-prof', '--cpu-prof-dir=...']. */
  readonly nodeFlags?: readonly string[];
  readonly startTimeoutMs?: number;
}

export interface GregorBroker {
  readonly nodeId: number;
  readonly port: number;
  readonly bootstrap: string;
  readonly dataDir: string;
  pid(): number;
  /** The broker's last output lines, for error messages. */
  recentOutput(): string;
  /** How the broker ended if it exited without being asked to; null while it runs. */
  crashed(): string | null;
  /** Resolves true once the broker logs that it is ready, false if it exits or times out. */
  waitReady(timeoutMs: number): Promise<boolean>;
  /** SIGTERM (SIGKILL after 10 s): the broker flushes and, with --cpu-prof, writes its profile. */
  stop(): Promise<void>;
}

/** The environment of a benchmark broker: no inherited GREGOR_* settings (it refuses them). */
function brokerEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GREGOR_')) env[k] = v;
  // The ready line is logged at info.
  env['GREGOR_LOG_LEVEL'] = 'info';
  return env;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Spawns the broker and returns at once, before it is ready (start-up timing polls it
 * itself). The data directory must exist.
 */
export function spawnGregor(options: StartGregorOptions & { readonly port: number }): GregorBroker {
  const nodeId = options.nodeId ?? 0;
  const overrides = {
    'node.id': String(nodeId),
    'log.dirs': options.dataDir,
    listeners: `PLAINTEXT://127.0.0.1:${options.port}`,
    ...options.overrides,
  };
  const args = [...(options.nodeFlags ?? []), GREGOR_BIN, ...serverArguments(overrides)];
  const child = spawn(process.execPath, args, {
    env: brokerEnvironment(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  trackChild(child);
  const lines: string[] = [];
  let ready = false;
  let stopping = false;
  let crash: string | null = null;
  const splitter = new LineSplitter((line) => {
    if (line.includes(BROKER_READY_TEXT)) ready = true;
    lines.push(line);
    if (lines.length > OUTPUT_LINES_KEPT) lines.shift();
  });
  child.stdout.on('data', (chunk: Buffer) => splitter.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => splitter.push(chunk));
  child.once('error', (err) => lines.push(`cannot run the broker: ${err.message}`));
  child.once('exit', (code, signal) => {
    splitter.end();
    if (!stopping) crash = signal === null ? `exited with code ${code}` : `was killed by ${signal}`;
  });
  const stop = onCleanup(`gregor broker ${nodeId} (pid ${child.pid})`, async () => {
    stopping = true;
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const forced = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await exited(child);
    clearTimeout(forced);
  });
  return {
    nodeId,
    port: options.port,
    bootstrap: `127.0.0.1:${options.port}`,
    dataDir: options.dataDir,
    pid: () => child.pid ?? -1,
    recentOutput: () => lines.join('\n'),
    crashed: () => crash,
    async waitReady(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (!ready && crash === null && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
      return ready;
    },
    stop,
  };
}

/** Starts a broker and resolves once it logs that it is ready. */
export async function startGregor(options: StartGregorOptions): Promise<GregorBroker> {
  if (options.fresh) await rm(options.dataDir, { recursive: true, force: true });
  await mkdir(options.dataDir, { recursive: true });
  const port = options.port ?? (await freePort());
  const broker = spawnGregor({ ...options, port });
  if (!(await broker.waitReady(options.startTimeoutMs ?? 30_000))) {
    const how = broker.crashed() ?? 'did not log that it is ready in time';
    await broker.stop();
    throw new Error(`gregor broker ${broker.nodeId} ${how}:\n${broker.recentOutput()}`);
  }
  return broker;
}
