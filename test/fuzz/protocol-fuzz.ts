// The definition-driven protocol fuzzer against a live broker process: it
// starts `bin/gregor server`, learns what it serves (ApiVersions), and sends
// requests of every API and version with field-aware mutations
// (src/protocol/testing/request-mutator.ts) over many connections, for a
// count or a time. It checks that the broker never exits, samples its RSS
// (peak reported), that every frame the broker cannot decode gets its
// connection closed within a deadline (a connection left open is "hanging"),
// and that a healthy kafkajs producer and consumer keep working throughout.
// Library for the bounded test and the long runs; as a command:
//   node --import tsx test/fuzz/protocol-fuzz.ts --count 1000000 --seed 1 [--json out.json]
//   node --import tsx test/fuzz/protocol-fuzz.ts --seconds 900 [--count N] [--json out.json]
// (`--requests` is the older name of `--count`; with only `--seconds`, the count is unbounded.)

import { type ChildProcess, spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { ApiVersions } from '../../src/protocol/apis/api-versions.ts';
import { codecFor } from '../../src/protocol/codec.ts';
import { readResponseHeader, writeRequestHeader } from '../../src/protocol/headers.ts';
import { Reader } from '../../src/protocol/reader.ts';
import {
  type FuzzRequest,
  MUTATIONS,
  RequestMutator,
  type Served,
} from '../../src/protocol/testing/request-mutator.ts';
import { SeededRandom } from '../../src/protocol/testing/sample-values.ts';
import { Writer } from '../../src/protocol/writer.ts';
import { REQUEST_ARRAY_ELEMENTS_MAX } from '../../src/server/connection.ts';
import { freePort } from '../harness/broker-process.ts';

/** GREGOR_FUZZ_BIN may name a snapshot of the build, so long runs ignore later edits. */
const BIN =
  process.env['GREGOR_FUZZ_BIN'] ?? join(import.meta.dirname, '..', '..', 'bin', 'gregor');

export interface FuzzOptions {
  readonly seed: number;
  /** Stop after this many requests (or durationMs, whichever first). */
  readonly requests: number;
  readonly durationMs?: number;
  readonly connections?: number;
  /** Requests written per connection before waiting for their answers. */
  readonly pipeline?: number;
  /** How long a frame the broker cannot decode may keep its connection open. */
  readonly closeDeadlineMs?: number;
  /** How long to wait for answers before giving a connection up. */
  readonly answerWaitMs?: number;
  readonly brokerConfig?: Record<string, string>;
  readonly onProgress?: (report: FuzzReport) => void;
  readonly progressEveryMs?: number;
}

export interface FuzzReport {
  seed: number;
  sent: number;
  elapsedMs: number;
  requestsPerSecond: number;
  malformed: number;
  byMutation: Record<string, number>;
  /** API name -> requests sent claiming it. */
  byApi: Record<string, number>;
  apiVersionsCovered: number;
  apiVersionsTotal: number;
  answered: number;
  /** Frames the broker had to close on, and did within the deadline. */
  closedAsRequired: number;
  /** Frames the broker had to close on and did not within the deadline. */
  hanging: number;
  /** What the hanging frames were (API, version, mutation), the first few. */
  hangingSamples: string[];
  /**
   * Breaking frames moved to a fresh connection because a decodable request before
   * them was still unanswered: the broker handles a connection's requests in order (as
   * Kafka does), so a close behind a long poll would measure the poll, not the close.
   */
  breakerDeferred: number;
  /** Decodable frames unanswered because one before them on the connection was not answered. */
  behindUnanswered: number;
  /** Decodable frames whose connection the broker closed instead of answering, by API. */
  closedOnDecodable: Record<string, number>;
  /** Decodable frames not answered within answerWaitMs (long polls, acks=0), by API. */
  unanswered: Record<string, number>;
  connectionsOpened: number;
  brokerExited: string | null;
  rssPeakBytes: number;
  rssStartBytes: number;
  rssEndBytes: number;
  healthy: { sent: number; received: number; errors: number; latencyMsMax: number };
  /** Broker log lines at error or fatal level (kinds and first lines). */
  brokerErrors: number;
  /** Of those, lines that name a bug in Gregor: a handler that threw, an answer not encodable, a fatal. */
  brokerBugLines: number;
  brokerErrorSamples: string[];
  brokerLogFile: string;
}

export interface FuzzBroker {
  readonly child: ChildProcess;
  readonly port: number;
  readonly dir: string;
  readonly logFile: string;
  exited: string | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A broker process logging (warn and up) to a file in its own temporary directory. */
export async function startBroker(config: Record<string, string>): Promise<FuzzBroker> {
  const dir = await mkdtemp(join(tmpdir(), 'gregor-protocol-fuzz-'));
  const port = await freePort();
  const args = [
    'server',
    '--override',
    `log.dirs=${join(dir, 'data')}`,
    '--override',
    `listeners=PLAINTEXT://127.0.0.1:${port}`,
  ];
  for (const [k, v] of Object.entries(config)) args.push('--override', `${k}=${v}`);
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GREGOR_')) env[k] = v;
  env['GREGOR_LOG_LEVEL'] = 'warn';
  const logFile = join(dir, 'broker.log');
  const fd = openSync(logFile, 'a');
  const child = spawn(BIN, args, { stdio: ['ignore', fd, fd], env });
  const broker: FuzzBroker = { child, port, dir, logFile, exited: null };
  // The broker never outlives this process, however it ends (a signal, a crash).
  const killBroker = () => child.kill('SIGKILL');
  process.once('exit', killBroker);
  child.once('exit', () => process.off('exit', killBroker));
  child.on('exit', (code, signal) => {
    broker.exited = signal ?? `code ${code}`;
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (broker.exited !== null) {
      throw new Error(`broker exited during start: ${await readFile(logFile, 'utf8')}`);
    }
    try {
      await apiVersions(port);
      return broker;
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error('broker did not answer ApiVersions within 60 s');
      }
      await sleep(200);
    }
  }
}

function openSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port }, () => {
      s.off('error', reject);
      resolve(s);
    });
    s.once('error', reject);
  });
}

