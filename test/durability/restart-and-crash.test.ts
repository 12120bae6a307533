// Durability of a single broker, run as a real process: after a clean stop
// every topic and message is there again; after kill -9 in the middle of an
// acks=all produce stream the log recovers to a clean batch boundary and
// every acknowledged message is readable (acks=all on one broker means the
// batch was written to the log).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePort, spawnBroker } from '../harness/broker-process.ts';
import { PYTHON, run } from '../harness/processes.ts';

async function consumeAll(
  bootstrap: string,
  topic: string,
): Promise<Array<{ p: number; o: number; v: string }>> {
  const r = await run(
    'kcat',
    ['-b', bootstrap, '-C', '-t', topic, '-o', 'beginning', '-e', '-f', '%p|%o|%s\n'],
    { timeoutMs: 60_000 },
  );
  assert.equal(r.code, 0, r.stderr);
  return r.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const [p, o, v] = l.split('|');
      return { p: Number(p), o: Number(o), v: v! };
    });
}

test('a clean stop and start keeps every topic and message', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gregor-restart-'));
  const port = await freePort();
  try {
    let broker = await spawnBroker({ dataDir: dir, port, overrides: { 'num.partitions': '3' } });
    const lines = Array.from({ length: 500 }, (_, i) => `k${i % 9}:v${i}`).join('\n');
    const p = await run(
      'kcat',
      ['-b', broker.bootstrap, '-P', '-t', 'kept', '-K', ':', '-z', 'lz4'],
      { input: `${lines}\n` },
    );
    assert.equal(p.code, 0, p.stderr);
    const before = await consumeAll(broker.bootstrap, 'kept');
    broker.child.kill('SIGTERM');
    assert.equal(await broker.exited, 0, broker.output());
    broker = await spawnBroker({ dataDir: dir, port });
    const list = await run('kcat', ['-b', broker.bootstrap, '-L', '-t', 'kept']);
    assert.match(list.stdout, /topic "kept" with 3 partitions/);
    const after = await consumeAll(broker.bootstrap, 'kept');
    assert.deepEqual(after, before);
    assert.equal(after.length, 500);
    broker.child.kill('SIGTERM');
    await broker.exited;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('kill -9 during an acks=all stream loses no acknowledged message', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gregor-crash-'));
  const port = await freePort();
  try {
    let broker = await spawnBroker({ dataDir: dir, port, overrides: { 'num.partitions': '2' } });
    const producer = spawn(PYTHON, [join(import.meta.dirname, 'acked_producer.py')], {
      env: { ...process.env, BOOTSTRAP: broker.bootstrap, TOPIC: 'crash' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    producer.stdout.on('data', (b: Buffer) => {
      out += b.toString();
    });
    const started = Date.now();
    while ((out.match(/ACK/g)?.length ?? 0) < 2000 && Date.now() - started < 20_000)
      await new Promise((r) => setTimeout(r, 50));
    broker.child.kill('SIGKILL');
    await broker.exited;
    await new Promise((r) => setTimeout(r, 200));
    producer.kill('SIGKILL');
    const acked = new Set(
      out
        .split('\n')
        .filter((l) => l.startsWith('ACK '))
        .map((l) => l.slice(4)),
    );
    assert.ok(acked.size >= 2000, `producer got ${acked.size} acks before the crash`);

    broker = await spawnBroker({ dataDir: dir, port });
    const read = await consumeAll(broker.bootstrap, 'crash');
    const values = new Set(read.map((m) => m.v));
    const lost = [...acked].filter((v) => !values.has(v));
    assert.deepEqual(lost.slice(0, 10), [], `${lost.length} acknowledged messages lost`);
    for (const p of [0, 1]) {
      const offsets = read.filter((m) => m.p === p).map((m) => m.o);
      assert.deepEqual(
        offsets,
        offsets.map((_, i) => i),
        `partition ${p}: dense offsets from 0 after recovery`,
      );
    }
    // The recovered log accepts new writes after its recovered end.
    const more = await run('kcat', ['-b', broker.bootstrap, '-P', '-t', 'crash', '-p', '0'], {
      input: 'after-crash\n',
    });
    assert.equal(more.code, 0, more.stderr);
    const again = await consumeAll(broker.bootstrap, 'crash');
    assert.equal(again.filter((m) => m.v === 'after-crash').length, 1);
    broker.child.kill('SIGTERM');
    await broker.exited;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
