// Starts a real single-member etcd (Debian's etcd-server, /usr/bin/etcd) on free loopback
// ports for tests, waits until it reports healthy, and stops it and removes its data
// directory afterwards. It also offers the faults tests need: kill -9, pause and resume
// (SIGSTOP/SIGCONT), and restart on the same ports and data.

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Debian's etcd-server; GREGOR_ETCD_BINARY may name another build. */
export const etcdBinaryPath = process.env.GREGOR_ETCD_BINARY ?? '/usr/bin/etcd';

export interface StartEtcdOptions {
  /** Data directory to use and keep; by default a temporary one removed on stop. */
  readonly dataDir?: string;
  /** Raft heartbeat; a short one lets a single member grant 1 s leases (etcd's min TTL). */
  readonly heartbeatIntervalMs?: number;
  readonly electionTimeoutMs?: number;
  readonly startTimeoutMs?: number;
}

export interface EtcdProcess {
  /** `http://127.0.0.1:<client port>`. */
  readonly endpoint: string;
  readonly dataDir: string;
  readonly pid: () => number | undefined;
  /** SIGTERM (then SIGKILL after 5 s) and remove the temporary data directory. */
  stop(): Promise<void>;
  /** SIGKILL; the data directory stays until stop(). */
  kill9(): Promise<void>;
  /** SIGSTOP, resolved once the kernel reports every thread stopped (it is not instant). */
  pause(): Promise<void>;
  resume(): Promise<void>;
  /** Starts etcd again on the same ports and data after kill9() or a crash. */
  restart(): Promise<void>;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // An etcd must never outlive the test process, whatever way that process ends.
  process.on('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function etcdArguments(
  dataDir: string,
  clientPort: number,
  peerPort: number,
  options: StartEtcdOptions,
): string[] {
  const clientUrl = `http://127.0.0.1:${clientPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  return [
    '--name=gregor-test',
    `--data-dir=${dataDir}`,
    `--listen-client-urls=${clientUrl}`,
    `--advertise-client-urls=${clientUrl}`,
    `--listen-peer-urls=${peerUrl}`,
    `--initial-advertise-peer-urls=${peerUrl}`,
    `--initial-cluster=gregor-test=${peerUrl}`,
    '--initial-cluster-state=new',
    `--initial-cluster-token=gregor-test-${clientPort}`,
    `--heartbeat-interval=${options.heartbeatIntervalMs ?? 100}`,
    `--election-timeout=${options.electionTimeoutMs ?? 1000}`,
    '--logger=zap',
    '--log-level=warn',
  ];
}

async function waitHealthy(
  endpoint: string,
  child: ChildProcess,
  timeoutMs: number,
  output: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `etcd exited (${child.exitCode ?? child.signalCode}) during start:\n${output()}`,
      );
    }
    try {
      const response = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1000) });
      const body = (await response.json()) as { health?: string };
      if (body.health === 'true') return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`etcd at ${endpoint} not healthy after ${timeoutMs} ms:\n${output()}`);
}

/** The state letters of every thread of `pid` ('T' once stopped); empty once it is gone. */
async function threadStates(pid: number): Promise<string[]> {
  try {
    const threads = await readdir(`/proc/${pid}/task`);
    const stats = await Promise.all(
      threads.map((thread) => readFile(`/proc/${pid}/task/${thread}/stat`, 'utf8')),
    );
    return stats.map((stat) => stat.charAt(stat.lastIndexOf(')') + 2));
  } catch {
    return [];
  }
}

async function signalAndWait(
  child: ChildProcess | null,
  signal: 'SIGSTOP' | 'SIGCONT',
  isDone: (states: readonly string[]) => boolean,
): Promise<void> {
  const pid = child?.pid;
  if (child === null || pid === undefined) return;
  child.kill(signal);
  for (let i = 0; i < 200; i++) {
    const states = await threadStates(pid);
    if (states.length === 0 || isDone(states)) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`etcd ${pid} did not react to ${signal}`);
}

function waitExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export async function startEtcd(options: StartEtcdOptions = {}): Promise<EtcdProcess> {
  if (!existsSync(etcdBinaryPath)) {
    throw new Error(
      `${etcdBinaryPath} not found: the etcd tests need the Debian package etcd-server ` +
        '(apt-get install -y etcd-server)',
    );
  }
  installExitHook();
  const ownDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'gregor-etcd-')));
  let clientPort = 0;
  let peerPort = 0;
  let child: ChildProcess | null = null;

  const launch = async (): Promise<void> => {
    const output: string[] = [];
    const started = spawn(etcdBinaryPath, etcdArguments(dataDir, clientPort, peerPort, options), {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = started;
    running.add(started);
    started.once('exit', () => running.delete(started));
    const keep = (chunk: Buffer): void => {
      output.push(chunk.toString('utf8'));
      if (output.length > 200) output.shift();
    };
    started.stdout?.on('data', keep);
    started.stderr?.on('data', keep);
    const endpoint = `http://127.0.0.1:${clientPort}`;
    await waitHealthy(endpoint, started, options.startTimeoutMs ?? 15_000, () => output.join(''));
  };

  const kill9 = async (): Promise<void> => {
    if (child === null) return;
    const current = child;
    current.kill('SIGKILL');
    await waitExit(current);
  };

  // A port found free can be taken before etcd binds it; then try other ports.
  for (let attempt = 1; ; attempt++) {
    clientPort = await freePort();
    peerPort = await freePort();
    try {
      await launch();
      break;
    } catch (error) {
      await kill9();
      if (ownDataDir) await rm(dataDir, { recursive: true, force: true });
      // A half-initialised data directory remembers the old ports; only our own is wiped.
      if (!ownDataDir || attempt >= 3) throw error;
      await mkdir(dataDir, { recursive: true });
    }
  }

  return {
    endpoint: `http://127.0.0.1:${clientPort}`,
    dataDir,
    pid: () => child?.pid,
    kill9,
    pause: () => signalAndWait(child, 'SIGSTOP', (states) => states.every((s) => s === 'T')),
    resume: () => signalAndWait(child, 'SIGCONT', (states) => states.every((s) => s !== 'T')),
    restart: launch,
    async stop() {
      if (child !== null) {
        const current = child;
        current.kill('SIGCONT');
        current.kill('SIGTERM');
        const forced = setTimeout(() => current.kill('SIGKILL'), 5000);
        await waitExit(current);
        clearTimeout(forced);
      }
      if (ownDataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
