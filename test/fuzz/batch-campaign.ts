// The batch fuzzer: hostile Produce record sets (hostile-produce.ts) against a
// broker in its own process, over several connections, then proof that
// nothing bad was kept: every partition still takes a valid batch and serves
// fetches, and every batch stored decodes strictly (CRC, records, counts).
// It reports crashes, connections the broker closed, partitions offline,
// answers by error code, the broker's peak RSS and its log volume.
// `npm test` runs a bounded count (batch-fuzz.test.ts); the long campaign is
//   npm run fuzz -- --requests 1000000 [--connections 8] [--seed N] [--override key=value]

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListOffsets } from '../../src/protocol/apis/list-offsets.ts';
import { Produce } from '../../src/protocol/apis/produce.ts';
import { ErrorCode, errorInfo } from '../../src/protocol/error-codes.ts';
import { CompressionType } from '../../src/protocol/record-batch.ts';
import { decodeRecordBatches } from '../../src/protocol/records.ts';
import { SeededRandom } from '../../src/protocol/testing/sample-values.ts';
import { freePort } from '../harness/broker-process.ts';
import { validBatch } from '../harness/hostile-batches.ts';
import { createTopic, fetchRaw } from '../harness/partition-wire.ts';
import { RawClient } from '../harness/raw-client.ts';
import { type HostileKind, HostileProduceGenerator } from './hostile-produce.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'gregor');
const PARTITIONS = 2;
const REQUEST_TIMEOUT_MS = 30_000;
const START_TIMEOUT_MS = 60_000;

/** Topics covering what validation depends on: timestamp type and bounds, compaction, codecs. */
const TOPICS: Record<string, Record<string, string>> = {
  'fz-plain': {},
  'fz-compact': { 'cleanup.policy': 'compact' },
  'fz-logappend': { 'message.timestamp.type': 'LogAppendTime' },
  'fz-gzip': { 'compression.type': 'gzip' },
  'fz-uncompressed': {
    'compression.type': 'uncompressed',
    'message.timestamp.before.max.ms': '3600000',
  },
  'fz-small-segments': { 'segment.bytes': '65536', 'index.interval.bytes': '512' },
};
/** Bounds the campaign's disk use: small segments, retention by size. */
const TOPIC_DEFAULTS = { 'segment.bytes': '1048576', 'retention.bytes': '8388608' };

/** Answers a hostile produce may get; anything else is a finding. */
const EXPECTED_CODES = new Set<number>([
  ErrorCode.NONE,
  ErrorCode.CORRUPT_MESSAGE,
  ErrorCode.MESSAGE_TOO_LARGE,
  ErrorCode.INVALID_TIMESTAMP,
  ErrorCode.INVALID_RECORD,
  ErrorCode.UNSUPPORTED_COMPRESSION_TYPE,
  ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
  ErrorCode.DUPLICATE_SEQUENCE_NUMBER,
  ErrorCode.INVALID_PRODUCER_EPOCH,
  ErrorCode.UNKNOWN_PRODUCER_ID,
  // Transactional batches in a request without a transactional id: Kafka's KafkaApis
  // answers this before anything else, and so does Gregor since transactions.
  ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
]);

export interface CampaignOptions {
  readonly requests: number;
  readonly connections: number;
  readonly seed: number;
  /** More broker settings, e.g. a smaller socket.request.max.bytes (the decompressed limit). */
  readonly brokerOverrides?: Readonly<Record<string, string>>;
  readonly progress?: (line: string) => void;
}

export interface CampaignReport {
  readonly seed: number;
  readonly requests: number;
  readonly elapsedMs: number;
  readonly byCode: Record<string, number>;
  readonly byKind: Record<string, number>;
  /** Answers outside EXPECTED_CODES, by code name. */
  readonly unexpected: Record<string, number>;
  readonly brokerExited: string | null;
  readonly connectionsClosed: number;
  readonly timeouts: number;
  readonly partitionsChecked: number;
  readonly partitionsOffline: string[];
  readonly storedBatches: number;
  readonly storedRecords: number;
  readonly storedProblems: string[];
  readonly peakRssBytes: number;
  readonly rssAfterStartBytes: number;
  readonly logBytes: number;
  readonly logLines: number;
  readonly logLinesByLevel: Record<string, number>;
  readonly lastLogLines: string[];
}

