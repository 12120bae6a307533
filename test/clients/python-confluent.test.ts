// python3-confluent-kafka (librdkafka through Python) against Gregor: topic
// creation through the AdminClient, keyed messages with headers in every
// codec, a full read back in per-partition order, offsets by timestamp, and
// the error for a missing topic when auto-create is off.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestBroker, type TestBroker, uniqueTopic } from '../harness/broker.ts';
import { runPython } from '../harness/processes.ts';

const script = (name: string) => readFileSync(join(import.meta.dirname, 'python', name), 'utf8');

interface ProduceConsumeResult {
  delivered: number;
  errors: string[];
  got: Array<{ p: number; o: number; k: string; v: string; h: Record<string, string> }>;
  firstAfter: Record<string, number>;
  partitions: number[];
}

describe('python3-confluent-kafka', () => {
  let b: TestBroker;
  before(async () => {
    b = await startTestBroker();
  });
  after(async () => {
    await b.stop();
  });

  test('creates a topic, produces in every codec and consumes everything back in order', async () => {
    const topic = uniqueTopic('py');
    const r = (await runPython(script('produce_consume.py'), {
      BOOTSTRAP: b.bootstrap,
      TOPIC: topic,
    })) as ProduceConsumeResult;
    assert.deepEqual(r.errors, []);
    assert.equal(r.delivered, 150);
    assert.deepEqual(r.partitions, [0, 1, 2]);
    assert.equal(r.got.length, 150);
    for (const m of r.got) {
      const [codec, i] = m.v.split('-');
      assert.equal(m.h['codec'], codec);
      assert.equal(m.h['seq'], i);
      assert.equal(m.k, `k${Number(i) % 5}`);
    }
    for (const p of r.partitions) {
      const inP = r.got.filter((m) => m.p === p);
      for (const [idx, m] of inP.entries()) assert.equal(m.o, idx);
    }
    // Offsets by timestamp: the first message of the 4th codec in each partition.
    for (const p of r.partitions) {
      const firstLate = r.got.find(
        (m) => m.p === p && (m.v.startsWith('lz4-') || m.v.startsWith('zstd-')),
      );
      assert.equal(r.firstAfter[String(p)], firstLate?.o ?? -1, `partition ${p}`);
    }
  });
});

describe('python3-confluent-kafka admin configs', () => {
  let b: TestBroker;
  before(async () => {
    b = await startTestBroker();
  });
  after(async () => {
    await b.stop();
  });

  test('AlterConfigs sets a topic override that DescribeConfigs reports with its source; a bad name is INVALID_CONFIG', async () => {
    const r = (await runPython(script('alter_describe_configs.py'), {
      BOOTSTRAP: b.bootstrap,
      TOPIC: uniqueTopic('cfg'),
    })) as {
      value: string;
      source: number;
      isDefault: boolean;
      segmentBytes: string;
      badError: string | null;
    };
    assert.equal(r.value, '123456');
    assert.equal(r.source, 1, 'DYNAMIC_TOPIC_CONFIG');
    assert.equal(r.isDefault, false);
    assert.equal(r.segmentBytes, '1073741824');
    assert.equal(r.badError, 'INVALID_CONFIG');
  });
});

describe('python3-confluent-kafka with auto-create off', () => {
  let b: TestBroker;
  before(async () => {
    b = await startTestBroker({ 'auto.create.topics.enable': 'false' });
  });
  after(async () => {
    await b.stop();
  });

  test('a missing topic fails with UNKNOWN_TOPIC_OR_PART', async () => {
    const r = (await runPython(script('unknown_topic.py'), { BOOTSTRAP: b.bootstrap })) as {
      delivery: string[];
      metadataError: string | null;
    };
    assert.equal(r.metadataError, 'UNKNOWN_TOPIC_OR_PART');
    assert.equal(r.delivery.length, 1);
    assert.match(r.delivery[0]!, /UNKNOWN_TOPIC_OR_PART|_MSG_TIMED_OUT/);
  });
});
