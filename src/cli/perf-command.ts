// `gregor perf producer` and `gregor perf consumer`: kafka-producer-perf-test
// and kafka-consumer-perf-test. The producer sends --num-records records of
// --record-size bytes at --throughput records/s (-1: as fast as it can),
// prints Kafka's 5-second window lines and final summary, then latency
// percentiles from a histogram with sub-millisecond precision. The consumer
// reads --messages records in a fresh group and prints Kafka's CSV summary
// and the end-to-end latency (now minus record timestamp). A live progress
// line goes to stderr when it is a terminal.

import { randomInt } from 'node:crypto';
import type { Command } from 'commander';
import { GroupConsumer } from '../client/group-consumer.ts';
import { Producer } from '../client/producer.ts';
import { sleep } from '../client/retry.ts';
import { LatencyHistogram } from './latency-histogram.ts';
import { producerSettings } from './producer-config.ts';
import { ProgressLine } from './progress-line.ts';
import {
  addBootstrapOption,
  type CommonToolOptions,
  clientFor,
  errorText,
  parseInteger,
  parseKeyValues,
  ReportedFailure,
  runTool,
  UsageError,
} from './tool-support.ts';

const MB = 1024 * 1024;
const WINDOW_MS = 5_000;

interface ProducerPerfOptions extends CommonToolOptions {
  readonly topic?: string;
  readonly numRecords?: string;
  readonly recordSize?: string;
  readonly throughput?: string;
  readonly producerProps: string[];
}

interface ConsumerPerfOptions extends CommonToolOptions {
  readonly topic?: string;
  readonly messages?: string;
  readonly group?: string;
  readonly timeout: string;
  readonly fromLatest?: boolean;
  readonly hideHeader?: boolean;
}

export function addPerfCommand(program: Command): void {
  const perf = program
    .command('perf')
    .description('Measure produce and consume throughput and latency');
  const producer = perf
    .command('producer')
    .description('Producer throughput and latency (kafka-producer-perf-test.sh)')
    .option('--topic <topic>', 'REQUIRED: The topic to produce to.')
    .option('--num-records <n>', 'REQUIRED: The number of records to produce.')
    .option('--record-size <bytes>', 'REQUIRED: The size of each record in bytes.')
    .option('--throughput <n>', 'REQUIRED: Throttle to about n records/sec; -1 for no throttling.')
    .option(
      '--producer-props <props...>',
      'Producer properties such as acks=1 linger.ms=5 compression.type=lz4.',
      [],
    );
  addBootstrapOption(producer);
  producer.action((opts: ProducerPerfOptions) => runTool('Error: ', () => producerPerf(opts)));
  const consumer = perf
    .command('consumer')
    .description('Consumer throughput (kafka-consumer-perf-test.sh)')
    .option('--topic <topic>', 'REQUIRED: The topic to consume from.')
    .option('--messages <n>', 'REQUIRED: The number of messages to consume.')
    .option('--group <group>', 'The consumer group id (default: perf-consumer-<random>).')
    .option('--timeout <ms>', 'Longest time to wait for the next message.', '10000')
    .option('--from-latest', 'Start at the end of the log instead of the beginning.')
    .option('--hide-header', 'Do not print the header line of the summary.');
  addBootstrapOption(consumer);
  consumer.action((opts: ConsumerPerfOptions) => runTool('Error: ', () => consumerPerf(opts)));
}

function required(value: string | undefined, name: string): number {
  if (value === undefined) throw new UsageError(`Missing required argument "[${name}]"`);
  return parseInteger(value, name);
}

/** Counts of the current 5-second window, printed as Kafka prints them. */
class Window {
  count = 0;
  bytes = 0;
  latencySumMs = 0;
  maxMs = 0;
  constructor(public startMs: number) {}

  line(nowMs: number): string {
    const seconds = Math.max(1, nowMs - this.startMs) / 1000;
    return (
      `${this.count} records sent, ${(this.count / seconds).toFixed(1)} records/sec ` +
      `(${(this.bytes / seconds / MB).toFixed(2)} MB/sec), ${(this.latencySumMs / Math.max(1, this.count)).toFixed(1)} ms avg latency, ` +
      `${this.maxMs.toFixed(1)} ms max latency.`
    );
  }
}

