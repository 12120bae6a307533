// Listeners as Kafka reads them (issue 11): every listener is bound, a client is answered
// with the advertised addresses of the listener it connected through (seen with kcat -L
// through each port), and a broker asked to secure a listener it cannot secure refuses to
// start, naming the listener, instead of serving it as plaintext.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePorts } from '../../src/cli/loopback-ports.ts';
import { ConfigError } from '../../src/config/config-error.ts';
import { type Broker, startBroker } from '../../src/index.ts';
import { silentLogger } from '../../src/util/logger.ts';
import { spawnBroker } from '../harness/broker-process.ts';
import { run } from '../harness/processes.ts';

/** True when something accepts TCP connections at host:port. */
function accepting(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** kcat -L through one address: the "broker N at host:port" lines. */
async function brokersSeenThrough(bootstrap: string): Promise<string[]> {
  const r = await run('kcat', ['-b', bootstrap, '-L', '-m', '10'], { timeoutMs: 30_000 });
  assert.equal(r.code, 0, r.stderr);
  return r.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('broker '));
}

describe('several listeners', () => {
  let dir: string;
  let broker: Broker;
  let plaintextPort: number;
  let internalPort: number;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gregor-listeners-'));
    [plaintextPort, internalPort] = (await freePorts(2)) as [number, number];
    broker = await startBroker({
      dataDir: dir,
      logger: silentLogger(),
      config: {
        // INTERNAL binds on another loopback address, so where a client lands is visible.
        listeners: `PLAINTEXT://127.0.0.1:${plaintextPort},INTERNAL://127.0.0.2:${internalPort}`,
        'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,INTERNAL:PLAINTEXT',
        'inter.broker.listener.name': 'INTERNAL',
        // PLAINTEXT is advertised under a name, not its bind address.
        'advertised.listeners': `PLAINTEXT://localhost:${plaintextPort},INTERNAL://127.0.0.2:${internalPort}`,
      },
    });
  });

  after(async () => {
    await broker?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('binds every listener and reports each bound port by name', async () => {
    assert.deepEqual(
      [...broker.listenerPorts],
      [
        ['PLAINTEXT', plaintextPort],
        ['INTERNAL', internalPort],
      ],
    );
    assert.equal(broker.port, plaintextPort, 'port is the first listener');
    assert.equal(broker.host, 'localhost', "host is the first listener's advertised host");
    assert.ok(await accepting('127.0.0.1', plaintextPort));
    assert.ok(await accepting('127.0.0.2', internalPort));
  });

  it("answers Metadata with the advertised address of the client's own listener", async () => {
    assert.deepEqual(await brokersSeenThrough(`127.0.0.1:${plaintextPort}`), [
      `broker 0 at localhost:${plaintextPort} (controller)`,
    ]);
    assert.deepEqual(await brokersSeenThrough(`127.0.0.2:${internalPort}`), [
      `broker 0 at 127.0.0.2:${internalPort} (controller)`,
    ]);
  });

  it('produces and consumes through either listener', async () => {
    for (const [bootstrap, value] of [
      [`127.0.0.1:${plaintextPort}`, 'through-plaintext'],
      [`127.0.0.2:${internalPort}`, 'through-internal'],
    ] as const) {
      const p = await run('kcat', ['-b', bootstrap, '-P', '-t', 'both'], { input: `${value}\n` });
      assert.equal(p.code, 0, p.stderr);
    }
    const c = await run('kcat', [
      '-b',
      `127.0.0.2:${internalPort}`,
      '-C',
      '-t',
      'both',
      '-o',
      'beginning',
      '-e',
    ]);
    assert.equal(c.code, 0, c.stderr);
    assert.deepEqual(c.stdout.trim().split('\n'), ['through-plaintext', 'through-internal']);
  });
});

describe('a secured listener without its TLS set up', () => {
  it('stops start-up naming the listener and its protocol, with no port left open', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gregor-listeners-'));
    const [a, b] = (await freePorts(2)) as [number, number];
    try {
      await assert.rejects(
        startBroker({
          dataDir: dir,
          logger: silentLogger(),
          config: { listeners: `PLAINTEXT://127.0.0.1:${a},SASL_SSL://127.0.0.1:${b}` },
        }),
        (err: unknown) =>
          err instanceof ConfigError &&
          err.code === 'GREGOR_ERR_CONFIG_INVALID' &&
          err.message.includes('listener SASL_SSL') &&
          err.message.includes('ssl.keystore.location'),
      );
      assert.equal(await accepting('127.0.0.1', a), false, 'the PLAINTEXT port is not bound');
      assert.equal(await accepting('127.0.0.1', b), false, 'the SASL_SSL port is not bound');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('makes `gregor server` exit with code 2 and a line naming SASL_SSL and the keystore', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gregor-listeners-'));
    const [a, b] = (await freePorts(2)) as [number, number];
    try {
      await assert.rejects(
        spawnBroker({
          dataDir: dir,
          port: a,
          overrides: { listeners: `PLAINTEXT://127.0.0.1:${a},SASL_SSL://127.0.0.1:${b}` },
        }),
        (err: unknown) =>
          err instanceof Error &&
          err.message.includes('exited with 2') &&
          /GREGOR_ERR_CONFIG_INVALID: listener SASL_SSL: .*needs a keystore/.test(err.message),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
