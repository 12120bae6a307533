// `gregor leader-election` without a broker: option checks with Kafka's
// wording, the election JSON file, and the lines printed for each outcome.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode } from '../client/errors.ts';
import { electionReport, parseElectionJson, planElection } from './leader-election-command.ts';

const bootstrapServer = 'localhost:9092';

describe('planElection', () => {
  test('reads the type case-insensitively and one partition from --topic/--partition', () => {
    const plan = planElection({
      bootstrapServer,
      electionType: 'preferred',
      topic: 't',
      partition: '2',
    });
    assert.deepEqual(plan, {
      type: 0,
      typeName: 'PREFERRED',
      partitions: [{ topic: 't', partition: 2 }],
      jsonFile: null,
    });
    const all = planElection({
      bootstrapServer,
      electionType: 'UNCLEAN',
      allTopicPartitions: true,
    });
    assert.equal(all.type, 1);
    assert.equal(all.partitions, null);
  });

  test('refuses what kafka-leader-election.sh refuses', () => {
    const cases: Array<[Parameters<typeof planElection>[0], RegExp]> = [
      [
        { bootstrapServer, allTopicPartitions: true },
        /Missing required option\(s\): election-type/,
      ],
      [
        { bootstrapServer, electionType: 'fast', allTopicPartitions: true },
        /Invalid election type/,
      ],
      [{ bootstrapServer, electionType: 'preferred' }, /One and only one/],
      [
        { bootstrapServer, electionType: 'preferred', topic: 't', allTopicPartitions: true },
        /One and only one/,
      ],
      [
        { bootstrapServer, electionType: 'preferred', topic: 't' },
        /Missing required option\(s\): partition/,
      ],
      [
        { bootstrapServer, electionType: 'preferred', allTopicPartitions: true, partition: '1' },
        /only allowed if topic/,
      ],
      [
        { bootstrapServer, electionType: 'preferred', topic: 't', partition: 'x' },
        /Cannot parse argument 'x'/,
      ],
    ];
    for (const [opts, message] of cases) assert.throws(() => planElection(opts), message);
  });
});

describe('parseElectionJson', () => {
  test('reads the partitions list', () => {
    const text =
      '{"partitions": [{"topic": "foo", "partition": 1}, {"topic": "bar", "partition": 0}]}';
    assert.deepEqual(parseElectionJson(text), [
      { topic: 'foo', partition: 1 },
      { topic: 'bar', partition: 0 },
    ]);
  });

  test('refuses duplicates, a missing list and malformed entries', () => {
    const dup =
      '{"partitions": [{"topic": "foo", "partition": 1}, {"topic": "foo", "partition": 1}]}';
    assert.throws(() => parseElectionJson(dup), /duplicate partitions: foo-1/);
    assert.throws(() => parseElectionJson('{}'), /missing "partitions"/);
    assert.throws(
      () => parseElectionJson('{"partitions": [{"topic": 1}]}'),
      /Invalid partition entry/,
    );
    assert.throws(() => parseElectionJson('nope'), /not valid JSON/);
  });
});

describe('electionReport', () => {
  test("prints Kafka's lines: elected, already elected, then each failure", () => {
    const report = electionReport('PREFERRED', [
      { topic: 't', partition: 1, errorCode: ErrorCode.NONE, errorMessage: null },
      { topic: 'a', partition: 0, errorCode: ErrorCode.ELECTION_NOT_NEEDED, errorMessage: null },
      { topic: 't', partition: 0, errorCode: ErrorCode.NONE, errorMessage: null },
      {
        topic: 't',
        partition: 2,
        errorCode: ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE,
        errorMessage: 'Preferred replica 3 is not alive and in the ISR [1,2].',
      },
    ]);
    assert.deepEqual(report.lines, [
      'Successfully completed leader election (PREFERRED) for partitions t-0, t-1',
      'Valid replica already elected for partitions a-0',
      'Error completing leader election (PREFERRED) for partition: t-2: ' +
        'PREFERRED_LEADER_NOT_AVAILABLE: Preferred replica 3 is not alive and in the ISR [1,2].',
    ]);
    assert.equal(report.failed, 1);
  });

  test('prints nothing when nothing was asked of any partition', () => {
    assert.deepEqual(electionReport('UNCLEAN', []), { lines: [], failed: 0 });
  });
});
