// The dev cluster's plan without processes: per-broker overrides, reserved keys, port
// choice (a taken port is refused by name), the bootstrap list, the broker child's env.

import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { brokerEnv, serverArguments } from './broker-child.ts';
import {
  bootstrapServers,
  brokerPorts,
  checkOverrides,
  DevClusterUsageError,
  planBrokers,
} from './dev-cluster.ts';

const shared = {
  dataDir: '/tmp/dev',
  metadataStore: 'etcd://127.0.0.1:2379',
  clusterId: 'R3JlZ29yVGVzdENsdXN0ZQ',
};

describe('dev cluster plan', () => {
  it('gives broker i node id i, its own log dir and port, and the shared store and id', () => {
    const plans = planBrokers([9092, 9093], shared, { 'num.partitions': '3' });
    assert.deepEqual(plans, [
      {
        nodeId: 1,
        port: 9092,
        overrides: {
          'num.partitions': '3',
          'node.id': '1',
          'log.dirs': '/tmp/dev/broker-1',
          listeners: 'PLAINTEXT://127.0.0.1:9092',
          'metadata.store': 'etcd://127.0.0.1:2379',
          'cluster.id': 'R3JlZ29yVGVzdENsdXN0ZQ',
        },
      },
      {
        nodeId: 2,
        port: 9093,
        overrides: {
          'num.partitions': '3',
          'node.id': '2',
          'log.dirs': '/tmp/dev/broker-2',
          listeners: 'PLAINTEXT://127.0.0.1:9093',
          'metadata.store': 'etcd://127.0.0.1:2379',
          'cluster.id': 'R3JlZ29yVGVzdENsdXN0ZQ',
        },
      },
    ]);
    assert.deepEqual(serverArguments({ 'node.id': '1', 'a.b': 'x=y' }), [
      'server',
      '--override',
      'node.id=1',
      '--override',
      'a.b=x=y',
    ]);
  });

  it('refuses an --override of a key it sets per broker', () => {
    assert.doesNotThrow(() => checkOverrides({ 'num.partitions': '3' }));
    assert.throws(
      () => checkOverrides({ 'node.id': '7', 'log.dirs': '/x' }),
      (error: unknown) =>
        error instanceof DevClusterUsageError && /node\.id, log\.dirs/.test(error.message),
    );
  });

  it('lists the bootstrap servers in broker order', () => {
    assert.equal(
      bootstrapServers([9092, 9093, 9094]),
      '127.0.0.1:9092,127.0.0.1:9093,127.0.0.1:9094',
    );
  });

  it('picks distinct free ports for base port 0, and refuses a taken one by number', async () => {
    const free = await brokerPorts(0, 3);
    assert.equal(new Set(free).size, 3);
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const taken = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      await assert.rejects(
        brokerPorts(taken, 2),
        (error: unknown) =>
          error instanceof DevClusterUsageError && error.message.includes(`port ${taken} `),
      );
    } finally {
      server.close();
    }
    await assert.rejects(brokerPorts(65535, 2), DevClusterUsageError);
  });

  it('raises a quiet inherited log level to info, so the ready line is logged', () => {
    assert.equal(brokerEnv({ GREGOR_LOG_LEVEL: 'warn' })['GREGOR_LOG_LEVEL'], 'info');
    assert.equal(brokerEnv({})['GREGOR_LOG_LEVEL'], 'info');
    assert.equal(brokerEnv({ GREGOR_LOG_LEVEL: 'debug' })['GREGOR_LOG_LEVEL'], 'debug');
  });
});
