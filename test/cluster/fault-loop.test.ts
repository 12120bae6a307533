// While a producer writes with acks=all and min.insync.replicas=2, a random
// broker is repeatedly killed (kill -9) or paused (SIGSTOP past its session
// timeout) and brought back. At the end every offset the producer saw
// acknowledged must be readable with the value it sent (no lost write, no
// inconsistent offset). Bounded: a fixed number of faults.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SeededRandom } from '../../src/protocol/testing/sample-values.ts';
import { acknowledgedWrites, auditAcknowledged } from '../harness/acknowledged-writes.ts';
import { type BrokerProcess, freePort, spawnBroker } from '../harness/broker-process.ts';
import { startEtcd } from '../harness/etcd.ts';
import { PYTHON, runPython } from '../harness/processes.ts';

const FAULTS = Number(process.env['GREGOR_FAULTS'] ?? 6);
const SESSION_TIMEOUT_MS = 3000;
const SEED = Number(process.env['GREGOR_FAULT_SEED'] ?? 7);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test(`no acknowledged write is lost across ${FAULTS} broker faults (seed ${SEED})`, async () => {
  const etcd = await startEtcd();
  const dir = await mkdtemp(join(tmpdir(), 'gregor-faults-'));
  const ports: number[] = [];
  for (let id = 0; id < 3; id++) ports.push(await freePort());
  const overrides = (id: number) => ({
    'node.id': String(id),
    'metadata.store': etcd.endpoint.replace('http://', 'etcd://'),
    'cluster.id': 'RmF1bHRMb29wVGVzdENsdQ',
    'broker.session.timeout.ms': String(SESSION_TIMEOUT_MS),
    'replica.lag.time.max.ms': '4000',
    'min.insync.replicas': '2',
    'default.replication.factor': '3',
  });
  const brokers: BrokerProcess[] = [];
  for (let id = 0; id < 3; id++)
    brokers.push(
      await spawnBroker({
        dataDir: join(dir, `b${id}`),
        port: ports[id]!,
        overrides: overrides(id),
      }),
    );
  const bootstrap = brokers.map((b) => b.bootstrap).join(',');
  const rnd = new SeededRandom(SEED);
  await runPython(
    `from confluent_kafka.admin import AdminClient, NewTopic\nimport json,os\na=AdminClient({"bootstrap.servers": os.environ["BOOTSTRAP"]})\n[f.result(15) for f in a.create_topics([NewTopic("faults", num_partitions=3, replication_factor=3)]).values()]\nprint(json.dumps(1))`,
    { BOOTSTRAP: bootstrap },
  );
  let out = '';
  const producer = spawn(
    PYTHON,
    [join(import.meta.dirname, 'python', 'acked_offsets_producer.py')],
    {
      env: { ...process.env, BOOTSTRAP: bootstrap, TOPIC: 'faults' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  producer.stdout.on('data', (b: Buffer) => {
    out += b.toString();
  });
  try {
    await sleep(2000);
    const faults: string[] = [];
    for (let f = 0; f < FAULTS; f++) {
      const id = rnd.int(3);
      const b = brokers[id]!;
      if (rnd.next() < 0.5) {
        b.child.kill('SIGKILL');
        await b.exited;
        await sleep(1500 + rnd.int(2000));
        brokers[id] = await spawnBroker({
          dataDir: join(dir, `b${id}`),
          port: ports[id]!,
          overrides: overrides(id),
        });
        faults.push(`kill -9 broker ${id}`);
      } else {
        b.child.kill('SIGSTOP');
        await sleep(SESSION_TIMEOUT_MS + 1000 + rnd.int(2000));
        b.child.kill('SIGCONT');
        faults.push(`pause broker ${id}`);
      }
      await sleep(3000);
    }
    await sleep(3000);
    producer.kill('SIGKILL');
    await sleep(500);

    const acked = acknowledgedWrites(out);
    assert.ok(acked.size > 1000, `producer got ${acked.size} acknowledgements`);
    const { lost, inconsistent, duplicates } = await auditAcknowledged(acked, bootstrap, 'faults');
    console.log(
      `acknowledged writes lost: ${lost} of ${acked.size} across ${faults.length} faults (${faults.join(', ')}); inconsistent offsets: ${inconsistent}; duplicated values: ${duplicates}`,
    );
    assert.equal(lost, 0, 'lost acknowledged writes');
    assert.equal(inconsistent, 0, 'offsets holding a different value than acknowledged');
    assert.equal(duplicates, 0, 'values stored twice with idempotence on');
  } finally {
    producer.kill('SIGKILL');
    for (const b of brokers) {
      b.child.kill('SIGCONT');
      b.child.kill('SIGKILL');
    }
    await etcd.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
