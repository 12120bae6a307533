// The zombie leader (Gregor issue #5), on three broker processes and a real
// etcd. A partition's leader is paused with SIGSTOP for longer than its
// session timeout while an idempotent acks=all producer (librdkafka) keeps
// writing through the leader elected in its place; then it resumes with
// SIGCONT. It must acknowledge nothing in its old leader epoch (two Produce
// requests, acks=-1 and acks=1, queued on its socket while it was stopped get
// errors), truncate what it had written that the new leader never got, and
// rejoin as a follower whose log equals the leader's; and no acknowledged
// message may be lost or stored twice.
//
// Method: just before the pause both followers are stopped, and once their
// pending fetches have been answered the leader takes one acks=1 write that
// only it will ever hold (acks=1 promises nothing more). Its segment files are
// read while it is stopped, and every replica's again after it has rejoined,
// straight from each broker's data directory.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildValueBatch } from '../../src/log/testing/test-batch.ts';
import { OffsetForLeaderEpoch } from '../../src/protocol/apis/offset-for-leader-epoch.ts';
import { Produce } from '../../src/protocol/apis/produce.ts';
import { acknowledgedWrites, auditAcknowledged } from '../harness/acknowledged-writes.ts';
import { type BrokerProcess, freePort, spawnBroker } from '../harness/broker-process.ts';
import { startEtcd } from '../harness/etcd.ts';
import { PYTHON, runPython } from '../harness/processes.ts';
import { RawClient } from '../harness/raw-client.ts';
import { copiesByBatch, type ReplicaRecord, readReplicaLog } from '../harness/replica-log.ts';
import { type PartitionView, partitionViewAt, until } from '../harness/topic-state.ts';

const SESSION_TIMEOUT_MS = 3000;
const TOPIC = 'zombie';
const CLUSTER_ID = 'Wm9tYmllTGVhZGVyVGVzdA';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** SIGSTOP or SIGCONT, resolved once every thread of the process is in the state asked for. */
async function signalAndWait(child: ChildProcess, signal: 'SIGSTOP' | 'SIGCONT'): Promise<void> {
  const pid = child.pid!;
  child.kill(signal);
  await until(`${signal} to take effect on ${pid}`, 5000, async () => {
    const threads = await readdir(`/proc/${pid}/task`);
    const states = await Promise.all(
      threads.map(async (t) => {
        const stat = await readFile(`/proc/${pid}/task/${t}/stat`, 'utf8');
        return stat.charAt(stat.lastIndexOf(')') + 2);
      }),
    );
    const stopped = states.every((s) => s === 'T');
    return (signal === 'SIGSTOP') === stopped ? true : null;
  });
}

/** The partition as the first broker of `bootstraps` that answers sees it. */
async function partitionView(bootstraps: readonly string[]): Promise<PartitionView | null> {
  for (const bootstrap of bootstraps) {
    const v = await partitionViewAt(bootstrap, TOPIC).catch(() => null);
    if (v !== null) return v;
  }
  return null;
}

const show = (log: readonly ReplicaRecord[]) =>
  log.map((r) => `${r.offset}:${r.leaderEpoch}:${r.value}`);

/**
 * The batches (producer id/epoch/base sequence) that hold values stored more
 * than once: under one epoch the broker missed a retry; under a later epoch
 * at sequence 0 the client renumbered messages it had given up on.
 */
function duplicatedBatches(log: readonly ReplicaRecord[]): string {
  return [...copiesByBatch(log)].map(([p, copies]) => `${copies.length} in batch ${p}`).join('; ');
}

/** A Produce of one plain batch, sent now; settles with the broker's answer for it. */
async function produceOn(client: RawClient, acks: number, value: string): Promise<string> {
  const r = await client.send(Produce, 9, {
    transactionalId: null,
    acks,
    timeoutMs: 5000,
    topicData: [{ name: TOPIC, partitionData: [{ index: 0, records: buildValueBatch(value, 1) }] }],
  });
  const p = r.responses[0]?.partitionResponses[0];
  return p === undefined
    ? 'no partition answer'
    : `${p.errorCode} (${p.errorMessage ?? 'no message'})`;
}

