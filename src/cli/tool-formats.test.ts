// The tools' pure text formats and parsers against Kafka's: kafka-topics
// describe lines and report filters, kafka-consumer-groups tables, kafka-configs
// lines and --add-config syntax, producer properties, reset datetimes.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ConfigEntry } from '../client/admin.ts';
import type { TopicMetadata } from '../client/cluster-metadata.ts';
import { CompressionType } from '../client/producer.ts';
import { clusterText } from './cluster-command.ts';
import { configLine, configsHeader, parseAddConfig } from './configs-command.ts';
import { membersTable, offsetsTable, resetTable, stateTable } from './group-format.ts';
import { parseResetDatetime } from './group-offsets-reset.ts';
import { producerSettings } from './producer-config.ts';
import { describeLines, topicMatcher } from './topic-format.ts';

const topic: TopicMetadata = {
  name: 't',
  topicId: 'ABlP9tOXHdZ_kMIXEuYxgw',
  errorCode: 0,
  isInternal: false,
  partitions: [
    {
      partition: 0,
      errorCode: 0,
      leaderId: 1,
      leaderEpoch: 0,
      replicas: [1, 2, 3],
      isr: [1, 2, 3],
      offlineReplicas: [],
    },
    {
      partition: 1,
      errorCode: 0,
      leaderId: -1,
      leaderEpoch: 0,
      replicas: [2, 3, 1],
      isr: [2],
      offlineReplicas: [],
    },
  ],
};

const entry = (name: string, value: string, source: number): ConfigEntry => ({
  name,
  value,
  source,
  isSensitive: false,
  readOnly: false,
  synonyms: [],
});

describe('kafka-topics --describe', () => {
  test('prints the topic line with non-default configs and tab-led partition lines', () => {
    const configs = [
      entry('cleanup.policy', 'compact', 1),
      entry('retention.ms', '604800000', 5),
      entry('segment.bytes', '1000', 4),
    ];
    const lines = describeLines(
      topic,
      configs,
      { underReplicated: false, unavailable: false },
      new Set([1, 2, 3]),
    );
    assert.deepEqual(lines, [
      'Topic: t\tTopicId: ABlP9tOXHdZ_kMIXEuYxgw\tPartitionCount: 2\tReplicationFactor: 3\tConfigs: cleanup.policy=compact,segment.bytes=1000',
      '\tTopic: t\tPartition: 0\tLeader: 1\tReplicas: 1,2,3\tIsr: 1,2,3',
      '\tTopic: t\tPartition: 1\tLeader: none\tReplicas: 2,3,1\tIsr: 2',
    ]);
  });

  test('report filters print only matching partitions and no topic line', () => {
    const under = describeLines(
      topic,
      [],
      { underReplicated: true, unavailable: false },
      new Set([1, 2, 3]),
    );
    assert.deepEqual(under, ['\tTopic: t\tPartition: 1\tLeader: none\tReplicas: 2,3,1\tIsr: 2']);
    const unavailable = describeLines(
      topic,
      [],
      { underReplicated: false, unavailable: true },
      new Set([2, 3]),
    );
    assert.equal(unavailable.length, 2, 'leader 1 is not live, partition 1 has none');
  });

  test('the TopicId is left out when zero; --topic matches whole names as a regex', () => {
    const zero = { ...topic, topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: [] };
    assert.equal(
      describeLines(zero, [], { underReplicated: false, unavailable: false }, new Set())[0],
      'Topic: t\tPartitionCount: 0\tReplicationFactor: 0\tConfigs: ',
    );
    const m = topicMatcher('orders.*,audit');
    assert.deepEqual(['orders', 'orders-eu', 'audit', 'audits', 'x-orders'].filter(m), [
      'orders',
      'orders-eu',
      'audit',
    ]);
  });
});