/** What the broker serves, from its ApiVersions v0 answer. */
export async function apiVersions(port: number): Promise<Served> {
  const s = await openSocket(port);
  try {
    const w = new Writer();
    const setSize = w.reserveInt32();
    writeRequestHeader(w, { apiKey: 18, apiVersion: 0, correlationId: 1, clientId: 'fuzz' }, false);
    codecFor(ApiVersions.request)
      .at(0)
      .encode(w, {} as never);
    setSize(w.length - 4);
    s.write(w.toBuffer());
    const body = await new Promise<Buffer>((resolve, reject) => {
      let buf = Buffer.alloc(0);
      const timer = setTimeout(() => reject(new Error('no ApiVersions answer')), 5000);
      s.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        if (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
          clearTimeout(timer);
          resolve(buf.subarray(4, 4 + buf.readInt32BE(0)));
        }
      });
      s.on('error', reject);
    });
    const r = new Reader(body);
    readResponseHeader(r, false);
    const decoded = codecFor(ApiVersions.response).at(0).decode(r);
    const served = new Map<number, { min: number; max: number }>();
    for (const k of decoded.apiKeys) {
      served.set(k.apiKey, { min: k.minVersion, max: k.maxVersion });
    }
    return served;
  } finally {
    s.destroy();
  }
}

function rssBytes(pid: number): Promise<{ rss: number; hwm: number }> {
  return readFile(`/proc/${pid}/status`, 'utf8').then(
    (text) => {
      const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(text)?.[1] ?? 0);
      return { rss: kb('VmRSS') * 1024, hwm: kb('VmHWM') * 1024 };
    },
    () => ({ rss: 0, hwm: 0 }),
  );
}

const HEALTHY_TOPIC = 'fuzz-healthy';
const HEALTHY_GROUP = 'fuzz-healthy-group';
const FUZZ_NAMES = ['fuzz-a', 'fuzz-b', 'fuzz-c', 'fuzz-group', 'orders', 'g'];