function payloadOf(size: number): Buffer {
  const payload = Buffer.alloc(size);
  for (let i = 0; i < size; i++) payload[i] = 65 + randomInt(26);
  return payload;
}

async function producerPerf(opts: ProducerPerfOptions): Promise<void> {
  if (opts.topic === undefined) throw new UsageError('Missing required argument "[topic]"');
  const topic = opts.topic;
  const total = required(opts.numRecords, 'num-records');
  const size = required(opts.recordSize, 'record-size');
  const throughput = required(opts.throughput, 'throughput');
  const settings = producerSettings(parseKeyValues(opts.producerProps, 'producer property'));
  const client = clientFor(
    opts,
    settings.clientId ?? 'perf-producer-client',
    settings.requestTimeoutMs === null ? {} : { requestTimeoutMs: settings.requestTimeoutMs },
  );
  const producer = new Producer(client, settings.options);
  const payload = payloadOf(size);
  const histogram = new LatencyHistogram();
  const progress = new ProgressLine(process.stderr);
  const start = performance.now();
  let window = new Window(start);
  let outstanding = 0;
  let failed = 0;
  let firstError: unknown = null;
  let slot: (() => void) | null = null;
  const maxOutstanding = Math.max(1000, Math.floor((32 * MB) / Math.max(1, size)));
  const done = (sentAt: number, ok: boolean, err?: unknown): void => {
    outstanding--;
    const now = performance.now();
    if (ok) {
      const latencyMs = now - sentAt;
      histogram.recordMs(latencyMs);
      window.count++;
      window.bytes += size;
      window.latencySumMs += latencyMs;
      window.maxMs = Math.max(window.maxMs, latencyMs);
      if (now - window.startMs >= WINDOW_MS) {
        progress.clear();
        process.stdout.write(`${window.line(now)}\n`);
        window = new Window(now);
      }
    } else {
      failed++;
      firstError ??= err;
    }
    progress.update(`${histogram.count + failed}/${total} records acknowledged`);
    slot?.();
  };
  try {
    for (let i = 0; i < total; i++) {
      while (outstanding >= maxOutstanding) await new Promise<void>((r) => (slot = r));
      const sentAt = performance.now();
      outstanding++;
      producer.send({ topic, key: null, value: payload }).then(
        () => done(sentAt, true),
        (err: unknown) => done(sentAt, false, err),
      );
      if (throughput > 0) await throttle(i + 1, throughput, start);
      else if ((i & 1023) === 1023) await new Promise((r) => setImmediate(r));
    }
    await producer.flush();
    while (outstanding > 0) await new Promise<void>((r) => (slot = r));
  } finally {
    progress.clear();
    client.close();
  }
  printProducerSummary(histogram, size, performance.now() - start);
  if (failed > 0) {
    process.stderr.write(`${failed} records failed; the first error: ${errorText(firstError)}\n`);
    throw new ReportedFailure('records failed');
  }
}

/** Kafka's ThroughputThrottler in effect: sleep whenever ahead of `perSecond`. */
async function throttle(sent: number, perSecond: number, start: number): Promise<void> {
  const aheadMs = (sent / perSecond) * 1000 - (performance.now() - start);
  if (aheadMs >= 1) await sleep(aheadMs);
  else if ((sent & 1023) === 0) await new Promise((r) => setImmediate(r));
}

function printProducerSummary(h: LatencyHistogram, size: number, elapsedMs: number): void {
  const seconds = Math.max(1, elapsedMs) / 1000;
  const n = h.count;
  const p = (q: number): string => String(Math.floor(h.percentileMs(q)));
  process.stdout.write(
    `${n} records sent, ${(n / seconds).toFixed(6)} records/sec (${((n * size) / seconds / MB).toFixed(2)} MB/sec), ` +
      `${h.meanMs().toFixed(2)} ms avg latency, ${h.maxMs().toFixed(2)} ms max latency, ` +
      `${p(50)} ms 50th, ${p(95)} ms 95th, ${p(99)} ms 99th, ${p(99.9)} ms 99.9th.\n`,
  );
  process.stdout.write(`${percentilesLine('Latency', h)}\n`);
}

