// The fault campaign's cluster: three etcd members and three `gregor server`
// processes, each in its own network namespace (network.ts). Every broker runs
// as its own non-root user with its log dir on its own small tmpfs (so the
// disk can be filled without root's reserved blocks), preloaded with libfiu
// (I/O errors switched on and off at run time through fiu-ctrl) and
// libfaketime reading an offset file (its wall clock jumps at run time, the
// monotonic clock untouched). Processes are killed, paused and restarted on
// the same data. Runs inside the hub namespace (the campaign's inner process).

import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { chown, mkdir, open, readdir, rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Network, sh } from './network.ts';

const FAKETIME_LIB = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';
const FIU_LIBS = '/usr/lib/fiu/fiu_run_preload.so /usr/lib/fiu/fiu_posix_preload.so';
export const ETCD_CLIENT_PORT = 2379;
const ETCD_PEER_PORT = 2380;
export const BROKER_PORT = 9092;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface ClusterOptions {
  readonly dir: string;
  readonly network: Network;
  /** The gregor command to run (a build snapshot for long runs). */
  readonly bin: string;
  readonly clusterId: string;
  readonly brokerConfig: Record<string, string>;
  /** Size of each broker's tmpfs. */
  readonly diskBytes: number;
  readonly uidBase: number;
  readonly log: (line: string) => void;
}

abstract class Member {
  child: ChildProcess | null = null;
  /** Incarnations started, for the log file names. */
  starts = 0;
  expectingExit = false;
  unexpectedExits = 0;

  constructor(
    readonly name: string,
    readonly ns: string,
    readonly address: string,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  isRunning(): boolean {
    const c = this.child;
    return c !== null && c.exitCode === null && c.signalCode === null;
  }

  protected track(child: ChildProcess, out: WriteStream, log: (l: string) => void): void {
    this.child = child;
    this.expectingExit = false;
    child.stdout?.pipe(out, { end: false });
    child.stderr?.pipe(out, { end: false });
    child.on('exit', (code, signal) => {
      if (this.child !== child) return;
      if (!this.expectingExit) {
        this.unexpectedExits++;
        log(`${this.name} exited unexpectedly (${signal ?? code})`);
      }
    });
  }

  async kill9(): Promise<void> {
    const c = this.child;
    if (c === null || !this.isRunning()) return;
    this.expectingExit = true;
    c.kill('SIGCONT');
    c.kill('SIGKILL');
    if (c.exitCode === null && c.signalCode === null) {
      await new Promise((r) => c.once('exit', r));
    }
  }

  pause(): void {
    if (this.isRunning()) this.child!.kill('SIGSTOP');
  }

  resume(): void {
    if (this.isRunning()) this.child!.kill('SIGCONT');
  }
}

export class EtcdNode extends Member {
  constructor(
    name: string,
    ns: string,
    address: string,
    private readonly dataDir: string,
    private readonly initialCluster: string,
    private readonly logFile: string,
    private readonly log: (l: string) => void,
  ) {
    super(name, ns, address);
  }

  get endpoint(): string {
    return `http://${this.address}:${ETCD_CLIENT_PORT}`;
  }

