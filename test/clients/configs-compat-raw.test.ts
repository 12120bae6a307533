// Configuration requests as older tools send them, on the wire: DescribeConfigs
// with an empty list of names answers every key at every version (Kafka treats
// empty like null), and the deprecated message.format.version is accepted by
// CreateTopics and AlterConfigs, refused when it names no Kafka version, and
// reported by DescribeConfigs with its broker default.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AlterConfigs } from '../../src/protocol/apis/alter-configs.ts';
import { CreateTopics } from '../../src/protocol/apis/create-topics.ts';
import { DescribeConfigs } from '../../src/protocol/apis/describe-configs.ts';
import { ErrorCode } from '../../src/protocol/error-codes.ts';
import { startTestBroker, type TestBroker, uniqueTopic } from '../harness/broker.ts';
import { RawClient } from '../harness/raw-client.ts';

const TOPIC = 2;
const BROKER = 4;

describe('configuration requests from older tools', () => {
  let b: TestBroker;
  let raw: RawClient;

  before(async () => {
    b = await startTestBroker();
    raw = await RawClient.connect(b.bootstrap);
  });
  after(async () => {
    raw.close();
    await b.stop();
  });

  async function describeConfigs(
    version: number,
    resourceType: number,
    resourceName: string,
    configurationKeys: string[] | null,
  ) {
    const r = await raw.send(DescribeConfigs, version, {
      resources: [{ resourceType, resourceName, configurationKeys }],
      includeSynonyms: false,
      includeDocumentation: false,
    });
    const result = r.results[0];
    assert.ok(result !== undefined);
    assert.equal(result.errorCode, ErrorCode.NONE, result.errorMessage ?? '');
    return new Map(result.configs.map((c) => [c.name, c.value]));
  }

  async function createTopic(name: string, configs: { name: string; value: string }[]) {
    const r = await raw.send(CreateTopics, 4, {
      topics: [{ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs }],
      timeoutMs: 10_000,
      validateOnly: false,
    });
    return r.topics[0];
  }

  test('DescribeConfigs with an empty list of names answers every key, at v0 to v4', async () => {
    const topic = uniqueTopic('cfg-empty');
    assert.equal((await createTopic(topic, []))?.errorCode, ErrorCode.NONE);
    for (let v = 0; v <= 4; v++) {
      for (const [type, name] of [
        [TOPIC, topic],
        [BROKER, String(b.broker.nodeId)],
      ] as const) {
        const all = await describeConfigs(v, type, name, null);
        const empty = await describeConfigs(v, type, name, []);
        assert.ok(all.size > 20, `v${v} type ${type}: ${all.size} keys`);
        assert.deepEqual([...empty.keys()], [...all.keys()], `v${v} type ${type}`);
        const one = await describeConfigs(v, type, name, ['min.insync.replicas']);
        assert.deepEqual([...one.keys()], ['min.insync.replicas']);
      }
    }
  });

  test('message.format.version is accepted, stored and reported; a bad version is refused', async () => {
    const topic = uniqueTopic('cfg-mfv');
    const created = await createTopic(topic, [{ name: 'message.format.version', value: '2.8' }]);
    assert.equal(created?.errorCode, ErrorCode.NONE, created?.errorMessage ?? '');
    assert.equal(
      (await describeConfigs(1, TOPIC, topic, null)).get('message.format.version'),
      '2.8',
    );

    const altered = await raw.send(AlterConfigs, 1, {
      resources: [
        {
          resourceType: TOPIC,
          resourceName: topic,
          configs: [{ name: 'message.format.version', value: '0.10.2-IV0' }],
        },
      ],
      validateOnly: false,
    });
    assert.equal(altered.responses[0]?.errorCode, ErrorCode.NONE);
    const described = await describeConfigs(0, TOPIC, topic, ['message.format.version']);
    assert.equal(described.get('message.format.version'), '0.10.2-IV0');

    const plain = uniqueTopic('cfg-mfv-default');
    assert.equal((await createTopic(plain, []))?.errorCode, ErrorCode.NONE);
    const defaults = await describeConfigs(2, TOPIC, plain, ['message.format.version']);
    assert.equal(defaults.get('message.format.version'), '3.0-IV1');
    const brokerKeys = await describeConfigs(2, BROKER, String(b.broker.nodeId), [
      'log.message.format.version',
    ]);
    assert.equal(brokerKeys.get('log.message.format.version'), '3.0-IV1');

    const bad = await createTopic(uniqueTopic('cfg-mfv-bad'), [
      { name: 'message.format.version', value: '2.9' },
    ]);
    assert.equal(bad?.errorCode, ErrorCode.INVALID_CONFIG);
    assert.match(bad?.errorMessage ?? '', /message\.format\.version/);
  });
});
