// The log cleaner's throughput on a broker, and what it costs producers while it
// runs: a compacted topic is filled through the log layer (many updates of a
// fixed key set), a broker is started on it with the cleaner on, and kcat
// produces to another topic while the cleaner compacts, then again once it is
// idle. The cleaner's own figures come from its "cleaned log" lines.
//
//   node --import tsx bench/cleaner-produce.ts [--mb 300] [--keys 100000] [--messages 300000]
//     [--throttle BYTES_PER_SECOND]

import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { startBroker } from '../src/broker.ts';
import { defaultLogConfig } from '../src/log/log-config.ts';
import { PartitionLog } from '../src/log/partition-log.ts';
import { buildRecordBatchSync } from '../src/protocol/records.ts';
import { run } from '../test/harness/processes.ts';
import { createTopic } from './gregor/admin.ts';

const { values } = parseArgs({
  options: {
    mb: { type: 'string', default: '300' },
    keys: { type: 'string', default: '100000' },
    messages: { type: 'string', default: '300000' },
    dir: { type: 'string', default: process.env['BENCH_DIR'] ?? '.tmp/bench' },
    /** log.cleaner.io.max.bytes.per.second, unlimited by default. */
    throttle: { type: 'string' },
  },
});
const TOPIC = 'compacted';
const SEGMENT_BYTES = 16 * 1024 * 1024;

function log(message: string): void {
  process.stderr.write(`${new Date().toISOString()} ${message}\n`);
}

interface Cleaned {
  bytesBefore: number;
  bytesAfter: number;
  durationMs: number;
}

async function main(): Promise<void> {
  await mkdir(values.dir!, { recursive: true });
  const dir = await mkdtemp(join(values.dir!, 'cleaner-produce-'));
  const cleaned: Cleaned[] = [];
  const lines = new Writable({
    write(chunk: Buffer, _e, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line.includes('"cleaned log"')) continue;
        try {
          cleaned.push(JSON.parse(line) as Cleaned);
        } catch {
          // partial line
        }
      }
      done();
    },
  });
  const config = { 'log.cleaner.backoff.ms': '200', 'log.cleaner.enable': 'false' };
  try {
    let broker = await startBroker({ dataDir: dir, port: 0, host: '127.0.0.1', config });
    await createTopic(`127.0.0.1:${broker.port}`, TOPIC, 1, {
      'cleanup.policy': 'compact',
      'segment.bytes': String(SEGMENT_BYTES),
    });
    await createTopic(`127.0.0.1:${broker.port}`, 'plain', 1);
    await broker.close();

    const keys = Number(values.keys);
    const target = Number(values.mb) * 1e6;
    const plog = await PartitionLog.open({
      dir,
      topic: TOPIC,
      partition: 0,
      config: { ...defaultLogConfig, segmentBytes: SEGMENT_BYTES },
      now: Date.now,
    });
    const value = Buffer.alloc(200, 'v');
    let written = 0;
    let i = 0;
    while (written < target) {
      const records = Array.from({ length: 100 }, () => ({
        key: Buffer.from(`key-${i++ % keys}`),
        value,
      }));
      const batch = buildRecordBatchSync({ records, timestampMs: Date.now() });
      written += batch.length;
      await plog.append(batch, { leaderEpoch: 0 });
    }
    plog.setHighWatermark(plog.logEndOffset);
    await plog.close();
    log(`wrote ${(written / 1e6).toFixed(0)} MB of ${i} updates to ${keys} keys`);

    const produce = async (label: string) => {
      const count = Number(values.messages);
      const input = `${Array.from({ length: count }, (_, n) => `m${n}-${'x'.repeat(90)}`).join('\n')}\n`;
      const t0 = performance.now();
      const r = await run(
        'kcat',
        [
          '-b',
          `127.0.0.1:${broker.port}`,
          '-P',
          '-t',
          'plain',
          '-p',
          '0',
          '-X',
          'acks=1',
          '-X',
          'linger.ms=5',
        ],
        { input, timeoutMs: 600_000 },
      );
      const seconds = (performance.now() - t0) / 1000;
      if (r.code !== 0) throw new Error(`kcat: ${r.stderr}`);
      const mbps = (input.length / 1e6 / seconds).toFixed(1);
      log(`${label}: ${count} messages in ${seconds.toFixed(2)} s = ${mbps} MB/s`);
      return { seconds, mbps: Number(mbps), count };
    };

    const logger = pino({ level: 'info' }, lines);
    broker = await startBroker({
      dataDir: dir,
      port: 0,
      host: '127.0.0.1',
      config: {
        ...config,
        'log.cleaner.enable': 'true',
        ...(values.throttle === undefined
          ? {}
          : { 'log.cleaner.io.max.bytes.per.second': values.throttle }),
      },
      logger,
    });
    const during = await produce('produce while the cleaner runs');
    const passesDuring = cleaned.length;
    const deadline = Date.now() + 600_000;
    while (cleaned.length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200));
    await new Promise((r) => setTimeout(r, 1000));
    const idle = await produce('produce with the cleaner idle');
    await broker.close();
    const first = cleaned[0];
    const cleanerMbps =
      first === undefined ? 0 : first.bytesBefore / 1e6 / (first.durationMs / 1000);
    process.stdout.write(
      [
        `compacted topic: ${(written / 1e6).toFixed(0)} MB, ${i} updates of ${keys} keys, segment.bytes ${SEGMENT_BYTES}`,
        first === undefined
          ? 'cleaner: no pass finished'
          : `cleaner: ${(first.bytesBefore / 1e6).toFixed(0)} MB -> ${(first.bytesAfter / 1e6).toFixed(1)} MB in ${(first.durationMs / 1000).toFixed(1)} s = ${cleanerMbps.toFixed(1)} MB/s of log compacted`,
        `produce (kcat, ${during.count} x 100 B, acks=1): ${during.mbps} MB/s while cleaning (${passesDuring === 0 ? 'pass in progress throughout' : `${passesDuring} pass(es) ended during it`}), ${idle.mbps} MB/s idle`,
        '',
      ].join('\n'),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
