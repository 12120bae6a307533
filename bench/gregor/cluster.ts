// Gregor as three brokers sharing one etcd (started by the same code as the tests and
// `gregor dev cluster`), producing with kcat to a one-partition topic with replication
// factor 3: acks=all for 1 KiB and 100 B messages, and acks=1 for 1 KiB beside them.
// The cluster stays up for the whole section (each run gets a new topic); the server CPU
// is the three brokers' together. Latency at the common rate (at most half the measured peak) is taken here too.

import { join } from 'node:path';
import { startEtcdCluster } from '../../src/cli/etcd-process.ts';
import { onCleanup } from '../lib/cleanup.ts';
import { type RunFigures, toThroughput } from '../lib/figures.ts';
import type { MessageSize } from '../lib/options.ts';
import type { LatencyResult, ThroughputResult } from '../lib/results.ts';
import { createTopic, deleteTopic, waitForEndOffset, waitForPartition } from './admin.ts';
import { type GregorBroker, startGregor } from './broker.ts';
import { kcatProduce, messageFile } from './clients.ts';
import { BENCH_BROKER_OVERRIDES, KCAT, measured, syncDisks } from './single.ts';

export const CLUSTER_SYSTEM = 'gregor-3x-rf3';
const BROKERS = 3;
/** Any 22-character base64url id; the cluster is new every run. */
const CLUSTER_ID = 'QmVuY2hDbHVzdGVyMDAwMQ';

export interface ClusterOptions {
  readonly workDir: string;
  readonly repeats: number;
  readonly clusterMessages: Readonly<Record<MessageSize, number>>;
  readonly latencySeconds: number;
  /** The common latency rate (msgs/s); lowered to half the acks=all peak if that is less. */
  readonly latencyRate: number;
  readonly log: (line: string) => void;
  /** Receives the throughput figures before the latency run (a deadline then keeps them). */
  readonly onThroughput: (results: readonly ThroughputResult[]) => void;
  /** The latency method (bench/latency), at the common rate (or half the 1 KiB acks=all peak). */
  readonly measureLatency: (
    bootstrap: string,
    topic: string,
    ratePerSecond: number,
  ) => Promise<LatencyResult>;
}

interface ClusterCase {
  readonly bytes: MessageSize;
  readonly acks: '1' | 'all';
}

const CASES: readonly ClusterCase[] = [
  { bytes: 1024, acks: 'all' },
  { bytes: 100, acks: 'all' },
  { bytes: 1024, acks: '1' },
];

interface Cluster {
  readonly brokers: readonly GregorBroker[];
  stop(): Promise<void>;
}

async function startCluster(workDir: string, log: (line: string) => void): Promise<Cluster> {
  log('cluster: starting etcd and three brokers');
  const etcd = await startEtcdCluster({ members: 1, namePrefix: 'gregor-bench' });
  const stopEtcd = onCleanup('etcd', () => etcd.stop());
  const metadataStore = etcd.metadataStore;
  const brokers = await Promise.all(
    Array.from({ length: BROKERS }, (_, nodeId) =>
      startGregor({
        dataDir: join(workDir, `gregor-cluster-${nodeId}`),
        fresh: true,
        nodeId,
        overrides: {
          ...BENCH_BROKER_OVERRIDES,
          'metadata.store': metadataStore,
          'cluster.id': CLUSTER_ID,
        },
      }),
    ),
  );
  return {
    brokers,
    async stop() {
      for (const b of brokers) await b.stop();
      await stopEtcd();
    },
  };
}

/** Runs an admin request through whichever broker accepts it (the controller may differ). */
async function throughAnyBroker(
  brokers: readonly GregorBroker[],
  request: (broker: GregorBroker) => Promise<void>,
): Promise<void> {
  let lastError: unknown;
  for (const broker of brokers) {
    try {
      await request(broker);
      return;
    } catch (err) {
      lastError = err;
    }
  }
  throw lastError;
}

async function createReplicatedTopic(
  brokers: readonly GregorBroker[],
  topic: string,
): Promise<void> {
  await throughAnyBroker(brokers, (b) => createTopic(b.bootstrap, topic, BROKERS));
  await waitForPartition(
    brokers.map((b) => b.bootstrap),
    topic,
    BROKERS,
  );
}

async function runCase(
  c: ClusterCase,
  brokers: readonly GregorBroker[],
  topic: string,
  options: ClusterOptions,
): Promise<RunFigures> {
  const count = options.clusterMessages[c.bytes];
  const file = await messageFile(options.workDir, count, c.bytes);
  await createReplicatedTopic(brokers, topic);
  await syncDisks();
  const bootstrap = brokers.map((b) => b.bootstrap).join(',');
  const figures = await measured(
    brokers.map((b) => b.pid()),
    async () => {
      const r = await kcatProduce(bootstrap, topic, file, c.acks, 300_000);
      return { messages: count, seconds: r.wallSeconds, clientCpuSeconds: r.cpuSeconds };
    },
  );
  const leader = await waitForPartition(
    brokers.map((b) => b.bootstrap),
    topic,
    BROKERS,
  );
  await waitForEndOffset(brokers[leader]?.bootstrap ?? bootstrap, topic, count);
  // Its data is not needed again: the next runs should not share the disk with it.
  await throughAnyBroker(brokers, (b) => deleteTopic(b.bootstrap, topic));
  return figures;
}

/** Throughput goes to options.onThroughput; resolves with the latency results. */
export async function measureCluster(options: ClusterOptions): Promise<LatencyResult[]> {
  const cluster = await startCluster(options.workDir, options.log);
  const brokers = cluster.brokers;
  try {
    const runs = new Map<ClusterCase, RunFigures[]>(CASES.map((c) => [c, []]));
    for (let repeat = 1; repeat <= options.repeats; repeat++) {
      for (const c of CASES) {
        options.log(
          `cluster: kcat ${c.bytes} B acks=${c.acks} RF=3 (run ${repeat} of ${options.repeats})`,
        );
        const topic = `bench-${c.bytes}-${c.acks}-${repeat}`;
        runs.get(c)?.push(await runCase(c, brokers, topic, options));
      }
    }
    const throughput = [...runs].map(([c, caseRuns]) =>
      toThroughput(
        {
          kind: 'produce',
          system: CLUSTER_SYSTEM,
          client: KCAT,
          messageBytes: c.bytes,
          acks: c.acks,
          notes: 'replication factor 3, 1 partition; server CPU of the 3 brokers',
        },
        caseRuns,
      ),
    );
    const peak = throughput.find((t) => t.messageBytes === 1024 && t.acks === 'all');
    options.onThroughput(throughput);
    const latency: LatencyResult[] = [];
    if (peak !== undefined) {
      const rate = Math.round(Math.min(options.latencyRate, peak.messagesPerSecond / 2));
      options.log(`cluster: latency, 1 KiB acks=all at ${rate} msgs/s`);
      await createReplicatedTopic(brokers, 'bench-latency');
      // The client finds the other brokers (and the leader) from this one's metadata.
      const bootstrap = brokers[0]?.bootstrap ?? '';
      latency.push(await options.measureLatency(bootstrap, 'bench-latency', rate));
    }
    return latency;
  } finally {
    await cluster.stop();
  }
}
