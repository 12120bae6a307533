// Gregor's client against a live in-process broker: version negotiation,
// bounded connect and request timeouts, admin calls, keyed produce landing
// where murmur2 says, fetch and list offsets, and a two-member group sharing a
// topic with the range assignor.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Broker, startBroker } from '../broker.ts';
import { Produce } from '../protocol/apis/produce.ts';
import { CompressionType } from '../protocol/record-batch.ts';
import { silentLogger } from '../util/logger.ts';
import {
  AlterConfigOp,
  ConfigResourceType,
  createPartitions,
  createTopics,
  deleteTopics,
  describeCluster,
  describeConfigs,
  describeGroup,
  fetchCommittedOffsets,
  incrementalAlterConfigs,
  listGroups,
} from './admin.ts';
import { BrokerConnection } from './connection.ts';
import { ConnectionError, ErrorCode, KafkaError, TimeoutError } from './errors.ts';
import { EARLIEST_TIMESTAMP, Fetcher, LATEST_TIMESTAMP, listOffsets } from './fetcher.ts';
import { GroupConsumer } from './group-consumer.ts';
import { KafkaClient } from './kafka-client.ts';
import { partitionForKey } from './partitioner.ts';
import { Producer } from './producer.ts';

const BACKLOG_LISTENER =
  'import socket,time\ns=socket.socket();s.bind(("127.0.0.1",0));s.listen(0)\n' +
  'print(s.getsockname()[1],flush=True);time.sleep(20)';

let broker: Broker;
let dataDir: string;
let bootstrap: string;
const clients: KafkaClient[] = [];

function newClient(): KafkaClient {
  const c = new KafkaClient({ bootstrapServers: [bootstrap], clientId: 'client-test' });
  clients.push(c);
  return c;
}

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'gregor-client-'));
  broker = await startBroker({ dataDir, port: 0, host: '127.0.0.1', logger: silentLogger() });
  bootstrap = `127.0.0.1:${broker.port}`;
});

