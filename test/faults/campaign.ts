// The fault campaign on real processes (Jepsen-style): a 3-member etcd and
// three `gregor server` processes, each in its own network namespace;
// confluent-kafka producers (acks=all, idempotent) and a consumer group
// logging every operation; a nemesis injecting one fault at a time from
// nemesis.ts's kinds; after healing, a final read of every partition and the
// checker (checker.ts). Runs in chunks, a fresh cluster each, every chunk's
// result appended as one JSON line; prints the table of anomalies per kind.
//
//   node --import tsx test/faults/campaign.ts --faults 1000 --chunk 40 --seed 1 \
//     --results /tmp/campaign.jsonl [--kinds broker-kill,disk-full] [--bin path/to/gregor]
//   node --import tsx test/faults/campaign.ts --minutes 60 [--faults N] ...
//     (no fault starts after the time is up; the chunk then heals, reads and checks)
//   node --import tsx test/faults/campaign.ts --table /tmp/campaign.jsonl
//   node --import tsx test/faults/campaign.ts --recheck /tmp/gregor-campaign-<tag>[,...]
//     (the checker again on kept chunk directories)
//
// Needs root (namespaces, tmpfs, setpriv), iproute2, iptables, fiu-utils,
// faketime, etcd-server and python3-confluent-kafka. The process creates the
// namespaces, then runs each chunk in a child inside the hub namespace.

import { spawn } from 'node:child_process';
import { appendFile, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeededRandom } from '../../src/protocol/testing/sample-values.ts';
import { run } from '../harness/processes.ts';
import {
  ANOMALIES,
  type Anomaly,
  BASELINE,
  type CheckResult,
  check,
  type EpochChange,
  type FinalRecord,
} from './checker.ts';
import { CampaignCluster, ETCD_CLIENT_PORT } from './cluster.ts';
import { applyFault, FAULT_KINDS, type Fault, type FaultKind } from './nemesis.ts';
import { destroyNamespaces, Network } from './network.ts';
import { StoreView } from './store-view.ts';
import {
  type ClientProcess,
  finalRead,
  historyFile,
  readConsumerHistory,
  readProducerHistory,
  startConsumer,
  startProducer,
} from './workload.ts';

const NODE_NAMES = ['b1', 'b2', 'b3', 'e1', 'e2', 'e3'];
const TOPIC = 'campaign';
const PARTITIONS = 3;
const GROUP = 'campaign-group';
const CLUSTER_ID = 'Q2FtcGFpZ25DbHVzdGVyMA';
/** The campaign's clients: each name prefixes a producer's values and names its history file. */
const PRODUCERS = ['p1', 'p2'];
const CONSUMERS = ['c1', 'c2'];
const DEFAULT_BIN = join(import.meta.dirname, '..', '..', 'bin', 'gregor');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface ChunkOptions {
  readonly seed: number;
  readonly faults: number;
  readonly kinds: readonly FaultKind[];
  readonly bin: string;
  readonly results: string;
  /** How long each fault holds, ms (a random value in the range). */
  readonly holdMs: readonly [number, number];
  /** Per producer, messages per second. */
  readonly rate: number;
  /** Keep the chunk's directory (logs, histories) even without anomalies. */
  readonly keep: boolean;
  /** 'cycle' runs the kinds in the given order (the bounded test), 'random' picks by seed. */
  readonly order: 'random' | 'cycle';
  /** The brokers' log.segment.bytes: small, the logs roll (and snapshot producer state) often. */
  readonly segmentBytes: number;
  /** Epoch ms after which no fault starts (`--minutes`); the chunk still heals and checks. */
  readonly deadline?: number;
}

export interface FaultRecord {
  readonly kind: FaultKind;
  readonly target: string;
  readonly start: number;
  readonly holdMs: number;
  readonly settleMs: number;
  readonly settled: boolean;
  readonly restarted: readonly string[];
}

export interface ChunkResult {
  readonly seed: number;
  readonly startedAt: string;
  readonly wallMs: number;
  readonly faults: readonly FaultRecord[];
  readonly acked: number;
  readonly errors: number;
  readonly unknown: number;
  readonly reads: number;
  /** Assignments checked against a commit confirmed before them (absent in older results). */
  readonly assignmentsChecked?: number;
  readonly finalRecords: number;
  readonly producerFatal: number;
  /** Producers whose history stopped growing for 20 s during the faults (stacks kept). */
  readonly producerStalls: readonly string[];
  readonly byFault: CheckResult['byFault'];
  readonly ackedByFault: CheckResult['ackedByFault'];
  readonly anomalies: CheckResult['anomalies'];
  readonly unexpectedExits: Record<string, number>;
  readonly dir: string;
  readonly error?: string;
}

