// While a producer writes with acks=all and min.insync.replicas=2, a random
// broker is repeatedly killed (kill -9) or paused (SIGSTOP past its session
// timeout) and brought back. At the end every offset the producer saw
// acknowledged must be readable with the value it sent (no lost write, no
// inconsistent offset), and no value stored twice under one producer epoch.
// Bounded: a fixed number of faults.
// A value stored twice is told by the batches holding it (producer id/epoch/base
// sequence, read from the replicas' segment files): two copies under one epoch are
// a retry the broker let through and fail the test; a copy under a later epoch of
// the same producer id is librdkafka renumbering messages after bumping its epoch,
// which it does when a new leader answers OUT_OF_ORDER_SEQUENCE_NUMBER for a batch
// sent while the one before it is still outstanding at a paused leader (as Kafka
// would answer). No broker can tell such a re-send from a new message, so those are
// counted and printed, and the test checks librdkafka logged the bump.

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
import {
  copiesByBatch,
  type ReplicaRecord,
  readReplicaLog,
  storedTwice,
} from '../harness/replica-log.ts';

const FAULTS = Number(process.env['GREGOR_FAULTS'] ?? 6);
const SESSION_TIMEOUT_MS = 3000;
const SEED = Number(process.env['GREGOR_FAULT_SEED'] ?? 7);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The batches (producer id/epoch/base sequence, first offset and time) holding
 * values stored more than once in one replica's log: both copies under one
 * epoch mean the broker let a retry through; a copy under a later epoch from
 * sequence 0 means the client renumbered messages after bumping its epoch.
 */
function duplicatedBatches(log: readonly ReplicaRecord[]): string {
  return [...copiesByBatch(log)]
    .map(([p, copies]) => {
      const first = copies[0]!;
      return `${copies.length} in batch ${p} (offset ${first.offset}, ${new Date(first.timestampMs).toISOString()})`;
    })
    .join('; ');
}

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
  let producerLog = '';
  const producer = spawn(
    PYTHON,
    [join(import.meta.dirname, 'python', 'acked_offsets_producer.py')],
    {
      // librdkafka's idempotence log says why it bumped its epoch, should values be stored twice.
      env: { ...process.env, BOOTSTRAP: bootstrap, TOPIC: 'faults', LIBRDKAFKA_DEBUG: 'eos' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  producer.stdout.on('data', (b: Buffer) => {
    out += b.toString();
  });
  producer.stderr.on('data', (b: Buffer) => {
    producerLog += b.toString();
  });
  try {
    await sleep(2000);
    const faults: string[] = [];
    // What each broker process said before it was killed (a restarted one starts a new output).
    const earlierOutput: string[] = [];
    for (let f = 0; f < FAULTS; f++) {
      const id = rnd.int(3);
      const b = brokers[id]!;
      if (rnd.next() < 0.5) {
        b.child.kill('SIGKILL');
        await b.exited;
        earlierOutput.push(b.output());
        await sleep(1500 + rnd.int(2000));
        brokers[id] = await spawnBroker({
          dataDir: join(dir, `b${id}`),
          port: ports[id]!,
          overrides: overrides(id),
        });
        faults.push(`kill -9 broker ${id} at ${new Date().toISOString()}`);
      } else {
        const pausedAt = new Date().toISOString();
        b.child.kill('SIGSTOP');
        await sleep(SESSION_TIMEOUT_MS + 1000 + rnd.int(2000));
        b.child.kill('SIGCONT');
        faults.push(`pause broker ${id} ${pausedAt}..${new Date().toISOString()}`);
      }
      await sleep(3000);
    }
    await sleep(3000);
    producer.kill('SIGKILL');
    await sleep(500);

    const acked = acknowledgedWrites(out);
    assert.ok(acked.size > 1000, `producer got ${acked.size} acknowledgements`);
    const { lost, inconsistent, duplicates, duplicatedValues } = await auditAcknowledged(
      acked,
      bootstrap,
      'faults',
    );
    console.log(
      `acknowledged writes lost: ${lost} of ${acked.size} across ${faults.length} faults (${faults.join(', ')}); inconsistent offsets: ${inconsistent}; duplicated values: ${duplicates}`,
    );
    // How often a leader fence went up, by reason: a healthy leader fenced for a
    // late keepalive answers NOT_LEADER_OR_FOLLOWER while it keeps leading.
    const fenceReasons = new Map<string, number>();
    for (const l of [...earlierOutput, ...brokers.map((b) => b.output())].join('\n').split('\n')) {
      if (l.includes('process stalled'))
        fenceReasons.set('stalled', (fenceReasons.get('stalled') ?? 0) + 1);
      const m = /"reason":"([a-z-]+)"/.exec(l);
      if (m !== null && l.includes('not leading partitions'))
        fenceReasons.set(m[1]!, (fenceReasons.get(m[1]!) ?? 0) + 1);
    }
    console.log(`leader fence went up: ${JSON.stringify(Object.fromEntries(fenceReasons))}`);
    /** Values stored twice that no epoch bump explains: the broker's to answer for. */
    const notResent: string[] = [];
    let resent = 0;
    let bumpLogged = false;
    if (duplicates > 0) {
      const logs: ReplicaRecord[][] = [];
      for (let p = 0; p < 3; p++) {
        const replicas = await Promise.all(
          [0, 1, 2].map((id) =>
            readReplicaLog(join(dir, `b${id}`, `faults-${p}`), { missingIsEmpty: true }),
          ),
        );
        const longest = replicas.reduce((a, b) => (b.length > a.length ? b : a));
        logs.push(longest);
        console.log(
          `partition ${p}, stored twice by batch (id/epoch/sequence): ${duplicatedBatches(longest)}`,
        );
      }
      const twice = new Map(storedTwice(logs).map((t) => [t.value, t]));
      for (const value of duplicatedValues) {
        const t = twice.get(value);
        if (t?.cause === 'resentAfterEpochBump') resent++;
        else
          notResent.push(
            t === undefined
              ? `${value} (read twice, not twice in the replicas' files)`
              : `${value} ${t.cause}: ${t.copies.map((c) => `@${c.offset} ${c.producer}`).join(', ')}`,
          );
      }
      bumpLogged = /All partitions drained, bumped epoch/.test(producerLog);
      console.log(
        `values stored twice: ${resent} re-sent by librdkafka after an epoch bump (bump logged: ${bumpLogged}), ${notResent.length} not`,
      );
      const idempotence = producerLog
        .split('\n')
        // Without the retries' drains, which repeat every 100 ms while a leader is away
        // and pushed the lines saying why the epoch was bumped out of the last 80.
        .filter((l) => /epoch|bump|drain|sequence|timed out|PID/i.test(l))
        .filter((l) => !/drain before retrying/.test(l));
      console.log(`librdkafka idempotence log:\n${idempotence.slice(-80).join('\n')}`);
      const fence = [...earlierOutput, ...brokers.map((b) => b.output())]
        .join('\n')
        .split('\n')
        .filter((l) => /leading partitions|stalled|session|lease/i.test(l));
      console.log(`broker fence log:\n${fence.slice(-80).join('\n')}`);
    }
    assert.equal(lost, 0, 'lost acknowledged writes');
    assert.equal(inconsistent, 0, 'offsets holding a different value than acknowledged');
    assert.deepEqual(notResent, [], 'values stored twice under one producer epoch');
    if (resent > 0) assert.ok(bumpLogged, 're-sends after an epoch bump, but no bump logged');
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