after(async () => {
  for (const c of clients) c.close();
  await broker.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('connection', () => {
  test('negotiates the highest version both sides speak', async () => {
    const conn = await BrokerConnection.open({
      host: '127.0.0.1',
      port: broker.port,
      clientId: 't',
      connectTimeoutMs: 2000,
      requestTimeoutMs: 5000,
    });
    try {
      assert.equal(conn.versionFor(Produce), 11);
    } finally {
      conn.close();
    }
  });

  test('a refused connect fails at once with the address in the message', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((r) => server.close(() => r()));
    const client = new KafkaClient({
      bootstrapServers: [`127.0.0.1:${port}`],
      connectTimeoutMs: 1000,
    });
    await assert.rejects(client.metadata(null), (err: Error) => {
      assert.ok(err instanceof ConnectionError);
      assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${port} failed: connection refused`));
      return true;
    });
  });

  test('a connect that gets no answer fails after connectTimeoutMs, not the kernel SYN retries', async () => {
    // A listener with a full accept queue drops further SYNs, as a partitioned address does.
    const listener = spawn('python3', ['-c', BACKLOG_LISTENER], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    try {
      const port = Number((await once(listener.stdout, 'data'))[0]);
      const fill = connect({ host: '127.0.0.1', port });
      await once(fill, 'connect');
      const started = Date.now();
      await assert.rejects(
        BrokerConnection.open({
          host: '127.0.0.1',
          port,
          clientId: 't',
          connectTimeoutMs: 300,
          requestTimeoutMs: 300,
        }),
        (err: Error) => err instanceof TimeoutError && /timed out after 300 ms/.test(err.message),
      );
      assert.ok(Date.now() - started < 2000);
      fill.destroy();
    } finally {
      listener.kill('SIGKILL');
    }
  });

  test('a broker that never answers fails the request after requestTimeoutMs', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    const started = Date.now();
    await assert.rejects(
      BrokerConnection.open({
        host: '127.0.0.1',
        port,
        clientId: 't',
        connectTimeoutMs: 1000,
        requestTimeoutMs: 300,
      }),
      TimeoutError,
    );
    assert.ok(Date.now() - started < 3000);
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => silent.close(() => r()));
  });
});

describe('admin', () => {
  test('creates a topic, refuses it twice with the broker message, grows and deletes it', async () => {
    const client = newClient();
    const [created] = await createTopics(client, [
      {
        name: 'admin-t',
        numPartitions: 2,
        replicationFactor: 1,
        configs: { 'retention.ms': '1000' },
      },
    ]);
    assert.equal(created?.topicId.length, 22);
    await assert.rejects(
      createTopics(client, [
        { name: 'admin-t', numPartitions: 1, replicationFactor: 1, configs: {} },
      ]),
      (err: Error) =>
        err instanceof KafkaError &&
        err.code === ErrorCode.TOPIC_ALREADY_EXISTS &&
        /already exists/.test(err.message),
    );
    await createPartitions(client, 'admin-t', 3);
    const md = await client.metadata(['admin-t']);
    assert.equal(md.topics[0]?.partitions.length, 3);
    const configs = await describeConfigs(client, {
      type: ConfigResourceType.TOPIC,
      name: 'admin-t',
    });
    assert.equal(configs.find((c) => c.name === 'retention.ms')?.value, '1000');
    await incrementalAlterConfigs(client, { type: ConfigResourceType.TOPIC, name: 'admin-t' }, [
      { name: 'retention.ms', op: AlterConfigOp.DELETE, value: null },
    ]);
    const after = await describeConfigs(client, {
      type: ConfigResourceType.TOPIC,
      name: 'admin-t',
    });
    assert.equal(after.find((c) => c.name === 'retention.ms')?.source, 5);
    await deleteTopics(client, ['admin-t']);
    const gone = await client.metadata(['admin-t']);
    assert.equal(gone.topics[0]?.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  test('describes the cluster', async () => {
    const d = await describeCluster(newClient());
    assert.equal(d.brokers.length, 1);
    assert.equal(d.brokers[0]?.port, broker.port);
    assert.equal(d.clusterId, broker.clusterId);
  });
});

describe('produce and fetch', () => {
  test('keyed records land on murmur2 partitions and read back in order', async () => {
    const client = newClient();
    await createTopics(client, [
      { name: 'pf', numPartitions: 3, replicationFactor: 1, configs: {} },
    ]);
    const producer = new Producer(client, { compression: CompressionType.Gzip });
    const sent = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        producer.send({ topic: 'pf', key: Buffer.from(`k${i % 5}`), value: Buffer.from(`v${i}`) }),
      ),
    );
    for (const [i, m] of sent.entries()) {
      assert.equal(m.partition, partitionForKey(Buffer.from(`k${i % 5}`), 3));
    }
    const ends = await listOffsets(
      client,
      [0, 1, 2].map((partition) => ({ topic: 'pf', partition, timestamp: LATEST_TIMESTAMP })),
    );
    assert.equal(
      ends.reduce((n, e) => n + e.offset, 0),
      30,
    );
    const fetcher = new Fetcher(client, { maxWaitMs: 100 });
    for (const p of [0, 1, 2]) fetcher.seek({ topic: 'pf', partition: p }, 0);
    const got: string[] = [];
    while (got.length < 30) for (const r of await fetcher.poll()) got.push(`${r.key}:${r.value}`);
    const k0 = got.filter((s) => s.startsWith('k0:')).map((s) => s.slice(3));
    assert.deepEqual(k0, ['v0', 'v5', 'v10', 'v15', 'v20', 'v25']);
    const starts = await listOffsets(client, [
      { topic: 'pf', partition: 0, timestamp: EARLIEST_TIMESTAMP },
    ]);
    assert.equal(starts[0]?.offset, 0);
    await producer.close();
  });

  test('concurrent sends to a topic that does not exist yet create it and all succeed', async () => {
    const producer = new Producer(newClient(), { acks: 1 });
    const sent = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        producer.send({ topic: 'auto-made', key: null, value: Buffer.from(`${i}`) }),
      ),
    );
    assert.equal(sent.length, 20);
    assert.ok(sent.every((m) => m.offset >= 0));
    await producer.close();
  });

  test('an unknown topic fails send within max.block.ms when auto-creation is off', async () => {
    const producer = new Producer(newClient(), { maxBlockMs: 300 });
    const res = await producer
      .send({ topic: '_no\u0000such', key: null, value: Buffer.from('x') })
      .catch((e: Error) => e);
    assert.ok(res instanceof Error);
  });
});

describe('group consumer', () => {
  test('two members split a topic with the range assignor and commit what they read', async () => {
    const client = newClient();
    await createTopics(client, [
      { name: 'grp', numPartitions: 4, replicationFactor: 1, configs: {} },
    ]);
    const producer = new Producer(client);
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        producer.send({ topic: 'grp', key: null, value: Buffer.from(`m${i}`), partition: i % 4 }),
      ),
    );
    const opts = {
      groupId: 'g1',
      topics: ['grp'],
      autoOffsetReset: 'earliest' as const,
      maxWaitMs: 100,
      heartbeatIntervalMs: 200,
      rebalanceTimeoutMs: 10_000,
    };
    const a = new GroupConsumer(newClient(), opts);
    const b = new GroupConsumer(newClient(), opts);
    const seen = new Set<string>();
    const deadline = Date.now() + 20_000;
    const done = (): boolean =>
      Date.now() > deadline ||
      (a.assignment.length === 2 && b.assignment.length === 2 && seen.size === 40);
    // Each member polls on its own, as a consumer process would: a member rejoins only from poll.
    const loop = async (c: GroupConsumer): Promise<void> => {
      while (!done()) for (const r of await c.poll()) seen.add(String(r.value));
    };
    for (const r of await a.poll()) seen.add(String(r.value));
    await Promise.all([loop(a), loop(b)]);
    assert.equal(a.assignment.length, 2);
    assert.equal(b.assignment.length, 2);
    assert.equal(seen.size, 40);
    const group = await describeGroup(client, 'g1');
    assert.equal(group.state, 'Stable');
    assert.equal(group.protocol, 'range');
    assert.equal(group.members.length, 2);
    await Promise.all([a.close(), b.close()]);
    const committed = await fetchCommittedOffsets(client, 'g1');
    assert.deepEqual(
      committed.map((c) => c.offset),
      [10, 10, 10, 10],
    );
    assert.ok((await listGroups(client)).some((g) => g.groupId === 'g1'));
    await producer.close();
  });
});
