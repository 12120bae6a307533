// End-to-end latency of a Kafka-compatible broker (Gregor) by the benchmark's one method
// (fixed-rate.ts), with @platformatic/kafka: one producer sends each ~1 ms tick's messages
// as one ProduceRequest (its send() does not linger, so the tick is the linger), and the
// client's Fetch, from the partition's end, long-polls with minBytes 1, back to back.
//
//   node --import tsx bench/latency/kafka.ts --bytes 1024 --rate 20000 --seconds 10 --acks 1
//   node --import tsx bench/latency/kafka.ts --bootstrap 127.0.0.1:9092 --topic t ...
//
// Without --bootstrap it starts its own Gregor broker on a free port and a temp data dir.

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Admin, Consumer, Producer } from '@platformatic/kafka';
import { onCleanup } from '../lib/cleanup.ts';
import {
  freePort,
  LOOPBACK,
  numberFlag,
  parseFlags,
  runStandalone,
  startServer,
} from '../lib/processes.ts';
import type { LatencyResult, SystemName } from '../lib/results.ts';
import { FixedRateMeter, serverCpuNote, toLatencyResult } from './fixed-rate.ts';

export interface KafkaLatencyOptions {
  readonly bootstrap: string;
  /** Created with one partition when it does not exist; the consumer starts at its end. */
  readonly topic: string;
  readonly messageBytes: number;
  readonly ratePerSecond: number;
  readonly seconds: number;
  readonly acks: 1 | 'all';
  readonly warmupSeconds?: number;
  /** 'gregor' unless told (e.g. 'gregor-3x-rf3'). */
  readonly system?: SystemName;
  /** The broker's CPU seconds so far (ServerProcess.cpuSeconds), for a note on its CPU use. */
  readonly serverCpuSeconds?: () => number;
}

/** Fetch long-poll: the broker answers as soon as 1 byte is there, or after 500 ms (Kafka's default). */
const FETCH_MAX_WAIT_MS = 500;
const FETCH_PARTITION_MAX_BYTES = 8 * 1024 * 1024;

/**
 * A tick's messages go in requests of at most this many payload bytes: after a stall of
 * the sender one tick may hold many, and a batch must stay under the broker's 1 MiB
 * message.max.bytes.
 */
const REQUEST_BYTES_MAX = 256 * 1024;

export async function measureKafkaLatency(opts: KafkaLatencyOptions): Promise<LatencyResult> {
  const clientId = `bench-latency-${randomBytes(4).toString('hex')}`;
  const bootstrapBrokers = [opts.bootstrap];
  await ensureTopic(opts.bootstrap, opts.topic, clientId);
  const producer = new Producer({
    clientId: `${clientId}-p`,
    bootstrapBrokers,
    acks: opts.acks === 'all' ? -1 : 1,
    retries: 0,
  });
  // Used for its Fetch only (no group is joined): see readPartition.
  const consumer = new Consumer({
    clientId: `${clientId}-c`,
    groupId: `${clientId}-unused`,
    bootstrapBrokers,
  });
  const meter = new FixedRateMeter({
    messageBytes: opts.messageBytes,
    ratePerSecond: opts.ratePerSecond,
    seconds: opts.seconds,
    ...(opts.warmupSeconds === undefined ? {} : { warmupSeconds: opts.warmupSeconds }),
  });
  const reader = await readPartition(consumer, opts.topic, meter.receive);
  try {
    const perRequest = Math.max(1, Math.floor(REQUEST_BYTES_MAX / opts.messageBytes));
    const cpu0 = opts.serverCpuSeconds?.() ?? 0;
    const t0 = performance.now();
    const figures = await meter.run(async (values) => {
      if (reader.failure.error !== undefined) throw reader.failure.error;
      const sends: Promise<unknown>[] = [];
      for (let i = 0; i < values.length; i += perRequest) {
        const messages = values
          .slice(i, i + perRequest)
          .map((value) => ({ topic: opts.topic, value }));
        sends.push(producer.send({ messages }));
      }
      await Promise.all(sends);
    });
    const serverCpu =
      opts.serverCpuSeconds === undefined
        ? ''
        : `; ${serverCpuNote(opts.serverCpuSeconds() - cpu0, performance.now() - t0)}`;
    return toLatencyResult(figures, {
      system: opts.system ?? 'gregor',
      client: '@platformatic/kafka',
      messageBytes: opts.messageBytes,
      acks: String(opts.acks),
      ratePerSecond: opts.ratePerSecond,
      notes:
        'one ProduceRequest (<= 256 KiB) per ~1 ms tick, no linger beyond the tick; ' +
        `partition 0 read with Fetch from its end, minBytes=1 maxWaitTime=${FETCH_MAX_WAIT_MS} ms, ` +
        `one Fetch in flight (${reader.counts.fetches} Fetches, ` +
        `${Math.round(reader.counts.records / Math.max(1, reader.counts.fetches))} records each)${serverCpu}`,
    });
  } finally {
    reader.stop();
    await reader.done;
    await consumer.close().catch(() => undefined);
    await producer.close().catch(() => undefined);
  }
}