describe('kafka-consumer-groups tables', () => {
  test('offsets: Kafka widths, "-" for missing values, lag only when both offsets are known', () => {
    const text = offsetsTable([
      {
        group: 'g',
        topic: 't',
        partition: 0,
        offset: 5,
        logEndOffset: 8,
        consumerId: 'c-1',
        host: '/127.0.0.1',
        clientId: 'cl',
      },
      {
        group: 'g',
        topic: 't',
        partition: 1,
        offset: null,
        logEndOffset: 3,
        consumerId: null,
        host: null,
        clientId: null,
      },
    ]);
    assert.equal(
      text,
      '\nGROUP           TOPIC           PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG             CONSUMER-ID     HOST            CLIENT-ID' +
        '\ng               t               0          5               8               3               c-1             /127.0.0.1      cl' +
        '\ng               t               1          -               3               -               -               -               -\n',
    );
  });

  test('members, state and reset plans', () => {
    assert.equal(
      membersTable([
        {
          group: 'g',
          consumerId: 'c-1',
          groupInstanceId: null,
          host: '/h',
          clientId: 'cl',
          partitions: 2,
        },
      ]),
      '\nGROUP           CONSUMER-ID     HOST            CLIENT-ID       #PARTITIONS     \n' +
        'g               c-1             /h              cl              2               \n',
    );
    assert.equal(
      stateTable({
        group: 'g',
        coordinator: { host: 'h', port: 9092, nodeId: 1 },
        assignmentStrategy: 'range',
        state: 'Stable',
        members: 2,
      }),
      '\nGROUP           COORDINATOR (ID)          ASSIGNMENT-STRATEGY  STATE                #MEMBERS\n' +
        'g               h:9092  (1)               range                Stable               2\n',
    );
    assert.equal(
      resetTable('g', [{ topic: 'a-rather-long-topic-name', partition: 0, offset: 7 }]),
      '\nGROUP           TOPIC                    PARTITION  NEW-OFFSET\ng               a-rather-long-topic-name 0          7\n',
    );
  });

  test("--to-datetime takes Kafka's ISO format with or without a zone", () => {
    assert.equal(
      parseResetDatetime('2024-01-02T03:04:05.678Z'),
      Date.UTC(2024, 0, 2, 3, 4, 5, 678),
    );
    assert.equal(
      parseResetDatetime('2024-01-02T03:04:05.678+01:00'),
      Date.UTC(2024, 0, 2, 2, 4, 5, 678),
    );
    assert.equal(
      parseResetDatetime('2024-01-02T03:04:05'),
      new Date(2024, 0, 2, 3, 4, 5).getTime(),
    );
    assert.throws(() => parseResetDatetime('yesterday'), /Error parsing timestamp/);
  });
});

describe('kafka-configs format', () => {
  test('describe lines name each synonym by its source', () => {
    const c: ConfigEntry = {
      ...entry('cleanup.policy', 'compact', 1),
      synonyms: [
        { name: 'cleanup.policy', value: 'compact', source: 1 },
        { name: 'log.cleanup.policy', value: 'delete', source: 5 },
      ],
    };
    assert.equal(
      configLine(c),
      '  cleanup.policy=compact sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:cleanup.policy=compact, DEFAULT_CONFIG:log.cleanup.policy=delete}',
    );
    assert.equal(configsHeader('topics', 't', false), 'Dynamic configs for topic t are:');
    assert.equal(configsHeader('brokers', '1', true), 'All configs for broker 1 are:');
    assert.equal(
      configsHeader('brokers', '', false),
      'Default configs for brokers in the cluster are:',
    );
  });

  test('--add-config splits at commas outside brackets', () => {
    assert.deepEqual(
      [...parseAddConfig('a=1,b=[x,y],c = 3')],
      [
        ['a', '1'],
        ['b', 'x,y'],
        ['c', '3'],
      ],
    );
    assert.throws(() => parseAddConfig('novalue'), /must be in the format "key=val"/);
  });
});

describe('producer properties', () => {
  test('maps Kafka names and refuses bad values in ConfigException wording', () => {
    const s = producerSettings(
      new Map([
        ['acks', 'all'],
        ['compression.type', 'zstd'],
        ['linger.ms', '7'],
        ['foo.bar', '1'],
      ]),
    );
    assert.deepEqual(s.options, { acks: -1, compression: CompressionType.Zstd, lingerMs: 7 });
    assert.deepEqual(s.unknown, ['foo.bar']);
    assert.throws(
      () => producerSettings(new Map([['acks', '2']])),
      /^UsageError: Invalid value 2 for configuration acks: String must be one of: all, -1, 0, 1$/,
    );
  });
});

describe('gregor cluster', () => {
  test('aligns the broker table', () => {
    const text = clusterText('abc', 2, [
      { id: 1, host: 'h1', port: 9092, rack: 'r1', leaders: 3, replicas: 9, controller: false },
      {
        id: 2,
        host: 'host-two',
        port: 9093,
        rack: null,
        leaders: 10,
        replicas: 9,
        controller: true,
      },
    ]);
    assert.equal(
      text,
      'Cluster ID: abc\nController: 2\n\n' +
        'ID  ENDPOINT       RACK  LEADERS  REPLICAS  CONTROLLER\n' +
        '1   h1:9092        r1    3        9\n' +
        '2   host-two:9093  -     10       9         yes\n',
    );
  });
});
