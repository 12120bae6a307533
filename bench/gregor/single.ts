// Gregor on one broker: producer throughput for 100 B and 1 KiB messages with acks=1 and
// acks=all, from kcat (librdkafka) and from the Node client, and consumer throughput
// from the start of the topic just written. Every run gets a fresh broker on an empty
// data directory; runs of different cases alternate so a change in the machine's load
// touches them all alike. The broker's CPU comes from /proc around each client run.

import { join } from 'node:path';
import { runChecked } from '../lib/command.ts';
import { type RunFigures, toThroughput } from '../lib/figures.ts';
import type { MessageSize } from '../lib/options.ts';
import { peakRssMegabytes } from '../lib/proc-stats.ts';
import { cpuSecondsOf } from '../lib/processes.ts';
import type { ThroughputResult } from '../lib/results.ts';
import { createTopic, waitForEndOffset } from './admin.ts';
import { type GregorBroker, startGregor } from './broker.ts';
import { kcatConsume, kcatProduce, messageFile, nodeClient } from './clients.ts';

export const KCAT = 'kcat';
export const NODE_CLIENT = '@platformatic/kafka';
export type KafkaClientName = typeof KCAT | typeof NODE_CLIENT;

/** Overrides of every benchmark broker: a consumer group forms at once (no 3 s delay). */
export const BENCH_BROKER_OVERRIDES = { 'group.initial.rebalance.delay.ms': '0' } as const;

export interface SingleBrokerOptions {
  readonly workDir: string;
  readonly repeats: number;
  readonly nodeRepeats: number;
  readonly kcatMessages: Readonly<Record<MessageSize, number>>;
  readonly nodeMessages: Readonly<Record<MessageSize, number>>;
  readonly log: (line: string) => void;
}

export interface SingleBrokerResults {
  readonly throughput: ThroughputResult[];
  /** The broker's highest VmHWM right after a produce run, MB. */
  readonly loadRssMegabytes: number | null;
}

interface Case {
  readonly client: KafkaClientName;
  readonly bytes: MessageSize;
  readonly acks: '1' | 'all';
  /** Consume the topic back from its start after the produce. */
  readonly consume: boolean;
}

const CASES: readonly Case[] = [
  { client: KCAT, bytes: 1024, acks: '1', consume: true },
  { client: KCAT, bytes: 1024, acks: 'all', consume: false },
  { client: KCAT, bytes: 100, acks: '1', consume: true },
  { client: KCAT, bytes: 100, acks: 'all', consume: false },
  { client: NODE_CLIENT, bytes: 1024, acks: '1', consume: true },
  { client: NODE_CLIENT, bytes: 1024, acks: 'all', consume: false },
  { client: NODE_CLIENT, bytes: 100, acks: '1', consume: false },
  { client: NODE_CLIENT, bytes: 100, acks: 'all', consume: false },
];

interface CaseRun {
  readonly produce: RunFigures;
  readonly consume: RunFigures | null;
  readonly peakRssMegabytes: number | null;
}

/** Flushes dirty pages so one run's writeback does not slow the next measurement. */
export async function syncDisks(): Promise<void> {
  await runChecked('sync', [], { timeoutMs: 120_000 });
}

/** Runs `client` against the broker and returns its figures with the broker's CPU. */
export async function measured(
  brokerPids: readonly number[],
  client: () => Promise<{ messages: number; seconds: number; clientCpuSeconds: number | null }>,
): Promise<RunFigures> {
  const cpu = () => brokerPids.reduce((sum, pid) => sum + cpuSecondsOf(pid), 0);
  const before = cpu();
  const r = await client();
  return { ...r, serverCpuSeconds: cpu() - before };
}

