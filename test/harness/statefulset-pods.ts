// Runs a rendered broker StatefulSet as local processes, the way the kubelet would run its pods:
// each pod's command, arguments and environment come from the pod template, with the
// downward-API values Kubernetes fills in (pod name, namespace, the pod-index label) and
// `$(VAR)` references expanded (src/deploy/pod-environment.ts). The cluster DNS is /etc/hosts:
// every pod's name `<pod>.<headless>.<ns>.svc.cluster.local` maps to its own loopback address
// (127.x.y.<ordinal+1>), and the etcd client Service name to a TCP proxy in front of a local
// etcd (what kube-proxy does for a Service). The container's filesystem is the one thing
// translated: mount paths (/var/lib/gregor, /etc/gregor, /tmp) become per-pod directories,
// in arguments, variables and the mounted properties file alike.

import { type ChildProcess, spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, Socket } from 'node:net';
import { join } from 'node:path';
import {
  type ContainerSpec,
  containerArgv,
  containerEnvironment,
  type PodIdentity,
} from '../../src/deploy/pod-environment.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'gregor');
const HOSTS = '/etc/hosts';
const HOSTS_LOCK = '/tmp/gregor-test-etc-hosts.lock';

// biome-ignore lint/suspicious/noExplicitAny: rendered objects are read as plain YAML data here.
type Doc = any;

export interface PodProcess {
  readonly ordinal: number;
  readonly name: string;
  readonly dnsName: string;
  readonly address: string;
  readonly child: ChildProcess;
  readonly exited: Promise<number | string>;
  output(): string;
}

/** Serialises edits of /etc/hosts between test processes on the machine (mkdir is atomic). */
async function withHostsLock<T>(work: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      await mkdir(HOSTS_LOCK);
      break;
    } catch {
      if (i > 200) await rm(HOSTS_LOCK, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  try {
    return await work();
  } finally {
    await rm(HOSTS_LOCK, { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Lines this harness added, marked with the owning pid; those of dead owners are dropped too. */
async function editHosts(add: readonly string[]): Promise<void> {
  await withHostsLock(async () => {
    const lines = (await readFile(HOSTS, 'utf8')).split('\n').filter((line) => {
      const m = /# gregor-statefulset-test pid=(\d+)$/.exec(line);
      return m === null || (Number(m[1]) !== process.pid && alive(Number(m[1])));
    });
    while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    const text = [...lines, ...add.map((l) => `${l} # gregor-statefulset-test pid=${process.pid}`)];
    // Written in place: /etc/hosts is often a bind mount that cannot be replaced by rename.
    await writeFile(HOSTS, `${text.join('\n')}\n`);
  });
}

/** A TCP proxy: what a ClusterIP Service does for its port. */
function tcpProxy(host: string, port: number, target: { host: string; port: number }) {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = new Socket();
    sockets.add(client);
    sockets.add(upstream);
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    upstream.connect(target.port, target.host, () => {
      client.pipe(upstream);
      upstream.pipe(client);
    });
  });
  return new Promise<{ close(): Promise<void> }>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () =>
      resolve({
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      }),
    );
  });
}

export interface StatefulSetPodsOptions {
  readonly objects: readonly Doc[];
  /** `http://127.0.0.1:<port>` of the local etcd standing in for the etcd StatefulSet. */
  readonly etcdEndpoint: string;
  readonly workDir: string;
  /** With --external loadbalancer: the DNS zone whose `<pod>.<zone>` names reach each pod. */
  readonly externalDomain?: string;
}

export class StatefulSetPods {
  private readonly pods = new Map<number, PodProcess>();
  private proxy: { close(): Promise<void> } | null = null;

  private constructor(
    private readonly o: StatefulSetPodsOptions,
    readonly statefulSet: Doc,
    readonly configMap: Doc,
    /** 127.a.b. — the first three octets of this run's pod addresses. */
    private readonly subnet: string,
  ) {}

  static async create(o: StatefulSetPodsOptions): Promise<StatefulSetPods> {
    const sts = o.objects.find(
      (x) =>
        x.kind === 'StatefulSet' && x.metadata.labels['app.kubernetes.io/component'] === 'broker',
    );
    const cm = o.objects.find((x) => x.kind === 'ConfigMap');
    if (sts === undefined || cm === undefined)
      throw new Error('no broker StatefulSet or ConfigMap');
    // A subnet of loopback per run, so two runs on one machine never share an address.
    const subnet = `127.${randomInt(100, 250)}.${randomInt(1, 250)}.`;
    const pods = new StatefulSetPods(o, sts, cm, subnet);
    await pods.setUpNetwork();
    return pods;
  }

