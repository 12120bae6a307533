// Redis Streams as a yardstick beside Gregor: a fresh redis-server on a free loopback
// port with the append-only file on (appendfsync everysec, Redis's default: written at
// once, fsynced once a second, like Kafka's acks=1 without flush.messages), produce with
// redis-benchmark XADD (several clients, pipelined), consume with XRANGE in big COUNT
// batches from the start, and latency by the benchmark's one method. The Node side speaks
// RESP itself (resp.ts), which is why, in its file header.
//
//   node --import tsx bench/peers/redis-streams.ts --messages 200000 --bytes 1024
//   node --import tsx bench/peers/redis-streams.ts --messages 500000 --bytes 100,1024 --seconds 10

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { FixedRateMeter, serverCpuNote, toLatencyResult } from '../latency/fixed-rate.ts';
import { onCleanup } from '../lib/cleanup.ts';
import {
  commandPath,
  ensureCommands,
  freePort,
  LOOPBACK,
  REDIS_COMMANDS,
  runCommand,
  type ServerProcess,
  startServer,
} from '../lib/processes.ts';
import type { LatencyResult, ThroughputResult } from '../lib/results.ts';
import {
  measurePeerAll,
  type PeerAllOptions,
  type PeerResults,
  runPeerStandalone,
} from './peer-suite.ts';
import { RespClient, RespError, type RespValue } from './resp.ts';
import { throughputResult, timed } from './throughput.ts';

export const REDIS_SYSTEM = 'redis-streams';
export const REDIS_ACKS = 'aof-everysec';
const STREAM = 'bench';
/** redis-benchmark's connections and requests in flight on each; measured best here. */
const PRODUCE_CLIENTS = 8;
const PRODUCE_PIPELINE = 64;
/**
 * Most entries per XREAD of the latency run. A reply holds what is there, so this only
 * bounds how fast a reader that fell behind (a stall of this process) catches up.
 */
const LATENCY_READ_COUNT = 5_000;
/** Entries per XRANGE reply when consuming (~1 MiB of 100 B values, ~5 MiB of 1 KiB ones). */
const CONSUME_COUNT = 5_000;

export interface RedisServer {
  readonly port: number;
  readonly process: ServerProcess;
  stop(): Promise<void>;
}

/** A fresh redis-server in a temp dir, AOF on (everysec), RDB snapshots off, 127.0.0.1 only. */
export async function startRedis(): Promise<RedisServer> {
  ensureCommands(REDIS_COMMANDS);
  const dir = mkdtempSync(join(tmpdir(), 'bench-redis-'));
  const port = await freePort();
  // RDB snapshots off: the AOF is the persistence measured, and Redis's default `save`
  // rules would fork a snapshot in the middle of a run.
  const removeDir = onCleanup(`temp dir ${dir}`, () =>
    rmSync(dir, { recursive: true, force: true }),
  );
  const redis = await startServer({
    name: 'redis-server',
    command: commandPath('redis-server'),
    args: [
      '--port',
      String(port),
      '--bind',
      LOOPBACK,
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--appendfsync',
      'everysec',
      '--save',
      '',
      '--protected-mode',
      'no',
      '--daemonize',
      'no',
      '--logfile',
      '',
    ],
    port,
    logFile: join(dir, 'redis.log'),
  }).catch(async (err: unknown) => {
    await removeDir();
    throw err;
  });
  // Registered after the dir, so a cleanup of everything stops the server first.
  const stop = onCleanup(`redis-server on port ${port}`, async () => {
    await redis.stop();
    await removeDir();
  });
  return { port, process: redis, stop };
}

/** XLEN of the benchmark's stream. */
async function streamLength(client: RespClient): Promise<number> {
  return Number(await client.command('XLEN', STREAM));
}

/** Runs `work` on the given server, or on a fresh one stopped afterwards. */
async function onServer<T>(
  server: RedisServer | undefined,
  work: (s: RedisServer) => Promise<T>,
): Promise<T> {
  if (server !== undefined) return work(server);
  const fresh = await startRedis();
  try {
    return await work(fresh);
  } finally {
    await fresh.stop();
  }
}

