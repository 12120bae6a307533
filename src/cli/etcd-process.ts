// Runs real etcd members (Debian's etcd-server, /usr/bin/etcd) on loopback: one member or a
// cluster of several, each with its own client and peer port and data directory, started
// together and awaited until each reports healthy. `gregor dev cluster` keeps its metadata
// in one; the test harness uses the same code, plus the faults (kill -9, pause, restart).

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LineSplitter } from './line-splitter.ts';
import { freePorts, LOOPBACK_HOST } from './loopback-ports.ts';

export const etcdBinaryDefault = '/usr/bin/etcd';

/** GREGOR_ETCD_BINARY may name another build; Debian's etcd-server otherwise. */
export function etcdBinary(env: NodeJS.ProcessEnv = process.env): string {
  return env['GREGOR_ETCD_BINARY'] ?? etcdBinaryDefault;
}

export type EtcdLogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface StartEtcdClusterOptions {
  /** How many members; 1 by default. */
  readonly members?: number;
  /** Kept across runs (member i in `<dataDir>/<name>`); default a temp dir stop() removes. */
  readonly dataDir?: string;
  readonly binary?: string;
  /** Member names are `<namePrefix>-1`, `<namePrefix>-2`, ... */
  readonly namePrefix?: string;
  readonly heartbeatIntervalMs?: number;
  readonly electionTimeoutMs?: number;
  readonly startTimeoutMs?: number;
  readonly logLevel?: EtcdLogLevel;
  /**
   * Own process groups, so a terminal's Ctrl-C reaches only our process, which can then
   * stop the users of etcd before etcd itself.
   */
  readonly detached?: boolean;
  /** Every line etcd writes to stdout or stderr. */
  readonly onOutput?: (member: EtcdMember, line: string) => void;
  /** A member exited without stop() or kill9() asking it to. */
  readonly onUnexpectedExit?: (member: EtcdMember, how: string) => void;
}

export interface EtcdMember {
  readonly name: string;
  /** `http://127.0.0.1:<client port>`. */
  readonly endpoint: string;
  readonly clientPort: number;
  readonly peerPort: number;
  readonly dataDir: string;
  pid(): number | undefined;
  isRunning(): boolean;
  /** SIGTERM (SIGKILL after 5 s); the data directory stays. */
  stop(): Promise<void>;
  /** SIGKILL, as a crash or a deleted pod; the data directory stays. */
  kill9(): Promise<void>;
  /** SIGSTOP, resolved once the kernel reports every thread stopped (it is not instant). */
  pause(): Promise<void>;
  resume(): Promise<void>;
  /** Starts the member again on the same ports and data, and waits until it is healthy. */
  restart(): Promise<void>;
}

export interface EtcdCluster {
  readonly members: readonly EtcdMember[];
  /** Client URLs of all members. */
  readonly endpoints: readonly string[];
  /** The broker's `metadata.store` value: `etcd://127.0.0.1:p1,127.0.0.1:p2,...`. */
  readonly metadataStore: string;
  readonly dataDir: string;
  /** Stops every member; removes the data directory only if it was a temporary one. */
  stop(): Promise<void>;
}

interface MemberPorts {
  readonly name: string;
  readonly clientPort: number;
  readonly peerPort: number;
}

/** Remembered in a kept data directory: etcd stores its peer URLs in its data. */
const PORTS_FILE = 'etcd-ports.json';
const STOP_GRACE_MS = 5000;
const START_ATTEMPTS = 3;

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // An etcd must never outlive the process that started it, whatever way that process ends.
  process.on('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function url(port: number): string {
  return `http://${LOOPBACK_HOST}:${port}`;
}

function memberArguments(
  member: MemberPorts,
  all: readonly MemberPorts[],
  dataDir: string,
  options: StartEtcdClusterOptions,
): string[] {
  const cluster = all.map((m) => `${m.name}=${url(m.peerPort)}`).join(',');
  return [
    `--name=${member.name}`,
    `--data-dir=${dataDir}`,
    `--listen-client-urls=${url(member.clientPort)}`,
    `--advertise-client-urls=${url(member.clientPort)}`,
    `--listen-peer-urls=${url(member.peerPort)}`,
    `--initial-advertise-peer-urls=${url(member.peerPort)}`,
    `--initial-cluster=${cluster}`,
    '--initial-cluster-state=new',
    // Unique per cluster, so a member never joins another test's cluster by a reused port.
    `--initial-cluster-token=gregor-${all[0]?.clientPort ?? 0}`,
    `--heartbeat-interval=${options.heartbeatIntervalMs ?? 100}`,
    `--election-timeout=${options.electionTimeoutMs ?? 1000}`,
    '--logger=zap',
    `--log-level=${options.logLevel ?? 'warn'}`,
  ];
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

function waitExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal !== null ? `killed by ${signal}` : `exited with code ${code ?? 'unknown'}`;
}

