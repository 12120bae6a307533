// Exactly-once read-process-write on 3 brokers with etcd: a librdkafka
// processor consumes an input topic read_committed and, per transaction,
// writes each value transformed to an output topic and commits its input
// offsets. Meanwhile the processor is killed (kill -9) and restarted, and so
// are the brokers that coordinate its transactions, lead its output
// partitions and coordinate its group. Afterwards a read_committed reader of
// the output must find every input value exactly once. Bounded: a fixed plan
// of faults, about two minutes.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { partitionForKey } from '../../src/util/java-hash.ts';
import { type BrokerProcess, freePort, spawnBroker } from '../harness/broker-process.ts';
import { startEtcd } from '../harness/etcd.ts';
import { PYTHON, runPython } from '../harness/processes.ts';
import { describeTopic, until } from '../harness/topic-state.ts';

const INPUT_RECORDS = Number(process.env['GREGOR_EOS_RECORDS'] ?? 4000);
const TXN_PARTITIONS = 3;
const TXN_ID = 'eos-processor';
const GROUP = 'eos-group';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const script = (name: string) => join(import.meta.dirname, 'python', name);

/** Keeps one processor running: restarts it whenever it exits, until stopped. */
class Supervisor {
  private child: ChildProcess | null = null;
  private stopped = false;
  readonly log: string[] = [];
  restarts = 0;
  committed = 0;

  constructor(private readonly env: Record<string, string>) {}

