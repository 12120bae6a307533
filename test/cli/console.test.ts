// console-producer and console-consumer as real processes, cross-checked
// with kcat (librdkafka): what our producer writes kcat reads back (keys on the
// partitions Java's murmur2 partitioner picks, headers, gzip), what kcat
// writes our consumer prints in DefaultMessageFormatter's layout, group
// consumption commits and resumes, and Ctrl-C ends with the processed count.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fetchCommittedOffsets } from '../../src/client/admin.ts';
import type { KafkaClient } from '../../src/client/kafka-client.ts';
import { partitionForKey } from '../../src/client/partitioner.ts';
import { startTestBroker, type TestBroker } from '../harness/broker.ts';
import { LineProcess } from '../harness/line-process.ts';
import { run } from '../harness/processes.ts';
import { CLI_BROKER_CONFIG, clientOf, GREGOR, gregor, ok } from './cli-harness.ts';

let broker: TestBroker;
let client: KafkaClient;

before(async () => {
  broker = await startTestBroker(CLI_BROKER_CONFIG);
  client = clientOf(broker.bootstrap);
});

after(async () => {
  client.close();
  await broker.stop();
});

async function createTopic(name: string, partitions: number): Promise<void> {
  ok(
    await gregor(broker.bootstrap, [
      'topics',
      '--create',
      '--topic',
      name,
      '--partitions',
      String(partitions),
    ]),
    'create',
  );
}

describe('console-producer', { concurrency: true }, () => {
  test('keyed lines land where murmur2 says, with headers and gzip, as kcat reads them', async () => {
    await createTopic('keyed', 4);
    const keys = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank'];
    const input = keys.map((k, i) => `src:cli,n:${i}\t${k}:value-${i}`).join('\n');
    ok(
      await gregor(
        broker.bootstrap,
        [
          'console-producer',
          '--topic',
          'keyed',
          '--property',
          'parse.key=true',
          '--property',
          'key.separator=:',
          '--property',
          'parse.headers=true',
          '--producer-property',
          'acks=all',
          '--producer-property',
          'compression.type=gzip',
        ],
        { input: `${input}\n` },
      ),
      'console-producer',
    );
    const read = await run('kcat', [
      '-b',
      broker.bootstrap,
      '-C',
      '-t',
      'keyed',
      '-e',
      '-q',
      '-f',
      '%p|%k|%s|%h\n',
    ]);
    assert.equal(read.code, 0, read.stderr);
    const rows = read.stdout
      .trimEnd()
      .split('\n')
      .map((l) => l.split('|'));
    assert.equal(rows.length, keys.length);
    for (const [partition, key, value, headers] of rows) {
      const i = keys.indexOf(key!);
      assert.equal(value, `value-${i}`);
      assert.equal(Number(partition), partitionForKey(Buffer.from(key!), 4), `partition of ${key}`);
      assert.equal(headers, `src=cli,n=${i}`);
    }
    // librdkafka's murmur2 partitioner is Java's: both must agree on every key.
    const kcatKeyed = keys.map((k) => `${k}:x`).join('\n');
    const produced = await run(
      'kcat',
      ['-b', broker.bootstrap, '-P', '-t', 'keyed', '-K', ':', '-X', 'partitioner=murmur2_random'],
      { input: `${kcatKeyed}\n` },
    );
    assert.equal(produced.code, 0, produced.stderr);
    const again = await run('kcat', [
      '-b',
      broker.bootstrap,
      '-C',
      '-t',
      'keyed',
      '-e',
      '-q',
      '-f',
      '%p|%k|%s\n',
    ]);
    for (const [partition, key, value] of again.stdout
      .trimEnd()
      .split('\n')
      .map((l) => l.split('|'))) {
      if (value === 'x')
        assert.equal(
          Number(partition),
          partitionForKey(Buffer.from(key!), 4),
          `kcat placed ${key}`,
        );
    }
  });

  test('a line without the key separator is one clear error', async () => {
    await createTopic('strict', 1);
    const r = await gregor(
      broker.bootstrap,
      ['console-producer', '--topic', 'strict', '--property', 'parse.key=true'],
      { input: 'no-tab-here\n' },
    );
    assert.equal(r.code, 1);
    assert.equal(r.stderr, "No key separator found on line number 1: 'no-tab-here'\n");
  });
});