/** A kafkajs producer and consumer that must keep working while the fuzz runs. */
async function healthyClients(bootstrap: string, stop: { done: boolean }) {
  const stats = { sent: 0, received: 0, errors: 0, latencyMsMax: 0 };
  const kafka = new Kafka({
    clientId: 'healthy',
    brokers: [bootstrap],
    logLevel: logLevel.NOTHING,
    retry: { retries: 10 },
  });
  const admin = kafka.admin();
  await admin.connect();
  // Right after start-up the metadata may name no controller yet (kafkajs then fails).
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await admin.createTopics({ topics: [{ topic: HEALTHY_TOPIC, numPartitions: 1 }] });
      break;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(500);
    }
  }
  await admin.disconnect();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const consumer = kafka.consumer({ groupId: HEALTHY_GROUP, sessionTimeout: 30_000 });
  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topic: HEALTHY_TOPIC, fromBeginning: true });
  const pending = new Map<string, number>();
  await consumer.run({
    eachMessage: async ({ message }) => {
      const key = message.value?.toString() ?? '';
      const at = pending.get(key);
      if (at !== undefined) {
        pending.delete(key);
        stats.received++;
        stats.latencyMsMax = Math.max(stats.latencyMsMax, Date.now() - at);
      }
    },
  });
  const loop = (async () => {
    let n = 0;
    while (!stop.done) {
      const value = `h-${n++}`;
      pending.set(value, Date.now());
      try {
        await producer.send({ topic: HEALTHY_TOPIC, acks: -1, messages: [{ value }] });
        stats.sent++;
      } catch {
        stats.errors++;
        pending.delete(value);
      }
      await sleep(250);
    }
  })();
  return {
    stats,
    async finish(brokerAlive: boolean): Promise<void> {
      if (!brokerAlive) {
        // kafkajs would retry its send against a dead broker for minutes: the run has
        // failed already, so report at once what never arrived.
        await Promise.race([loop, sleep(2000)]);
        stats.errors += pending.size;
        void Promise.allSettled([producer.disconnect(), consumer.disconnect()]);
        return;
      }
      await loop;
      // Everything acknowledged must arrive.
      const deadline = Date.now() + 30_000;
      while (pending.size > 0 && Date.now() < deadline) await sleep(100);
      stats.errors += pending.size;
      await Promise.allSettled([producer.disconnect(), consumer.disconnect()]);
    },
  };
}

/** Splits response frames out of a connection's bytes; returns correlation ids seen. */
class ResponseCounter {
  private buf: Buffer = Buffer.alloc(0);
  readonly ids: number[] = [];
  push(d: Buffer): void {
    this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
    while (this.buf.length >= 8) {
      const size = this.buf.readInt32BE(0);
      if (this.buf.length < 4 + size) return;
      this.ids.push(this.buf.readInt32BE(4));
      this.buf = this.buf.subarray(4 + size);
    }
  }
}

