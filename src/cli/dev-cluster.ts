// A local multi-broker cluster for development and tests: one etcd (or several members)
// on free loopback ports and N `gregor server` processes sharing it as metadata store,
// each with its own node id, port and log directory. It owns the start order (etcd, then
// brokers, all awaited), the stop order (brokers, then etcd) and the data directory.

import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrokerChild } from './broker-child.ts';
import { prepareSecureCluster } from './dev-cluster-security.ts';
import { type EtcdCluster, startEtcdCluster } from './etcd-process.ts';
import { freePorts, isPortFree, LOOPBACK_HOST } from './loopback-ports.ts';

export const BASE_PORT_DEFAULT = 9092;
export const START_TIMEOUT_MS_DEFAULT = 60_000;
export const STOP_GRACE_MS_DEFAULT = 15_000;
const CLUSTER_ID_FILE = 'cluster.id';

/** Keys the dev cluster sets per broker; an --override of one would break the cluster. */
export const RESERVED_KEYS = [
  'node.id',
  'broker.id',
  'log.dirs',
  'log.dir',
  'listeners',
  'metadata.store',
  'cluster.id',
] as const;

/** A mistake in the request (taken port, reserved key): the command exits 2. */
export class DevClusterUsageError extends Error {
  override readonly name = 'DevClusterUsageError';
}

export interface DevClusterOptions {
  readonly brokers: number;
  /** Kept across runs; by default a fresh temporary directory that stop() removes. */
  readonly dataDir?: string;
  /** Broker i (from 1) listens on basePort + i - 1; 0 picks any free ports. */
  readonly basePort?: number;
  readonly etcdMembers?: number;
  /** Extra broker properties, given to every broker. */
  readonly overrides?: Readonly<Record<string, string>>;
  readonly startTimeoutMs?: number;
  readonly stopGraceMs?: number;
  readonly env?: NodeJS.ProcessEnv;
  /** A line a child wrote, prefixed with its name. */
  readonly output: (line: string) => void;
  /** The dev cluster's own news: a child that died, progress of a stop. */
  readonly note: (line: string) => void;
  /** SASL_SSL listeners, a generated CA and an admin user (dev-cluster-security.ts). */
  readonly secure?: boolean;
}

export interface DevCluster {
  /** `127.0.0.1:P1,127.0.0.1:P2,...` */
  readonly bootstrapServers: string;
  readonly clusterId: string;
  readonly dataDir: string;
  readonly etcd: EtcdCluster;
  readonly brokers: readonly BrokerChild[];
  /** With --secure: the client properties file tools connect with; else null. */
  readonly clientProperties: string | null;
  /** SIGTERM every broker and wait, then stop etcd; removes a temporary data directory. */
  stop(): Promise<void>;
  /** SIGKILL everything at once, for a second Ctrl-C. */
  kill(): Promise<void>;
}

export async function brokerPorts(basePort: number, count: number): Promise<number[]> {
  if (basePort === 0) return freePorts(count);
  const ports = Array.from({ length: count }, (_, i) => basePort + i);
  const last = ports[ports.length - 1] ?? basePort;
  if (basePort < 1 || last > 65535) {
    throw new DevClusterUsageError(`ports ${basePort}..${last} are outside 1..65535`);
  }
  for (const port of ports) {
    if (!(await isPortFree(port))) {
      throw new DevClusterUsageError(
        `port ${port} on ${LOOPBACK_HOST} is in use: choose another --base-port, ` +
          'or --base-port 0 for any free ports',
      );
    }
  }
  return ports;
}

export function checkOverrides(overrides: Readonly<Record<string, string>>): void {
  const reserved = Object.keys(overrides).filter((key) =>
    (RESERVED_KEYS as readonly string[]).includes(key),
  );
  if (reserved.length > 0) {
    throw new DevClusterUsageError(
      `--override ${reserved.join(', ')}: the dev cluster sets these for each broker`,
    );
  }
}

export interface BrokerPlan {
  readonly nodeId: number;
  readonly port: number;
  readonly overrides: Record<string, string>;
}

/** What each broker is started with; node ids count from 1, like StatefulSet ordinals + 1. */
export function planBrokers(
  ports: readonly number[],
  shared: { dataDir: string; metadataStore: string; clusterId: string },
  extra: Readonly<Record<string, string>>,
  protocol: 'PLAINTEXT' | 'SASL_SSL' = 'PLAINTEXT',
): BrokerPlan[] {
  return ports.map((port, index) => {
    const nodeId = index + 1;
    return {
      nodeId,
      port,
      overrides: {
        ...extra,
        'node.id': String(nodeId),
        'log.dirs': join(shared.dataDir, `broker-${nodeId}`),
        listeners: `${protocol}://${LOOPBACK_HOST}:${port}`,
        'metadata.store': shared.metadataStore,
        'cluster.id': shared.clusterId,
      },
    };
  });
}

