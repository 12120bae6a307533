// `gregor dev cluster` run as a user runs it: a child process printing `Bootstrap servers:`;
// kcat sees three brokers and one controller, produces through one broker and consumes
// through another; a broker killed with -9 is reported while the rest keep serving; SIGTERM
// exits 0 leaving no process and no temporary data behind. Also `gregor server --metadata`
// with a malformed and with an unreachable etcd address, and a taken --base-port.

import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freePort } from '../harness/broker-process.ts';
import { LineProcess } from '../harness/line-process.ts';
import { run } from '../harness/processes.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'gregor');
const BOOTSTRAP_PREFIX = 'Bootstrap servers: ';

/** A process as /proc names it: pid plus start time, so a reused pid is not mistaken for it. */
interface ProcessIdentity {
  readonly pid: number;
  readonly startTicks: string;
}

function statFields(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may contain spaces: state is [0], ppid [1].
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** Every living descendant of `root`, found by walking parent pids in /proc. */
function descendants(root: number): ProcessIdentity[] {
  const parentOf = new Map<number, number>();
  const startOf = new Map<number, string>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const fields = statFields(pid);
    if (fields === null) continue;
    parentOf.set(pid, Number(fields[1]));
    startOf.set(pid, fields[19] ?? '');
  }
  const found: ProcessIdentity[] = [];
  const frontier = [root];
  while (frontier.length > 0) {
    const parent = frontier.pop();
    for (const [pid, ppid] of parentOf) {
      if (ppid !== parent) continue;
      found.push({ pid, startTicks: startOf.get(pid) ?? '' });
      frontier.push(pid);
    }
  }
  return found;
}

function isAlive(process: ProcessIdentity): boolean {
  const fields = statFields(process.pid);
  // A zombie has exited; only its parent's wait is missing.
  return fields !== null && fields[19] === process.startTicks && fields[0] !== 'Z';
}

function bootstrapOf(cluster: LineProcess): string {
  const line = cluster.stdout.find((l) => l.startsWith(BOOTSTRAP_PREFIX));
  assert.ok(line !== undefined, 'no Bootstrap servers line');
  return line.slice(BOOTSTRAP_PREFIX.length);
}

function brokerLines(metadata: string): string[] {
  return metadata.split('\n').filter((line) => /^\s+broker \d+ at /.test(line));
}

