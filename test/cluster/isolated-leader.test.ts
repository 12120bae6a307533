// A leader cut off from etcd (campaign seed 501), on three broker processes and a
// real etcd. Broker 2 reaches etcd through a TCP proxy the test cuts, while clients
// and the other brokers still reach broker 2. Its keepalives go unconfirmed, etcd
// expires its lease, and the controller elects another leader for the partition it
// led; broker 2's metadata image, no longer updated, still names it leader. It must
// stop acting as leader before the new one is elected: Produce (acks=-1 and acks=1),
// a consumer's Fetch and ListOffsets get NOT_LEADER_OR_FOLLOWER (retriable, clients
// refresh metadata) rather than stale reads or sequence errors. Healed, it registers
// again and rejoins as a follower in the ISR.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildValueBatch } from '../../src/log/testing/test-batch.ts';
import { Fetch } from '../../src/protocol/apis/fetch.ts';
import { ListOffsets } from '../../src/protocol/apis/list-offsets.ts';
import { Produce } from '../../src/protocol/apis/produce.ts';
import { ErrorCode } from '../../src/protocol/error-codes.ts';
import { type BrokerProcess, freePort, spawnBroker } from '../harness/broker-process.ts';
import { startEtcd } from '../harness/etcd.ts';
import { runPython } from '../harness/processes.ts';
import { RawClient } from '../harness/raw-client.ts';
import { startTcpProxy, type TcpProxy } from '../harness/tcp-proxy.ts';
import { partitionViewAt, until } from '../harness/topic-state.ts';

const SESSION_TIMEOUT_MS = 3000;
const TOPIC = 'isolated';
const CLUSTER_ID = 'SXNvbGF0ZWRMZWFkZXJUZQ';
const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';
const ISOLATED = 2;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Produce of one batch; the partition's error code. */
async function produce(bootstrap: string, acks: number, value: string): Promise<number> {
  const c = await RawClient.connect(bootstrap);
  try {
    const r = await c.send(Produce, 9, {
      transactionalId: null,
      acks,
      timeoutMs: 5000,
      topicData: [
        { name: TOPIC, partitionData: [{ index: 0, records: buildValueBatch(value, 1) }] },
      ],
    });
    return r.responses[0]?.partitionResponses[0]?.errorCode ?? -1;
  } finally {
    c.close();
  }
}

/** A consumer's Fetch (replica id -1) from offset 0; the partition's error code. */
async function consumerFetch(bootstrap: string): Promise<number> {
  const c = await RawClient.connect(bootstrap);
  try {
    const r = await c.send(Fetch, 12, {
      clusterId: null,
      replicaId: -1,
      replicaState: null,
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1 << 20,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [
        {
          topic: TOPIC,
          topicId: ZERO_UUID,
          partitions: [
            {
              partition: 0,
              currentLeaderEpoch: -1,
              fetchOffset: 0,
              lastFetchedEpoch: -1,
              logStartOffset: -1,
              partitionMaxBytes: 1 << 20,
              replicaDirectoryId: ZERO_UUID,
            },
          ],
        },
      ],
      forgottenTopicsData: [],
      rackId: '',
    });
    return r.responses[0]?.partitions[0]?.errorCode ?? -1;
  } finally {
    c.close();
  }
}

/** ListOffsets for the latest offset; the partition's error code. */
async function listLatest(bootstrap: string): Promise<number> {
  const c = await RawClient.connect(bootstrap);
  try {
    const r = await c.send(ListOffsets, 7, {
      replicaId: -1,
      isolationLevel: 0,
      topics: [
        {
          name: TOPIC,
          partitions: [
            { partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1, maxNumOffsets: 1 },
          ],
        },
      ],
    });
    return r.topics[0]?.partitions[0]?.errorCode ?? -1;
  } finally {
    c.close();
  }
}