export interface RedisProduceOptions {
  readonly messageBytes: number;
  readonly messages: number;
  /** A running server; a fresh one otherwise. The stream is deleted first. */
  readonly server?: RedisServer;
}

/**
 * redis-benchmark XADD of `messages` values of `messageBytes`. XLEN afterwards is the count
 * reported: redis-benchmark may send up to one pipeline per client more than -n asks.
 */
export function measureRedisProduce(opts: RedisProduceOptions): Promise<ThroughputResult> {
  return onServer(opts.server, async (server) => {
    const client = await RespClient.connect(server.port, LOOPBACK);
    try {
      await client.command('DEL', STREAM);
      const run = await timed(server.process.cpuSeconds, () =>
        xaddWithBenchmark(server.port, opts),
      );
      const stored = await streamLength(client);
      if (stored < opts.messages || stored > opts.messages + PRODUCE_CLIENTS * PRODUCE_PIPELINE) {
        throw new Error(`redis stored ${stored} entries for ${opts.messages} XADDs`);
      }
      return throughputResult({
        kind: 'produce',
        system: REDIS_SYSTEM,
        client: 'redis-benchmark',
        messageBytes: opts.messageBytes,
        acks: REDIS_ACKS,
        messages: stored,
        run,
        clientInProcess: false,
        notes: `XADD, -c ${PRODUCE_CLIENTS} -P ${PRODUCE_PIPELINE}, AOF everysec, no RDB`,
      });
    } finally {
      client.close();
    }
  });
}

async function xaddWithBenchmark(port: number, opts: RedisProduceOptions): Promise<void> {
  const value = 'x'.repeat(opts.messageBytes);
  const result = await runCommand(
    commandPath('redis-benchmark'),
    [
      '-h',
      LOOPBACK,
      '-p',
      String(port),
      '-n',
      String(opts.messages),
      '-c',
      String(PRODUCE_CLIENTS),
      '-P',
      String(PRODUCE_PIPELINE),
      '-q',
      'XADD',
      STREAM,
      '*',
      'v',
      value,
    ],
    { timeoutMs: 120_000 },
  );
  if (result.code !== 0) throw new Error(`redis-benchmark exited ${result.code}: ${result.stderr}`);
}

export interface RedisConsumeOptions {
  readonly messageBytes: number;
  readonly messages: number;
  /** A server whose stream holds at least `messages` entries (from measureRedisProduce). */
  readonly server?: RedisServer;
}

/** Reads `messages` entries from the start with XRANGE COUNT; fills the stream first when short. */
export function measureRedisConsume(opts: RedisConsumeOptions): Promise<ThroughputResult> {
  return onServer(opts.server, async (server) => {
    const client = await RespClient.connect(server.port, LOOPBACK);
    try {
      if ((await streamLength(client)) < opts.messages) {
        await client.command('DEL', STREAM);
        await xaddWithBenchmark(server.port, opts);
      }
      let read = 0;
      const run = await timed(server.process.cpuSeconds, async () => {
        read = await readStream(client, opts.messages, opts.messageBytes);
      });
      if (read !== opts.messages) throw new Error(`read ${read} of ${opts.messages} entries`);
      return throughputResult({
        kind: 'consume',
        system: REDIS_SYSTEM,
        client: 'node RESP (bench/peers/resp.ts)',
        messageBytes: opts.messageBytes,
        acks: REDIS_ACKS,
        messages: opts.messages,
        run,
        clientInProcess: true,
        notes: `XRANGE COUNT ${CONSUME_COUNT} from the start, one request in flight`,
      });
    } finally {
      client.close();
    }
  });
}

