// The benchmark's server processes: start one with its output in a log file, wait for
// its port, read the CPU it has used from /proc, stop it (SIGTERM, then SIGKILL), and
// install missing Debian packages. Every process started here is remembered, so a hard
// timeout or an exit of the benchmark stops whatever is still running.

import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { cleanupAll } from './cleanup.ts';

export { freePort } from '../../src/cli/loopback-ports.ts';

export const LOOPBACK = '127.0.0.1';

export interface ServerProcess {
  readonly name: string;
  readonly pid: number;
  readonly port: number;
  readonly logFile: string;
  readonly child: ChildProcess;
  /** Resolves with the exit code, or the signal's name, once the process has ended. */
  readonly exited: Promise<number | string>;
  /** user + system CPU seconds of the process so far (its reaped children included). */
  cpuSeconds(): number;
  /** Resident memory in MB, from /proc/<pid>/status VmRSS; null once it has ended. */
  rssMegabytes(): number | null;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it has ended. */
  stop(graceMs?: number): Promise<void>;
}

export interface StartServerOptions {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly port: number;
  /** stdout and stderr both go here (truncated first). */
  readonly logFile: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** How long the port may take to accept connections; 20 s unless told. */
  readonly readyTimeoutMs?: number;
}

/** Every process started here and still running, with the promise of its end. */
const running = new Map<ChildProcess, Promise<number | string>>();

/** Starts a server and resolves once something accepts TCP connections on its port. */
export async function startServer(opts: StartServerOptions): Promise<ServerProcess> {
  const fd = openSync(opts.logFile, 'w');
  const child = spawn(opts.command, opts.args, {
    stdio: ['ignore', fd, fd],
    env: opts.env ?? process.env,
    ...(opts.cwd === undefined ? {} : { cwd: opts.cwd }),
  });
  closeSync(fd);
  let ended = false;
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      ended = true;
      running.delete(child);
      resolve(code ?? signal ?? -1);
    });
    // Spawning failed (no such command): there is no process and no 'exit' to wait for.
    child.once('error', () => {
      ended = true;
      running.delete(child);
      resolve(-1);
    });
  });
  running.set(child, exited);
  const pid = child.pid;
  const server: ServerProcess = {
    name: opts.name,
    pid: pid ?? -1,
    port: opts.port,
    logFile: opts.logFile,
    child,
    exited,
    cpuSeconds: () => (pid === undefined ? 0 : cpuSecondsOf(pid)),
    rssMegabytes: () => (pid === undefined ? null : rssMegabytesOf(pid)),
    stop: (graceMs = 5_000) => stopChild(child, exited, graceMs),
  };
  try {
    await waitForPort(opts.port, {
      timeoutMs: opts.readyTimeoutMs ?? 20_000,
      alive: () => !ended && isAlive(child),
    });
  } catch (err) {
    await server.stop(1_000);
    throw new Error(
      `${opts.name} did not start: ${(err as Error).message}\n${tailOf(opts.logFile)}`,
    );
  }
  return server;
}

function isAlive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

async function stopChild(
  child: ChildProcess,
  exited: Promise<unknown>,
  graceMs: number,
): Promise<void> {
  if (!isAlive(child)) return;
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const killed = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      if (isAlive(child)) child.kill('SIGKILL');
      resolve();
    }, graceMs);
  });
  await Promise.race([exited, killed]);
  clearTimeout(timer);
  await exited;
}

