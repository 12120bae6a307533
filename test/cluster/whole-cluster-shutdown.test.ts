// Stopping a whole cluster at once is a normal operation (a namespace deleted, `kubectl
// delete sts`): SIGTERM to all three brokers together while followers replicate and a
// consumer long-polls. Controlled shutdown must give up at once when no other live broker
// can take a leadership, requests arriving during shutdown get retriable errors or a closed
// connection, and nothing is logged at error level (pino level >= 50). Each broker exits
// within a few seconds.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freePorts } from '../../src/cli/loopback-ports.ts';
import { type BrokerProcess, spawnBroker } from '../harness/broker-process.ts';
import { type EtcdProcess, startEtcd } from '../harness/etcd.ts';
import { LineProcess } from '../harness/line-process.ts';
import { run, runPython } from '../harness/processes.ts';
import { describeTopic, until } from '../harness/topic-state.ts';

const BROKERS = 3;
/** Generous for a loaded 2-core machine; before the fix each broker waited 10 s. */
const EXIT_MS_MAX = 5000;

/** pino's JSON lines at error level or above. */
function errorLines(output: string): string[] {
  return output.split('\n').filter((line) => {
    if (!line.startsWith('{')) return false;
    try {
      const level = (JSON.parse(line) as { level?: unknown }).level;
      return typeof level === 'number' && level >= 50;
    } catch {
      return false;
    }
  });
}

describe('SIGTERM to every broker of a cluster at once', () => {
  let etcd: EtcdProcess;
  let dir: string;
  const brokers: BrokerProcess[] = [];
  let consumer: LineProcess | null = null;

  before(async () => {
    etcd = await startEtcd();
    dir = await mkdtemp(join(tmpdir(), 'gregor-stop-all-'));
    const ports = await freePorts(BROKERS);
    for (let id = 0; id < BROKERS; id++) {
      brokers.push(
        await spawnBroker({
          dataDir: join(dir, `b${id}`),
          port: ports[id]!,
          overrides: {
            'node.id': String(id),
            'metadata.store': etcd.endpoint.replace('http://', 'etcd://'),
            'cluster.id': 'U3RvcEFsbEF0T25jZVRlcw',
            'broker.session.timeout.ms': '3000',
          },
        }),
      );
    }
  });

  after(async () => {
    await consumer?.stop('SIGKILL');
    for (const b of brokers) b.child.kill('SIGKILL');
    await etcd.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('each broker exits within seconds and logs nothing at error level', async (t) => {
    const bootstrap = brokers.map((b) => b.bootstrap).join(',');
    const created = await runPython(
      [
        'from confluent_kafka.admin import AdminClient, NewTopic',
        'import json, os',
        'a = AdminClient({"bootstrap.servers": os.environ["BOOTSTRAP"]})',
        'fs = a.create_topics([NewTopic("stop-all", num_partitions=6, replication_factor=3)])',
        '[f.result(15) for f in fs.values()]',
        'print(json.dumps("ok"))',
      ].join('\n'),
      { BOOTSTRAP: bootstrap },
    );
    assert.equal(created, 'ok');
    const values = Array.from({ length: 3000 }, (_, i) => `v${i}`).join('\n');
    const produced = await run(
      'kcat',
      ['-b', bootstrap, '-P', '-t', 'stop-all', '-X', 'acks=all'],
      {
        input: `${values}\n`,
        timeoutMs: 60_000,
      },
    );
    assert.equal(produced.code, 0, produced.stderr);
    await until('all partitions fully in sync', 30_000, async () => {
      const d = await describeTopic(bootstrap, 'stop-all');
      return d.length === 6 && d.every((p) => p.isr.length === 3) ? d : null;
    });
    // A consumer keeps fetching (long polls) from every leader while the cluster stops.
    consumer = new LineProcess('kcat', [
      '-b',
      bootstrap,
      '-u',
      '-C',
      '-t',
      'stop-all',
      '-o',
      'beginning',
    ]);
    await consumer.waitFor(
      'the consumer to read everything',
      () => consumer!.stdout.length >= 3000,
      60_000,
    );

    const started = Date.now();
    for (const b of brokers) b.child.kill('SIGTERM');
    const exits = await Promise.all(
      brokers.map(async (b) => ({ code: await b.exited, ms: Date.now() - started })),
    );
    t.diagnostic(`exit times after SIGTERM: ${exits.map((e) => e.ms).join(', ')} ms`);
    const seen = exits.map((exit, id) => ({
      id,
      code: exit.code,
      inTime: exit.ms < EXIT_MS_MAX,
      errors: errorLines(brokers[id]!.output()),
    }));
    const wanted = exits.map((_, id) => ({ id, code: 0, inTime: true, errors: [] }));
    assert.deepEqual(seen, wanted, `exit times: ${exits.map((e) => e.ms).join(', ')} ms`);
  });
});
