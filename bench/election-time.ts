// Time to elect a new leader after kill -9 of a partition leader, on three
// broker processes and a real etcd. Each round kills the broker leading
// partition 0 of an RF=3 topic, polls Metadata on a surviving broker every
// POLL_MS until partition 0 has another leader with a higher epoch (the moment
// a client can produce again), restarts the killed broker and waits until it
// is back in every ISR before the next round. Prints p50 / p90 / max and writes
// JSON to bench/results/. Not a test: it reports, it never fails on a figure.
//
//   node --import tsx bench/election-time.ts [--kills 20] [--session-timeout-ms 9000]

import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type ClusterMetadata, clusterMetadataFrom } from '../src/client/cluster-metadata.ts';
import { BrokerConnection } from '../src/client/connection.ts';
import { Metadata } from '../src/protocol/apis/metadata.ts';
import { ZERO_UUID } from '../src/protocol/schema.ts';
import { type BrokerProcess, freePort, spawnBroker } from '../test/harness/broker-process.ts';
import { startEtcd } from '../test/harness/etcd.ts';
import { runPython } from '../test/harness/processes.ts';

const { values: args } = parseArgs({
  options: {
    kills: { type: 'string', default: '20' },
    'session-timeout-ms': { type: 'string', default: '9000' },
    'poll-ms': { type: 'string', default: '10' },
  },
});
const KILLS = Number(args.kills);
const SESSION_TIMEOUT_MS = Number(args['session-timeout-ms']);
const POLL_MS = Number(args['poll-ms']);
const TOPIC = 'election';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function metadataFrom(port: number): Promise<ClusterMetadata | null> {
  let conn: BrokerConnection | null = null;
  try {
    conn = await BrokerConnection.open({
      host: '127.0.0.1',
      port,
      clientId: 'election-bench',
      connectTimeoutMs: 1000,
      requestTimeoutMs: 2000,
    });
    const r = await conn.send(Metadata, {
      topics: [{ topicId: ZERO_UUID, name: TOPIC }],
      allowAutoTopicCreation: false,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    });
    return clusterMetadataFrom(r);
  } catch {
    return null;
  } finally {
    conn?.close();
  }
}

function partitionsOf(md: ClusterMetadata | null) {
  return md?.topics.find((t) => t.name === TOPIC)?.partitions ?? [];
}

function percentile(sorted: readonly number[], p: number): number {
  return (
    sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN
  );
}

async function main(): Promise<void> {
  const etcd = await startEtcd();
  const dir = await mkdtemp(join(tmpdir(), 'gregor-election-'));
  const ports: number[] = [];
  const brokers: Array<BrokerProcess | null> = [];
  for (let id = 0; id < 3; id++) ports.push(await freePort());
  const overrides = (id: number) => ({
    'node.id': String(id),
    'metadata.store': etcd.endpoint.replace('http://', 'etcd://'),
    'cluster.id': 'RWxlY3Rpb25CZW5jaG1hcg',
    'broker.session.timeout.ms': String(SESSION_TIMEOUT_MS),
    'auto.leader.rebalance.enable': 'false',
  });
  const start = async (id: number) => {
    brokers[id] = await spawnBroker({
      dataDir: join(dir, `b${id}`),
      port: ports[id]!,
      overrides: overrides(id),
    });
  };
  const samples: number[] = [];
  try {
    for (let id = 0; id < 3; id++) await start(id);
    const bootstrap = ports.map((p) => `127.0.0.1:${p}`).join(',');
    await runPython(
      `from confluent_kafka.admin import AdminClient, NewTopic\nimport os,json\na=AdminClient({"bootstrap.servers": os.environ["BOOTSTRAP"]})\n[f.result(15) for f in a.create_topics([NewTopic("${TOPIC}", num_partitions=3, replication_factor=3)]).values()]\nprint(json.dumps("ok"))`,
      { BOOTSTRAP: bootstrap },
    );
    for (let round = 0; round < KILLS; round++) {
      // Every replica back in every ISR, so each round starts from the same state.
      let before = partitionsOf(await metadataFrom(ports[0]!));
      for (
        let i = 0;
        i < 600 &&
        !(before.length === 3 && before.every((p) => p.isr.length === 3 && p.leaderId >= 0));
        i++
      ) {
        await sleep(100);
        before = partitionsOf(await metadataFrom(ports[round % 3]!));
      }
      const p0 = before.find((p) => p.partition === 0);
      if (p0 === undefined || p0.isr.length !== 3)
        throw new Error(`round ${round}: ISR not full: ${JSON.stringify(before)}`);
      const victim = p0.leaderId;
      const survivor = [0, 1, 2].find((b) => b !== victim)!;
      const killedAt = performance.now();
      brokers[victim]!.child.kill('SIGKILL');
      await brokers[victim]!.exited;
      let electedMs: number | null = null;
      while (performance.now() - killedAt < SESSION_TIMEOUT_MS * 4 + 10_000) {
        const now = partitionsOf(await metadataFrom(ports[survivor]!)).find(
          (p) => p.partition === 0,
        );
        if (
          now !== undefined &&
          now.leaderId >= 0 &&
          now.leaderId !== victim &&
          now.leaderEpoch > p0.leaderEpoch
        ) {
          electedMs = performance.now() - killedAt;
          break;
        }
        await sleep(POLL_MS);
      }
      if (electedMs === null) throw new Error(`round ${round}: no new leader for partition 0`);
      samples.push(electedMs);
      process.stderr.write(
        `round ${round + 1}/${KILLS}: killed broker ${victim}, new leader after ${electedMs.toFixed(0)} ms\n`,
      );
      brokers[victim] = null;
      await start(victim);
    }
  } finally {
    for (const b of brokers) b?.child.kill('SIGKILL');
    await etcd.stop();
    await rm(dir, { recursive: true, force: true });
  }
  const sorted = [...samples].sort((a, b) => a - b);
  const result = {
    startedAt: new Date().toISOString(),
    kills: samples.length,
    sessionTimeoutMs: SESSION_TIMEOUT_MS,
    pollMs: POLL_MS,
    p50Ms: Math.round(percentile(sorted, 50)),
    p90Ms: Math.round(percentile(sorted, 90)),
    maxMs: Math.round(sorted[sorted.length - 1] ?? Number.NaN),
    minMs: Math.round(sorted[0] ?? Number.NaN),
    samplesMs: samples.map((s) => Math.round(s)),
  };
  mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
  const file = join(
    import.meta.dirname,
    'results',
    `election-time-${result.startedAt.replace(/[:.]/g, '-')}.json`,
  );
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log(
    `leader election after kill -9 (broker.session.timeout.ms=${SESSION_TIMEOUT_MS}, ${result.kills} kills): ` +
      `p50 ${result.p50Ms} ms, p90 ${result.p90Ms} ms, max ${result.maxMs} ms, min ${result.minMs} ms  (${file})`,
  );
}

await main();
