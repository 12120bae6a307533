// kcat (librdkafka 2.0.2) against an in-process Gregor broker: auto-created
// topic with several partitions, keyed messages with headers in every codec
// librdkafka offers, a full read back in per-partition order, offsets by
// timestamp, and a clear error for a missing topic when auto-create is off.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestBroker, type TestBroker, uniqueTopic } from '../harness/broker.ts';
import { run } from '../harness/processes.ts';

const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
const PER_CODEC = 40;
const KEYS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot'];

interface Consumed {
  partition: number;
  offset: number;
  key: string;
  value: string;
  headers: string;
  timestampMs: number;
}

function parseConsumed(stdout: string): Consumed[] {
  return stdout
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => {
      const [p, o, k, v, h, ts] = l.split('|');
      return {
        partition: Number(p),
        offset: Number(o),
        key: k!,
        value: v!,
        headers: h!,
        timestampMs: Number(ts),
      };
    });
}

describe('kcat (librdkafka)', () => {
  let b: TestBroker;
  before(async () => {
    b = await startTestBroker({ 'num.partitions': '4' });
  });
  after(async () => {
    await b.stop();
  });

  test('produces keyed messages with headers in every codec and reads them all back in order', async () => {
    const topic = uniqueTopic('kcat');
    for (const codec of CODECS) {
      const lines: string[] = [];
      for (let i = 0; i < PER_CODEC; i++) lines.push(`${KEYS[i % KEYS.length]}:${codec}-${i}`);
      const r = await run(
        'kcat',
        [
          '-b',
          b.bootstrap,
          '-P',
          '-t',
          topic,
          '-K',
          ':',
          '-z',
          codec,
          '-H',
          `codec=${codec}`,
          '-H',
          'app=gregor-test',
        ],
        {
          input: `${lines.join('\n')}\n`,
        },
      );
      assert.equal(r.code, 0, `kcat -P -z ${codec} failed: ${r.stderr}`);
    }
    const c = await run('kcat', [
      '-b',
      b.bootstrap,
      '-C',
      '-t',
      topic,
      '-o',
      'beginning',
      '-e',
      '-f',
      '%p|%o|%k|%s|%h|%T\n',
    ]);
    assert.equal(c.code, 0, c.stderr);
    const got = parseConsumed(c.stdout);
    assert.equal(got.length, CODECS.length * PER_CODEC);
    const partitions = new Set(got.map((m) => m.partition));
    assert.ok(partitions.size > 1, `keys spread over partitions, got ${[...partitions]}`);
    for (const codec of CODECS) {
      const mine = got.filter((m) => m.value.startsWith(`${codec}-`));
      assert.equal(mine.length, PER_CODEC, `all ${codec} messages read back`);
      for (const m of mine) {
        assert.match(m.headers, new RegExp(`codec=${codec}`));
        assert.match(m.headers, /app=gregor-test/);
        const i = Number(m.value.split('-')[1]);
        assert.equal(m.key, KEYS[i % KEYS.length]);
      }
    }
    // Same key -> same partition; within a partition offsets are dense and in produce order.
    const partitionOfKey = new Map<string, number>();
    for (const m of got) {
      const p = partitionOfKey.get(m.key);
      if (p !== undefined) assert.equal(m.partition, p, `key ${m.key} stays in one partition`);
      partitionOfKey.set(m.key, m.partition);
    }
    for (const p of partitions) {
      const inP = got.filter((m) => m.partition === p);
      for (const [idx, m] of inP.entries())
        assert.equal(m.offset, idx, `partition ${p} offsets dense`);
      const order = inP.map(
        (m) =>
          CODECS.indexOf(m.value.split('-')[0] as (typeof CODECS)[number]) * 1000 +
          Number(m.value.split('-')[1]),
      );
      assert.deepEqual(
        order,
        [...order].sort((x, y) => x - y),
        `partition ${p} in produce order`,
      );
    }
  });

  test('looks up offsets by timestamp', async () => {
    const topic = uniqueTopic('kcat-ts');
    const first = await run('kcat', ['-b', b.bootstrap, '-P', '-t', topic, '-p', '0'], {
      input: 'a\nb\nc\n',
    });
    assert.equal(first.code, 0, first.stderr);
    await new Promise((r) => setTimeout(r, 30));
    const middle = Date.now();
    await new Promise((r) => setTimeout(r, 30));
    const second = await run('kcat', ['-b', b.bootstrap, '-P', '-t', topic, '-p', '0'], {
      input: 'd\ne\n',
    });
    assert.equal(second.code, 0, second.stderr);
    const q = await run('kcat', ['-b', b.bootstrap, '-Q', '-t', `${topic}:0:${middle}`]);
    assert.equal(q.code, 0, q.stderr);
    assert.match(q.stdout, /offset 3\b/);
    const future = await run('kcat', [
      '-b',
      b.bootstrap,
      '-Q',
      '-t',
      `${topic}:0:${Date.now() + 3_600_000}`,
    ]);
    assert.match(future.stdout, /offset -1\b/);
  });
});

describe('kcat with auto.create.topics.enable=false', () => {
  let b: TestBroker;
  before(async () => {
    b = await startTestBroker({ 'auto.create.topics.enable': 'false' });
  });
  after(async () => {
    await b.stop();
  });

  test('a missing topic is a clear Unknown topic error', async () => {
    const r = await run(
      'kcat',
      ['-b', b.bootstrap, '-C', '-t', 'does-not-exist', '-o', 'beginning', '-e'],
      { timeoutMs: 20_000 },
    );
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Unknown topic or partition/i);
    const list = await run('kcat', ['-b', b.bootstrap, '-L', '-t', 'does-not-exist']);
    assert.match(list.stdout, /Unknown topic or partition/i);
  });
});