function producer(c: Case, broker: GregorBroker, topic: string, count: number, file: string) {
  return async () => {
    if (c.client === KCAT) {
      const r = await kcatProduce(broker.bootstrap, topic, file, c.acks, 300_000);
      return { messages: count, seconds: r.wallSeconds, clientCpuSeconds: r.cpuSeconds };
    }
    const args = {
      bootstrap: broker.bootstrap,
      topic,
      messages: count,
      bytes: c.bytes,
      acks: c.acks,
    };
    return nodeClient('produce', args, 300_000);
  };
}

function consumer(c: Case, broker: GregorBroker, topic: string, count: number) {
  return async () => {
    if (c.client === KCAT) {
      const r = await kcatConsume(broker.bootstrap, topic, count, 300_000);
      if (r.lines !== count) throw new Error(`kcat consumed ${r.lines} of ${count} messages`);
      return { messages: count, seconds: r.wallSeconds, clientCpuSeconds: r.cpuSeconds };
    }
    return nodeClient('consume', { bootstrap: broker.bootstrap, topic, messages: count }, 300_000);
  };
}

async function runCase(c: Case, options: SingleBrokerOptions): Promise<CaseRun> {
  const count = (c.client === KCAT ? options.kcatMessages : options.nodeMessages)[c.bytes];
  const file = c.client === KCAT ? await messageFile(options.workDir, count, c.bytes) : '';
  const dataDir = join(options.workDir, 'gregor-single');
  const broker = await startGregor({ dataDir, fresh: true, overrides: BENCH_BROKER_OVERRIDES });
  try {
    const topic = 'bench';
    await createTopic(broker.bootstrap, topic);
    await syncDisks();
    const produce = await measured([broker.pid()], producer(c, broker, topic, count, file));
    await waitForEndOffset(broker.bootstrap, topic, count);
    const peak = peakRssMegabytes(broker.pid());
    let consume: RunFigures | null = null;
    if (c.consume) {
      // The log's writeback done: the consume reads the page cache with the disk idle.
      await syncDisks();
      consume = await measured([broker.pid()], consumer(c, broker, topic, count));
    }
    return { produce, consume, peakRssMegabytes: peak };
  } catch (err) {
    const how = broker.crashed();
    const output = how === null ? '' : `\nthe broker ${how}:\n${broker.recentOutput()}`;
    throw new Error(`${describeCase(c)}: ${(err as Error).message}${output}`);
  } finally {
    await broker.stop();
  }
}

function describeCase(c: Case): string {
  return `${c.client} ${c.bytes} B acks=${c.acks}`;
}

export async function measureSingleBroker(
  options: SingleBrokerOptions,
): Promise<SingleBrokerResults> {
  const runs = new Map<Case, CaseRun[]>(CASES.map((c) => [c, []]));
  for (let repeat = 1; repeat <= options.repeats; repeat++) {
    for (const c of CASES) {
      if (c.client === NODE_CLIENT && repeat > options.nodeRepeats) continue;
      const of = c.client === NODE_CLIENT ? options.nodeRepeats : options.repeats;
      options.log(`gregor: ${describeCase(c)} (run ${repeat} of ${of})`);
      runs.get(c)?.push(await runCase(c, options));
    }
  }
  const throughput: ThroughputResult[] = [];
  let loadRss: number | null = null;
  for (const [c, caseRuns] of runs) {
    const label = { system: 'gregor', client: c.client, messageBytes: c.bytes, acks: c.acks };
    throughput.push(
      toThroughput(
        { ...label, kind: 'produce' },
        caseRuns.map((r) => r.produce),
      ),
    );
    const consumes = caseRuns.flatMap((r) => (r.consume === null ? [] : [r.consume]));
    if (consumes.length > 0) {
      const notes = 'from the start of the topic, log in the page cache';
      throughput.push(toThroughput({ ...label, kind: 'consume', acks: '-', notes }, consumes));
    }
    for (const r of caseRuns) {
      if (r.peakRssMegabytes !== null) loadRss = Math.max(loadRss ?? 0, r.peakRssMegabytes);
    }
  }
  return { throughput, loadRssMegabytes: loadRss };
}