/** The broker as a child process whose output is counted, not kept (the last lines aside). */
class BrokerChild {
  logBytes = 0;
  logLines = 0;
  readonly byLevel: Record<string, number> = {};
  readonly last: string[] = [];
  exited: string | null = null;
  private partial = '';

  constructor(readonly child: ChildProcess) {
    const take = (b: Buffer) => this.take(b);
    child.stdout?.on('data', take);
    child.stderr?.on('data', take);
    child.on('exit', (code, signal) => {
      this.exited = `exit ${code ?? signal}`;
    });
  }

  private take(b: Buffer): void {
    this.logBytes += b.length;
    const text = this.partial + b.toString('utf8');
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) {
      this.logLines += 1;
      const level = /"level":(\d+)/.exec(line)?.[1] ?? 'other';
      this.byLevel[level] = (this.byLevel[level] ?? 0) + 1;
      this.last.push(line.slice(0, 2000));
      if (this.last.length > 50) this.last.shift();
    }
  }

  async started(): Promise<void> {
    const t0 = Date.now();
    while (!this.last.some((l) => l.includes('Gregor broker started'))) {
      if (this.exited !== null || Date.now() - t0 > START_TIMEOUT_MS) {
        throw new Error(
          `broker did not start (${this.exited ?? 'timeout'}):\n${this.last.join('\n')}`,
        );
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async rss(): Promise<{ rssBytes: number; peakBytes: number }> {
    const status = await readFile(`/proc/${this.child.pid}/status`, 'utf8');
    const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
    return { rssBytes: kb('VmRSS') * 1024, peakBytes: kb('VmHWM') * 1024 };
  }
}

function spawnBrokerChild(
  dataDir: string,
  port: number,
  extra: Readonly<Record<string, string>>,
): BrokerChild {
  const overrides: Record<string, string> = {
    ...extra,
    'log.dirs': dataDir,
    listeners: `PLAINTEXT://127.0.0.1:${port}`,
    'num.partitions': String(PARTITIONS),
    'log.retention.check.interval.ms': '10000',
    'log.segment.bytes': TOPIC_DEFAULTS['segment.bytes'],
    'log.retention.bytes': TOPIC_DEFAULTS['retention.bytes'],
  };
  const args = ['server'];
  for (const [k, v] of Object.entries(overrides)) args.push('--override', `${k}=${v}`);
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GREGOR_')) env[k] = v;
  env['GREGOR_LOG_LEVEL'] = 'info';
  return new BrokerChild(spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'], env }));
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

interface Tally {
  sent: number;
  byCode: Map<number, number>;
  byKind: Map<HostileKind, number>;
  connectionsClosed: number;
  timeouts: number;
}

/** One connection's loop: hostile produce after hostile produce, reconnecting if closed. */
async function drive(
  bootstrap: string,
  take: () => boolean,
  gen: HostileProduceGenerator,
  rnd: SeededRandom,
  tally: Tally,
  broker: BrokerChild,
): Promise<void> {
  const topics = Object.keys(TOPICS);
  let client: RawClient | null = null;
  try {
    while (broker.exited === null && take()) {
      client ??= await RawClient.connect(bootstrap);
      const h = await gen.next(Date.now());
      tally.byKind.set(h.kind, (tally.byKind.get(h.kind) ?? 0) + 1);
      const version = 3 + rnd.int(9);
      const request = client.send(Produce, version, {
        transactionalId: null,
        acks: rnd.next() < 0.8 ? 1 : -1,
        timeoutMs: 10_000,
        topicData: [
          {
            name: rnd.pick(topics),
            partitionData: [{ index: rnd.int(PARTITIONS), records: h.records }],
          },
        ],
      });
      const answer = await withTimeout(
        request.then(
          (r) => r,
          () => null,
        ),
        REQUEST_TIMEOUT_MS,
      );
      if (answer === null || answer === 'timeout') {
        if (answer === null) tally.connectionsClosed += 1;
        else tally.timeouts += 1;
        client.close();
        client = null;
        continue;
      }
      const code = answer.responses[0]?.partitionResponses[0]?.errorCode ?? -999;
      tally.byCode.set(code, (tally.byCode.get(code) ?? 0) + 1);
    }
  } finally {
    client?.close();
  }
}

/** Every partition takes a valid batch, serves a fetch, and holds only batches that decode. */
async function checkPartitions(bootstrap: string): Promise<{
  checked: number;
  offline: string[];
  batches: number;
  records: number;
  problems: string[];
}> {
  const c = await RawClient.connect(bootstrap);
  const offline: string[] = [];
  const problems: string[] = [];
  let checked = 0;
  let batches = 0;
  let records = 0;
  try {
    for (const topic of Object.keys(TOPICS)) {
      for (let p = 0; p < PARTITIONS; p++) {
        checked += 1;
        const where = `${topic}-${p}`;
        const probe = await validBatch(1, { codec: CompressionType.Gzip });
        const produced = await c.send(Produce, 9, {
          transactionalId: null,
          acks: 1,
          timeoutMs: 10_000,
          topicData: [{ name: topic, partitionData: [{ index: p, records: probe }] }],
        });
        const code = produced.responses[0]?.partitionResponses[0]?.errorCode;
        if (code !== ErrorCode.NONE) offline.push(`${where}: produce ${errorName(code ?? -1)}`);
        const start = await logStartOffset(c, topic, p);
        let offset = start;
        for (;;) {
          const [f] = await fetchRaw(c, topic, offset, [p]);
          if (f === undefined || f.errorCode !== ErrorCode.NONE) {
            offline.push(`${where}: fetch at ${offset} ${errorName(f?.errorCode ?? -1)}`);
            break;
          }
          if (f.records.length === 0 || offset >= f.highWatermark) break;
          try {
            const decoded = await decodeRecordBatches(f.records, { maxBytes: 128 << 20 });
            if (decoded.length === 0) {
              problems.push(`${where}: fetch at ${offset} returned no whole batch`);
              break;
            }
            for (const d of decoded) {
              batches += 1;
              records += d.records.length;
              offset = d.header.baseOffset + d.header.lastOffsetDelta + 1;
            }
          } catch (err) {
            problems.push(`${where}: stored batch at ${offset} does not decode: ${String(err)}`);
            break;
          }
        }
      }
    }
  } finally {
    c.close();
  }
  return { checked, offline, batches, records, problems };
}

async function logStartOffset(c: RawClient, topic: string, partition: number): Promise<number> {
  const r = await c.send(ListOffsets, 7, {
    replicaId: -1,
    isolationLevel: 0,
    topics: [
      {
        name: topic,
        partitions: [
          { partitionIndex: partition, currentLeaderEpoch: -1, timestamp: -2, maxNumOffsets: 1 },
        ],
      },
    ],
  });
  return r.topics[0]?.partitions[0]?.offset ?? 0;
}

function errorName(code: number): string {
  return errorInfo(code)?.name ?? `code ${code}`;
}

function named(m: Map<number, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [code, n] of [...m.entries()].sort((a, b) => b[1] - a[1])) out[errorName(code)] = n;
  return out;
}

function report(
  opts: CampaignOptions,
  run: {
    t0: number;
    tally: Tally;
    check: Awaited<ReturnType<typeof checkPartitions>>;
    broker: BrokerChild;
    peakBytes: number;
    rssAfterStartBytes: number;
  },
): CampaignReport {
  const { tally, check, broker } = run;
  const unexpected = new Map([...tally.byCode].filter(([code]) => !EXPECTED_CODES.has(code)));
  return {
    seed: opts.seed,
    requests: tally.sent,
    elapsedMs: Date.now() - run.t0,
    byCode: named(tally.byCode),
    byKind: Object.fromEntries(tally.byKind),
    unexpected: named(unexpected),
    brokerExited: broker.exited,
    connectionsClosed: tally.connectionsClosed,
    timeouts: tally.timeouts,
    partitionsChecked: check.checked,
    partitionsOffline: check.offline,
    storedBatches: check.batches,
    storedRecords: check.records,
    storedProblems: check.problems,
    peakRssBytes: run.peakBytes,
    rssAfterStartBytes: run.rssAfterStartBytes,
    logBytes: broker.logBytes,
    logLines: broker.logLines,
    logLinesByLevel: broker.byLevel,
    lastLogLines: broker.last.slice(-10),
  };
}

export async function runCampaign(opts: CampaignOptions): Promise<CampaignReport> {
  const dataDir = await mkdtemp(join(tmpdir(), 'gregor-batch-fuzz-'));
  const port = await freePort();
  const broker = spawnBrokerChild(dataDir, port, opts.brokerOverrides ?? {});
  const bootstrap = `127.0.0.1:${port}`;
  const t0 = Date.now();
  let peakBytes = 0;
  try {
    await broker.started();
    const setup = await RawClient.connect(bootstrap);
    for (const [name, configs] of Object.entries(TOPICS)) {
      await createTopic(setup, name, { ...TOPIC_DEFAULTS, ...configs }, PARTITIONS);
    }
    setup.close();
    const rssAfterStartBytes = (await broker.rss()).rssBytes;
    const rnd = new SeededRandom(opts.seed);
    const gen = new HostileProduceGenerator(new SeededRandom(opts.seed + 1));
    const tally: Tally = {
      sent: 0,
      byCode: new Map(),
      byKind: new Map(),
      connectionsClosed: 0,
      timeouts: 0,
    };
    const take = () => {
      if (tally.sent >= opts.requests) return false;
      tally.sent += 1;
      return true;
    };
    const sampler = setInterval(() => {
      void broker.rss().then(
        (r) => {
          peakBytes = Math.max(peakBytes, r.peakBytes);
          const secs = ((Date.now() - t0) / 1000).toFixed(0);
          opts.progress?.(
            `${secs}s: ${tally.sent}/${opts.requests} requests, broker RSS ${r.rssBytes >> 20} MiB ` +
              `(peak ${r.peakBytes >> 20}), log ${broker.logBytes} bytes`,
          );
        },
        () => undefined,
      );
    }, 10_000);
    try {
      await Promise.all(
        Array.from({ length: opts.connections }, () =>
          drive(bootstrap, take, gen, rnd, tally, broker),
        ),
      );
    } finally {
      clearInterval(sampler);
    }
    const check =
      broker.exited === null
        ? await checkPartitions(bootstrap)
        : { checked: 0, offline: ['broker exited'], batches: 0, records: 0, problems: [] };
    if (broker.exited === null) peakBytes = Math.max(peakBytes, (await broker.rss()).peakBytes);
    return report(opts, { t0, tally, check, broker, peakBytes, rssAfterStartBytes });
  } finally {
    broker.child.kill('SIGKILL');
    await new Promise((r) => (broker.exited === null ? broker.child.once('exit', r) : r(null)));
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** True when the campaign found nothing: the pass condition of the test and the command. */
export function campaignClean(r: CampaignReport): boolean {
  return (
    r.brokerExited === null &&
    r.connectionsClosed === 0 &&
    r.timeouts === 0 &&
    r.partitionsOffline.length === 0 &&
    r.storedProblems.length === 0 &&
    Object.keys(r.unexpected).length === 0
  );
}

function argument(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isSafeInteger(v) || v < 0) throw new Error(`--${name} needs a whole number`);
  return v;
}

/** Every `--override key=value` on the command line. */
function overrides(): Record<string, string> {
  const out: Record<string, string> = {};
  process.argv.forEach((arg, i) => {
    const kv = arg === '--override' ? process.argv[i + 1] : undefined;
    if (kv === undefined) return;
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new Error(`--override needs key=value, got ${kv}`);
    out[kv.slice(0, eq)] = kv.slice(eq + 1);
  });
  return out;
}

async function main(): Promise<void> {
  const report = await runCampaign({
    requests: argument('requests', 1_000_000),
    connections: argument('connections', 8),
    seed: argument('seed', Date.now() % 1_000_000_007),
    brokerOverrides: overrides(),
    progress: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  process.exitCode = campaignClean(report) ? 0 : 1;
}

if (process.argv[1] !== undefined && import.meta.filename === process.argv[1]) {
  main().catch((err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exitCode = 2;
  });
}