/** What a chunk keeps in `final.json` beside the clients' histories. */
interface ChunkFinal {
  readonly finalLog: ReadonlyMap<number, readonly FinalRecord[]>;
  readonly epochs: readonly EpochChange[];
  readonly faults: readonly FaultRecord[];
}

async function writeChunkFinal(dir: string, f: ChunkFinal): Promise<void> {
  await writeFile(
    join(dir, 'final.json'),
    JSON.stringify({ finalLog: [...f.finalLog], epochs: f.epochs, faults: f.faults }),
  );
}

async function readChunkFinal(dir: string): Promise<ChunkFinal> {
  const f = JSON.parse(await readFile(join(dir, 'final.json'), 'utf8')) as {
    finalLog: Array<[number, FinalRecord[]]>;
    epochs: EpochChange[];
    faults: FaultRecord[];
  };
  return { finalLog: new Map(f.finalLog), epochs: f.epochs, faults: f.faults };
}

/**
 * The checker on a chunk's directory: the clients' histories there and the final read
 * (`final` as the chunk just made it, else its `final.json`). A chunk and `--recheck` both
 * check through here, so they read the same clients' files.
 */
export async function checkChunkDir(
  dir: string,
  final?: ChunkFinal,
): Promise<{ checked: CheckResult; producerFatal: number }> {
  const f = final ?? (await readChunkFinal(dir));
  const produced = await readProducerHistory(PRODUCERS.map((name) => historyFile(dir, name)));
  const consumed = await Promise.all(
    CONSUMERS.map((name) => readConsumerHistory(historyFile(dir, name))),
  );
  const checked = check({
    invocations: produced.invocations,
    outcomes: produced.outcomes,
    consumers: consumed,
    finalLog: f.finalLog,
    epochs: f.epochs,
    faults: f.faults.map((x) => ({ kind: x.kind, start: x.start })),
  });
  return { checked, producerFatal: produced.fatal };
}

async function createTopic(bootstrap: string): Promise<void> {
  const script = [
    'from confluent_kafka.admin import AdminClient, NewTopic',
    'import os',
    'a = AdminClient({"bootstrap.servers": os.environ["BOOTSTRAP"]})',
    `t = NewTopic("${TOPIC}", num_partitions=${PARTITIONS}, replication_factor=3, config={"min.insync.replicas": "2"})`,
    '[f.result(30) for f in a.create_topics([t]).values()]',
  ].join('\n');
  const r = await run('/usr/bin/python3', ['-c', script], {
    env: { ...process.env, BOOTSTRAP: bootstrap },
    timeoutMs: 60_000,
  });
  if (r.code !== 0) throw new Error(`create topic: ${r.stderr}`);
}

async function waitSettled(
  store: StoreView,
  cluster: CampaignCluster,
  capMs: number,
): Promise<{ settled: boolean; ms: number }> {
  const started = Date.now();
  for (;;) {
    await store.poll();
    const allUp = cluster.brokers.every((b) => b.isRunning());
    if (allUp && store.settled(3, PARTITIONS)) return { settled: true, ms: Date.now() - started };
    if (Date.now() - started > capMs) return { settled: false, ms: Date.now() - started };
    await sleep(250);
  }
}

/** A producer whose history has not grown for this long is stalled (it writes 50 lines a second). */
const STALL_MS = 20_000;

/**
 * Notes producers whose history stops growing, with the stacks of every thread (gdb, when
 * installed) in `<history file>.stall`: a client stuck inside librdkafka looks the same from
 * outside as a broker that stopped answering.
 */
