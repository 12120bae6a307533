// An idempotent librdkafka producer whose Produce requests time out on the
// client after the broker has stored them: the client retries them with the
// same producer epoch and sequence numbers, and the broker must answer each
// retry with the offsets of the batch it already holds, not store it again.
// The answers are held back by a proxy between the producer and the broker
// for longer than socket.timeout.ms, while message.timeout.ms is long enough
// for no message to expire (an expired message makes librdkafka bump its
// epoch and renumber the rest, which Kafka stores again as well; see
// test/cluster/python/acked_offsets_producer.py). Checked on what the broker
// stored: every acknowledged value at its offset, and no value twice.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { acknowledgedWrites, auditAcknowledged } from '../harness/acknowledged-writes.ts';
import { startTestBroker, type TestBroker, uniqueTopic } from '../harness/broker.ts';
import { freePort } from '../harness/broker-process.ts';
import { PYTHON } from '../harness/processes.ts';
import { until } from '../harness/topic-state.ts';

const SOCKET_TIMEOUT_MS = 1500;
const HOLD_MS = 3 * SOCKET_TIMEOUT_MS;
const PRODUCER = join(import.meta.dirname, '..', 'cluster', 'python', 'acked_offsets_producer.py');

/**
 * A TCP proxy to the broker that can hold back what the broker sends: bytes
 * to the broker always pass, its answers wait while `holding` and then go out
 * in order (to clients still connected).
 */
class AnswerHoldingProxy {
  holding = false;
  private readonly held: Array<{ client: Socket; bytes: Buffer }> = [];
  private readonly sockets = new Set<Socket>();
  private constructor(private readonly server: Server) {}

  static async start(port: number, brokerPort: () => number): Promise<AnswerHoldingProxy> {
    const server = createServer();
    const proxy = new AnswerHoldingProxy(server);
    server.on('connection', (client) => proxy.accept(client, brokerPort()));
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    return proxy;
  }

  private accept(client: Socket, brokerPort: number): void {
    const upstream = connect(brokerPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        this.sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (bytes: Buffer) => upstream.write(bytes));
    upstream.on('data', (bytes: Buffer) => {
      if (this.holding) this.held.push({ client, bytes });
      else if (!client.destroyed) client.write(bytes);
    });
  }

  release(): void {
    this.holding = false;
    for (const { client, bytes } of this.held.splice(0)) {
      if (!client.destroyed) client.write(bytes);
    }
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

let broker: TestBroker;
let proxy: AnswerHoldingProxy;
let proxyPort = 0;

before(async () => {
  proxyPort = await freePort();
  let brokerPort = 0;
  proxy = await AnswerHoldingProxy.start(proxyPort, () => brokerPort);
  broker = await startTestBroker({
    'num.partitions': '1',
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${proxyPort}`,
  });
  brokerPort = broker.broker.port;
});

after(async () => {
  await proxy.close();
  await broker.stop();
});

test('produce requests timed out by the client are retried and stored once', {
  timeout: 120_000,
}, async () => {
  const topic = uniqueTopic('idem-timeout');
  const child = spawn(PYTHON, [PRODUCER], {
    env: {
      ...process.env,
      BOOTSTRAP: `127.0.0.1:${proxyPort}`,
      TOPIC: topic,
      PARTITION: '0',
      SOCKET_TIMEOUT_MS: String(SOCKET_TIMEOUT_MS),
      MESSAGE_TIMEOUT_MS: '300000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => {
    out += b.toString();
  });
  child.stderr.on('data', (b: Buffer) => {
    err += b.toString();
  });
  const acks = () => out.split('\n').filter((l) => l.startsWith('ACK ')).length;
  try {
    await until('1000 acknowledgements', 60_000, async () => (acks() >= 1000 ? true : null));
    proxy.holding = true;
    const heldAt = Date.now();
    // librdkafka logs it as "N request(s) timed out: disconnect"; the broker had them all.
    await until('a request timed out by the producer', 30_000, async () =>
      /request\(s\) timed out/.test(err) ? true : null,
    );
    await new Promise((r) => setTimeout(r, Math.max(0, HOLD_MS - (Date.now() - heldAt))));
    const acksBefore = acks();
    proxy.release();
    await until('acknowledgements after the answers came back', 60_000, async () =>
      acks() >= acksBefore + 2000 ? true : null,
    );
    child.kill('SIGKILL');
    const audit = await auditAcknowledged(acknowledgedWrites(out), broker.bootstrap, topic);
    assert.ok(audit.acked > 3000, `producer got ${audit.acked} acknowledgements`);
    assert.equal(audit.lost, 0, 'lost acknowledged writes');
    assert.equal(audit.inconsistent, 0, 'offsets holding a different value than acknowledged');
    assert.equal(audit.duplicates, 0, `values stored twice; producer said:\n${err.slice(-2000)}`);
  } finally {
    child.kill('SIGKILL');
  }
});
