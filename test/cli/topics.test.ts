// `gregor topics` as a real process against a live broker: Kafka's output
// formats byte for byte (create, --list, --describe with TopicId and non-default
// configs), --alter and --delete as seen by a separate client, --output json,
// --help listing the flags, and the one-line errors a user can cause.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import type { KafkaClient } from '../../src/client/kafka-client.ts';
import { startTestBroker, type TestBroker } from '../harness/broker.ts';
import { CLI_BROKER_CONFIG, clientOf, gregor, ok } from './cli-harness.ts';

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

/** One line on stderr, no stack trace. */
function assertOneLineError(stderr: string, pattern: RegExp): void {
  const lines = stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `expected one line, got:\n${stderr}`);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(stderr, /\n\s+at /);
}

describe('gregor topics', { concurrency: true }, () => {
  test('creates, describes in Kafka format, lists, alters and deletes topics', async () => {
    const created = ok(
      await gregor(broker.bootstrap, [
        'topics',
        '--create',
        '--topic',
        'orders',
        '--partitions',
        '3',
        '--replication-factor',
        '1',
        '--config',
        'retention.ms=3600000',
        '--config',
        'cleanup.policy=compact',
      ]),
      'create',
    );
    assert.equal(created.stdout, 'Created topic orders.\n');
    ok(
      await gregor(broker.bootstrap, [
        'topics',
        '--create',
        '--topic',
        'audit',
        '--partitions',
        '1',
        '--replication-factor',
        '1',
      ]),
      'create audit',
    );

    const md = await client.metadata(['orders']);
    const topic = md.topics[0]!;
    const leader = topic.partitions[0]!.leaderId;
    const describe = ok(
      await gregor(broker.bootstrap, ['topics', '--describe', '--topic', 'orders']),
      'describe',
    );
    const expected = [
      `Topic: orders\tTopicId: ${topic.topicId}\tPartitionCount: 3\tReplicationFactor: 1\tConfigs: cleanup.policy=compact,retention.ms=3600000`,
      ...[0, 1, 2].map(
        (p) =>
          `\tTopic: orders\tPartition: ${p}\tLeader: ${leader}\tReplicas: ${leader}\tIsr: ${leader}`,
      ),
    ];
    assert.equal(describe.stdout, `${expected.join('\n')}\n`);
    assert.equal(topic.topicId.length, 22, 'TopicId is the base64url Uuid Kafka prints');

    const [list, listMatching, json, underReplicated] = await Promise.all([
      gregor(broker.bootstrap, ['topics', '--list']),
      gregor(broker.bootstrap, ['topics', '--list', '--topic', 'au.*|ord.*']),
      gregor(broker.bootstrap, ['topics', '--describe', '--topic', 'orders', '--output', 'json']),
      gregor(broker.bootstrap, ['topics', '--describe', '--under-replicated-partitions']),
    ]);
    const names = ok(list, 'list').stdout.trimEnd().split('\n');
    assert.ok(names.includes('audit') && names.includes('orders'));
    assert.deepEqual(names, [...names].sort(), 'sorted, as kafka-topics.sh lists them');
    assert.equal(
      ok(listMatching, 'list --topic').stdout,
      'audit\norders\n',
      '--topic is a regular expression',
    );
    const parsed = JSON.parse(ok(json, 'json').stdout) as {
      topic: string;
      topicId: string;
      configs: Record<string, string>;
      partitions: unknown[];
    }[];
    assert.equal(parsed[0]?.topicId, topic.topicId);
    assert.equal(parsed[0]?.configs['cleanup.policy'], 'compact');
    assert.equal(parsed[0]?.partitions.length, 3);
    assert.equal(
      ok(underReplicated, 'under-replicated').stdout,
      '',
      'one broker: every partition fully in sync',
    );

    ok(
      await gregor(broker.bootstrap, [
        'topics',
        '--alter',
        '--topic',
        'orders',
        '--partitions',
        '5',
      ]),
      'alter',
    );
    assert.equal((await client.metadata(['orders'])).topics[0]?.partitions.length, 5);
    const deleted = ok(
      await gregor(broker.bootstrap, ['topics', '--delete', '--topic', 'audit']),
      'delete',
    );
    assert.equal(deleted.stdout, '');
    assert.notEqual((await client.metadata(['audit'])).topics[0]?.errorCode, 0);
  });

  test('user mistakes exit 1 with one line naming the problem', async () => {
    ok(
      await gregor(broker.bootstrap, ['topics', '--create', '--topic', 'dup', '--partitions', '1']),
      'create dup',
    );
    const [exists, badConfig, unknownFlag, noTopic, noAction, missingTopic, badNumber] =
      await Promise.all([
        gregor(broker.bootstrap, ['topics', '--create', '--topic', 'dup', '--partitions', '1']),
        gregor(broker.bootstrap, [
          'topics',
          '--create',
          '--topic',
          'cfg',
          '--config',
          'no.such.config=1',
        ]),
        gregor(broker.bootstrap, ['topics', '--list', '--no-such-flag']),
        gregor(broker.bootstrap, ['topics', '--create', '--partitions', '1']),
        gregor(broker.bootstrap, ['topics', '--topic', 'x']),
        gregor(broker.bootstrap, ['topics', '--describe', '--topic', 'never-made']),
        gregor(broker.bootstrap, ['topics', '--create', '--topic', 'n', '--partitions', 'many']),
      ]);
    for (const r of [exists, badConfig, unknownFlag, noTopic, noAction, missingTopic, badNumber])
      assert.equal(r.code, 1);
    assertOneLineError(
      exists.stderr,
      /^Error while executing topic command : Topic 'dup' already exists\.$/,
    );
    assertOneLineError(
      badConfig.stderr,
      /^Error while executing topic command : .*no\.such\.config/,
    );
    assertOneLineError(unknownFlag.stderr, /unknown option '--no-such-flag'/);
    assertOneLineError(noTopic.stderr, /^Missing required argument "\[topic\]"$/);
    assertOneLineError(
      noAction.stderr,
      /exactly one action: --list, --describe, --create, --alter or --delete/,
    );
    assertOneLineError(missingTopic.stderr, /^Topic 'never-made' does not exist as expected$/);
    assertOneLineError(badNumber.stderr, /Cannot parse argument 'many' of option partitions/);
  });

  test('an unreachable bootstrap server fails fast; an unanswered one within the 5 s connect timeout', async () => {
    // A listener whose accept queue is full drops SYNs, as a partitioned address does.
    const listener = spawn(
      'python3',
      [
        '-c',
        'import socket,time\ns=socket.socket();s.bind(("127.0.0.1",0));s.listen(0)\nprint(s.getsockname()[1],flush=True);time.sleep(30)',
      ],
      {
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    try {
      const port = Number((await once(listener.stdout, 'data'))[0]);
      const { connect } = await import('node:net');
      const filler = connect({ host: '127.0.0.1', port });
      await once(filler, 'connect');
      const started = Date.now();
      const [refused, silent] = await Promise.all([
        gregor('127.0.0.1:1', ['topics', '--list']),
        gregor(`127.0.0.1:${port}`, ['topics', '--list']),
      ]);
      assert.equal(refused.code, 1);
      assertOneLineError(
        refused.stderr,
        /^Error while executing topic command : Connection to 127\.0\.0\.1:1 failed: connection refused$/,
      );
      assert.equal(silent.code, 1);
      assertOneLineError(silent.stderr, /timed out after 5000 ms/);
      assert.ok(Date.now() - started < 15_000, 'bounded by the connect timeout, not the kernel');
      filler.destroy();
    } finally {
      listener.kill('SIGKILL');
    }
  });

  test('--help lists every flag of every tool', async () => {
    const [top, topics, producer, consumer, groups, configs, perfProducer] = await Promise.all([
      gregor(null, ['--help']),
      gregor(null, ['topics', '--help']),
      gregor(null, ['console-producer', '--help']),
      gregor(null, ['console-consumer', '--help']),
      gregor(null, ['consumer-groups', '--help']),
      gregor(null, ['configs', '--help']),
      gregor(null, ['perf', 'producer', '--help']),
    ]);
    for (const cmd of [
      'topics',
      'console-producer',
      'console-consumer',
      'consumer-groups',
      'configs',
      'cluster',
      'perf',
    ]) {
      assert.match(ok(top, 'help').stdout, new RegExp(`\\n\\s+${cmd}\\b`));
    }
    const flags: [typeof topics, string[]][] = [
      [
        topics,
        [
          '--create',
          '--list',
          '--describe',
          '--alter',
          '--delete',
          '--topic',
          '--partitions',
          '--replication-factor',
          '--config',
          '--under-replicated-partitions',
          '--unavailable-partitions',
          '--bootstrap-server',
          '--output',
        ],
      ],
      [producer, ['--topic', '--property', '--producer-property', '--bootstrap-server']],
      [
        consumer,
        [
          '--topic',
          '--from-beginning',
          '--group',
          '--max-messages',
          '--partition',
          '--offset',
          '--property',
          '--timeout-ms',
        ],
      ],
      [
        groups,
        [
          '--list',
          '--describe',
          '--members',
          '--state',
          '--reset-offsets',
          '--to-earliest',
          '--to-latest',
          '--to-offset',
          '--to-datetime',
          '--shift-by',
          '--dry-run',
          '--execute',
          '--delete',
        ],
      ],
      [
        configs,
        [
          '--describe',
          '--alter',
          '--entity-type',
          '--entity-name',
          '--entity-default',
          '--add-config',
          '--delete-config',
        ],
      ],
      [
        perfProducer,
        ['--topic', '--num-records', '--record-size', '--throughput', '--producer-props'],
      ],
    ];
    for (const [r, expected] of flags) {
      for (const flag of expected)
        assert.ok(ok(r, 'help').stdout.includes(flag), `${flag} missing from:\n${r.stdout}`);
    }
  });
});