/** Resolves once 127.0.0.1:`port` accepts a connection; rejects on timeout or when `alive()` turns false. */
export async function waitForPort(
  port: number,
  opts: { readonly timeoutMs: number; readonly alive?: () => boolean; readonly host?: string },
): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    if (await canConnect(opts.host ?? LOOPBACK, port)) return;
    if (opts.alive !== undefined && !opts.alive()) throw new Error('the process exited');
    if (Date.now() > deadline) throw new Error(`nothing listens on port ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

let clockTicks: number | undefined;

function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/**
 * CPU seconds a process has used: utime + stime + cutime + cstime of /proc/<pid>/stat. The
 * children's part counts the helpers a server forks and reaps (Redis's AOF rewrite).
 * 0 when the process is gone.
 */
export function cpuSecondsOf(pid: number): number {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return 0;
  }
  // The command name (field 2) may hold spaces; fields after its ')' are plain.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); utime is field 14, so fields[11..14].
  const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i] ?? 0), 0);
  return ticks / ticksPerSecond();
}

/** Resident set size in MB (VmRSS of /proc/<pid>/status), null when the process is gone. */
export function rssMegabytesOf(pid: number): number | null {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] === undefined ? null : (Number(match[1]) * 1024) / 1e6;
  } catch {
    return null;
  }
}

/** The last `lines` lines of a log file, for error messages. */
export function tailOf(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

export interface CommandResult {
  readonly code: number | string;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to its end (killed after `timeoutMs`), capturing its output. */
export function runCommand(
  command: string,
  args: readonly string[],
  opts: { readonly timeoutMs: number; readonly env?: NodeJS.ProcessEnv },
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: opts.env ?? process.env,
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => stdout.push(b));
    child.stderr.on('data', (b: Buffer) => stderr.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    const exited = new Promise<number | string>((done) => {
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        running.delete(child);
        done(code ?? signal ?? -1);
      });
    });
    running.set(child, exited);
    child.once('error', (err) => {
      clearTimeout(timer);
      running.delete(child);
      reject(err);
    });
    void exited.then((code) =>
      resolve({
        code,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      }),
    );
  });
}

/** Stops every process started here that is still running. */
export async function stopAll(graceMs = 3_000): Promise<void> {
  await Promise.all([...running].map(([child, exited]) => stopChild(child, exited, graceMs)));
}

// Whatever ends the benchmark's process, no server it started outlives it.
process.once('exit', () => {
  for (const child of running.keys()) if (isAlive(child)) child.kill('SIGKILL');
});

/** A command on PATH and the Debian package that provides it. */
export interface NeededCommand {
  readonly command: string;
  readonly debianPackage: string;
}

export const REDIS_COMMANDS: readonly NeededCommand[] = [
  { command: 'redis-server', debianPackage: 'redis-server' },
  { command: 'redis-benchmark', debianPackage: 'redis-tools' },
];
export const NATS_COMMANDS: readonly NeededCommand[] = [
  { command: 'nats-server', debianPackage: 'nats-server' },
];

/** Whether `command` is on PATH (Debian puts nats-server in /usr/sbin, so that is added). */
export function hasCommand(command: string): boolean {
  const path = `${process.env['PATH'] ?? ''}:/usr/sbin:/sbin`;
  return (
    spawnSync('sh', ['-c', `command -v ${command}`], { env: { ...process.env, PATH: path } })
      .status === 0
  );
}

/** Installs the Debian packages of missing commands with apt-get; throws when not root. */
export function ensureCommands(needed: readonly NeededCommand[]): void {
  const missing = [
    ...new Set(needed.filter((n) => !hasCommand(n.command)).map((n) => n.debianPackage)),
  ];
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`missing Debian packages: ${missing.join(' ')} (install them with apt-get)`);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env, timeout: 300_000 });
  execFileSync('apt-get', ['install', '-y', '-qq', ...missing], {
    stdio: 'ignore',
    env,
    timeout: 600_000,
  });
}

/** The absolute path of a command, looking in /usr/sbin and /sbin too. */
export function commandPath(command: string): string {
  const path = `${process.env['PATH'] ?? ''}:/usr/sbin:/sbin`;
  const found = spawnSync('sh', ['-c', `command -v ${command}`], {
    env: { ...process.env, PATH: path },
    encoding: 'utf8',
  });
  const located = found.stdout.trim();
  if (found.status !== 0 || located === '') throw new Error(`${command} is not installed`);
  return located;
}

/**
 * Runs `main` for a standalone benchmark script: prints its result as JSON, and after
 * `timeoutMs` runs every registered cleanup (cleanup.ts) and stops every server started
 * here, then exits 1, wherever `main` is.
 */
export function runStandalone(main: () => Promise<unknown>, timeoutMs: number): void {
  const endAll = async (): Promise<void> => {
    await cleanupAll();
    await stopAll(1_000);
  };
  const timer = setTimeout(() => {
    console.error(`hard timeout after ${timeoutMs} ms: stopping everything`);
    void endAll().finally(() => process.exit(1));
  }, timeoutMs);
  timer.unref();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void endAll().finally(() => process.exit(130)));
  }
  main()
    .then((result) => {
      console.log(JSON.stringify(result, null, 2));
      clearTimeout(timer);
      return endAll();
    })
    .then(() => process.exit(0))
    .catch(async (err: unknown) => {
      console.error(describeFailure(err));
      await endAll();
      process.exit(1);
    });
}

/** Parses `--name value` pairs of a standalone script into numbers and strings. */
export function parseFlags(argv: readonly string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${arg}`);
    const eq = arg.indexOf('=');
    if (eq > 0) flags.set(arg.slice(2, eq), arg.slice(eq + 1));
    else flags.set(arg.slice(2), argv[++i] ?? '');
  }
  return flags;
}

/** A numeric flag, or `fallback` when absent. */
export function numberFlag(flags: Map<string, string>, name: string, fallback: number): number {
  const raw = flags.get(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new Error(`--${name} must be a number, got ${raw}`);
  return value;
}

/** An error with its causes and, for an AggregateError, what it aggregates. */
export function describeFailure(err: unknown, depth = 0): string {
  if (!(err instanceof Error)) return String(err);
  const lines = [err.stack ?? err.message];
  if (depth < 3) {
    if (err instanceof AggregateError)
      for (const e of err.errors) lines.push(`  - ${describeFailure(e, depth + 1)}`);
    if (err.cause !== undefined) lines.push(`  cause: ${describeFailure(err.cause, depth + 1)}`);
  }
  return lines.join('\n');
}
