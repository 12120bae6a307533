// librdkafka compresses only when the broker lists Produce v0 (it checks the
// codecs against a range starting at v0: KAFKA-18659, librdkafka #4956), so we
// advertise Produce from v0 as Kafka 4 does, and answer v0-2 requests (message
// sets v0/v1, which we never store) with UNSUPPORTED_VERSION per partition.
// The proof is on the stored batches: kcat's batches with compression.codec
// gzip, snappy, lz4 and zstd carry that codec in their attributes, and no
// "not compressing" complaint is logged.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ApiVersions } from '../../src/protocol/apis/api-versions.ts';
import { CreateTopics } from '../../src/protocol/apis/create-topics.ts';
import { Produce } from '../../src/protocol/apis/produce.ts';
import { ErrorCode } from '../../src/protocol/error-codes.ts';
import { COMPRESSION_MASK, CompressionType } from '../../src/protocol/record-batch.ts';
import { startTestBroker, type TestBroker, uniqueTopic } from '../harness/broker.ts';
import { run } from '../harness/processes.ts';
import { RawClient } from '../harness/raw-client.ts';
import { storedBatches } from '../harness/stored-batches.ts';

const CODECS = [
  ['gzip', CompressionType.Gzip],
  ['snappy', CompressionType.Snappy],
  ['lz4', CompressionType.Lz4],
  ['zstd', CompressionType.Zstd],
] as const;
const MESSAGES = 50;

describe('produce versions and compression', () => {
  let b: TestBroker;
  let raw: RawClient;
  before(async () => {
    b = await startTestBroker({ 'num.partitions': '1' });
    raw = await RawClient.connect(b.bootstrap);
  });
  after(async () => {
    raw.close();
    await b.stop();
  });

  test('ApiVersions lists Produce from v0', async () => {
    const r = await raw.send(ApiVersions, 3, {
      clientSoftwareName: 'test',
      clientSoftwareVersion: '1',
    } as never);
    const produce = r.apiKeys.find((k) => k.apiKey === 0);
    assert.equal(produce?.minVersion, 0);
    assert.equal(produce?.maxVersion, 11);
  });

  for (const [codec, type] of CODECS) {
    test(`kcat with compression.codec=${codec} stores ${codec} batches`, async () => {
      const topic = uniqueTopic(`kcat-${codec}`);
      const lines = Array.from({ length: MESSAGES }, (_, i) => `value ${i} `.repeat(20));
      const r = await run(
        'kcat',
        [
          '-b',
          b.bootstrap,
          '-P',
          '-t',
          topic,
          '-p',
          '0',
          '-X',
          `compression.codec=${codec}`,
          '-X',
          'linger.ms=50',
          '-X',
          'debug=msg',
        ],
        { input: `${lines.join('\n')}\n`, timeoutMs: 30_000 },
      );
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stderr, /not compressing/);
      const batches = await storedBatches(raw, topic, 0);
      assert.ok(batches.length > 0);
      assert.equal(
        batches.reduce((n, h) => n + h.recordCount, 0),
        MESSAGES,
      );
      for (const h of batches) assert.equal(h.attributes & COMPRESSION_MASK, type);
    });
  }

  test('Produce v0-2 stores nothing and answers UNSUPPORTED_VERSION for every partition', async () => {
    const topic = uniqueTopic('old-produce');
    // A v1 message set entry: offset, size, crc, magic 1, attributes, timestamp, key, value.
    const legacy = Buffer.from(
      '00000000000000000000001a0000000001000000000000000000ffffffff00000001',
      'hex',
    );
    const created = await raw.send(CreateTopics, 5, {
      topics: [
        { name: topic, numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] },
      ],
      timeoutMs: 10_000,
      validateOnly: false,
    });
    assert.equal(created.topics[0]?.errorCode, ErrorCode.NONE);
    for (const version of [0, 1, 2]) {
      const r = await raw.send(Produce, version, {
        transactionalId: null,
        acks: 1,
        timeoutMs: 5_000,
        topicData: [
          {
            name: topic,
            partitionData: [
              { index: 0, records: legacy },
              { index: 1, records: legacy },
            ],
          },
        ],
      } as never);
      const parts = r.responses[0]?.partitionResponses ?? [];
      assert.deepEqual(
        parts.map((p) => [p.index, p.errorCode]),
        [
          [0, ErrorCode.UNSUPPORTED_VERSION],
          [1, ErrorCode.UNSUPPORTED_VERSION],
        ],
        `v${version}`,
      );
    }
    assert.deepEqual(await storedBatches(raw, topic, 0), []);
    assert.deepEqual(await storedBatches(raw, topic, 1), []);
  });

  test('Produce v0-2 with acks=0 closes the connection (no response could carry the error)', async () => {
    const own = await RawClient.connect(b.bootstrap);
    try {
      await assert.rejects(
        own.send(Produce, 2, {
          transactionalId: null,
          acks: 0,
          timeoutMs: 5_000,
          topicData: [{ name: 'any', partitionData: [{ index: 0, records: Buffer.alloc(0) }] }],
        } as never),
        /connection closed/,
      );
    } finally {
      own.close();
    }
  });
});