class EtcdMemberProcess implements EtcdMember {
  readonly name: string;
  readonly endpoint: string;
  readonly clientPort: number;
  readonly peerPort: number;
  private child: ChildProcess | null = null;
  private expectingExit = false;
  private readonly recentOutput: string[] = [];

  constructor(
    ports: MemberPorts,
    private readonly all: readonly MemberPorts[],
    readonly dataDir: string,
    private readonly options: StartEtcdClusterOptions,
  ) {
    this.name = ports.name;
    this.clientPort = ports.clientPort;
    this.peerPort = ports.peerPort;
    this.endpoint = url(ports.clientPort);
  }

  pid(): number | undefined {
    return this.child?.pid;
  }

  isRunning(): boolean {
    const child = this.child;
    return child !== null && child.exitCode === null && child.signalCode === null;
  }

  /** Spawns etcd; health is awaited separately so a cluster's members start together. */
  spawn(): void {
    const ports = { name: this.name, clientPort: this.clientPort, peerPort: this.peerPort };
    const args = memberArguments(ports, this.all, this.dataDir, this.options);
    const child = spawn(this.options.binary ?? etcdBinary(), args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: this.options.detached ?? false,
    });
    this.child = child;
    this.expectingExit = false;
    running.add(child);
    const splitter = new LineSplitter((line) => this.output(line));
    child.stdout?.on('data', (chunk: Buffer) => splitter.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => splitter.push(chunk));
    child.once('error', (error) => this.output(`cannot run etcd: ${error.message}`));
    child.once('exit', (code, signal) => {
      running.delete(child);
      splitter.end();
      if (!this.expectingExit && child === this.child) {
        this.options.onUnexpectedExit?.(this, describeExit(code, signal));
      }
    });
  }

  private output(line: string): void {
    this.recentOutput.push(line);
    if (this.recentOutput.length > 50) this.recentOutput.shift();
    this.options.onOutput?.(this, line);
  }

  async waitHealthy(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const child = this.child;
      if (child === null || !this.isRunning()) {
        const how = child === null ? 'not started' : describeExit(child.exitCode, child.signalCode);
        throw new Error(`etcd ${this.name} ${how} during start:\n${this.tail()}`);
      }
      try {
        const response = await fetch(`${this.endpoint}/health`, {
          signal: AbortSignal.timeout(1000),
        });
        const body = (await response.json()) as { health?: string };
        if (body.health === 'true') return;
      } catch {
        // Not listening yet, or no leader yet.
      }
      await delay(50);
    }
    throw new Error(`etcd ${this.name} at ${this.endpoint} not healthy after ${timeoutMs} ms`);
  }

  tail(): string {
    return this.recentOutput.join('\n');
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child === null) return;
    this.expectingExit = true;
    child.kill('SIGCONT');
    child.kill('SIGTERM');
    const forced = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await waitExit(child);
    clearTimeout(forced);
  }

  async kill9(): Promise<void> {
    const child = this.child;
    if (child === null) return;
    this.expectingExit = true;
    child.kill('SIGKILL');
    await waitExit(child);
  }

  pause(): Promise<void> {
    return this.signalAndWait('SIGSTOP', (states) => states.every((s) => s === 'T'));
  }

  resume(): Promise<void> {
    return this.signalAndWait('SIGCONT', (states) => states.every((s) => s !== 'T'));
  }

  async restart(): Promise<void> {
    if (this.isRunning()) throw new Error(`etcd ${this.name} is still running`);
    this.spawn();
    await this.waitHealthy(this.options.startTimeoutMs ?? 15_000);
  }

  private async signalAndWait(
    signal: 'SIGSTOP' | 'SIGCONT',
    isDone: (states: readonly string[]) => boolean,
  ): Promise<void> {
    const child = this.child;
    const pid = child?.pid;
    if (child === null || pid === undefined || !this.isRunning()) return;
    child.kill(signal);
    for (let i = 0; i < 200; i++) {
      const states = await threadStates(pid);
      if (states.length === 0 || isDone(states)) return;
      await delay(5);
    }
    throw new Error(`etcd ${this.name} (pid ${pid}) did not react to ${signal}`);
  }
}