  start(): void {
    this.starts++;
    const out = createWriteStream(this.logFile, { flags: 'a' });
    const args = [
      'netns',
      'exec',
      this.ns,
      '/usr/bin/etcd',
      `--name=${this.name}`,
      `--data-dir=${this.dataDir}`,
      `--listen-client-urls=${this.endpoint}`,
      `--advertise-client-urls=${this.endpoint}`,
      `--listen-peer-urls=http://${this.address}:${ETCD_PEER_PORT}`,
      `--initial-advertise-peer-urls=http://${this.address}:${ETCD_PEER_PORT}`,
      `--initial-cluster=${this.initialCluster}`,
      '--initial-cluster-state=new',
      '--initial-cluster-token=gregor-campaign',
      '--heartbeat-interval=100',
      '--election-timeout=1000',
      '--logger=zap',
      '--log-level=warn',
    ];
    this.track(spawn('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] }), out, this.log);
  }

  /** etcd's own view: whether this member is the raft leader (null if it does not answer). */
  async isLeader(): Promise<boolean | null> {
    try {
      const r = await fetch(`${this.endpoint}/v3/maintenance/status`, {
        method: 'POST',
        body: '{}',
        signal: AbortSignal.timeout(1500),
      });
      const s = (await r.json()) as { header?: { member_id?: string }; leader?: string };
      return s.leader !== undefined && s.leader === s.header?.member_id;
    } catch {
      return null;
    }
  }

  async healthy(): Promise<boolean> {
    try {
      const r = await fetch(`${this.endpoint}/health`, { signal: AbortSignal.timeout(1500) });
      return ((await r.json()) as { health?: string }).health === 'true';
    } catch {
      return false;
    }
  }
}

export class BrokerNode extends Member {
  /** Where libfaketime reads the wall-clock offset ("+0", "+120s", "-30s"). */
  readonly faketimeFile: string;
  readonly runDir: string;
  readonly diskDir: string;
  readonly logDir: string;
  private clockOffset = '+0';

  constructor(
    readonly id: number,
    name: string,
    ns: string,
    address: string,
    private readonly o: ClusterOptions,
    private readonly uid: number,
  ) {
    super(name, ns, address);
    this.runDir = join(o.dir, `${name}-run`);
    this.diskDir = join(o.dir, `${name}-disk`);
    this.logDir = join(this.diskDir, 'log');
    this.faketimeFile = join(this.runDir, 'faketime');
  }

  get bootstrap(): string {
    return `${this.address}:${BROKER_PORT}`;
  }

  /** The run dir (fiu fifo, clock file), the tmpfs for the log dir, both owned by the broker's user. */
  async prepare(): Promise<void> {
    await mkdir(this.runDir, { recursive: true });
    await chown(this.runDir, this.uid, this.uid);
    await writeFile(this.faketimeFile, '+0\n', { mode: 0o644 });
    await mkdir(this.diskDir, { recursive: true });
    await sh('mount', [
      '-t',
      'tmpfs',
      '-o',
      `size=${this.o.diskBytes},uid=${this.uid},gid=${this.uid},mode=0755`,
      `gregor-${this.name}`,
      this.diskDir,
    ]);
    await mkdir(this.logDir, { recursive: true });
    await chown(this.logDir, this.uid, this.uid);
  }

  async unmount(): Promise<void> {
    await sh('umount', ['-l', this.diskDir]).catch(() => {});
  }

  async start(): Promise<void> {
    this.starts++;
    const logFile = join(this.o.dir, `${this.name}.log`);
    const out = createWriteStream(logFile, { flags: 'a' });
    out.write(`\n==== start ${this.starts} at ${new Date().toISOString()}\n`);
    const overrides: Record<string, string> = {
      'node.id': String(this.id),
      'log.dirs': this.logDir,
      listeners: `PLAINTEXT://${this.bootstrap}`,
      'cluster.id': this.o.clusterId,
      ...this.o.brokerConfig,
    };
    const args = ['server'];
    for (const [k, v] of Object.entries(overrides)) args.push('--override', `${k}=${v}`);
    const env = [
      `PATH=${process.env['PATH'] ?? '/usr/bin:/bin'}`,
      `HOME=${this.runDir}`,
      'GREGOR_LOG_LEVEL=info',
      `LD_PRELOAD=${FIU_LIBS} ${FAKETIME_LIB}`,
      `FIU_CTRL_FIFO=${join(this.runDir, 'fiu')}`,
      `FAKETIME_TIMESTAMP_FILE=${this.faketimeFile}`,
      'FAKETIME_DONT_FAKE_MONOTONIC=1',
      'FAKETIME_NO_CACHE=1',
      'FAKETIME_DISABLE_SHM=1',
    ];
    // setpriv first, so the preloaded libraries start as the broker's user.
    const child = spawn(
      'ip',
      [
        'netns',
        'exec',
        this.ns,
        'setpriv',
        `--reuid=${this.uid}`,
        `--regid=${this.uid}`,
        '--clear-groups',
        '--',
        'env',
        '-i',
        ...env,
        process.execPath,
        this.o.bin,
        ...args,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let seen = '';
    const onData = (b: Buffer) => {
      seen = (seen + b.toString()).slice(-4096);
    };
    child.stdout?.on('data', onData);
    this.track(child, out, this.o.log);
    const deadline = Date.now() + 90_000;
    while (!seen.includes('Gregor broker started')) {
      if (!this.isRunning()) throw new Error(`${this.name} exited during start: ${seen}`);
      if (Date.now() > deadline) {
        await this.kill9();
        throw new Error(`${this.name} did not start in 90 s: ${seen}`);
      }
      await sleep(100);
    }
    child.stdout?.off('data', onData);
    // A restarted broker keeps the clock it was given (a skew outlives a crash).
    await this.setClock(this.clockOffset);
  }

  /** Jumps the broker's wall clock (libfaketime re-reads the file on every call). */
  async setClock(offset: string): Promise<void> {
    this.clockOffset = offset;
    await writeFile(this.faketimeFile, `${offset}\n`);
  }

  private fiu(command: string): Promise<string> {
    const pid = this.pid;
    if (pid === undefined || !this.isRunning()) return Promise.resolve('');
    return sh('fiu-ctrl', ['-f', join(this.runDir, 'fiu'), '-c', command, String(pid)]);
  }

  /** EIO from fsync/fdatasync, and from a share of positional writes (pwrite). */
  async ioErrors(on: boolean, writeProbability = 0.3): Promise<void> {
    const points = ['posix/io/sync/fsync', 'posix/io/sync/fdatasync'];
    for (const p of points) {
      await this.fiu(on ? `enable name=${p},failinfo=5` : `disable name=${p}`);
    }
    const w = 'posix/io/rw/pwrite';
    await this.fiu(
      on
        ? `enable_random name=${w},probability=${writeProbability},failinfo=5`
        : `disable name=${w}`,
    );
  }

  /** Fills the broker's tmpfs to the last byte (root writes the filler, the broker is not root). */
  async fillDisk(): Promise<void> {
    const f = await open(join(this.diskDir, 'filler'), 'w');
    const chunk = Buffer.alloc(1024 * 1024);
    try {
      for (;;) await f.write(chunk);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
      // Fill the last partial chunk too.
      for (let size = 512 * 1024; size >= 1; size = Math.floor(size / 2)) {
        try {
          for (;;) await f.write(chunk.subarray(0, size));
        } catch {
          // next smaller size
        }
      }
    } finally {
      await f.close();
    }
  }

  async freeDisk(): Promise<void> {
    await unlink(join(this.diskDir, 'filler')).catch(() => {});
  }

  /** Stray fiu fifos of earlier incarnations. */
  async cleanRunDir(): Promise<void> {
    for (const f of await readdir(this.runDir).catch(() => [] as string[])) {
      if (f.startsWith('fiu-')) await rm(join(this.runDir, f), { force: true });
    }
  }
}

export class CampaignCluster {
  readonly etcd: EtcdNode[] = [];
  readonly brokers: BrokerNode[] = [];

  constructor(readonly o: ClusterOptions) {
    const net = o.network;
    const etcdNames = ['e1', 'e2', 'e3'];
    const initial = etcdNames
      .map((n) => `${n}=http://${net.node(n).address}:${ETCD_PEER_PORT}`)
      .join(',');
    for (const n of etcdNames) {
      const node = net.node(n);
      this.etcd.push(
        new EtcdNode(
          n,
          node.ns,
          node.address,
          join(o.dir, `${n}-data`),
          initial,
          join(o.dir, `${n}.log`),
          o.log,
        ),
      );
    }
    for (const [i, n] of ['b1', 'b2', 'b3'].entries()) {
      const node = net.node(n);
      this.brokers.push(new BrokerNode(i + 1, n, node.ns, node.address, o, o.uidBase + i + 1));
    }
  }

  get metadataStore(): string {
    return `etcd://${this.etcd.map((e) => `${e.address}:${ETCD_CLIENT_PORT}`).join(',')}`;
  }

  get bootstrap(): string {
    return this.brokers.map((b) => b.bootstrap).join(',');
  }

  async start(): Promise<void> {
    for (const e of this.etcd) e.start();
    const deadline = Date.now() + 30_000;
    while (!(await Promise.all(this.etcd.map((e) => e.healthy()))).every(Boolean)) {
      if (Date.now() > deadline) throw new Error('etcd cluster not healthy after 30 s');
      await sleep(200);
    }
    for (const b of this.brokers) await b.prepare();
    await Promise.all(this.brokers.map((b) => b.start()));
  }

  /** Restarts whatever is not running (after a kill, or a crash a fault caused). */
  async restartStopped(): Promise<string[]> {
    const restarted: string[] = [];
    for (const e of this.etcd) {
      if (!e.isRunning()) {
        e.start();
        restarted.push(e.name);
      }
    }
    for (const b of this.brokers) {
      if (!b.isRunning()) {
        await b.cleanRunDir();
        await b.start();
        restarted.push(b.name);
      }
    }
    return restarted;
  }

  async stop(): Promise<void> {
    for (const b of this.brokers) await b.kill9();
    for (const e of this.etcd) await e.kill9();
    for (const b of this.brokers) await b.unmount();
  }
}
