// The container image (deploy/Dockerfile), built here on a debootstrap base with this machine's
// Node, run as Kubernetes runs it: host networking, a non-root user, a read-only root
// filesystem, a data volume and a mounted properties file next to GREGOR_* variables. kcat
// produces and consumes through it; `docker stop` must end it by a controlled shutdown within
// the grace period (SIGTERM reaching `gregor server` as PID 1), and a new container on the same
// volume must serve the same messages.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePorts } from '../../src/cli/loopback-ports.ts';
import { buildGregorImage, docker, localNodeBase, requireDocker } from '../harness/docker.ts';
import { run } from '../harness/processes.ts';

const UID = 1000;
const GRACE_SECONDS = 30;
const MESSAGES = 200;

interface Container {
  readonly name: string;
  logs(): Promise<string>;
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | null>) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => null);
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('the container image', { timeout: 600_000 }, () => {
  const tag = `gregor-test:${randomBytes(4).toString('hex')}`;
  const containers: string[] = [];
  let work = '';
  let dataDir = '';
  let configDir = '';
  let kafkaPort = 0;
  let httpPort = 0;

  before(async () => {
    await requireDocker();
    await buildGregorImage(await localNodeBase(), tag);
    work = await mkdtemp(join(tmpdir(), 'gregor-image-test-'));
    dataDir = join(work, 'data');
    configDir = join(work, 'config');
    await mkdir(dataDir);
    await mkdir(configDir);
    // The volume belongs to the image's user, as fsGroup arranges on Kubernetes.
    await chown(dataDir, UID, UID);
    const ports = await freePorts(2);
    kafkaPort = ports[0]!;
    httpPort = ports[1]!;
    // The mounted file sets keys the environment does not; the environment sets the listeners.
    await writeFile(
      join(configDir, 'server.properties'),
      'log.dirs=/var/lib/gregor/data\nnum.partitions=3\nauto.create.topics.enable=true\n',
    );
  });

  after(async () => {
    for (const name of containers) await docker(['rm', '-f', name]).catch(() => undefined);
    await docker(['rmi', '-f', tag]).catch(() => undefined);
    if (work !== '') await rm(work, { recursive: true, force: true });
  });

  async function start(): Promise<Container> {
    const name = `gregor-image-test-${randomBytes(4).toString('hex')}`;
    containers.push(name);
    await docker([
      'run',
      '-d',
      '--name',
      name,
      '--network',
      'host',
      '--read-only',
      '-v',
      `${dataDir}:/var/lib/gregor`,
      '-v',
      `${configDir}:/etc/gregor:ro`,
      '-e',
      `GREGOR_LISTENERS=PLAINTEXT://127.0.0.1:${kafkaPort}`,
      '-e',
      `GREGOR_ADVERTISED_LISTENERS=PLAINTEXT://127.0.0.1:${kafkaPort}`,
      '-e',
      `GREGOR_HTTP_LISTENER=127.0.0.1:${httpPort}`,
      tag,
    ]);
    // The broker logs to stdout; docker keeps it apart from stderr, the test wants both.
    const logs = () =>
      new Promise<string>((resolve) =>
        execFile('docker', ['logs', name], (_e, out, err) => resolve(`${out}${err}`)),
      );
    await waitFor('the broker in the container to be ready', 90_000, async () => {
      const r = await fetch(`http://127.0.0.1:${httpPort}/readyz`);
      return r.status === 200 ? true : null;
    }).catch(async (err: Error) => {
      throw new Error(`${err.message}\n${await logs()}`);
    });
    return { name, logs };
  }

  async function consumeAll(topic: string): Promise<string[]> {
    const r = await run(
      'kcat',
      [
        '-b',
        `127.0.0.1:${kafkaPort}`,
        '-C',
        '-t',
        topic,
        '-o',
        'beginning',
        '-e',
        '-q',
        '-f',
        '%s\n',
      ],
      { timeoutMs: 60_000 },
    );
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.split('\n').filter((l) => l !== '');
  }

  it('runs as a non-root user on a read-only root filesystem, configured by file and environment', async () => {
    const c = await start();
    const inspect = JSON.parse(await docker(['inspect', c.name])) as Array<{
      Config: { User: string };
      HostConfig: { ReadonlyRootfs: boolean };
      State: { Pid: number };
    }>;
    const info = inspect[0]!;
    assert.equal(info.Config.User, `${UID}:${UID}`);
    assert.equal(info.HostConfig.ReadonlyRootfs, true);
    // The process itself, seen from the host: PID 1 of the container, running as uid 1000.
    const status = await readFile(`/proc/${info.State.Pid}/status`, 'utf8');
    assert.match(status, new RegExp(`^Uid:\\s+${UID}\\s`, 'm'));
    assert.match(
      await readFile(`/proc/${info.State.Pid}/cmdline`, 'utf8'),
      /node\0.*gregor\0server/,
    );

    const values = Array.from({ length: MESSAGES }, (_, i) => `message-${i}`);
    const produced = await run(
      'kcat',
      ['-b', `127.0.0.1:${kafkaPort}`, '-P', '-t', 'image-test', '-X', 'acks=all'],
      { input: `${values.join('\n')}\n`, timeoutMs: 60_000 },
    );
    assert.equal(produced.code, 0, produced.stderr);
    assert.deepEqual((await consumeAll('image-test')).sort(), [...values].sort());
    // num.partitions came from the mounted file.
    const md = await run('kcat', ['-b', `127.0.0.1:${kafkaPort}`, '-L', '-t', 'image-test'], {
      timeoutMs: 30_000,
    });
    assert.match(md.stdout, /topic "image-test" with 3 partitions/);

    const stoppedAt = Date.now();
    await docker(['stop', '-t', String(GRACE_SECONDS), c.name], (GRACE_SECONDS + 30) * 1000);
    const tookMs = Date.now() - stoppedAt;
    const state = JSON.parse(await docker(['inspect', c.name])) as Array<{
      State: { ExitCode: number };
    }>;
    const logs = await c.logs();
    // Exit code 0 from our handler, not 137 from the SIGKILL that follows an ignored SIGTERM.
    assert.equal(state[0]!.State.ExitCode, 0, logs);
    assert.ok(tookMs < GRACE_SECONDS * 1000, `docker stop took ${tookMs} ms`);
    assert.match(logs, /"signal":"SIGTERM","msg":"shutting down"/);
    assert.match(logs, /controlled shutdown/);
    assert.match(logs, /Gregor broker stopped/);
  });

  it('keeps the data when a new container starts on the same volume', async () => {
    await start();
    const values = await consumeAll('image-test');
    assert.equal(values.length, MESSAGES);
    assert.equal(new Set(values).size, MESSAGES);
  });
});
