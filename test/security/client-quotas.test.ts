// Client quotas with a real client: python3-confluent-kafka (librdkafka)
// producers against one broker. A client id limited to 1 MB/s by
// `gregor configs --entity-type clients` produces as fast as it can; over 30 s
// (after a 5 s start) its delivered bytes stay within ±10% of the limit, and
// librdkafka reports the broker's throttle_time_ms. An unthrottled client id
// on the same broker at the same time sees no throttle and goes far faster.
// The throttling metrics name the throttled client.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gregor, ok } from '../cli/cli-harness.ts';
import { startTestBroker, type TestBroker } from '../harness/broker.ts';
import { runPython } from '../harness/processes.ts';

const LIMIT_BYTES_PER_S = 1024 * 1024;
const MEASURE_FROM_S = 8;
const MEASURE_S = 30;
const FREE_BYTES = 20_000_000;

interface ProducerRun {
  windowBytes: number;
  deliveredBytes: number;
  elapsed: number;
  errors: number;
  throttleEvents: number;
  maxThrottleS: number;
}

const script = readFileSync(join(import.meta.dirname, 'python', 'quota_producer.py'), 'utf8');

describe('client quotas (producer_byte_rate) with librdkafka', () => {
  let b: TestBroker;
  before(async () => {
    b = await startTestBroker({ 'http.listener': '127.0.0.1:0', 'num.partitions': '1' });
    ok(
      await gregor(b.bootstrap, [
        'topics',
        '--create',
        '--topic',
        'quota-t',
        '--partitions',
        '1',
        '--replication-factor',
        '1',
      ]),
      'topics --create',
    );
    ok(
      await gregor(b.bootstrap, [
        'configs',
        '--alter',
        '--entity-type',
        'clients',
        '--entity-name',
        'throttled',
        '--add-config',
        `producer_byte_rate=${LIMIT_BYTES_PER_S}`,
      ]),
      'configs --alter',
    );
  });
  after(async () => {
    await b?.stop();
  });

  test('a producer limited to 1 MB/s stays within ±10% over 30 s and sees throttle_time_ms; another is unaffected', async (t) => {
    const throttled = runPython(
      script,
      {
        BOOTSTRAP: b.bootstrap,
        TOPIC: 'quota-t',
        CLIENT_ID: 'throttled',
        SECONDS: String(MEASURE_FROM_S + MEASURE_S + 1),
        MEASURE_FROM: String(MEASURE_FROM_S),
        MEASURE_SECONDS: String(MEASURE_S),
      },
      120_000,
    ) as Promise<ProducerRun>;
    // Meanwhile, an unthrottled client id sends 20 MB as fast as it can.
    await new Promise((r) => setTimeout(r, 8000));
    const free = (await runPython(
      script,
      {
        BOOTSTRAP: b.bootstrap,
        TOPIC: 'quota-t',
        CLIENT_ID: 'free',
        SECONDS: '60',
        TOTAL_BYTES: String(FREE_BYTES),
      },
      120_000,
    )) as ProducerRun;
    const metrics = await (await fetch(`http://127.0.0.1:${b.broker.httpPort}/metrics`)).text();
    const r = await throttled;
    const rate = r.windowBytes / MEASURE_S;
    const freeRate = free.deliveredBytes / free.elapsed;
    t.diagnostic(
      `throttled: ${(rate / 1024).toFixed(0)} KiB/s over ${MEASURE_S} s (limit ${LIMIT_BYTES_PER_S / 1024}), ` +
        `${r.throttleEvents} throttle reports, max ${r.maxThrottleS} s; ` +
        `unthrottled: ${(freeRate / 1024).toFixed(0)} KiB/s, ${free.throttleEvents} throttle reports`,
    );
    assert.equal(r.errors, 0);
    assert.ok(Math.abs(rate - LIMIT_BYTES_PER_S) <= 0.1 * LIMIT_BYTES_PER_S, `rate ${rate} B/s`);
    assert.ok(r.throttleEvents > 0, 'librdkafka saw no throttle_time_ms');
    assert.equal(free.errors, 0);
    assert.equal(free.deliveredBytes, FREE_BYTES);
    assert.equal(free.throttleEvents, 0);
    assert.ok(freeRate > 3 * LIMIT_BYTES_PER_S, `unthrottled rate ${freeRate} B/s`);
    const line =
      /^kafka_server_produce_throttle_time\{user="",client_id="throttled"\} ([0-9.e+]+)$/m.exec(
        metrics,
      );
    assert.ok(
      line !== null && Number(line[1]) > 0,
      `no throttle-time metric:\n${metrics
        .split('\n')
        .filter((l) => l.includes('produce'))
        .join('\n')}`,
    );
    assert.match(metrics, /^kafka_server_produce_byte_rate\{user="",client_id="throttled"\} /m);
    // The unthrottled client is tracked (quotas of the type exist) but never throttled.
    assert.match(metrics, /^kafka_server_produce_throttle_time\{user="",client_id="free"\} 0$/m);
    assert.match(
      metrics,
      /^kafka_server_produce_throttled_requests\{user="",client_id="free"\} 0$/m,
    );
  });
});