const succeeded = (answer: string) => answer.startsWith('0 ');

/** Three brokers on one etcd, sessions of SESSION_TIMEOUT_MS, and the topic (RF 3, min ISR 2). */
async function startCluster(etcdEndpoint: string, dataDir: (id: number) => string) {
  const brokers: BrokerProcess[] = [];
  for (let id = 0; id < 3; id++) {
    const overrides = {
      'node.id': String(id),
      'metadata.store': etcdEndpoint.replace('http://', 'etcd://'),
      'cluster.id': CLUSTER_ID,
      'broker.session.timeout.ms': String(SESSION_TIMEOUT_MS),
      'replica.lag.time.max.ms': '4000',
    };
    brokers.push(await spawnBroker({ dataDir: dataDir(id), port: await freePort(), overrides }));
  }
  const all = brokers.map((b) => b.bootstrap).join(',');
  await runPython(
    'from confluent_kafka.admin import AdminClient, NewTopic\nimport json,os\n' +
      'a=AdminClient({"bootstrap.servers": os.environ["BOOTSTRAP"]})\n' +
      `t=NewTopic("${TOPIC}", 1, 3, config={"min.insync.replicas": "2"})\n` +
      '[f.result(15) for f in a.create_topics([t]).values()]\nprint(json.dumps(1))',
    { BOOTSTRAP: all },
  );
  return { brokers, all };
}