export async function runProtocolFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const connections = options.connections ?? 32;
  const pipeline = options.pipeline ?? 8;
  const closeDeadlineMs = options.closeDeadlineMs ?? 10_000;
  const answerWaitMs = options.answerWaitMs ?? 1500;
  const broker = await startBroker({
    'num.partitions': '2',
    'socket.request.max.bytes': String(1024 * 1024),
    'message.max.bytes': String(1024 * 1024),
    ...options.brokerConfig,
  });
  const pid = broker.child.pid ?? 0;
  const frameSizeBytesMax = Number(
    options.brokerConfig?.['socket.request.max.bytes'] ?? 1024 * 1024,
  );
  const report: FuzzReport = {
    seed: options.seed,
    sent: 0,
    elapsedMs: 0,
    requestsPerSecond: 0,
    malformed: 0,
    byMutation: Object.fromEntries(MUTATIONS.map((m) => [m, 0])),
    byApi: {},
    apiVersionsCovered: 0,
    apiVersionsTotal: 0,
    answered: 0,
    closedAsRequired: 0,
    hanging: 0,
    hangingSamples: [],
    breakerDeferred: 0,
    behindUnanswered: 0,
    closedOnDecodable: {},
    unanswered: {},
    connectionsOpened: 0,
    brokerExited: null,
    rssPeakBytes: 0,
    rssStartBytes: 0,
    rssEndBytes: 0,
    healthy: { sent: 0, received: 0, errors: 0, latencyMsMax: 0 },
    brokerErrors: 0,
    brokerBugLines: 0,
    brokerErrorSamples: [],
    brokerLogFile: broker.logFile,
  };
  const stop = { done: false };
  let healthy: Awaited<ReturnType<typeof healthyClients>> | null = null;
  const watchers = new Set<Promise<void>>();
  try {
    const served = await apiVersions(broker.port);
    const rnd = new SeededRandom(options.seed);
    const mutator = new RequestMutator(rnd, served, {
      names: FUZZ_NAMES,
      reserved: [HEALTHY_TOPIC, HEALTHY_GROUP],
      frameSizeBytesMax,
      arrayElementsMax: REQUEST_ARRAY_ELEMENTS_MAX,
    });
    report.apiVersionsTotal = mutator.apiVersionCount;
    const covered = new Set<string>();
    report.rssStartBytes = (await rssBytes(pid)).rss;
    healthy = await healthyClients(`127.0.0.1:${broker.port}`, stop);

    const started = Date.now();
    const endAt = started + (options.durationMs ?? Number.POSITIVE_INFINITY);
    const sampler = setInterval(() => {
      void rssBytes(pid).then(({ rss }) => {
        report.rssPeakBytes = Math.max(report.rssPeakBytes, rss);
      });
    }, 250);
    let lastProgress = Date.now();
    const bump = (into: Record<string, number>, key: string) => {
      into[key] = (into[key] ?? 0) + 1;
    };
    const take = (): FuzzRequest | null => {
      if (report.sent >= options.requests || Date.now() >= endAt || broker.exited !== null) {
        return null;
      }
      const req = mutator.next();
      report.sent++;
      if (req.malformed) report.malformed++;
      bump(report.byMutation, req.mutation);
      bump(report.byApi, req.api.name);
      covered.add(`${req.api.apiKey}:${req.baseVersion}`);
      if (options.onProgress && Date.now() - lastProgress > (options.progressEveryMs ?? 10_000)) {
        lastProgress = Date.now();
        report.elapsedMs = Date.now() - started;
        report.requestsPerSecond = Math.round(report.sent / (report.elapsedMs / 1000));
        options.onProgress(report);
      }
      return req;
    };

    /** Watches a connection that must close; counts it hanging if it outlives the deadline. */
    const watchClose = (s: Socket, closed: Promise<void>, req: FuzzRequest) => {
      const w = Promise.race([closed.then(() => true), sleep(closeDeadlineMs).then(() => false)])
        .then((ok) => {
          if (ok) report.closedAsRequired++;
          else {
            report.hanging++;
            if (report.hangingSamples.length < 20) {
              report.hangingSamples.push(
                `${req.api.name} v${req.baseVersion} ${req.mutation} (${req.frame.length} bytes)`,
              );
            }
          }
          s.destroy();
        })
        .finally(() => watchers.delete(w));
      watchers.add(w);
    };

    const worker = async () => {
      let pendingFirst: FuzzRequest | null = null;
      while (!stop.done) {
        const batch: FuzzRequest[] = [];
        if (pendingFirst !== null) batch.push(pendingFirst);
        pendingFirst = null;
        while (batch.length < pipeline && (batch.at(-1)?.expect ?? 'answer') === 'answer') {
          const req = take();
          if (req === null) break;
          batch.push(req);
          if (req.expect !== 'answer') break;
        }
        if (batch.length === 0) return;
        let s: Socket;
        try {
          s = await openSocket(broker.port);
        } catch {
          if (broker.exited !== null) return;
          await sleep(50);
          continue;
        }
        report.connectionsOpened++;
        const counter = new ResponseCounter();
        let wake: (() => void) | null = null;
        const closed = new Promise<void>((resolve) => {
          s.on('close', () => {
            resolve();
            wake?.();
          });
        });
        let isClosed = false;
        void closed.then(() => {
          isClosed = true;
        });
        s.on('data', (d: Buffer) => {
          counter.push(d);
          wake?.();
        });
        s.on('error', () => {});
        // The decodable requests first, answered before the frame that breaks the
        // connection is sent, so each answer is checked (a bad frame may drop the
        // answers still owed on its connection, as Kafka does).
        const last = batch[batch.length - 1]!;
        const breaker = last.expect === 'answer' ? null : last;
        const answerable = breaker === null ? batch : batch.slice(0, -1);
        const wanted = new Set(answerable.map((b) => b.correlationId));
        if (answerable.length > 0) s.write(Buffer.concat(answerable.map((b) => b.frame)));
        const deadline = Date.now() + answerWaitMs;
        for (;;) {
          const answered = counter.ids.filter((id) => wanted.has(id)).length;
          if (isClosed || answered === wanted.size) break;
          const left = deadline - Date.now();
          if (left <= 0) break;
          await new Promise<void>((resolve) => {
            wake = resolve;
            setTimeout(resolve, Math.min(left, 100));
          });
          wake = null;
        }
        // Answers come in request order: the first request without one is the one that
        // closed the connection or is still waiting; those after it wait behind it.
        const got = new Set(counter.ids);
        const allAnswered = answerable.every((b) => got.has(b.correlationId));
        let blocked = false;
        for (const b of answerable) {
          if (got.has(b.correlationId)) report.answered++;
          else if (blocked) report.behindUnanswered++;
          else {
            blocked = true;
            bump(isClosed ? report.closedOnDecodable : report.unanswered, b.api.name);
          }
        }
        if (breaker === null) s.destroy();
        else if (isClosed || !allAnswered) {
          // Send it on the next connection instead.
          if (!isClosed) report.breakerDeferred++;
          pendingFirst = breaker;
          s.destroy();
        } else {
          s.write(breaker.frame);
          if (breaker.expect === 'close') watchClose(s, closed, breaker);
          else s.destroy();
        }
      }
    };
    await Promise.all(Array.from({ length: connections }, () => worker()));
    clearInterval(sampler);
    report.elapsedMs = Date.now() - started;
    report.requestsPerSecond = Math.round(report.sent / (report.elapsedMs / 1000));
    report.apiVersionsCovered = covered.size;
    await Promise.all([...watchers]);
    stop.done = true;
    await healthy.finish(broker.exited === null);
    report.healthy = healthy.stats;
    // The broker still serves a fresh client after everything.
    if (broker.exited === null) await apiVersions(broker.port);
    const mem = await rssBytes(pid);
    report.rssEndBytes = mem.rss;
    report.rssPeakBytes = Math.max(report.rssPeakBytes, mem.hwm);
  } finally {
    stop.done = true;
    report.brokerExited = broker.exited;
    broker.child.kill('SIGKILL');
    await Promise.all([...watchers]);
    const log = await readFile(broker.logFile, 'utf8').catch(() => '');
    for (const line of log.split('\n')) {
      if (!/"level":(50|60)/.test(line) && !/\b(ERROR|FATAL)\b/.test(line)) continue;
      report.brokerErrors++;
      if (/"level":60|:bug"|"kind":"encode-failed/.test(line)) report.brokerBugLines++;
      if (report.brokerErrorSamples.length < 20)
        report.brokerErrorSamples.push(line.slice(0, 2000));
    }
    if (report.brokerErrors === 0 && broker.exited === null) {
      await rm(broker.dir, { recursive: true, force: true });
    }
  }
  return report;
}

