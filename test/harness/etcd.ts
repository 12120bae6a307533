// Real etcd for tests (Debian's etcd-server, /usr/bin/etcd) on free loopback ports: a single
// member (startEtcd) or a cluster of several (startEtcdCluster), with the faults tests need
// per member: kill -9, pause and resume (SIGSTOP/SIGCONT), restart on the same ports and data.
// The process handling lives in src/cli/etcd-process.ts, shared with `gregor dev cluster`.

import {
  type EtcdCluster,
  type EtcdMember,
  etcdBinary,
  startEtcdCluster as startCluster,
} from '../../src/cli/etcd-process.ts';

export type { EtcdCluster, EtcdMember } from '../../src/cli/etcd-process.ts';

/** Debian's etcd-server; GREGOR_ETCD_BINARY may name another build. */
export const etcdBinaryPath = etcdBinary();

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

export async function startEtcd(options: StartEtcdOptions = {}): Promise<EtcdProcess> {
  const cluster = await startCluster({ ...options, members: 1, namePrefix: 'gregor-test' });
  const member = cluster.members[0];
  if (member === undefined) throw new Error('etcd cluster without members');
  return {
    endpoint: member.endpoint,
    dataDir: member.dataDir,
    pid: () => member.pid(),
    stop: () => cluster.stop(),
    kill9: () => member.kill9(),
    pause: () => member.pause(),
    resume: () => member.resume(),
    restart: () => member.restart(),
  };
}

export interface StartEtcdClusterOptions extends StartEtcdOptions {
  readonly members: number;
}

/**
 * A cluster of `members` etcd members. Timings default to a 50 ms heartbeat and a 500 ms
 * election timeout, so a test sees a new leader within about a second of losing one.
 */
export function startEtcdCluster(options: StartEtcdClusterOptions): Promise<EtcdCluster> {
  return startCluster({
    heartbeatIntervalMs: 50,
    electionTimeoutMs: 500,
    namePrefix: 'gregor-test',
    ...options,
  });
}

/** Members with the given state, for tests that kill one and then address the rest. */
export function runningMembers(cluster: EtcdCluster): EtcdMember[] {
  return cluster.members.filter((member) => member.isRunning());
}
