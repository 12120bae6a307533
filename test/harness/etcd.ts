// Starts a real single-member etcd (Debian's etcd-server, /usr/bin/etcd) on free loopback
// ports for tests, waits until it reports healthy, and stops it and removes its data
// directory afterwards. It also offers the faults tests need: kill -9, pause and resume
// (SIGSTOP/SIGCONT), and restart on the same ports and data.

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const etcdBinaryPath = '/usr/bin/etcd';

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
  pause(): void;
  resume(): void;
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

function etcdArguments(dataDir: string, clientPort: number, peerPort: number, options: StartEtcdOptions): string[] {
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

async function waitHealthy(endpoint: string, child: ChildProcess, timeoutMs: number, output: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`etcd exited (${child.exitCode ?? child.signalCode}) during start:\n${output()}`);
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
  const clientPort = await freePort();
  const peerPort = await freePort();
  const endpoint = `http://127.0.0.1:${clientPort}`;
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
    await waitHealthy(endpoint, started, options.startTimeoutMs ?? 15_000, () => output.join(''));
  };

  const kill9 = async (): Promise<void> => {
    if (child === null) return;
    const current = child;
    current.kill('SIGKILL');
    await waitExit(current);
  };

  await launch().catch(async (error: unknown) => {
    await kill9();
    if (ownDataDir) await rm(dataDir, { recursive: true, force: true });
    throw error;
  });

  return {
    endpoint,
    dataDir,
    pid: () => child?.pid,
    kill9,
    pause: () => child?.kill('SIGSTOP'),
    resume: () => child?.kill('SIGCONT'),
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