function watchStalls(
  producers: readonly ClientProcess[],
  log: (line: string) => void,
): { stop(): void; stalls: string[] } {
  const sizes = new Map<ClientProcess, { bytes: number; since: number; reported: boolean }>();
  const stalls: string[] = [];
  const timer = setInterval(() => {
    for (const p of producers) {
      void stat(p.file)
        .then(async (st) => {
          const seen = sizes.get(p);
          if (seen === undefined || seen.bytes !== st.size) {
            sizes.set(p, { bytes: st.size, since: Date.now(), reported: false });
            return;
          }
          if (seen.reported || Date.now() - seen.since < STALL_MS) return;
          seen.reported = true;
          const name = p.file.split('/').pop() ?? p.file;
          stalls.push(name);
          log(`${name}: no line for ${STALL_MS} ms; stacks in ${p.file}.stall`);
          const pid = String(p.child.pid ?? 0);
          const threads = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
          const gdb = await run('gdb', ['-p', pid, '-batch', '-ex', 'thread apply all bt'], {
            timeoutMs: 60_000,
          }).catch((err: Error) => ({ stdout: '', stderr: err.message }));
          await writeFile(`${p.file}.stall`, `${threads}\n${gdb.stdout}\n${gdb.stderr}`);
        })
        .catch(() => {});
    }
  }, 5000);
  return { stop: () => clearInterval(timer), stalls };
}

