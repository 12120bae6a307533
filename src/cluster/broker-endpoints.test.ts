// Broker registrations carry every advertised listener; each client is given the addresses
// of the listener it came through, brokers without that listener are left out, and a
// registration written before listeners were registered serves every listener name.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type BrokerEndpoint, endpointFor, MetadataImage } from './metadata-image.ts';

const withListeners: BrokerEndpoint = {
  nodeId: 1,
  host: '10.0.0.1',
  port: 9093,
  rack: 'a',
  listeners: [
    { name: 'PLAINTEXT', host: 'kafka-1.example', port: 9092, securityProtocol: 'PLAINTEXT' },
    { name: 'INTERNAL', host: '10.0.0.1', port: 9093, securityProtocol: 'PLAINTEXT' },
  ],
};
const internalOnly: BrokerEndpoint = {
  nodeId: 2,
  host: '10.0.0.2',
  port: 9093,
  rack: null,
  listeners: [{ name: 'INTERNAL', host: '10.0.0.2', port: 9093, securityProtocol: 'PLAINTEXT' }],
};
const older: BrokerEndpoint = { nodeId: 3, host: 'old-3', port: 9092, rack: null };

describe('broker endpoints per listener', () => {
  it('finds the address of a listener by name, or none', () => {
    assert.deepEqual(endpointFor(withListeners, 'PLAINTEXT'), withListeners.listeners![0]);
    assert.deepEqual(endpointFor(withListeners, 'INTERNAL'), withListeners.listeners![1]);
    assert.equal(endpointFor(internalOnly, 'PLAINTEXT'), null);
    assert.deepEqual(endpointFor(older, 'ANY'), { host: 'old-3', port: 9092 });
  });

  it("lists the live brokers with their addresses on the client's listener", () => {
    const image = new MetadataImage('c');
    for (const endpoint of [withListeners, internalOnly, older]) {
      image.apply({ kind: 'broker', nodeId: endpoint.nodeId, endpoint });
    }
    assert.deepEqual(image.brokersOn('PLAINTEXT'), [
      { nodeId: 1, host: 'kafka-1.example', port: 9092, rack: 'a' },
      { nodeId: 3, host: 'old-3', port: 9092, rack: null },
    ]);
    assert.deepEqual(
      image.brokersOn('INTERNAL').map((b) => `${b.nodeId}@${b.host}:${b.port}`),
      ['1@10.0.0.1:9093', '2@10.0.0.2:9093', '3@old-3:9092'],
    );
  });
});