  start(): void {
    if (this.stopped) return;
    const child = spawn(PYTHON, [script('eos_processor.py')], {
      env: { ...process.env, ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout?.on('data', (b: Buffer) => {
      for (const line of b.toString().split('\n')) {
        const m = /^COMMITTED (\d+)/.exec(line);
        if (m !== null) this.committed += Number(m[1]);
        else if (line.trim() !== '') this.log.push(line.trim());
      }
    });
    child.on('exit', (code, signal) => {
      this.log.push(`processor exited ${code ?? signal}`);
      if (this.child !== child || this.stopped) return;
      this.restarts++;
      setTimeout(() => this.start(), 300);
    });
  }

  kill(): void {
    this.child?.kill('SIGKILL');
  }

  /** Lets the transaction in hand finish, then stops for good. */
  async stop(): Promise<void> {
    this.stopped = true;
    const child = this.child;
    if (child === null || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await Promise.race([exited, sleep(20_000)]);
    child.kill('SIGKILL');
  }
}

test(`exactly once: ${INPUT_RECORDS} records through a transactional processor while processors and brokers are killed`, async () => {
  const etcd = await startEtcd();
  const dir = await mkdtemp(join(tmpdir(), 'gregor-eos-'));
  const ports: number[] = [];
  for (let id = 0; id < 3; id++) ports.push(await freePort());
  const overrides = (id: number) => ({
    'node.id': String(id),
    'metadata.store': etcd.endpoint.replace('http://', 'etcd://'),
    'cluster.id': 'RW9zVGVzdENsdXN0ZXIwMA',
    'broker.session.timeout.ms': '3000',
    'replica.lag.time.max.ms': '4000',
    'min.insync.replicas': '2',
    'default.replication.factor': '3',
    'transaction.state.log.num.partitions': String(TXN_PARTITIONS),
    'offsets.topic.num.partitions': '3',
    'group.initial.rebalance.delay.ms': '0',
    'transaction.abort.timed.out.transaction.cleanup.interval.ms': '1000',
  });
  const brokers: BrokerProcess[] = [];
  const restart = async (id: number) => {
    brokers[id] = await spawnBroker({
      dataDir: join(dir, `b${id}`),
      port: ports[id]!,
      overrides: overrides(id),
    });
  };
  let supervisor: Supervisor | null = null;
  try {
    for (let id = 0; id < 3; id++) await restart(id);
    const bootstrap = brokers.map((b) => b.bootstrap).join(',');
    await runPython(
      [
        'from confluent_kafka import Producer',
        'from confluent_kafka.admin import AdminClient, NewTopic',
        'import json, os',
        'b = os.environ["BOOTSTRAP"]',
        'a = AdminClient({"bootstrap.servers": b})',
        '[f.result(20) for f in a.create_topics([NewTopic("eos-in", 3, 3), NewTopic("eos-out", 3, 3)]).values()]',
        'p = Producer({"bootstrap.servers": b, "enable.idempotence": True, "linger.ms": 10})',
        'for i in range(int(os.environ["N"])): p.produce("eos-in", key=str(i % 31), value="v-%d" % i)',
        'assert p.flush(60) == 0',
        'print(json.dumps(1))',
      ].join('\n'),
      { BOOTSTRAP: bootstrap, N: String(INPUT_RECORDS) },
      120_000,
    );
    const processor = new Supervisor({
      BOOTSTRAP: bootstrap,
      IN: 'eos-in',
      OUT: 'eos-out',
      TXN_ID,
      GROUP,
    });
    supervisor = processor;
    processor.start();
    await until('the processor to commit a first transaction', 60_000, async () =>
      processor.committed > 0 ? true : null,
    );

    const leaderOf = async (topic: string, partition: number) => {
      const rows = await describeTopic(bootstrap, topic);
      const leader = rows.find((r) => r.partition === partition)?.leader ?? -1;
      return leader >= 0 ? leader : null;
    };
    const killBroker = async (id: number, why: string) => {
      faults.push(`kill -9 broker ${id} (${why})`);
      brokers[id]!.child.kill('SIGKILL');
      await brokers[id]!.exited;
      await sleep(1500);
      await restart(id);
    };
    const txnPartition = partitionForKey(TXN_ID, TXN_PARTITIONS);
    const faults: string[] = [];
    const plan: Array<() => Promise<void>> = [
      async () => {
        faults.push('kill -9 processor');
        processor.kill();
      },
      async () =>
        killBroker(
          await until('a coordinator', 30_000, () => leaderOf('__transaction_state', txnPartition)),
          'transaction coordinator',
        ),
      async () => {
        faults.push('kill -9 processor');
        processor.kill();
      },
      async () =>
        killBroker(
          await until('a leader', 30_000, () => leaderOf('eos-out', 0)),
          'leader of eos-out-0',
        ),
      async () =>
        killBroker(
          await until('a coordinator', 30_000, () => leaderOf('__transaction_state', txnPartition)),
          'transaction coordinator again',
        ),
      async () => {
        faults.push('kill -9 processor');
        processor.kill();
      },
    ];
    for (const fault of plan) {
      await sleep(3000);
      await fault();
    }
    await until('the processor to get through the input', 120_000, async () =>
      processor.committed >= INPUT_RECORDS ? true : null,
    ).catch(() => undefined);
    // The count above may include transactions whose commit answer was lost;
    // what counts is what the output holds, read after the processor stopped.
    await sleep(2000);
    await processor.stop();
    const out = (await runPython(
      `exec(open(${JSON.stringify(script('read_committed_all.py'))}).read())`,
      { BOOTSTRAP: bootstrap, TOPIC: 'eos-out' },
      120_000,
    )) as string[];
    const counts = new Map<string, number>();
    for (const v of out) counts.set(v, (counts.get(v) ?? 0) + 1);
    const missing: string[] = [];
    const duplicated: string[] = [];
    for (let i = 0; i < INPUT_RECORDS; i++) {
      const n = counts.get(`out-v-${i}`) ?? 0;
      if (n === 0) missing.push(`v-${i}`);
      if (n > 1) duplicated.push(`v-${i}`);
    }
    console.log(
      `exactly-once: ${out.length} output records for ${INPUT_RECORDS} inputs; ` +
        `missing ${missing.length}, duplicated ${duplicated.length}; processor restarts ` +
        `${processor.restarts}; faults: ${faults.join(', ')}`,
    );
    if (missing.length + duplicated.length > 0) console.log(processor.log.slice(-40).join('\n'));
    assert.equal(duplicated.length, 0, `duplicated: ${duplicated.slice(0, 10).join(' ')}`);
    assert.equal(missing.length, 0, `missing: ${missing.slice(0, 10).join(' ')}`);
    assert.equal(out.length, INPUT_RECORDS);
    assert.ok(faults.length === plan.length);
  } finally {
    await supervisor?.stop().catch(() => undefined);
    for (const b of brokers) b?.child.kill('SIGKILL');
    await etcd.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