  get namespace(): string {
    return this.statefulSet.metadata.namespace;
  }

  private get container(): ContainerSpec & Doc {
    return this.statefulSet.spec.template.spec.containers[0];
  }

  podName(ordinal: number): string {
    return `${this.statefulSet.metadata.name}-${ordinal}`;
  }

  dnsName(ordinal: number): string {
    const headless = this.statefulSet.spec.serviceName;
    return `${this.podName(ordinal)}.${headless}.${this.namespace}.svc.cluster.local`;
  }

  address(ordinal: number): string {
    return `${this.subnet}${ordinal + 1}`;
  }

  /** The etcd client Service from metadata.store in the ConfigMap, and the proxy behind it. */
  private async setUpNetwork(): Promise<void> {
    const props: string = Object.values(this.configMap.data as Record<string, string>)[0]!;
    const store = /^metadata\.store=etcd:\/\/([^:,\s]+):(\d+)/m.exec(props);
    if (store === null) throw new Error('metadata.store is not one etcd Service');
    const serviceAddress = `${this.subnet}200`;
    const etcd = new URL(this.o.etcdEndpoint);
    this.proxy = await tcpProxy(serviceAddress, Number(store[2]), {
      host: etcd.hostname,
      port: Number(etcd.port),
    });
    const lines = [`${serviceAddress} ${store[1]}`];
    for (let i = 0; i < 16; i++) {
      lines.push(`${this.address(i)} ${this.dnsName(i)}`);
      // A load balancer per broker forwards its port to the pod: the name reaches the pod.
      if (this.o.externalDomain !== undefined)
        lines.push(`${this.address(i)} ${this.podName(i)}.${this.o.externalDomain}`);
    }
    await editHosts(lines);
  }

  /**
   * Maps paths inside the container to this pod's directories for their mounts, in one pass
   * (a mapped path is never mapped again), wherever a path starts: a whole argument, after
   * `=` in a property or variable, or in a comma-separated list.
   */
  private hostPath(ordinal: number, text: string): string {
    const mounts: Array<{ name: string; mountPath: string }> = this.container.volumeMounts;
    // Each pod has its own view of every volume, the ConfigMap included.
    const dirs = new Map(
      mounts.map((m) => [m.mountPath, join(this.o.workDir, `pod-${ordinal}`, m.name)]),
    );
    const alternatives = [...dirs.keys()]
      .sort((a, b) => b.length - a.length)
      .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('|');
    const pattern = new RegExp(`(^|[=,\\s])(${alternatives})(?=[/,\\s]|$)`, 'gm');
    return text.replace(
      pattern,
      (_m, before: string, path: string) => `${before}${dirs.get(path)}`,
    );
  }

  private pod(ordinal: number): PodIdentity {
    const labels: Record<string, string> = {
      ...this.statefulSet.spec.template.metadata.labels,
      'statefulset.kubernetes.io/pod-name': this.podName(ordinal),
      'apps.kubernetes.io/pod-index': String(ordinal),
    };
    return {
      name: this.podName(ordinal),
      namespace: this.namespace,
      labels,
      annotations: this.statefulSet.spec.template.metadata.annotations ?? {},
      podIP: this.address(ordinal),
      hostIP: '127.0.0.1',
      nodeName: 'node-local',
      serviceAccountName: this.statefulSet.spec.template.spec.serviceAccountName,
    };
  }