/** XRANGE from the first entry, each call after the last id seen, until `messages` are read. */
async function readStream(
  client: RespClient,
  messages: number,
  messageBytes: number,
): Promise<number> {
  let start = '-';
  let read = 0;
  while (read < messages) {
    const count = Math.min(CONSUME_COUNT, messages - read);
    const entries = asArray(
      await client.command('XRANGE', STREAM, start, '+', 'COUNT', String(count)),
    );
    const last = asArray(entries[entries.length - 1] ?? null);
    const lastId = last[0];
    if (!Buffer.isBuffer(lastId)) break;
    if (read === 0 && entryValue(entries[0] ?? null)?.length !== messageBytes) {
      throw new Error('unexpected value size');
    }
    read += entries.length;
    start = `(${lastId.toString()}`;
  }
  return read;
}

function asArray(value: RespValue): RespValue[] {
  return Array.isArray(value) ? value : [];
}

/** The value of a stream entry [id, [field, value]]. */
function entryValue(entry: RespValue): Buffer | undefined {
  const value = asArray(asArray(entry)[1] ?? null)[1];
  return Buffer.isBuffer(value) ? value : undefined;
}

export interface RedisLatencyOptions {
  readonly messageBytes: number;
  readonly ratePerSecond: number;
  readonly seconds: number;
  readonly warmupSeconds?: number;
  readonly server?: RedisServer;
}

/** One connection XADDs each tick's messages as one pipeline; another blocks in XREAD. */
export function measureRedisLatency(opts: RedisLatencyOptions): Promise<LatencyResult> {
  return onServer(opts.server, async (server) => {
    const stream = `latency-${Date.now()}`;
    const producer = await RespClient.connect(server.port, LOOPBACK);
    const consumer = await RespClient.connect(server.port, LOOPBACK);
    const meter = new FixedRateMeter(opts);
    const reading = readForever(consumer, stream, meter.receive);
    try {
      const cpu0 = server.process.cpuSeconds();
      const t0 = performance.now();
      const figures = await meter.run(async (values) => {
        const replies = await producer.pipeline(
          values.map((value) => ['XADD', stream, '*', 'v', value]),
        );
        for (const reply of replies) if (reply instanceof RespError) throw reply;
      });
      const serverCpu = serverCpuNote(server.process.cpuSeconds() - cpu0, performance.now() - t0);
      return toLatencyResult(figures, {
        system: REDIS_SYSTEM,
        client: 'node RESP (bench/peers/resp.ts)',
        messageBytes: opts.messageBytes,
        acks: REDIS_ACKS,
        ratePerSecond: opts.ratePerSecond,
        notes:
          `one XADD pipeline (one write) per ~1 ms tick; consumer XREAD BLOCK COUNT ${LATENCY_READ_COUNT} ` +
          `after the last id; ${serverCpu}`,
      });
    } finally {
      reading.stop();
      producer.close();
      consumer.close();
      await reading.done;
    }
  });
}

/** XREAD BLOCK in a loop from the stream's end, handing each value to `receive`. */
function readForever(
  client: RespClient,
  stream: string,
  receive: (value: Uint8Array) => void,
): { stop: () => void; done: Promise<void> } {
  let stopped = false;
  const done = (async () => {
    let lastId = '$';
    while (!stopped) {
      const reply = await client.command(
        'XREAD',
        'COUNT',
        String(LATENCY_READ_COUNT),
        'BLOCK',
        '500',
        'STREAMS',
        stream,
        lastId,
      );
      for (const streamReply of asArray(reply)) {
        for (const entry of asArray(asArray(streamReply)[1] ?? null)) {
          const id = asArray(entry)[0];
          const value = entryValue(entry);
          if (value !== undefined) receive(value);
          if (Buffer.isBuffer(id)) lastId = id.toString();
        }
      }
    }
  })();
  return {
    stop: () => {
      stopped = true;
    },
    done: done.catch((err: unknown) => {
      if (!stopped) throw err;
    }),
  };
}

export type RedisAllOptions = PeerAllOptions;

/** For each size: produce, consume on one fresh server; latency on another (peer-suite.ts). */
export function measureRedisAll(opts: RedisAllOptions): Promise<PeerResults> {
  return measurePeerAll(
    {
      start: startRedis,
      produce: measureRedisProduce,
      consume: measureRedisConsume,
      latency: measureRedisLatency,
    },
    opts,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) runPeerStandalone(measureRedisAll);