/** The idempotent acks=all producer, writing sequence numbers to partition 0 until killed. */
function startProducer(bootstrap: string) {
  const child = spawn(PYTHON, [join(import.meta.dirname, 'python', 'acked_offsets_producer.py')], {
    // With idempotence librdkafka sends nothing to the new leader until the
    // requests in flight to the paused one are answered or time out; a short
    // socket.timeout.ms ends them. Their messages are retried with the same
    // epoch and sequence numbers, which the new leader recognises if it has
    // them already. No message may expire (message.timeout.ms): librdkafka
    // would bump its epoch and renumber the messages still queued from
    // sequence 0, and store twice those the new leader had got in a request
    // that timed out on the client - as it does against Kafka.
    env: {
      ...process.env,
      BOOTSTRAP: bootstrap,
      TOPIC,
      PARTITION: '0',
      SOCKET_TIMEOUT_MS: '3000',
      MESSAGE_TIMEOUT_MS: '300000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => {
    out += b.toString();
  });
  child.stderr.on('data', (b: Buffer) => {
    err += b.toString();
  });
  return {
    child,
    output: () => out,
    errors: () => err,
    acks: () => out.split('\n').filter((l) => l.startsWith('ACK ')).length,
  };
}

/** Every acknowledged (partition:offset -> value) checked against a full read through kcat. */
function checkAcknowledged(producerOutput: string, bootstrap: string) {
  return auditAcknowledged(acknowledgedWrites(producerOutput), bootstrap, TOPIC);
}

/** Where `epoch` ended on `bootstrap`'s log, by OffsetForLeaderEpoch. */
async function epochEndOffset(bootstrap: string, epoch: number): Promise<number> {
  const c = await RawClient.connect(bootstrap);
  try {
    const r = await c.send(OffsetForLeaderEpoch, 4, {
      replicaId: -1,
      topics: [
        {
          topic: TOPIC,
          partitions: [{ partition: 0, currentLeaderEpoch: -1, leaderEpoch: epoch }],
        },
      ],
    });
    return r.topics[0]!.partitions[0]!.endOffset;
  } finally {
    c.close();
  }
}

test('a leader paused past its session timeout acknowledges nothing in its old epoch, truncates and rejoins', {
  timeout: 180_000,
}, async () => {
  const etcd = await startEtcd();
  const dir = await mkdtemp(join(tmpdir(), 'gregor-zombie-'));
  const dataDir = (id: number) => join(dir, `b${id}`);
  let brokers: BrokerProcess[] = [];
  let producer: ReturnType<typeof startProducer> | null = null;
  const clients: RawClient[] = [];
  try {
    const cluster = await startCluster(etcd.endpoint, dataDir);
    brokers = cluster.brokers;
    const bootstrapsOf = (ids: number[]) => ids.map((id) => brokers[id]!.bootstrap);
    const before = await until('a full ISR', 30_000, async () => {
      const v = await partitionView(bootstrapsOf([0, 1, 2]));
      return v !== null && v.leader >= 0 && v.isr.length === 3 ? v : null;
    });
    const zombie = before.leader;
    const others = [0, 1, 2].filter((id) => id !== zombie);
    const prod = startProducer(cluster.all);
    producer = prod;
    await until('500 acknowledgements', 30_000, async () => (prod.acks() >= 500 ? true : null));

    // Connections to the leader made while it runs; they carry requests into its pause.
    const acksAllClient = await RawClient.connect(brokers[zombie]!.bootstrap);
    const acksOneClient = await RawClient.connect(brokers[zombie]!.bootstrap);
    clients.push(acksAllClient, acksOneClient);

    // Followers stopped for a moment: past their fetch wait (500 ms) nothing
    // more reaches them, and the leader takes a write only it will hold.
    for (const id of others) await signalAndWait(brokers[id]!.child, 'SIGSTOP');
    await sleep(700);
    const onlyOnLeader = await produceOn(acksOneClient, 1, 'diverged-');
    assert.ok(succeeded(onlyOnLeader), `the leader takes an acks=1 write alone: ${onlyOnLeader}`);
    await signalAndWait(brokers[zombie]!.child, 'SIGSTOP');
    const pausedAt = Date.now();
    for (const id of others) await signalAndWait(brokers[id]!.child, 'SIGCONT');
    const zombieLogWhilePaused = await readReplicaLog(join(dataDir(zombie), `${TOPIC}-0`));

    // The kernel takes these bytes; the zombie reads them when it wakes.
    const zombieAcksOne = produceOn(acksOneClient, 1, 'zombie-acks-one-');
    const zombieAcksAll = produceOn(acksAllClient, -1, 'zombie-acks-all-');

    const after = await until('a new leader with a higher epoch', 30_000, async () => {
      const v = await partitionView(bootstrapsOf(others));
      const moved = v !== null && v.leader >= 0 && v.leader !== zombie;
      return moved && v.leaderEpoch > before.leaderEpoch ? v : null;
    });
    const electedMs = Date.now() - pausedAt;
    const acksAtElection = prod.acks();
    await until('acknowledgements through the new leader', 60_000, async () =>
      prod.acks() >= acksAtElection + 500 ? true : null,
    );
    const flowingMs = Date.now() - pausedAt;
    await sleep(Math.max(0, SESSION_TIMEOUT_MS + 1000 - (Date.now() - pausedAt)));
    const pausedMs = Date.now() - pausedAt;
    await signalAndWait(brokers[zombie]!.child, 'SIGCONT');

    const answer = (p: Promise<string>) => Promise.race([p, sleep(20_000).then(() => 'no answer')]);
    const acksAllAnswer = await answer(zombieAcksAll);
    const acksOneAnswer = await answer(zombieAcksOne);

    await until('the resumed broker back in the ISR', 60_000, async () => {
      const v = await partitionView(bootstrapsOf(others));
      return v?.isr.includes(zombie) && v.isr.length === 3 ? v : null;
    });
    await sleep(1000);
    prod.child.kill('SIGKILL');
    producer = null;

    // Where the new leader's epoch began: whatever the zombie held at or past
    // it was written in the old epoch and never reached the new leader.
    const split = await epochEndOffset(brokers[after.leader]!.bootstrap, before.leaderEpoch);
    const logs = await until('the three replicas to hold the same log', 60_000, async () => {
      const read = await Promise.all(
        [0, 1, 2].map((id) => readReplicaLog(join(dataDir(id), `${TOPIC}-0`))),
      );
      const [a, b, c] = read.map((l) => show(l).join('\n'));
      return a === b && b === c ? read : null;
    });
    const finalLog = logs[zombie]!;
    const finalAt = new Map(finalLog.map((r) => [r.offset, r]));
    const divergent = zombieLogWhilePaused.filter((r) => r.offset >= split);
    const truncated = divergent.filter((r) => {
      const now = finalAt.get(r.offset);
      return now === undefined || now.value !== r.value || now.leaderEpoch !== r.leaderEpoch;
    });
    const zombieRecords = finalLog.filter((r) => r.value.startsWith('zombie-')).length;
    const checkpoints = await Promise.all(
      [0, 1, 2].map((id) =>
        readFile(join(dataDir(id), `${TOPIC}-0`, 'leader-epoch-checkpoint'), 'utf8'),
      ),
    );
    const result = await checkAcknowledged(prod.output(), cluster.all);

    const truncationLines = brokers[zombie]!.output()
      .split('\n')
      .filter((l) => l.includes('follower log diverged')).length;
    console.log(
      `zombie broker ${zombie} paused ${pausedMs} ms (new leader seen after ${electedMs} ms, ` +
        `acks flowing through it after ${flowingMs} ms); leader epoch ${before.leaderEpoch} -> ` +
        `${after.leaderEpoch} (broker ${after.leader}). Zombie's answers: acks=-1 -> ${acksAllAnswer}; ` +
        `acks=1 -> ${acksOneAnswer}. It held ${divergent.length} record(s) from offset ${split} in ` +
        `epoch ${before.leaderEpoch} the new leader never had: ${truncated.length} truncated ` +
        `(${truncationLines} truncation(s) logged); replicas identical over ${finalLog.length} records.`,
    );
    console.log(
      `acknowledged writes lost: ${result.lost} of ${result.acked}; inconsistent offsets: ` +
        `${result.inconsistent}; duplicated values: ${result.duplicates}; ` +
        `records the zombie took after its pause: ${zombieRecords}`,
    );
    if (result.lost + result.inconsistent + result.duplicates > 0)
      console.log(prod.errors().slice(-3000));
    if (result.duplicates > 0)
      console.log(`stored twice, by batch (id/epoch/sequence): ${duplicatedBatches(finalLog)}`);

    assert.ok(after.leaderEpoch > before.leaderEpoch);
    assert.ok(pausedMs > SESSION_TIMEOUT_MS, `paused ${pausedMs} ms`);
    assert.notEqual(acksAllAnswer, 'no answer', 'the zombie answers the acks=-1 request');
    assert.ok(!succeeded(acksAllAnswer), 'no success for acks=-1 from a superseded leader');
    assert.ok(!succeeded(acksOneAnswer), 'no success for acks=1 from a superseded leader');
    assert.equal(zombieRecords, 0, 'nothing the zombie took after its pause is in any replica');
    assert.ok(divergent.length > 0, 'the zombie held records the new leader never had');
    assert.equal(truncated.length, divergent.length, 'every one of them truncated on rejoining');
    const same = checkpoints.every((t) => t === checkpoints[0]);
    assert.ok(same, `leader-epoch-checkpoints: ${checkpoints.join(' | ')}`);
    assert.ok(result.acked > 1000, `producer got ${result.acked} acknowledgements`);
    assert.equal(result.lost, 0, 'lost acknowledged writes');
    assert.equal(result.inconsistent, 0, 'offsets holding a different value than acknowledged');
    assert.equal(result.duplicates, 0, 'values stored twice with idempotence on');
  } finally {
    producer?.child.kill('SIGKILL');
    for (const c of clients) c.close();
    for (const b of brokers) {
      b.child.kill('SIGCONT');
      b.child.kill('SIGKILL');
    }
    await etcd.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