export function formatReport(r: FuzzReport): string {
  const mb = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MiB`;
  return [
    `protocol fuzz (seed ${r.seed}): ${r.sent} requests in ${(r.elapsedMs / 1000).toFixed(0)} s (${r.requestsPerSecond}/s), ${r.malformed} undecodable, ${r.apiVersionsCovered}/${r.apiVersionsTotal} API versions`,
    `  answered ${r.answered}, behind an unanswered one ${r.behindUnanswered}, closed as required ${r.closedAsRequired}, hanging ${r.hanging}, connections ${r.connectionsOpened}, breaking frames moved behind an unanswered one ${r.breakerDeferred}`,
    ...r.hangingSamples.map((h) => `  hanging: ${h}`),
    `  broker exited: ${r.brokerExited ?? 'no'}; RSS start ${mb(r.rssStartBytes)}, peak ${mb(r.rssPeakBytes)}, end ${mb(r.rssEndBytes)}; broker error lines ${r.brokerErrors} (bugs ${r.brokerBugLines})`,
    `  healthy client: ${r.healthy.sent} sent, ${r.healthy.received} received, ${r.healthy.errors} errors, max latency ${r.healthy.latencyMsMax} ms`,
    `  mutations: ${Object.entries(r.byMutation)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}`,
    `  closed instead of answering: ${JSON.stringify(r.closedOnDecodable)}`,
    `  not answered within the wait: ${JSON.stringify(r.unanswered)}`,
    ...r.brokerErrorSamples.map((l) => `  broker: ${l}`),
  ].join('\n');
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** Sums the JSON lines of several runs (`--summary file`). */
export function summarize(reports: readonly FuzzReport[]): string {
  const sent = reports.reduce((a, r) => a + r.sent, 0);
  const seconds = reports.reduce((a, r) => a + r.elapsedMs, 0) / 1000;
  const sum = (f: (r: FuzzReport) => number) => reports.reduce((a, r) => a + f(r), 0);
  const max = (f: (r: FuzzReport) => number) => Math.max(0, ...reports.map(f));
  const byMutation: Record<string, number> = {};
  for (const r of reports) {
    for (const [k, v] of Object.entries(r.byMutation)) byMutation[k] = (byMutation[k] ?? 0) + v;
  }
  return [
    `${reports.length} runs, seeds ${reports.map((r) => r.seed).join(', ')}`,
    `requests ${sent} in ${(seconds / 3600).toFixed(2)} h (${Math.round(sent / seconds)}/s), undecodable ${sum((r) => r.malformed)}, answered ${sum((r) => r.answered)}`,
    `connections ${sum((r) => r.connectionsOpened)}, closed as required ${sum((r) => r.closedAsRequired)}, hanging ${sum((r) => r.hanging)}`,
    `broker exits ${reports.filter((r) => r.brokerExited !== null).length}, bug lines ${sum((r) => r.brokerBugLines)}, error lines ${sum((r) => r.brokerErrors)}`,
    `RSS peak ${(max((r) => r.rssPeakBytes) / 1048576).toFixed(0)} MiB (start ${(max((r) => r.rssStartBytes) / 1048576).toFixed(0)} MiB)`,
    `healthy client: ${sum((r) => r.healthy.sent)} sent, ${sum((r) => r.healthy.received)} received, ${sum((r) => r.healthy.errors)} errors, max latency ${max((r) => r.healthy.latencyMsMax)} ms`,
    `mutations: ${Object.entries(byMutation)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => process.exit(130));
  const summary = arg('summary');
  if (summary !== undefined) {
    const { readFile: read } = await import('node:fs/promises');
    const lines = (await read(summary, 'utf8')).trim().split('\n');
    console.log(summarize(lines.map((l) => JSON.parse(l) as FuzzReport)));
    process.exit(0);
  }
  const report = await runProtocolFuzz({
    seed: Number(arg('seed') ?? Date.now() % 1_000_000),
    // A time alone is the bound; a count alone (or neither: a million) is the other.
    requests: Number(
      arg('count') ??
        arg('requests') ??
        (arg('seconds') === undefined ? 1_000_000 : Number.POSITIVE_INFINITY),
    ),
    ...(arg('seconds') === undefined ? {} : { durationMs: Number(arg('seconds')) * 1000 }),
    connections: Number(arg('connections') ?? 32),
    onProgress: (r) =>
      console.error(
        `... ${r.sent} sent, ${r.requestsPerSecond}/s, RSS peak ${(r.rssPeakBytes / 1048576).toFixed(0)} MiB, hanging ${r.hanging}`,
      ),
    progressEveryMs: 30_000,
  });
  console.log(formatReport(report));
  const out = arg('json');
  if (out !== undefined) {
    const { appendFile } = await import('node:fs/promises');
    await appendFile(out, `${JSON.stringify(report)}\n`);
  }
  const bad =
    report.brokerExited !== null ||
    report.hanging > 0 ||
    report.healthy.errors > 0 ||
    report.brokerBugLines > 0;
  process.exitCode = bad ? 1 : 0;
}
