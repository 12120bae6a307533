// Transactions across a broker crash (kill -9) on one broker: a committed, an
// aborted and an open transaction are in the log when the broker dies. After
// the restart the coordinator reloads __transaction_state, the producer
// commits its open transaction, read_committed readers see both committed
// transactions and never the aborted one (its entry is in the partition's
// .txnindex, rebuilt or reloaded from disk), and read_uncommitted readers
// see everything. A transaction left open while other writes roll the log
// through many segments still holds read_committed readers back after a kill -9
// (the producer-state snapshot taken at each roll knows it).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePort, spawnBroker } from '../harness/broker-process.ts';
import { PYTHON, runPython } from '../harness/processes.ts';
import { until } from '../harness/topic-state.ts';

const PRODUCER = `
import os, sys
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic
b = os.environ["BOOTSTRAP"]
admin = AdminClient({"bootstrap.servers": b})
[f.result(20) for f in admin.create_topics([NewTopic("crash", 1, 1)]).values()]
p = Producer({"bootstrap.servers": b, "transactional.id": "crash-producer", "transaction.timeout.ms": 60000,
              "message.timeout.ms": 60000, "reconnect.backoff.max.ms": 500})
p.init_transactions(30)
for name, commit in (("c1", True), ("a2", False)):
    p.begin_transaction()
    for i in range(5): p.produce("crash", value=("%s-%d" % (name, i)).encode())
    p.flush(30)
    p.commit_transaction(30) if commit else p.abort_transaction(30)
p.begin_transaction()
for i in range(5): p.produce("crash", value=("c3-%d" % i).encode())
p.flush(30)
print("OPEN", flush=True)
sys.stdin.readline()
p.commit_transaction(60)
print("COMMITTED", flush=True)
`;

const LONG_OPEN = `
import os, sys
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic
b = os.environ["BOOTSTRAP"]
admin = AdminClient({"bootstrap.servers": b})
[f.result(20) for f in admin.create_topics([NewTopic("long", 1, 1, config={"segment.bytes": "16384"})]).values()]
p = Producer({"bootstrap.servers": b, "transactional.id": "long-producer", "transaction.timeout.ms": 120000,
              "message.timeout.ms": 60000, "reconnect.backoff.max.ms": 500})
p.init_transactions(30)
p.begin_transaction()
p.produce("long", value=b"open-0")
p.flush(30)
# Batches well under segment.bytes: a larger one is RECORD_LIST_TOO_LARGE, as in Kafka.
filler = Producer({"bootstrap.servers": b, "enable.idempotence": True, "batch.size": 4096})
failed = []
for i in range(400):
    filler.produce("long", value=("filler-%03d-" % i).encode() + b"x" * 400,
                   on_delivery=lambda e, m: failed.append(e) if e else None)
    filler.poll(0)
if filler.flush(30) != 0 or failed: raise Exception("filler not delivered: %s" % failed[:3])
print("OPEN", flush=True)
sys.stdin.readline()
p.commit_transaction(60)
print("COMMITTED", flush=True)
`;

const READ = `
import json, os
from confluent_kafka import Consumer, TopicPartition
c = Consumer({"bootstrap.servers": os.environ["BOOTSTRAP"], "group.id": "x", "enable.partition.eof": True,
              "isolation.level": os.environ["ISOLATION"]})
c.assign([TopicPartition(os.environ.get("TOPIC", "crash"), 0, -2)])
values = []
while True:
    m = c.poll(1.0)
    if m is None: continue
    if m.error():
        if m.error().code() == -191: break
        raise Exception(m.error())
    values.append(m.value().decode())
print(json.dumps(values))
`;

const OVERRIDES = {
  'transaction.state.log.num.partitions': '2',
  'offsets.topic.num.partitions': '2',
};

/** A broker in a fresh directory and a python producer `script` against it; `out()` is what it printed. */
async function startWithProducer(script: string, prefix: string) {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const port = await freePort();
  const broker = await spawnBroker({ dataDir: dir, port, overrides: OVERRIDES });
  const producer = spawn(PYTHON, ['-c', script], {
    env: { ...process.env, BOOTSTRAP: broker.bootstrap },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let printed = '';
  producer.stdout.on('data', (d: Buffer) => {
    printed += d.toString();
  });
  return { dir, port, broker, producer, out: () => printed };
}

test('committed, aborted and open transactions survive a broker kill -9', async () => {
  const { dir, port, producer, out, ...started } = await startWithProducer(
    PRODUCER,
    'gregor-txn-crash-',
  );
  let broker = started.broker;
  try {
    await until('the open transaction', 60_000, async () => (out().includes('OPEN') ? true : null));
    broker.child.kill('SIGKILL');
    await broker.exited;
    broker = await spawnBroker({ dataDir: dir, port, overrides: OVERRIDES });
    producer.stdin.write('commit\n');
    await until('the commit after the restart', 90_000, async () =>
      out().includes('COMMITTED') ? true : null,
    );
    const read = async (isolation: string) =>
      ((await runPython(READ, { BOOTSTRAP: broker.bootstrap, ISOLATION: isolation })) as string[])
        .slice()
        .sort();
    const names = (prefixes: string[]) =>
      prefixes.flatMap((p) => Array.from({ length: 5 }, (_, i) => `${p}-${i}`)).sort();
    assert.deepEqual(await read('read_committed'), names(['c1', 'c3']));
    assert.deepEqual(await read('read_uncommitted'), names(['c1', 'a2', 'c3']));
    const files = await readdir(join(dir, 'crash-0'));
    const index = files.find((f) => f.endsWith('.txnindex'));
    assert.ok(index !== undefined, `a .txnindex file in ${files.join(' ')}`);
    const bytes = await readFile(join(dir, 'crash-0', index));
    assert.equal(bytes.length, 34, 'one aborted transaction: one 34-byte entry');
    assert.equal(bytes.readBigInt64BE(10), 6n, 'it starts after c1 (0-4) and its marker (5)');
  } finally {
    producer.kill('SIGKILL');
    broker.child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
});

test('a transaction open while the log rolls through many segments survives a kill -9', async () => {
  const { dir, port, producer, out, ...started } = await startWithProducer(
    LONG_OPEN,
    'gregor-txn-long-',
  );
  let broker = started.broker;
  const read = async (isolation: string) =>
    (await runPython(READ, {
      BOOTSTRAP: broker.bootstrap,
      ISOLATION: isolation,
      TOPIC: 'long',
    })) as string[];
  try {
    await until('the open transaction and 400 writes after it', 90_000, async () =>
      out().includes('OPEN') ? true : null,
    );
    const segments = (await readdir(join(dir, 'long-0'))).filter((f) => f.endsWith('.log'));
    assert.ok(segments.length >= 5, `the log rolled: ${segments.length} segments`);
    assert.deepEqual(await read('read_committed'), [], 'held back before the crash');
    broker.child.kill('SIGKILL');
    await broker.exited;
    broker = await spawnBroker({ dataDir: dir, port, overrides: OVERRIDES });
    // Rebuilt from the last two segments only, the open transaction was forgotten
    // and its uncommitted record (with every filler) was served here.
    assert.deepEqual(await read('read_committed'), [], 'still held back after the restart');
    assert.equal((await read('read_uncommitted')).length, 401);
    producer.stdin.write('commit\n');
    await until('the commit after the restart', 90_000, async () =>
      out().includes('COMMITTED') ? true : null,
    );
    const committed = await read('read_committed');
    assert.equal(committed.length, 401);
    assert.equal(committed[0], 'open-0');
  } finally {
    producer.kill('SIGKILL');
    broker.child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
});
