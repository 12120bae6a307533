// Three broker processes on a real etcd, each with a client listener (PLAINTEXT on
// 127.0.0.1) and a replication listener (INTERNAL on 127.0.0.2) named by
// inter.broker.listener.name. Clients are told only PLAINTEXT addresses; followers reach
// their leaders through INTERNAL, so acks=all with min.insync.replicas=3 succeeds only if
// replication runs over it; the established connections show where it ran.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freePorts } from '../../src/cli/loopback-ports.ts';
import { type BrokerProcess, spawnBroker } from '../harness/broker-process.ts';
import { type EtcdProcess, startEtcd } from '../harness/etcd.ts';
import { run, runPython } from '../harness/processes.ts';
import { describeTopic, until } from '../harness/topic-state.ts';

const BROKERS = 3;
const COUNT = 2000;

/** Remote ports of the established TCP connections to 127.0.0.2 (the INTERNAL listeners). */
async function connectionsTo127002(): Promise<number[]> {
  const r = await run('ss', ['-Htn', 'state', 'established', 'dst', '127.0.0.2']);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => Number(l.trim().split(/\s+/)[3]?.split(':').pop()));
}

describe('an inter-broker listener of its own', () => {
  let etcd: EtcdProcess;
  let dir: string;
  const brokers: BrokerProcess[] = [];
  let clientPorts: number[] = [];
  let internalPorts: number[] = [];

  before(async () => {
    etcd = await startEtcd();
    dir = await mkdtemp(join(tmpdir(), 'gregor-ibl-'));
    clientPorts = await freePorts(BROKERS);
    internalPorts = await freePorts(BROKERS, '127.0.0.2');
    for (let id = 0; id < BROKERS; id++) {
      brokers.push(
        await spawnBroker({
          dataDir: join(dir, `b${id}`),
          port: clientPorts[id]!,
          overrides: {
            'node.id': String(id),
            'metadata.store': etcd.endpoint.replace('http://', 'etcd://'),
            'cluster.id': 'SW50ZXJCcm9rZXJMaXN0ZQ',
            listeners: `PLAINTEXT://127.0.0.1:${clientPorts[id]},INTERNAL://127.0.0.2:${internalPorts[id]}`,
            'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,INTERNAL:PLAINTEXT',
            'inter.broker.listener.name': 'INTERNAL',
            'broker.session.timeout.ms': '3000',
          },
        }),
      );
    }
  });

  after(async () => {
    for (const b of brokers) b.child.kill('SIGKILL');
    await etcd.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('replicates through INTERNAL while clients see PLAINTEXT addresses', async () => {
    const bootstrap = clientPorts.map((p) => `127.0.0.1:${p}`).join(',');
    const created = await runPython(
      [
        'from confluent_kafka.admin import AdminClient, NewTopic',
        'import json, os',
        'a = AdminClient({"bootstrap.servers": os.environ["BOOTSTRAP"]})',
        't = NewTopic("ibl", num_partitions=3, replication_factor=3,',
        '             config={"min.insync.replicas": "3"})',
        '[f.result(15) for f in a.create_topics([t]).values()]',
        'print(json.dumps("ok"))',
      ].join('\n'),
      { BOOTSTRAP: bootstrap },
    );
    assert.equal(created, 'ok');

    const listing = await run('kcat', ['-b', bootstrap, '-L', '-m', '10']);
    assert.equal(listing.code, 0, listing.stderr);
    const seen = [...listing.stdout.matchAll(/broker (\d+) at ([\d.]+):(\d+)/g)].map(
      (m) => `${m[1]}@${m[2]}:${m[3]}`,
    );
    assert.deepEqual(
      seen.sort(),
      clientPorts.map((p, id) => `${id}@127.0.0.1:${p}`),
    );

    const values = Array.from({ length: COUNT }, (_, i) => `v${i}`);
    const produced = await run(
      'kcat',
      ['-b', bootstrap, '-P', '-t', 'ibl', '-X', 'acks=all', '-X', 'message.timeout.ms=60000'],
      { input: `${values.join('\n')}\n`, timeoutMs: 90_000 },
    );
    assert.equal(produced.code, 0, produced.stderr);
    assert.equal(produced.stderr.includes('ERROR'), false, produced.stderr);

    const parts = await until('every partition with all three in sync', 30_000, async () => {
      const d = await describeTopic(bootstrap, 'ibl');
      return d.length === 3 && d.every((p) => p.isr.length === 3) ? d : null;
    });
    assert.equal(parts.length, 3);

    // Followers fetch from every leader over its INTERNAL address, and only there.
    const leaders = new Set(parts.map((p) => p.leader));
    const remotePorts = await connectionsTo127002();
    for (const leader of leaders) {
      assert.ok(
        remotePorts.includes(internalPorts[leader]!),
        `a follower connection to broker ${leader}'s INTERNAL port (saw ${remotePorts})`,
      );
    }

    const consumed = await run(
      'kcat',
      ['-b', bootstrap, '-C', '-t', 'ibl', '-o', 'beginning', '-e', '-f', '%s\n'],
      { timeoutMs: 60_000 },
    );
    assert.equal(consumed.code, 0, consumed.stderr);
    const got = consumed.stdout.split('\n').filter((l) => l !== '');
    assert.deepEqual(got.sort(), [...values].sort());
  });
});
