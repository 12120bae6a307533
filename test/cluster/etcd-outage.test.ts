// etcd stopped for 30 seconds while a producer writes to existing partitions:
// production continues (the broker serves from its metadata image, as Kafka
// brokers do through a ZooKeeper blip); when etcd is back, metadata changes
// such as creating a topic work again without restarting the broker.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePort, spawnBroker } from '../harness/broker-process.ts';
import { startEtcd } from '../harness/etcd.ts';
import { PYTHON, run } from '../harness/processes.ts';

const OUTAGE_MS = 30_000;

test('production continues while etcd is stopped for 30 s, and topic creation works after it returns', async () => {
  const etcd = await startEtcd();
  const dir = await mkdtemp(join(tmpdir(), 'gregor-etcd-outage-'));
  const port = await freePort();
  const broker = await spawnBroker({
    dataDir: dir,
    port,
    overrides: {
      'metadata.store': etcd.endpoint.replace('http://', 'etcd://'),
      'cluster.id': 'T3V0YWdlVGVzdENsdXN0ZQ',
      'num.partitions': '2',
      'broker.session.timeout.ms': '3000',
    },
  });
  const producer = spawn(
    PYTHON,
    [join(import.meta.dirname, '..', 'durability', 'acked_producer.py')],
    {
      env: { ...process.env, BOOTSTRAP: broker.bootstrap, TOPIC: 'through-outage' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let acks = 0;
  producer.stdout.on('data', (b: Buffer) => {
    acks += b.toString().split('ACK ').length - 1;
  });
  try {
    const t0 = Date.now();
    while (acks < 1000 && Date.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 50));
    assert.ok(acks >= 1000, 'producer is running before the outage');

    await etcd.pause();
    const before = acks;
    await new Promise((r) => setTimeout(r, OUTAGE_MS / 2));
    const middle = acks;
    await new Promise((r) => setTimeout(r, OUTAGE_MS / 2));
    const during = acks - before;
    assert.ok(
      middle > before && acks > middle,
      `acks kept coming during the outage: ${before} -> ${middle} -> ${acks}`,
    );
    await etcd.resume();

    // A metadata change needs etcd: creating a topic works again, without a restart.
    let created = false;
    const t1 = Date.now();
    while (!created && Date.now() - t1 < 30_000) {
      const p = await run(
        'kcat',
        ['-b', broker.bootstrap, '-P', '-t', 'after-outage', '-X', 'message.timeout.ms=3000'],
        { input: 'x\n', timeoutMs: 10_000 },
      );
      const c = await run(
        'kcat',
        ['-b', broker.bootstrap, '-C', '-t', 'after-outage', '-o', 'beginning', '-e', '-f', '%s\n'],
        { timeoutMs: 10_000 },
      );
      created = p.code === 0 && c.stdout.includes('x');
      if (!created) await new Promise((r) => setTimeout(r, 500));
    }
    assert.ok(created, 'a new topic could be created and used after etcd returned');
    console.log(
      `etcd outage: ${during} messages acknowledged while etcd was stopped for ${OUTAGE_MS} ms`,
    );
  } finally {
    producer.kill('SIGKILL');
    broker.child.kill('SIGKILL');
    await etcd.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