describe('console-consumer', { concurrency: true }, () => {
  test("prints kcat's records in DefaultMessageFormatter's layout", async () => {
    await createTopic('printed', 1);
    const produced = await run(
      'kcat',
      ['-b', broker.bootstrap, '-P', '-t', 'printed', '-p', '0', '-K', '=', '-H', 'trace=abc'],
      {
        input: 'k1=first\nk2=second\nk3=third\n',
      },
    );
    assert.equal(produced.code, 0, produced.stderr);
    const times = await run('kcat', [
      '-b',
      broker.bootstrap,
      '-C',
      '-t',
      'printed',
      '-e',
      '-q',
      '-f',
      '%T\n',
    ]);
    const [t0, t1, t2] = times.stdout.trimEnd().split('\n');
    const [all, fromOffset, valuesOnly] = await Promise.all([
      gregor(broker.bootstrap, [
        'console-consumer',
        '--topic',
        'printed',
        '--from-beginning',
        '--max-messages',
        '3',
        '--property',
        'print.timestamp=true',
        '--property',
        'print.partition=true',
        '--property',
        'print.offset=true',
        '--property',
        'print.headers=true',
        '--property',
        'print.key=true',
      ]),
      gregor(broker.bootstrap, [
        'console-consumer',
        '--topic',
        'printed',
        '--partition',
        '0',
        '--offset',
        '1',
        '--max-messages',
        '1',
        '--property',
        'print.key=true',
        '--property',
        'key.separator=:',
      ]),
      gregor(broker.bootstrap, [
        'console-consumer',
        '--topic',
        'printed',
        '--from-beginning',
        '--timeout-ms',
        '1500',
      ]),
    ]);
    assert.equal(
      ok(all, 'all').stdout,
      `CreateTime:${t0}\tPartition:0\tOffset:0\ttrace:abc\tk1\tfirst\n` +
        `CreateTime:${t1}\tPartition:0\tOffset:1\ttrace:abc\tk2\tsecond\n` +
        `CreateTime:${t2}\tPartition:0\tOffset:2\ttrace:abc\tk3\tthird\n`,
    );
    assert.equal(all.stderr, 'Processed a total of 3 messages\n');
    assert.equal(ok(fromOffset, 'offset').stdout, 'k2:second\n');
    assert.equal(ok(valuesOnly, 'timeout').stdout, 'first\nsecond\nthird\n');
    assert.equal(valuesOnly.stderr, 'Processed a total of 3 messages\n');
  });

  test('a group consumer commits what it printed and the next run resumes after it', async () => {
    await createTopic('grouped', 2);
    const lines = Array.from({ length: 10 }, (_, i) => `m${i}`);
    ok(
      await gregor(broker.bootstrap, ['console-producer', '--topic', 'grouped'], {
        input: `${lines.join('\n')}\n`,
      }),
      'produce',
    );
    const first = ok(
      await gregor(broker.bootstrap, [
        'console-consumer',
        '--topic',
        'grouped',
        '--group',
        'readers',
        '--from-beginning',
        '--max-messages',
        '6',
      ]),
      'first run',
    );
    assert.equal(first.stdout.trimEnd().split('\n').length, 6);
    const committed = await fetchCommittedOffsets(client, 'readers');
    assert.equal(
      committed.reduce((n, c) => n + c.offset, 0),
      6,
      'commits cover exactly the printed records',
    );
    const second = ok(
      await gregor(broker.bootstrap, [
        'console-consumer',
        '--topic',
        'grouped',
        '--group',
        'readers',
        '--timeout-ms',
        '2000',
      ]),
      'second run',
    );
    const seen = [
      ...first.stdout.trimEnd().split('\n'),
      ...second.stdout.trimEnd().split('\n'),
    ].sort();
    assert.deepEqual(seen, [...lines].sort());
    assert.equal(second.stderr, 'Processed a total of 4 messages\n');
  });

  test('Ctrl-C stops a running consumer and reports the count', async () => {
    await createTopic('live', 1);
    const consumer = new LineProcess(GREGOR, [
      'console-consumer',
      '--topic',
      'live',
      '--bootstrap-server',
      broker.bootstrap,
    ]);
    try {
      const deadline = Date.now() + 15_000;
      // The consumer starts at the end of the log: keep producing until it prints something.
      while (consumer.stdout.length === 0 && Date.now() < deadline) {
        ok(
          await gregor(broker.bootstrap, ['console-producer', '--topic', 'live'], {
            input: 'hello\n',
          }),
          'produce',
        );
        await consumer
          .waitFor('a printed record', () => consumer.stdout.length > 0, 1500)
          .catch(() => undefined);
      }
      assert.equal(consumer.stdout[0], 'hello');
      consumer.signal('SIGINT');
      await consumer.waitFor('exit', () => consumer.exitCode !== null, 10_000);
      assert.equal(consumer.exitCode, 0);
      assert.match(consumer.stderr.join('\n'), /^Processed a total of \d+ messages$/m);
    } finally {
      await consumer.stop('SIGKILL');
    }
  });

  test('mistakes are one line: no topic, offset without partition', async () => {
    const [noTopic, noPartition] = await Promise.all([
      gregor(broker.bootstrap, ['console-consumer', '--from-beginning']),
      gregor(broker.bootstrap, ['console-consumer', '--topic', 'printed', '--offset', '3']),
    ]);
    assert.equal(noTopic.code, 1);
    assert.equal(noTopic.stderr, 'Exactly one of include/topic is required.\n');
    assert.equal(noPartition.code, 1);
    assert.equal(noPartition.stderr, 'The partition is required when offset is specified.\n');
  });
});