test('a leader cut off from etcd stops leading before another is elected, and rejoins when healed', {
  timeout: 180_000,
}, async () => {
  const etcd = await startEtcd();
  const dir = await mkdtemp(join(tmpdir(), 'gregor-isolated-'));
  const brokers: BrokerProcess[] = [];
  let proxy: TcpProxy | null = null;
  let polling = true;
  try {
    const etcdUrl = new URL(etcd.endpoint);
    const link = await startTcpProxy(etcdUrl.hostname, Number(etcdUrl.port));
    proxy = link;
    for (let id = 0; id < 3; id++) {
      const store = id === ISOLATED ? `127.0.0.1:${link.port}` : etcdUrl.host;
      const overrides = {
        'node.id': String(id),
        'metadata.store': `etcd://${store}`,
        'cluster.id': CLUSTER_ID,
        'broker.session.timeout.ms': String(SESSION_TIMEOUT_MS),
        'replica.lag.time.max.ms': '4000',
      };
      const dataDir = join(dir, `b${id}`);
      brokers.push(await spawnBroker({ dataDir, port: await freePort(), overrides }));
    }
    const at = (id: number) => brokers[id]!.bootstrap;
    const others = [0, 1].map(at);
    // Broker 2 first in the assignment: the preferred, hence first, leader.
    await runPython(
      'from confluent_kafka.admin import AdminClient, NewTopic\nimport json,os\n' +
        'a=AdminClient({"bootstrap.servers": os.environ["BOOTSTRAP"]})\n' +
        `t=NewTopic("${TOPIC}", 1, replica_assignment=[[${ISOLATED}, 0, 1]], ` +
        'config={"min.insync.replicas": "2"})\n' +
        '[f.result(15) for f in a.create_topics([t]).values()]\nprint(json.dumps(1))',
      { BOOTSTRAP: brokers.map((b) => b.bootstrap).join(',') },
    );
    const before = await until('broker 2 leading with a full ISR', 30_000, async () => {
      const v = await partitionViewAt(at(ISOLATED), TOPIC);
      return v?.leader === ISOLATED && v.isr.length === 3 ? v : null;
    });
    await until('an acks=-1 write through broker 2', 30_000, async () =>
      (await produce(at(ISOLATED), -1, 'before-')) === ErrorCode.NONE ? true : null,
    );
    assert.equal(await consumerFetch(at(ISOLATED)), ErrorCode.NONE);

    // From the cut on: when broker 2 first refuses a consumer's Fetch, and when
    // the others first name a new leader.
    let refusedAt: number | null = null;
    let refusedCode = -1;
    const watchRefusal = (async () => {
      while (polling && refusedAt === null) {
        const code = await consumerFetch(at(ISOLATED)).catch(() => -1);
        if (code !== ErrorCode.NONE && code !== -1) {
          refusedAt = Date.now();
          refusedCode = code;
        }
        await sleep(50);
      }
    })();
    link.cut();
    const cutAt = Date.now();
    const after = await until('another leader elected', 60_000, async () => {
      for (const b of others) {
        const v = await partitionViewAt(b, TOPIC).catch(() => null);
        if (v !== null && v.leader >= 0 && v.leader !== ISOLATED) return v;
      }
      return null;
    });
    const electedSeenAt = Date.now();
    await until('broker 2 refusing to lead', 30_000, async () =>
      refusedAt !== null ? true : null,
    );
    polling = false;
    await watchRefusal;
    console.log(
      `cut at 0 ms; broker 2 refused a Fetch (code ${refusedCode}) at ${refusedAt! - cutAt} ms; ` +
        `new leader ${after.leader} (epoch ${before.leaderEpoch} -> ${after.leaderEpoch}) seen at ` +
        `${electedSeenAt - cutAt} ms`,
    );
    assert.equal(refusedCode, ErrorCode.NOT_LEADER_OR_FOLLOWER);
    assert.ok(
      refusedAt! <= electedSeenAt,
      'broker 2 stopped leading before the new leader could be seen elected',
    );
    assert.ok(after.leaderEpoch > before.leaderEpoch);

    // The cut outlasts the session: broker 2's image still names it leader.
    await sleep(Math.max(0, SESSION_TIMEOUT_MS + 1000 - (Date.now() - cutAt)));
    const stale = await partitionViewAt(at(ISOLATED), TOPIC);
    assert.equal(stale?.leader, ISOLATED, 'broker 2 cannot see the election while cut off');
    assert.equal(await produce(at(ISOLATED), -1, 'cut-all-'), ErrorCode.NOT_LEADER_OR_FOLLOWER);
    assert.equal(await produce(at(ISOLATED), 1, 'cut-one-'), ErrorCode.NOT_LEADER_OR_FOLLOWER);
    assert.equal(await consumerFetch(at(ISOLATED)), ErrorCode.NOT_LEADER_OR_FOLLOWER);
    assert.equal(await listLatest(at(ISOLATED)), ErrorCode.NOT_LEADER_OR_FOLLOWER);
    // Writes go on through the new leader.
    await until('an acks=-1 write through the new leader', 30_000, async () =>
      (await produce(at(after.leader), -1, 'moved-')) === ErrorCode.NONE ? true : null,
    );

    link.heal();
    const healed = await until('broker 2 back in the ISR, its image current', 60_000, async () => {
      const v = await partitionViewAt(at(after.leader), TOPIC);
      const own = await partitionViewAt(at(ISOLATED), TOPIC);
      if (v === null || own === null || !v.isr.includes(ISOLATED) || v.isr.length !== 3)
        return null;
      return own.leader === v.leader && own.leaderEpoch === v.leaderEpoch ? v : null;
    });
    assert.notEqual(healed.leader, -1);
    // A follower now: still NOT_LEADER_OR_FOLLOWER for consumers, and writes commit with it.
    if (healed.leader !== ISOLATED) {
      assert.equal(await consumerFetch(at(ISOLATED)), ErrorCode.NOT_LEADER_OR_FOLLOWER);
    }
    assert.equal(await produce(at(healed.leader), -1, 'healed-'), ErrorCode.NONE);
    const log = brokers[ISOLATED]!.output();
    assert.match(log, /not leading partitions another broker could lead/);
  } finally {
    polling = false;
    for (const b of brokers) b.child.kill('SIGKILL');
    await proxy?.close();
    await etcd.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
