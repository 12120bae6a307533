// Transactional produce throughput as a ratio of idempotent produce, measured
// in the same run against the same broker: librdkafka (python3-confluent-kafka)
// sends the same messages once idempotently (enable.idempotence) and once in
// transactions of --per-txn messages (begin, produce, commit), rounds
// alternating so both see the same machine. Prints messages/s per round, the
// medians and their ratio; JSON to bench/results/. Not a test: it reports,
// it never fails on a figure.
//
//   node --import tsx bench/transactions.ts [--messages 200000] [--per-txn 1000] [--rounds 3]

import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort, spawnBroker } from '../test/harness/broker-process.ts';
import { runPython } from '../test/harness/processes.ts';

const { values: args } = parseArgs({
  options: {
    messages: { type: 'string', default: '200000' },
    'per-txn': { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '3' },
    'value-bytes': { type: 'string', default: '100' },
  },
});

const PRODUCE = `
import json, os, time
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic
b, topic, mode = os.environ["BOOTSTRAP"], os.environ["TOPIC"], os.environ["MODE"]
n, per_txn = int(os.environ["N"]), int(os.environ["PER_TXN"])
admin = AdminClient({"bootstrap.servers": b})
[f.result(30) for f in admin.create_topics([NewTopic(topic, 1, 1)]).values()]
conf = {"bootstrap.servers": b, "linger.ms": 5, "batch.num.messages": 10000,
        "queue.buffering.max.messages": 1000000}
if mode == "transactional":
    conf["transactional.id"] = "bench-" + topic
else:
    conf["enable.idempotence"] = True
p = Producer(conf)
value = b"x" * int(os.environ["VALUE_BYTES"])
if mode == "transactional":
    p.init_transactions(30)
start = time.monotonic()
sent = 0
while sent < n:
    count = min(per_txn, n - sent)
    if mode == "transactional":
        p.begin_transaction()
    for _ in range(count):
        while True:
            try:
                p.produce(topic, value=value)
                break
            except BufferError:
                p.poll(0.01)
    sent += count
    if mode == "transactional":
        p.commit_transaction(60)
    else:
        p.poll(0)
assert p.flush(120) == 0
elapsed = time.monotonic() - start
print(json.dumps({"mode": mode, "messages": n, "seconds": elapsed, "per_s": n / elapsed}))
`;

interface Round {
  readonly mode: 'idempotent' | 'transactional';
  readonly messages: number;
  readonly seconds: number;
  readonly per_s: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
};

async function main(): Promise<void> {
  const messages = Number(args.messages);
  const perTxn = Number(args['per-txn']);
  const rounds = Number(args.rounds);
  const dir = await mkdtemp(join(tmpdir(), 'gregor-bench-txn-'));
  const broker = await spawnBroker({
    dataDir: dir,
    port: await freePort(),
    overrides: { 'transaction.state.log.num.partitions': '1' },
  });
  const results: Round[] = [];
  try {
    for (let r = 0; r < rounds; r++) {
      for (const mode of ['idempotent', 'transactional'] as const) {
        const round = (await runPython(
          PRODUCE,
          {
            BOOTSTRAP: broker.bootstrap,
            TOPIC: `bench-${mode}-${r}`,
            MODE: mode,
            N: String(messages),
            PER_TXN: String(perTxn),
            VALUE_BYTES: String(args['value-bytes']),
          },
          600_000,
        )) as Round;
        results.push(round);
        process.stderr.write(`round ${r + 1} ${mode}: ${Math.round(round.per_s)} msg/s\n`);
      }
    }
  } finally {
    broker.child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
  const idem = median(results.filter((x) => x.mode === 'idempotent').map((x) => x.per_s));
  const txn = median(results.filter((x) => x.mode === 'transactional').map((x) => x.per_s));
  const summary = {
    messages,
    perTransaction: perTxn,
    valueBytes: Number(args['value-bytes']),
    idempotentPerSecond: Math.round(idem),
    transactionalPerSecond: Math.round(txn),
    ratio: Number((txn / idem).toFixed(2)),
    rounds: results,
  };
  console.log(
    `idempotent ${summary.idempotentPerSecond} msg/s, transactional (${perTxn}/txn) ` +
      `${summary.transactionalPerSecond} msg/s: ratio ${summary.ratio}`,
  );
  mkdirSync('bench/results', { recursive: true });
  const file = join(
    'bench/results',
    `transactions-${new Date().toISOString().replace(/[:.]/g, '-')}.json`,
  );
  writeFileSync(file, `${JSON.stringify(summary, null, 2)}\n`);
}

await main();