export function bootstrapServers(ports: readonly number[]): string {
  return ports.map((port) => `${LOOPBACK_HOST}:${port}`).join(',');
}

/** A Kafka Uuid (16 random bytes, base64url); kept in a kept data directory across runs. */
async function clusterIdFor(dataDir: string, keep: boolean): Promise<string> {
  const path = join(dataDir, CLUSTER_ID_FILE);
  if (keep) {
    const stored = await readFile(path, 'utf8').catch(() => '');
    if (stored.trim() !== '') return stored.trim();
  }
  const clusterId = randomBytes(16).toString('base64url');
  if (keep) await writeFile(path, `${clusterId}\n`);
  return clusterId;
}

function startBrokers(
  plans: readonly BrokerPlan[],
  options: DevClusterOptions,
  isStopping: () => boolean,
): BrokerChild[] {
  return plans.map((plan) => {
    const name = `broker-${plan.nodeId}`;
    return new BrokerChild({
      nodeId: plan.nodeId,
      overrides: plan.overrides,
      env: options.env ?? process.env,
      onLine: (line) => options.output(`[${name}] ${line}`),
      onUnexpectedExit: (how) => {
        if (isStopping()) return;
        options.note(
          `${name} (${LOOPBACK_HOST}:${plan.port}) ${how}; the other processes keep running`,
        );
      },
    });
  });
}

async function waitAllReady(brokers: readonly BrokerChild[], timeoutMs: number): Promise<void> {
  const ready = await Promise.all(brokers.map((broker) => broker.waitReady(timeoutMs)));
  const failed = brokers.filter((_, i) => ready[i] !== true);
  if (failed.length === 0) return;
  const names = failed.map((broker) =>
    broker.isRunning() ? `broker-${broker.nodeId} (not ready)` : `broker-${broker.nodeId} (exited)`,
  );
  throw new Error(
    `${names.join(', ')} did not start within ${timeoutMs} ms; see their output above`,
  );
}

/** Starts etcd and the brokers and resolves once every broker has logged that it started. */
export async function startDevCluster(options: DevClusterOptions): Promise<DevCluster> {
  const count = options.brokers;
  if (!Number.isSafeInteger(count) || count < 1) {
    throw new DevClusterUsageError(`--brokers ${count}: give a whole number of at least 1`);
  }
  const extra = options.overrides ?? {};
  checkOverrides(extra);
  const ports = await brokerPorts(options.basePort ?? BASE_PORT_DEFAULT, count);
  const keep = options.dataDir !== undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'gregor-dev-cluster-')));
  await mkdir(dataDir, { recursive: true });
  let stopping = false;
  let etcd: EtcdCluster | null = null;
  let brokers: BrokerChild[] = [];
  const stopAll = async (graceMs: number): Promise<void> => {
    stopping = true;
    await Promise.all(brokers.map((broker) => broker.stop(graceMs)));
    await etcd?.stop();
    if (!keep) await rm(dataDir, { recursive: true, force: true });
  };
  try {
    const clusterId = await clusterIdFor(dataDir, keep);
    etcd = await startEtcdCluster({
      members: options.etcdMembers ?? 1,
      dataDir: join(dataDir, 'etcd'),
      namePrefix: 'etcd',
      detached: true,
      onOutput: (member, line) => options.output(`[${member.name}] ${line}`),
      onUnexpectedExit: (member, how) => {
        if (!stopping) options.note(`${member.name} ${how}; the brokers keep running`);
      },
    });
    const shared = { dataDir, metadataStore: etcd.metadataStore, clusterId };
    const secure = options.secure === true ? await prepareSecureCluster(dataDir, keep) : null;
    const plans =
      secure === null
        ? planBrokers(ports, shared, extra)
        : planBrokers(ports, shared, { ...secure.overrides, ...extra }, 'SASL_SSL');
    const env = { ...(options.env ?? process.env), ...(secure?.env ?? {}) };
    brokers = startBrokers(plans, { ...options, env }, () => stopping);
    await waitAllReady(brokers, options.startTimeoutMs ?? START_TIMEOUT_MS_DEFAULT);
    const started = etcd;
    return {
      bootstrapServers: bootstrapServers(ports),
      clusterId,
      dataDir,
      etcd: started,
      brokers,
      clientProperties: secure?.clientProperties ?? null,
      stop: () => stopAll(options.stopGraceMs ?? STOP_GRACE_MS_DEFAULT),
      kill: async () => {
        stopping = true;
        await Promise.all([
          ...brokers.map((b) => b.kill()),
          ...started.members.map((m) => m.kill9()),
        ]);
      },
    };
  } catch (error) {
    await stopAll(options.stopGraceMs ?? STOP_GRACE_MS_DEFAULT);
    throw error;
  }
}