async function readRememberedPorts(dataDir: string, count: number): Promise<MemberPorts[] | null> {
  let text: string;
  try {
    text = await readFile(join(dataDir, PORTS_FILE), 'utf8');
  } catch {
    return null;
  }
  const parsed = JSON.parse(text) as { members?: MemberPorts[] };
  const members = parsed.members ?? [];
  if (members.length !== count) {
    throw new Error(
      `${join(dataDir, PORTS_FILE)} describes ${members.length} etcd members, not ${count}: ` +
        'use the same member count as before or a fresh data directory',
    );
  }
  return members;
}

async function newPorts(count: number, namePrefix: string): Promise<MemberPorts[]> {
  const ports = await freePorts(count * 2);
  return Array.from({ length: count }, (_, i) => ({
    name: `${namePrefix}-${i + 1}`,
    clientPort: ports[2 * i] ?? 0,
    peerPort: ports[2 * i + 1] ?? 0,
  }));
}

async function launch(
  ports: readonly MemberPorts[],
  dataDir: string,
  options: StartEtcdClusterOptions,
): Promise<EtcdMemberProcess[]> {
  const members = ports.map((p) => new EtcdMemberProcess(p, ports, join(dataDir, p.name), options));
  for (const member of members) member.spawn();
  try {
    const timeoutMs = options.startTimeoutMs ?? 15_000;
    await Promise.all(members.map((member) => member.waitHealthy(timeoutMs)));
    return members;
  } catch (error) {
    await Promise.all(members.map((member) => member.kill9()));
    throw error;
  }
}

function clusterOf(
  members: readonly EtcdMemberProcess[],
  dataDir: string,
  ownDataDir: boolean,
): EtcdCluster {
  return {
    members,
    endpoints: members.map((m) => m.endpoint),
    metadataStore: `etcd://${members.map((m) => `${LOOPBACK_HOST}:${m.clientPort}`).join(',')}`,
    dataDir,
    async stop() {
      await Promise.all(members.map((member) => member.stop()));
      if (ownDataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Starts `members` etcd members on loopback and resolves once every one is healthy. */
export async function startEtcdCluster(
  options: StartEtcdClusterOptions = {},
): Promise<EtcdCluster> {
  const binary = options.binary ?? etcdBinary();
  if (!existsSync(binary)) {
    throw new Error(
      `${binary} not found: install the Debian package etcd-server ` +
        '(apt-get install -y etcd-server) or set GREGOR_ETCD_BINARY',
    );
  }
  const count = options.members ?? 1;
  if (!Number.isSafeInteger(count) || count < 1) throw new RangeError(`members ${count} < 1`);
  installExitHook();
  const ownDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'gregor-etcd-')));
  await mkdir(dataDir, { recursive: true });
  const namePrefix = options.namePrefix ?? 'gregor-etcd';
  const remembered = ownDataDir ? null : await readRememberedPorts(dataDir, count);
  if (remembered !== null) {
    return clusterOf(await launch(remembered, dataDir, options), dataDir, ownDataDir);
  }
  // A port found free can be taken before etcd binds it; then try other ports.
  for (let attempt = 1; ; attempt++) {
    const ports = await newPorts(count, namePrefix);
    // Only directories this attempt creates are wiped on failure, never data found there.
    const created = ports.filter((p) => !existsSync(join(dataDir, p.name)));
    try {
      const members = await launch(ports, dataDir, options);
      if (!ownDataDir) {
        await writeFile(join(dataDir, PORTS_FILE), `${JSON.stringify({ members: ports })}\n`);
      }
      return clusterOf(members, dataDir, ownDataDir);
    } catch (error) {
      // A half-initialised member directory remembers the failed ports: start it afresh.
      await Promise.all(
        created.map((p) => rm(join(dataDir, p.name), { recursive: true, force: true })),
      );
      if (attempt >= START_ATTEMPTS) {
        if (ownDataDir) await rm(dataDir, { recursive: true, force: true });
        throw error;
      }
    }
  }
}