interface PartitionReader {
  readonly failure: { error?: unknown };
  /** Fetches answered and records they held, for the notes. */
  readonly counts: { fetches: number; records: number };
  stop(): void;
  readonly done: Promise<void>;
}

/**
 * Reads partition 0 of `topic` from its current end with back-to-back long-poll Fetches to
 * its leader, handing each record's value to `receive`. A manually assigned reader, as a
 * latency-minded Kafka consumer would be: no group to join, and none of the consumer
 * stream's per-message work (objects, bigint offsets, commit closures), which cost this
 * process more CPU per message than the producer and the broker together.
 */
async function readPartition(
  consumer: Consumer<Buffer, Buffer, Buffer, Buffer>,
  topic: string,
  receive: (value: Uint8Array) => void,
): Promise<PartitionReader> {
  const metadata = await consumer.metadata({ topics: [topic] });
  const info = metadata.topics.get(topic);
  const leader = info?.partitions[0]?.leader;
  if (info === undefined || leader === undefined) throw new Error(`no leader for ${topic}-0`);
  const ends = await consumer.listOffsets({ topics: [topic] });
  let fetchOffset = ends.get(topic)?.[0] ?? 0n;
  const failure: { error?: unknown } = {};
  const counts = { fetches: 0, records: 0 };
  let stopped = false;
  const done = (async () => {
    while (!stopped) {
      const response = await consumer.fetch({
        node: leader,
        minBytes: 1,
        maxWaitTime: FETCH_MAX_WAIT_MS,
        maxBytes: FETCH_PARTITION_MAX_BYTES,
        topics: [
          {
            topicId: info.id,
            partitions: [
              {
                partition: 0,
                currentLeaderEpoch: -1,
                fetchOffset,
                lastFetchedEpoch: -1,
                partitionMaxBytes: FETCH_PARTITION_MAX_BYTES,
              },
            ],
          },
        ],
      });
      const partition = response.responses[0]?.partitions[0];
      if (partition !== undefined && partition.errorCode !== 0) {
        throw new Error(`Fetch ${topic}-0: error code ${partition.errorCode}`);
      }
      counts.fetches++;
      for (const batch of partition?.records ?? []) {
        counts.records += batch.records.length;
        for (const record of batch.records) {
          if (batch.firstOffset + BigInt(record.offsetDelta) < fetchOffset) continue;
          if (record.value !== null) receive(record.value);
        }
        fetchOffset = batch.firstOffset + BigInt(batch.lastOffsetDelta) + 1n;
      }
    }
  })().catch((error: unknown) => {
    if (!stopped) failure.error = error;
  });
  return {
    failure,
    counts,
    stop: () => {
      stopped = true;
    },
    done,
  };
}

/** Creates the topic with one partition unless it exists; retries while the broker starts. */
async function ensureTopic(bootstrap: string, topic: string, clientId: string): Promise<void> {
  const admin = new Admin({ clientId: `${clientId}-admin`, bootstrapBrokers: [bootstrap] });
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.createTopics({ topics: [topic], partitions: 1, replicas: 1 });
        return;
      } catch (err) {
        if (/already exists/i.test(describeError(err))) return;
        if (attempt >= 20) throw err;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  } finally {
    await admin.close().catch(() => undefined);
  }
}

function describeError(err: unknown): string {
  const text = JSON.stringify(err, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
  return `${String(err)} ${text}`;
}

async function standalone(argv: readonly string[]): Promise<LatencyResult> {
  const flags = parseFlags(argv);
  const common = {
    topic: flags.get('topic') ?? `latency-${randomBytes(3).toString('hex')}`,
    messageBytes: numberFlag(flags, 'bytes', 1024),
    ratePerSecond: numberFlag(flags, 'rate', 20_000),
    seconds: numberFlag(flags, 'seconds', 10),
    warmupSeconds: numberFlag(flags, 'warmup', 2),
    acks: flags.get('acks') === 'all' ? ('all' as const) : (1 as const),
  };
  const bootstrap = flags.get('bootstrap');
  if (bootstrap !== undefined) return measureKafkaLatency({ ...common, bootstrap });
  const workDir = mkdtempSync(join(tmpdir(), 'bench-gregor-'));
  const removeDir = onCleanup(`temp dir ${workDir}`, () =>
    rmSync(workDir, { recursive: true, force: true }),
  );
  const dataDir = join(workDir, 'data');
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GREGOR_')) env[k] = v;
  env['GREGOR_LOG_LEVEL'] = 'warn';
  const broker = await startServer({
    name: 'gregor',
    command: join(import.meta.dirname, '..', '..', 'bin', 'gregor'),
    args: [
      'server',
      '--override',
      `log.dirs=${dataDir}`,
      '--override',
      `listeners=PLAINTEXT://${LOOPBACK}:${port}`,
    ],
    port,
    logFile: join(workDir, 'broker.log'),
    env,
  });
  try {
    return await measureKafkaLatency({
      ...common,
      bootstrap: `${LOOPBACK}:${port}`,
      serverCpuSeconds: broker.cpuSeconds,
    });
  } finally {
    await broker.stop();
    await removeDir();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runStandalone(() => standalone(process.argv.slice(2)), 120_000);
}