  /** Starts the pod's container, as after a pod (re)creation on the same volume. */
  async start(ordinal: number): Promise<PodProcess> {
    const existing = this.pods.get(ordinal);
    if (
      existing !== undefined &&
      existing.child.exitCode === null &&
      existing.child.signalCode === null
    )
      throw new Error(`pod ${ordinal} is still running`);
    for (const m of this.container.volumeMounts as Array<{ name: string }>)
      await mkdir(join(this.o.workDir, `pod-${ordinal}`, m.name), { recursive: true });
    const configDir = join(this.o.workDir, `pod-${ordinal}`, 'config');
    for (const [key, value] of Object.entries(this.configMap.data as Record<string, string>))
      await writeFile(join(configDir, key), this.hostPath(ordinal, value));
    const env = containerEnvironment(this.container, this.pod(ordinal));
    const { command, args } = containerArgv(this.container, env);
    const argv = [...command, ...args].map((a) => this.hostPath(ordinal, a));
    if (argv[0] !== 'gregor') throw new Error(`the container runs ${argv[0]}, not gregor`);
    const childEnv: NodeJS.ProcessEnv = {
      PATH: process.env['PATH'],
      // The image's own ENV, then the pod's.
      NODE_ENV: 'production',
      GREGOR_LOG_LEVEL: 'info',
    };
    for (const [k, v] of env) childEnv[k] = this.hostPath(ordinal, v);
    const child = spawn(BIN, argv.slice(1), { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout?.on('data', (b: Buffer) => {
      out = (out + b.toString()).slice(-400_000);
    });
    child.stderr?.on('data', (b: Buffer) => {
      out = (out + b.toString()).slice(-400_000);
    });
    const exited = new Promise<number | string>((resolve) =>
      child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)),
    );
    const pod: PodProcess = {
      ordinal,
      name: this.podName(ordinal),
      dnsName: this.dnsName(ordinal),
      address: this.address(ordinal),
      child,
      exited,
      output: () => out,
    };
    this.pods.set(ordinal, pod);
    return pod;
  }

  /** The latest process of the pod, running or not. */
  latest(ordinal: number): PodProcess | undefined {
    return this.pods.get(ordinal);
  }

  running(ordinal: number): PodProcess | undefined {
    const p = this.pods.get(ordinal);
    return p !== undefined && p.child.exitCode === null && p.child.signalCode === null
      ? p
      : undefined;
  }

  /** kill -9: a node crash or an OOM kill. */
  async kill9(ordinal: number): Promise<void> {
    const p = this.running(ordinal);
    if (p === undefined) return;
    p.child.kill('SIGKILL');
    await p.exited;
  }

  /** A pod deletion: SIGTERM, then SIGKILL after terminationGracePeriodSeconds. Returns the ms taken. */
  async terminate(ordinal: number): Promise<{ ms: number; how: number | string }> {
    const p = this.running(ordinal);
    if (p === undefined) return { ms: 0, how: 'not running' };
    const graceMs =
      (this.statefulSet.spec.template.spec.terminationGracePeriodSeconds ?? 30) * 1000;
    const started = Date.now();
    p.child.kill('SIGTERM');
    const timer = setTimeout(() => p.child.kill('SIGKILL'), graceMs);
    const how = await p.exited;
    clearTimeout(timer);
    return { ms: Date.now() - started, how };
  }

  /** The readiness probe as the kubelet runs it: GET /readyz on the http port. */
  async readyz(ordinal: number): Promise<{ status: number; body: string } | null> {
    try {
      const r = await fetch(`http://${this.dnsName(ordinal)}:${this.httpPort()}/readyz`, {
        signal: AbortSignal.timeout(3000),
      });
      return { status: r.status, body: await r.text() };
    } catch {
      return null;
    }
  }

  async metrics(ordinal: number): Promise<string | null> {
    try {
      const r = await fetch(`http://${this.dnsName(ordinal)}:${this.httpPort()}/metrics`, {
        signal: AbortSignal.timeout(5000),
      });
      return r.status === 200 ? await r.text() : null;
    } catch {
      return null;
    }
  }

  httpPort(): number {
    const port = (this.container.ports as Array<{ name: string; containerPort: number }>).find(
      (p) => p.name === 'http',
    );
    if (port === undefined) throw new Error('no http port');
    return port.containerPort;
  }

  kafkaPort(): number {
    const port = (this.container.ports as Array<{ name: string; containerPort: number }>).find(
      (p) => p.name === 'internal',
    );
    if (port === undefined) throw new Error('no internal port');
    return port.containerPort;
  }

  bootstrap(ordinals: readonly number[]): string {
    return ordinals.map((i) => `${this.dnsName(i)}:${this.kafkaPort()}`).join(',');
  }

  async close(): Promise<void> {
    for (const p of this.pods.values()) {
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
      await p.exited;
    }
    await this.proxy?.close();
    await editHosts([]);
  }
}