describe('gregor dev cluster --brokers 3', { timeout: 180_000 }, () => {
  let cluster: LineProcess;
  let addresses: string[] = [];

  before(async () => {
    cluster = new LineProcess(process.execPath, [
      BIN,
      'dev',
      'cluster',
      '--brokers',
      '3',
      '--base-port',
      '0',
    ]);
    await cluster.waitFor(
      'the Bootstrap servers line',
      () => cluster.stdout.some((l) => l.startsWith(BOOTSTRAP_PREFIX)) || cluster.exitCode !== null,
      90_000,
    );
    assert.equal(cluster.exitCode, null, `dev cluster exited:\n${cluster.stderr.join('\n')}`);
    addresses = bootstrapOf(cluster).split(',');
  });

  after(async () => {
    await cluster.stop('SIGKILL');
  });

  test('prints exactly one Bootstrap servers line with three loopback addresses', () => {
    const lines = cluster.stdout.filter((l) => l.startsWith(BOOTSTRAP_PREFIX));
    assert.equal(lines.length, 1);
    assert.match(lines[0] ?? '', /^Bootstrap servers: (127\.0\.0\.1:\d+,){2}127\.0\.0\.1:\d+$/);
    assert.equal(new Set(addresses).size, 3);
  });

  test('kcat -L lists the three brokers at those addresses, one the controller', async () => {
    const result = await run('kcat', ['-b', addresses.join(','), '-L', '-m', '10']);
    assert.equal(result.code, 0, result.stderr);
    const brokers = brokerLines(result.stdout);
    assert.match(result.stdout, /^ 3 brokers:$/m);
    const listed = brokers.map((line) => /at (\S+)/.exec(line)?.[1]).sort();
    assert.deepEqual(listed, [...addresses].sort());
    const ids = brokers.map((line) => Number(/broker (\d+)/.exec(line)?.[1])).sort();
    assert.deepEqual(ids, [1, 2, 3]);
    const controllers = brokers.filter((line) => line.includes('(controller)'));
    assert.equal(controllers.length, 1, `one controller in:\n${result.stdout}`);
  });

  test('produces through one broker and consumes through another', async () => {
    const [first, , third] = addresses;
    assert.ok(first !== undefined && third !== undefined);
    const topic = `dev-cluster-${Date.now()}`;
    const values = Array.from({ length: 20 }, (_, i) => `value-${i}`);
    const produced = await run('kcat', ['-b', first, '-P', '-t', topic], {
      input: `${values.join('\n')}\n`,
    });
    assert.equal(produced.code, 0, produced.stderr);
    const consumed = await run('kcat', ['-b', third, '-C', '-t', topic, '-o', 'beginning', '-e']);
    assert.equal(consumed.code, 0, consumed.stderr);
    assert.deepEqual(
      consumed.stdout.split('\n').filter((l) => l !== ''),
      values,
    );
  });

  test('reports a broker killed with -9 and keeps the others serving', async () => {
    const children = descendants(cluster.pid);
    const victim = children.find((p) =>
      readFileSync(`/proc/${p.pid}/cmdline`, 'utf8').includes('node.id=3'),
    );
    assert.ok(victim !== undefined, 'broker 3 is a child of the dev cluster');
    process.kill(victim.pid, 'SIGKILL');
    await cluster.waitFor('the report of broker-3', () =>
      cluster.stderr.some((l) => l.includes('broker-3') && l.includes('SIGKILL')),
    );
    assert.equal(cluster.exitCode, null, 'the dev cluster keeps running');
    const [first] = addresses;
    assert.ok(first !== undefined);
    const result = await run('kcat', ['-b', first, '-L', '-m', '10']);
    assert.equal(result.code, 0, result.stderr);
    assert.ok(brokerLines(result.stdout).some((line) => line.includes(first)));
  });

  test('SIGTERM stops every process, removes the temporary data and exits 0', async () => {
    const children = descendants(cluster.pid);
    assert.ok(children.length >= 3, 'etcd and the two remaining brokers run');
    const dataLine = cluster.stderr.find((l) => l.includes('(removed on exit)'));
    const dataDir = /data in (\S+) \(removed on exit\)/.exec(dataLine ?? '')?.[1];
    assert.ok(dataDir !== undefined && existsSync(dataDir), `data dir in: ${dataLine}`);
    const started = Date.now();
    cluster.signal('SIGTERM');
    await cluster.waitFor('exit', () => cluster.exitCode !== null, 60_000);
    assert.equal(cluster.exitCode, 0, cluster.stderr.join('\n'));
    assert.ok(Date.now() - started < 30_000);
    assert.deepEqual(children.filter(isAlive), [], 'no child process outlives the dev cluster');
    assert.equal(existsSync(dataDir), false, `${dataDir} removed`);
    assert.ok(
      cluster.stdout.some((l) => l.startsWith('[broker-1]') && l.includes('shutting down')),
    );
  });
});

describe('gregor dev cluster refuses a taken port', () => {
  let server: Server;
  let port = 0;
  before(async () => {
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    port = typeof address === 'object' && address !== null ? address.port : 0;
  });
  after(() => {
    server.close();
  });

  test('exits 2 naming the port, before starting anything', async () => {
    const result = await run(process.execPath, [
      BIN,
      'dev',
      'cluster',
      '--brokers',
      '1',
      '--base-port',
      String(port),
    ]);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, new RegExp(`port ${port} .* in use`));
  });
});

describe('gregor server --metadata', () => {
  test('a malformed etcd address exits 2 naming the flag and the address', async () => {
    const result = await run(process.execPath, [
      BIN,
      'server',
      '--metadata',
      'etcd://256.1.1.1:99999',
    ]);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /GREGOR_ERR_CONFIG_INVALID/);
    assert.match(result.stderr, /--metadata/);
    assert.match(result.stderr, /etcd:\/\/256\.1\.1\.1:99999/);
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'one line, no stack trace');
  });

  test('an unreachable etcd fails start-up within 10 s naming the address', async () => {
    const closedPort = await freePort();
    const dataDir = await mkdtemp(join(tmpdir(), 'gregor-unreachable-'));
    const started = Date.now();
    const result = await run(
      process.execPath,
      [
        BIN,
        'server',
        '--metadata',
        `etcd://127.0.0.1:${closedPort}`,
        '--override',
        `log.dirs=${dataDir}`,
        '--override',
        'listeners=PLAINTEXT://127.0.0.1:0',
      ],
      { timeoutMs: 20_000 },
    ).finally(() => rm(dataDir, { recursive: true, force: true }));
    const elapsedMs = Date.now() - started;
    assert.ok(elapsedMs < 10_000, `took ${elapsedMs} ms`);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /GREGOR_ERR_METADATA_UNAVAILABLE/);
    assert.match(result.stderr, new RegExp(`127\\.0\\.0\\.1:${closedPort}`));
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'one line, no stack trace');
  });
});
