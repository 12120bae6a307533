import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import type { MetadataImage } from '../cluster/metadata-image.ts';
import { buildValueBatch } from '../log/testing/test-batch.ts';
import { BrokerTopicMetrics, recordCount } from './broker-topic-metrics.ts';

const image = {} as MetadataImage; // Produce metrics never consult the image.
/** Where a v2 batch header holds its length and its record count. */
const BATCH_LENGTH_AT = 8;
const RECORD_COUNT_AT = 57;

async function messagesIn(registry: Registry): Promise<number> {
  const m = await registry
    .getSingleMetric('kafka_server_brokertopicmetrics_messagesin_total')
    ?.get();
  return m?.values.reduce((sum, v) => sum + v.value, 0) ?? 0;
}

test('recordCount sums the record counts of whole batches', () => {
  const two = Buffer.concat([buildValueBatch('a', 3), buildValueBatch('b', 4)]);
  assert.equal(recordCount(two), 7);
});

test('recordCount stops at a header that cannot be a batch', () => {
  const bad = buildValueBatch('a', 3);
  bad.writeInt32BE(-5, RECORD_COUNT_AT);
  assert.equal(recordCount(Buffer.concat([buildValueBatch('b', 2), bad])), 2);
  const long = buildValueBatch('c', 2);
  long.writeInt32BE(0x7fff_0000, BATCH_LENGTH_AT); // far past the buffer
  assert.equal(recordCount(long), 0);
});

// The protocol fuzzer: an acks=0 Produce (no answer to say the batch was refused) whose
// batch claims a negative record count threw from the counter and stopped the broker.
test('an acks=0 Produce with a negative record count is counted as none, without throwing', async () => {
  const registry = new Registry();
  const metrics = new BrokerTopicMetrics(registry, { image });
  const bad = buildValueBatch('a', 3);
  bad.writeInt32BE(-2_000_000, RECORD_COUNT_AT);
  const request = { topicData: [{ name: 't', partitionData: [{ index: 0, records: bad }] }] };
  assert.doesNotThrow(() => metrics.observe(0, request, null));
  assert.equal(await messagesIn(registry), 0);
  const good = {
    topicData: [{ name: 't', partitionData: [{ index: 0, records: buildValueBatch('b', 5) }] }],
  };
  metrics.observe(0, good, null);
  assert.equal(await messagesIn(registry), 5);
});