export function percentilesLine(what: string, h: LatencyHistogram): string {
  const f = (q: number): string => h.percentileMs(q).toFixed(3);
  return `${what} percentiles (ms): p50=${f(50)} p95=${f(95)} p99=${f(99)} p99.9=${f(99.9)} max=${h.maxMs().toFixed(3)}`;
}

/** Kafka's perf-test date format, yyyy-MM-dd HH:mm:ss:SSS, local time. */
export function perfDate(ms: number): string {
  const d = new Date(ms);
  const two = (n: number): string => String(n).padStart(2, '0');
  return (
    `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ` +
    `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}:${String(d.getMilliseconds()).padStart(3, '0')}`
  );
}

async function consumerPerf(opts: ConsumerPerfOptions): Promise<void> {
  if (opts.topic === undefined) throw new UsageError('Missing required argument "[topic]"');
  const wanted = required(opts.messages, 'messages');
  const timeoutMs = parseInteger(opts.timeout, 'timeout');
  const client = clientFor(opts, 'perf-consumer-client');
  const consumer = new GroupConsumer(client, {
    groupId: opts.group ?? `perf-consumer-${randomInt(100_000)}`,
    topics: [opts.topic],
    autoOffsetReset: opts.fromLatest === true ? 'latest' : 'earliest',
    maxWaitMs: Math.min(500, timeoutMs),
  });
  const progress = new ProgressLine(process.stderr);
  const histogram = new LatencyHistogram();
  const startMs = Date.now();
  let joinedMs = -1;
  let count = 0;
  let bytes = 0;
  let lastConsumedMs = Date.now();
  try {
    while (count < wanted && Date.now() - lastConsumedMs <= timeoutMs) {
      const records = await consumer.poll();
      if (joinedMs < 0) joinedMs = Date.now();
      const now = Date.now();
      for (const r of records) {
        count++;
        bytes += (r.key?.length ?? 0) + (r.value?.length ?? 0);
        histogram.recordMs(Math.max(0, now - r.timestampMs));
      }
      if (records.length > 0) lastConsumedMs = now;
      progress.update(`${count}/${wanted} messages consumed`);
    }
  } finally {
    progress.clear();
    await consumer.close().catch(() => undefined);
    client.close();
  }
  const endMs = Date.now();
  if (count < wanted) {
    process.stderr.write(
      `WARNING: Exiting before consuming the expected number of messages: timeout (${timeoutMs} ms) exceeded. ` +
        'You can use the --timeout option to increase the timeout.\n',
    );
  }
  printConsumerSummary(
    { startMs, endMs, joinMs: Math.max(0, joinedMs - startMs), count, bytes },
    opts.hideHeader === true,
  );
  process.stdout.write(`${percentilesLine('End-to-end latency', histogram)}\n`);
}

function printConsumerSummary(
  s: { startMs: number; endMs: number; joinMs: number; count: number; bytes: number },
  hideHeader: boolean,
): void {
  const elapsedSec = Math.max(1, s.endMs - s.startMs) / 1000;
  const fetchMs = Math.max(1, s.endMs - s.startMs - s.joinMs);
  const mb = s.bytes / MB;
  if (!hideHeader) {
    process.stdout.write(
      'start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, ' +
        'rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec\n',
    );
  }
  const values = [
    perfDate(s.startMs),
    perfDate(s.endMs),
    mb.toFixed(4),
    (mb / elapsedSec).toFixed(4),
    String(s.count),
    (s.count / elapsedSec).toFixed(4),
    String(s.joinMs),
    String(fetchMs),
    (mb / (fetchMs / 1000)).toFixed(4),
    (s.count / (fetchMs / 1000)).toFixed(4),
  ];
  process.stdout.write(`${values.join(', ')}\n`);
}
