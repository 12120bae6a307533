// One `gregor server` child process of the dev cluster: spawned with its overrides, its
// output passed on line by line, ready once it logs "Gregor broker started", and stopped
// with SIGTERM then SIGKILL after a grace period. An exit nobody asked for is reported,
// since a killed broker is how tests simulate losing a pod.

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { LineSplitter } from './line-splitter.ts';

/** The line a broker logs (as JSON, at info) once it accepts connections. */
export const BROKER_READY_TEXT = 'Gregor broker started';

/** bin/gregor, found upwards from this module: it runs from src/cli/ or, bundled, from dist/. */
export const GREGOR_BIN = findBin(import.meta.dirname);

function findBin(from: string): string {
  for (let dir = from, i = 0; i < 4; i++, dir = dirname(dir)) {
    const candidate = join(dir, 'bin', 'gregor');
    if (existsSync(candidate)) return candidate;
  }
  return join(from, '..', '..', 'bin', 'gregor');
}

const LEVELS_HIDING_READY = new Set(['warn', 'error', 'fatal', 'silent']);

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Detached brokers would outlive a dev cluster that crashes; take them along.
  process.on('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}

export interface BrokerChildOptions {
  readonly nodeId: number;
  readonly overrides: Readonly<Record<string, string>>;
  readonly env?: NodeJS.ProcessEnv;
  readonly onLine: (line: string) => void;
  /** The broker exited without stop() or kill() asking it to. */
  readonly onUnexpectedExit: (how: string) => void;
}

/** `gregor server` arguments: each override as its own `--override key=value`. */
export function serverArguments(overrides: Readonly<Record<string, string>>): string[] {
  return ['server', ...Object.entries(overrides).flatMap(([k, v]) => ['--override', `${k}=${v}`])];
}

/** The ready line is logged at info: a quieter inherited GREGOR_LOG_LEVEL would hide it. */
export function brokerEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const level = env['GREGOR_LOG_LEVEL'];
  if (level !== undefined && !LEVELS_HIDING_READY.has(level)) return { ...env };
  return { ...env, GREGOR_LOG_LEVEL: 'info' };
}

export function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal !== null ? `was killed by ${signal}` : `exited with code ${code ?? 'unknown'}`;
}

export class BrokerChild {
  readonly nodeId: number;
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;
  private ready = false;
  private readyWaiters: Array<() => void> = [];
  private expectingExit = false;

  constructor(options: BrokerChildOptions) {
    this.nodeId = options.nodeId;
    installExitHook();
    // Its own process group: a Ctrl-C in the terminal reaches only the dev cluster, which
    // then stops the brokers before etcd, in that order.
    this.child = spawn(process.execPath, [GREGOR_BIN, ...serverArguments(options.overrides)], {
      env: brokerEnv(options.env ?? process.env),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const child = this.child;
    running.add(child);
    const splitter = new LineSplitter((line) => {
      if (!this.ready && line.includes(BROKER_READY_TEXT)) this.markReady();
      options.onLine(line);
    });
    this.child.stdout?.on('data', (chunk: Buffer) => splitter.push(chunk));
    this.child.stderr?.on('data', (chunk: Buffer) => splitter.push(chunk));
    this.child.once('error', (error) => options.onLine(`cannot run broker: ${error.message}`));
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        running.delete(child);
        splitter.end();
        if (!this.expectingExit) options.onUnexpectedExit(describeExit(code, signal));
        for (const waiter of this.readyWaiters.splice(0)) waiter();
        resolve();
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  isRunning(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  isReady(): boolean {
    return this.ready;
  }

  /** Resolves true once ready, false if it exits first or `timeoutMs` passes. */
  waitReady(timeoutMs: number): Promise<boolean> {
    if (this.ready || !this.isRunning()) return Promise.resolve(this.ready);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(this.ready), timeoutMs);
      this.readyWaiters.push(() => {
        clearTimeout(timer);
        resolve(this.ready);
      });
    });
  }

  /** SIGTERM, then SIGKILL if it has not exited within graceMs. */
  async stop(graceMs: number): Promise<void> {
    if (!this.isRunning()) return;
    this.expectingExit = true;
    this.child.kill('SIGTERM');
    const forced = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(forced);
  }

  async kill(): Promise<void> {
    if (!this.isRunning()) return;
    this.expectingExit = true;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  private markReady(): void {
    this.ready = true;
    for (const waiter of this.readyWaiters.splice(0)) waiter();
  }
}