/** One chunk: a fresh cluster, `faults` faults, the final read and the check. Runs in the hub. */
export async function runChunk(tag: string, o: ChunkOptions): Promise<ChunkResult> {
  const dir = join(tmpdir(), `gregor-campaign-${tag}`);
  await mkdir(dir, { recursive: true });
  const logLines: string[] = [];
  const log = (line: string) => {
    const l = `${new Date().toISOString()} ${line}`;
    logLines.push(l);
    console.error(l);
  };
  const network = Network.attach(tag, NODE_NAMES);
  const metadataStore = `etcd://${['e1', 'e2', 'e3'].map((e) => `${network.node(e).address}:${ETCD_CLIENT_PORT}`).join(',')}`;
  const cluster = new CampaignCluster({
    dir,
    network,
    bin: o.bin,
    clusterId: CLUSTER_ID,
    diskBytes: 128 * 1024 * 1024,
    uidBase: 61000,
    log,
    brokerConfig: {
      'metadata.store': metadataStore,
      'broker.session.timeout.ms': '4000',
      'replica.lag.time.max.ms': '6000',
      'min.insync.replicas': '2',
      'default.replication.factor': '3',
      'num.partitions': String(PARTITIONS),
      'offsets.topic.replication.factor': '3',
      'offsets.topic.num.partitions': '6',
      'group.initial.rebalance.delay.ms': '0',
      'log.segment.bytes': String(o.segmentBytes),
      'auto.create.topics.enable': 'false',
    },
  });
  const clients: Array<{ stop(ms: number): Promise<void> }> = [];
  // Stopped from outside (the outer process got SIGINT/SIGTERM): leave nothing running.
  const onSignal = () => {
    void Promise.all(clients.map((c) => c.stop(0)))
      .then(() => cluster.stop())
      .finally(() => process.exit(130));
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  const started = Date.now();
  const rnd = new SeededRandom(o.seed);
  const faults: FaultRecord[] = [];
  let store: StoreView | null = null;
  let result: ChunkResult;
  try {
    await cluster.start();
    store = new StoreView(
      cluster.etcd.map((e) => `${e.address}:${ETCD_CLIENT_PORT}`),
      `/gregor/${CLUSTER_ID}/`,
      TOPIC,
    );
    store.start();
    await createTopic(cluster.bootstrap);
    const first = await waitSettled(store, cluster, 60_000);
    if (!first.settled) throw new Error('cluster did not settle after start');
    const producers = PRODUCERS.map((name) =>
      startProducer(dir, name, cluster.bootstrap, TOPIC, PARTITIONS, o.rate),
    );
    const consumers = CONSUMERS.map((name) =>
      startConsumer(dir, name, cluster.bootstrap, TOPIC, GROUP),
    );
    clients.push(...producers, ...consumers);
    const watchdog = watchStalls(producers, log);
    await sleep(5000);
    for (let i = 0; i < o.faults; i++) {
      if (o.deadline !== undefined && Date.now() >= o.deadline) {
        log(`time is up after ${i} faults`);
        break;
      }
      const kind = o.order === 'cycle' ? o.kinds[i % o.kinds.length]! : rnd.pick(o.kinds);
      const holdMs = o.holdMs[0] + rnd.int(o.holdMs[1] - o.holdMs[0] + 1);
      const start = Date.now() / 1000;
      let fault: Fault;
      try {
        fault = await applyFault(kind, { cluster, network, store, rnd });
      } catch (err) {
        log(`fault ${i} ${kind} could not be applied: ${(err as Error).message}`);
        continue;
      }
      log(`fault ${i + 1}/${o.faults} ${kind} on ${fault.target} for ${holdMs} ms`);
      await sleep(holdMs);
      await fault.heal();
      const restarted = await cluster.restartStopped().catch((err: Error) => {
        log(`restart failed: ${err.message}`);
        return [] as string[];
      });
      const s = await waitSettled(store, cluster, 30_000);
      if (!s.settled) log(`not settled ${s.ms} ms after healing ${kind}`);
      faults.push({
        kind,
        target: fault.target,
        start,
        holdMs,
        settleMs: s.ms,
        settled: s.settled,
        restarted,
      });
      await sleep(1000);
    }
    watchdog.stop();
    // Heal everything, let the clients finish, read everything back.
    await network.healAll();
    for (const b of cluster.brokers) {
      await b.setClock('+0');
      await b.freeDisk();
      await b.ioErrors(false);
      b.resume();
    }
    await cluster.restartStopped();
    const last = await waitSettled(store, cluster, 90_000);
    if (!last.settled) log('cluster did not settle before the final read');
    await sleep(3000);
    await Promise.all(producers.map((p) => p.stop(45_000)));
    await sleep(8000);
    await Promise.all(consumers.map((c) => c.stop(15_000)));
    const finalLog = await finalRead(
      cluster.brokers.map((b) => b.bootstrap),
      TOPIC,
      PARTITIONS,
      120_000,
    );
    const final = { finalLog, epochs: store.epochs, faults };
    await writeChunkFinal(dir, final);
    const { checked, producerFatal } = await checkChunkDir(dir, final);
    result = {
      seed: o.seed,
      startedAt: new Date(started).toISOString(),
      wallMs: Date.now() - started,
      faults,
      acked: checked.acked,
      errors: checked.errors,
      unknown: checked.unknown,
      reads: checked.reads,
      assignmentsChecked: checked.assignmentsChecked,
      finalRecords: checked.finalRecords,
      producerFatal,
      producerStalls: watchdog.stalls,
      byFault: checked.byFault,
      ackedByFault: checked.ackedByFault,
      anomalies: checked.anomalies.slice(0, 200),
      unexpectedExits: Object.fromEntries(
        [...cluster.brokers, ...cluster.etcd].map((m) => [m.name, m.unexpectedExits]),
      ),
      dir,
    };
  } catch (err) {
    log(`chunk failed: ${(err as Error).stack}`);
    result = {
      seed: o.seed,
      startedAt: new Date(started).toISOString(),
      wallMs: Date.now() - started,
      faults,
      acked: 0,
      errors: 0,
      unknown: 0,
      reads: 0,
      finalRecords: 0,
      producerFatal: 0,
      producerStalls: [],
      byFault: {},
      ackedByFault: {},
      anomalies: [],
      unexpectedExits: {},
      dir,
      error: (err as Error).message,
    };
  } finally {
    await Promise.all(clients.map((c) => c.stop(1000)));
    await store?.close();
    await cluster.stop();
  }
  await appendFile(join(dir, 'campaign.log'), `${logLines.join('\n')}\n`);
  await appendFile(o.results, `${JSON.stringify(result)}\n`);
  const clean =
    result.anomalies.length === 0 &&
    result.error === undefined &&
    result.producerStalls.length === 0;
  if (!o.keep && clean) {
    await rm(dir, { recursive: true, force: true });
  }
  return result;
}

// ---- the outer process: namespaces, chunks, the table ---------------------

export interface CampaignOptions extends Omit<ChunkOptions, 'seed' | 'faults' | 'deadline'> {
  readonly seed: number;
  /** Faults in all (Infinity with `minutes`: as many as fit). */
  readonly faults: number;
  readonly chunk: number;
  /** Wall-clock budget: no chunk and no fault starts after it. */
  readonly minutes?: number;
}

/** Runs chunks until `faults` faults ran; each chunk in its own namespaces, torn down after. */
export async function runCampaign(o: CampaignOptions): Promise<ChunkResult[]> {
  const results: ChunkResult[] = [];
  let done = 0;
  let stopping = false;
  const deadline = o.minutes === undefined ? undefined : Date.now() + o.minutes * 60_000;
  const timeLeft = () => deadline === undefined || Date.now() < deadline;
  for (let c = 0; done < o.faults && !stopping && timeLeft(); c++) {
    const faults = Math.min(o.chunk, o.faults - done);
    const seed = o.seed + c;
    const tag = `gc${(process.pid % 46656).toString(36)}${c.toString(36)}`.slice(0, 8);
    await destroyNamespaces(tag, NODE_NAMES);
    const network = await Network.create(tag, NODE_NAMES);
    try {
      const args = [
        'netns',
        'exec',
        network.hubNs,
        process.execPath,
        '--import',
        'tsx',
        join(import.meta.dirname, 'campaign.ts'),
        '--inner',
        tag,
        '--seed',
        String(seed),
        '--faults',
        String(faults),
        '--kinds',
        o.kinds.join(','),
        '--bin',
        o.bin,
        '--results',
        o.results,
        '--hold',
        `${o.holdMs[0]}-${o.holdMs[1]}`,
        '--rate',
        String(o.rate),
        '--order',
        o.order,
        '--segment-bytes',
        String(o.segmentBytes),
        ...(deadline === undefined ? [] : ['--deadline', String(deadline)]),
        ...(o.keep ? ['--keep'] : []),
      ];
      const child = spawn('ip', args, { stdio: ['ignore', 'inherit', 'inherit'] });
      const stop = () => {
        stopping = true;
        child.kill('SIGTERM');
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      await new Promise((resolve) => child.on('close', resolve));
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    } finally {
      await network.destroy();
    }
    if (stopping) break;
    // Other runs may append to the same file: this chunk's line is the last with its seed.
    const lines = (await readFile(o.results, 'utf8')).trim().split('\n');
    const mine = lines.map((l) => JSON.parse(l) as ChunkResult).filter((r) => r.seed === seed);
    const last = mine[mine.length - 1];
    if (last === undefined) throw new Error(`chunk ${seed} wrote no result`);
    results.push(last);
    done += last.faults.length > 0 ? last.faults.length : faults;
    if (last.error !== undefined && last.faults.length === 0) {
      throw new Error(`chunk ${seed} failed before any fault: ${last.error}`);
    }
  }
  return results;
}

export interface Table {
  readonly rows: Array<{ kind: string; faults: number; acked: number } & Record<Anomaly, number>>;
  readonly chunks: number;
  readonly faults: number;
  readonly acked: number;
  readonly reads: number;
  readonly assignmentsChecked: number;
  readonly unknown: number;
  readonly errors: number;
  readonly wallMs: number;
  readonly failedChunks: number;
  /** Fatal producer errors (a new producer was made) and producers whose history stopped. */
  readonly producerFatal: number;
  readonly producerStalls: number;
}

export function tableOf(results: readonly ChunkResult[]): Table {
  const rows = new Map<
    string,
    { kind: string; faults: number; acked: number } & Record<Anomaly, number>
  >();
  const row = (kind: string) => {
    let r = rows.get(kind);
    if (r === undefined) {
      r = {
        kind,
        faults: 0,
        acked: 0,
        ...(Object.fromEntries(ANOMALIES.map((a) => [a, 0])) as Record<Anomaly, number>),
      };
      rows.set(kind, r);
    }
    return r;
  };
  row(BASELINE);
  for (const k of FAULT_KINDS) row(k);
  let acked = 0;
  let reads = 0;
  let assignmentsChecked = 0;
  let unknown = 0;
  let errors = 0;
  let faults = 0;
  let wallMs = 0;
  let failedChunks = 0;
  let producerFatal = 0;
  let producerStalls = 0;
  for (const r of results) {
    if (r.error !== undefined) failedChunks++;
    producerFatal += r.producerFatal ?? 0;
    producerStalls += r.producerStalls?.length ?? 0;
    acked += r.acked;
    reads += r.reads;
    assignmentsChecked += r.assignmentsChecked ?? 0;
    unknown += r.unknown;
    errors += r.errors;
    wallMs += r.wallMs;
    faults += r.faults.length;
    for (const f of r.faults) row(f.kind).faults++;
    for (const [kind, n] of Object.entries(r.ackedByFault)) row(kind).acked += n;
    for (const [kind, counts] of Object.entries(r.byFault)) {
      for (const a of ANOMALIES) row(kind)[a] += counts[a] ?? 0;
    }
  }
  return {
    rows: [...rows.values()],
    chunks: results.length,
    faults,
    acked,
    reads,
    assignmentsChecked,
    unknown,
    errors,
    wallMs,
    failedChunks,
    producerFatal,
    producerStalls,
  };
}

export function formatTable(t: Table): string {
  const head = ['fault kind', 'faults', 'acked writes in its windows', ...ANOMALIES];
  const lines = [
    `| ${head.join(' | ')} |`,
    `| ${head.map(() => '---').join(' | ')} |`,
    ...t.rows.map(
      (r) => `| ${[r.kind, r.faults, r.acked, ...ANOMALIES.map((a) => r[a])].join(' | ')} |`,
    ),
  ];
  lines.push(
    '',
    `${t.faults} faults in ${t.chunks} chunks (${t.failedChunks} failed), ${(t.wallMs / 3_600_000).toFixed(2)} h; ` +
      `${t.acked} acknowledged writes checked, ${t.reads} consumer reads checked, ` +
      `${t.assignmentsChecked} assignments checked against the group's confirmed commits, ` +
      `${t.errors} writes the client gave up on, ${t.unknown} with no outcome; ` +
      `${t.producerFatal} fatal producer errors, ${t.producerStalls} producers stalled`,
  );
  return lines.join('\n');
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function kindsArg(): FaultKind[] {
  const k = arg('kinds');
  if (k === undefined || k === 'all') return [...FAULT_KINDS];
  const kinds = k.split(',') as FaultKind[];
  for (const kind of kinds)
    if (!FAULT_KINDS.includes(kind)) throw new Error(`unknown fault kind ${kind}`);
  return kinds;
}

function holdArg(): [number, number] {
  const [a, b] = (arg('hold') ?? '3000-7000').split('-').map(Number);
  return [a!, b ?? a!];
}

async function main(): Promise<void> {
  const table = arg('table');
  if (table !== undefined) {
    // One or more results files, comma-separated.
    const results: ChunkResult[] = [];
    for (const file of table.split(',')) {
      const lines = (await readFile(file, 'utf8')).trim().split('\n');
      results.push(...lines.map((l) => JSON.parse(l) as ChunkResult));
    }
    console.log(formatTable(tableOf(results)));
    return;
  }
  const recheck = arg('recheck');
  if (recheck !== undefined) {
    // Kept chunk directories, comma-separated: the checker again on what they recorded
    // (after a change to the checker), anomalies by kind and each one's detail.
    for (const dir of recheck.split(',')) {
      const { checked } = await checkChunkDir(dir);
      console.log(
        `${dir}: ${checked.acked} acknowledged, ${checked.assignmentsChecked} assignments checked`,
      );
      for (const a of checked.anomalies) console.log(`  ${a.anomaly} (${a.fault}): ${a.detail}`);
    }
    return;
  }
  const inner = arg('inner');
  /** --segment-bytes: whole bytes, at least 16 KiB (the producers' batches must fit). */
  const segmentBytesArg = () => {
    const n = Number(arg('segment-bytes') ?? 4 * 1024 * 1024);
    if (!Number.isInteger(n) || n < 16 * 1024)
      throw new Error(`--segment-bytes ${arg('segment-bytes')}: a whole number of at least 16384`);
    return n;
  };
  const common = {
    kinds: kindsArg(),
    bin: arg('bin') ?? DEFAULT_BIN,
    results: arg('results') ?? join(tmpdir(), 'gregor-campaign.jsonl'),
    holdMs: holdArg(),
    rate: Number(arg('rate') ?? 50),
    keep: process.argv.includes('--keep'),
    order: arg('order') === 'cycle' ? ('cycle' as const) : ('random' as const),
    segmentBytes: segmentBytesArg(),
  };
  if (inner !== undefined) {
    const deadline = arg('deadline');
    const r = await runChunk(inner, {
      ...common,
      seed: Number(arg('seed') ?? 1),
      faults: Number(arg('faults') ?? 10),
      ...(deadline === undefined ? {} : { deadline: Number(deadline) }),
    });
    console.log(formatTable(tableOf([r])));
    process.exit(0);
  }
  if (process.getuid?.() !== 0) throw new Error('the campaign needs root (namespaces, tmpfs)');
  const minutes = arg('minutes');
  const results = await runCampaign({
    ...common,
    seed: Number(arg('seed') ?? 1),
    // A time alone is the bound; a count alone (or neither: 40) is the other.
    faults: Number(arg('faults') ?? (minutes === undefined ? 40 : Number.POSITIVE_INFINITY)),
    chunk: Number(arg('chunk') ?? 40),
    ...(minutes === undefined ? {} : { minutes: Number(minutes) }),
  });
  console.log(formatTable(tableOf(results)));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
