// A full log dir and space freed again (issue 12, item 8), on a real small
// file system: a 20 MiB tmpfs, the broker run as `nobody` (root could use
// reserved space on other file systems; this keeps the test honest everywhere).
// A producer with acks=all and no retries logs every acknowledged offset and
// every refusal. Filling the tmpfs with a file must make the broker answer
// KAFKA_STORAGE_ERROR, report the full dir in /readyz and its metrics, and log
// a bounded number of lines; removing the file must bring it back to service
// by itself — no restart — with no acknowledged record lost, before and after
// a restart. Needs root (mount, setpriv): it skips, saying so, without it; CI
// runs as root.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, rmdir, statfs, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { acknowledgedWrites, auditAcknowledged } from '../harness/acknowledged-writes.ts';
import { type BrokerProcess, freePort, spawnBroker } from '../harness/broker-process.ts';
import { PYTHON, run } from '../harness/processes.ts';

const NOBODY = { uid: 65534, gid: 65534 };
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'gregor');
const TMPFS_BYTES = 20 * 1024 * 1024;
/** What the filler leaves free: a few dozen messages' worth. */
const LEFT_FREE_BYTES = 64 * 1024;
const DEADLINE_MS = 90_000;

async function until(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + DEADLINE_MS;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function startProducer(bootstrap: string, topic: string) {
  const child = spawn(PYTHON, [join(import.meta.dirname, 'storage_error_producer.py')], {
    env: { ...process.env, BOOTSTRAP: bootstrap, TOPIC: topic, VALUE_BYTES: '1000' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (b: Buffer) => {
    out += b.toString();
  });
  const count = (prefix: string) => out.split('\n').filter((l) => l.startsWith(prefix)).length;
  return { child, output: () => out, acks: () => count('ACK '), count };
}

/** Root fills the file system up to LEFT_FREE_BYTES; the broker soon hits ENOSPC. */
async function fill(mountPoint: string, filler: string): Promise<void> {
  const space = await statfs(mountPoint);
  await writeFile(filler, Buffer.alloc(space.bavail * space.bsize - LEFT_FREE_BYTES)).catch(
    (err: NodeJS.ErrnoException) => {
      // The producer took the margin first: the disk is full either way.
      if (err.code !== 'ENOSPC') throw err;
    },
  );
}

async function readyz(port: number): Promise<{ status: number; body: string }> {
  const r = await fetch(`http://127.0.0.1:${port}/readyz`);
  return { status: r.status, body: await r.text() };
}

async function metric(port: number, name: string): Promise<number | null> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const m = new RegExp(`^${name}\\{[^}]*\\} (\\d+)$`, 'm').exec(text);
  return m === null ? null : Number(m[1]);
}

async function stopBroker(broker: BrokerProcess): Promise<number> {
  const started = Date.now();
  broker.child.kill('SIGTERM');
  assert.equal(await broker.exited, 0, broker.output());
  return Date.now() - started;
}

test('a full log dir answers KAFKA_STORAGE_ERROR and serves again by itself once space is freed', async (t) => {
  if (process.getuid?.() !== 0) {
    t.skip('needs root to mount a tmpfs and run the broker as nobody (CI runs as root)');
    return;
  }
  // The broker runs from this checkout as nobody: under /root, say, it could not read it.
  const readable = await run('setpriv', [
    `--reuid=${NOBODY.uid}`,
    `--regid=${NOBODY.gid}`,
    '--clear-groups',
    '--',
    process.execPath,
    '-e',
    `require('node:fs').accessSync(${JSON.stringify(BIN)}, require('node:fs').constants.R_OK)`,
  ]);
  if (readable.code !== 0) {
    t.skip(`user nobody cannot read ${BIN} (needed to run the broker as non-root)`);
    return;
  }
  const mountPoint = await mkdtemp(join(tmpdir(), 'gregor-disk-full-'));
  const options = `size=${TMPFS_BYTES},mode=0755,uid=${NOBODY.uid},gid=${NOBODY.gid}`;
  const mounted = await run('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', mountPoint]);
  if (mounted.code !== 0) {
    await rmdir(mountPoint);
    t.skip(`cannot mount a tmpfs here: ${mounted.stderr.trim()}`);
    return;
  }
  const dataDir = join(mountPoint, 'data');
  const filler = join(mountPoint, 'filler');
  const port = await freePort();
  const httpPort = await freePort();
  const overrides = {
    'http.listener': `127.0.0.1:${httpPort}`,
    'log.segment.bytes': String(1024 * 1024),
  };
  let broker: BrokerProcess | null = null;
  let producer: { child: ChildProcess } | null = null;
  try {
    broker = await spawnBroker({ dataDir, port, overrides, runAs: NOBODY });
    const topic = 'filling';
    const p = startProducer(broker.bootstrap, topic);
    producer = p;
    await until('300 acknowledged writes', () => p.acks() >= 300);

    await fill(mountPoint, filler);
    await until('KAFKA_STORAGE_ERROR refusals', () => p.count('ERR KAFKA_STORAGE_ERROR') >= 50);
    const errors = p
      .output()
      .split('\n')
      .filter((l) => l.startsWith('ERR '))
      .map((l) => l.split(' ')[1]);
    assert.deepEqual([...new Set(errors)], ['KAFKA_STORAGE_ERROR'], 'refused as Kafka does');
    const ready = await readyz(httpPort);
    assert.equal(ready.status, 503);
    assert.match(ready.body, /log dir .* is full/);
    assert.ok(((await metric(httpPort, 'gregor_log_dir_no_space_writes_total')) ?? 0) > 0);
    assert.ok(((await metric(httpPort, 'gregor_log_dir_available_bytes')) ?? -1) < LEFT_FREE_BYTES);
    const acksWhileFull = p.acks();

    await rm(filler);
    await until(
      'writes acknowledged again without a restart',
      () => p.acks() >= acksWhileFull + 300,
    );
    // Stopped before it fills the freed space again.
    p.child.kill('SIGTERM');
    await new Promise((r) => p.child.once('exit', r));
    producer = null;
    await until('ready again', async () => (await readyz(httpPort)).status === 200);

    const refusals = p.count('ERR ');
    const acked = acknowledgedWrites(p.output());
    const audit = await auditAcknowledged(acked, broker.bootstrap, topic);
    assert.deepEqual(
      { lost: audit.lost, inconsistent: audit.inconsistent, duplicates: audit.duplicates },
      {
        lost: 0,
        inconsistent: 0,
        duplicates: 0,
      },
    );
    // Metadata writes work again: a new topic can be created and used.
    const made = await run('kcat', ['-b', broker.bootstrap, '-P', '-t', 'after-full'], {
      input: 'x\n',
    });
    assert.equal(made.code, 0, made.stderr);

    const lines = broker
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'));
    t.diagnostic(
      `${audit.acked} acknowledged, ${refusals} refused with KAFKA_STORAGE_ERROR, ${lines.length} broker log lines`,
    );
    assert.ok(refusals >= 50);
    assert.ok(lines.length < 150, `${lines.length} log lines for ${refusals} refusals`);
    assert.doesNotMatch(broker.output(), /"stack"/, 'a full disk is no bug: no stack traces');

    // Stopped while the disk is full again: checkpoints cannot be written, and
    // the broker must still stop promptly and come back with every record.
    const second = startProducer(broker.bootstrap, topic);
    producer = second;
    await until('acknowledged writes', () => second.acks() >= 100);
    await fill(mountPoint, filler);
    await until('refusals again', () => second.count('ERR KAFKA_STORAGE_ERROR') >= 20);
    second.child.kill('SIGTERM');
    await new Promise((r) => second.child.once('exit', r));
    producer = null;
    const stopMs = await stopBroker(broker);
    t.diagnostic(`stopped on a full disk in ${stopMs} ms`);
    assert.ok(stopMs < 5000, `stopping took ${stopMs} ms`);
    await rm(filler);
    for (const [at, value] of acknowledgedWrites(second.output())) acked.set(at, value);
    broker = await spawnBroker({ dataDir, port, overrides, runAs: NOBODY });
    const again = await auditAcknowledged(acked, broker.bootstrap, topic);
    assert.equal(again.lost, 0, 'every acknowledged record survives the restart');
    assert.equal(again.inconsistent, 0);
    await stopBroker(broker);
    broker = null;
  } finally {
    producer?.child.kill('SIGKILL');
    broker?.child.kill('SIGKILL');
    if (broker !== null) await broker.exited;
    await run('umount', [mountPoint]);
    await rmdir(mountPoint).catch(() => {});
  }
});
