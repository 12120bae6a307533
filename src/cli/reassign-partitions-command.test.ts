import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  chooseAction,
  formatReassignmentJson,
  listLines,
  parseReassignmentJson,
  verifyLines,
} from './reassign-partitions-command.ts';
import { reassigningBrokers, throttledReplicas } from './reassignment-throttle.ts';

const base = { bootstrapServer: 'x:9092' };

describe('gregor reassign-partitions', () => {
  it('takes exactly one action, and the JSON file where the action needs one', () => {
    assert.equal(chooseAction({ ...base, list: true }), 'list');
    assert.equal(
      chooseAction({ ...base, execute: true, reassignmentJsonFile: 'f', additional: true }),
      'execute',
    );
    assert.throws(() => chooseAction({ ...base }), /exactly one action/);
    assert.throws(() => chooseAction({ ...base, list: true, verify: true }), /exactly one action/);
    assert.throws(() => chooseAction({ ...base, verify: true }), /reassignment-json-file/);
    assert.throws(() => chooseAction({ ...base, generate: true }), /--generate is not available/);
    assert.equal(
      chooseAction({ ...base, execute: true, reassignmentJsonFile: 'f', throttle: '1000' }),
      'execute',
    );
    assert.throws(
      () => chooseAction({ ...base, verify: true, reassignmentJsonFile: 'f', throttle: '1000' }),
      /"\[throttle\]" can't be used with action "\[verify\]"/,
    );
    assert.throws(
      () => chooseAction({ ...base, execute: true, reassignmentJsonFile: 'f', throttle: 'fast' }),
      /Cannot parse argument 'fast' of option --throttle/,
    );
    assert.throws(
      () => chooseAction({ ...base, cancel: true, reassignmentJsonFile: 'f', additional: true }),
      /additional/,
    );
  });

  it('reads Kafka’s reassignment JSON and refuses what Kafka’s tool refuses', () => {
    const text =
      '{"version":1,"partitions":[{"topic":"b","partition":0,"replicas":[2,1],"log_dirs":["any","any"]},{"topic":"a","partition":3,"replicas":[0]}]}';
    assert.deepEqual(parseReassignmentJson(text), [
      { topic: 'b', partition: 0, replicas: [2, 1] },
      { topic: 'a', partition: 3, replicas: [0] },
    ]);
    assert.throws(() => parseReassignmentJson('{'), /not valid JSON/);
    assert.throws(() => parseReassignmentJson('{"version":2,"partitions":[]}'), /version/);
    assert.throws(() => parseReassignmentJson('{"version":1,"partitions":[]}'), /cannot be empty/);
    assert.throws(
      () => parseReassignmentJson('{"partitions":[{"topic":"a","partition":0,"replicas":[1,1]}]}'),
      /duplicate entries: a-0/,
    );
    assert.throws(
      () =>
        parseReassignmentJson(
          '{"partitions":[{"topic":"a","partition":0,"replicas":[1]},{"topic":"a","partition":0,"replicas":[2]}]}',
        ),
      /duplicate partitions: a-0/,
    );
    assert.throws(
      () =>
        parseReassignmentJson(
          '{"partitions":[{"topic":"a","partition":0,"replicas":[1],"log_dirs":["/data"]}]}',
        ),
      /"any"/,
    );
    assert.throws(
      () => parseReassignmentJson('{"partitions":[{"topic":"a","partition":"0","replicas":[1]}]}'),
      /Invalid partition entry/,
    );
  });

  it('prints the rollback JSON sorted, with log_dirs "any", in a form it reads back', () => {
    const parts = [
      { topic: 'b', partition: 1, replicas: [1, 2] },
      { topic: 'a', partition: 0, replicas: [0] },
    ];
    const json = formatReassignmentJson(parts);
    assert.equal(
      json,
      '{"version":1,"partitions":[{"topic":"a","partition":0,"replicas":[0],"log_dirs":["any"]},{"topic":"b","partition":1,"replicas":[1,2],"log_dirs":["any","any"]}]}',
    );
    assert.deepEqual(parseReassignmentJson(json), [parts[1], parts[0]]);
  });

  it('lists and verifies with Kafka’s sentences', () => {
    assert.deepEqual(listLines([]), ['No partition reassignments found.']);
    const ongoing = [
      { topic: 't', partition: 1, replicas: [2, 1, 0], addingReplicas: [2], removingReplicas: [0] },
      { topic: 't', partition: 0, replicas: [1, 2], addingReplicas: [], removingReplicas: [] },
    ];
    assert.deepEqual(listLines(ongoing), [
      'Current partition reassignments:',
      't-0: replicas: 1,2.',
      't-1: replicas: 2,1,0. adding: 2. removing: 0.',
    ]);
    const targets = [
      { topic: 't', partition: 1, replicas: [2, 1] },
      { topic: 't', partition: 2, replicas: [0, 1] },
      { topic: 't', partition: 3, replicas: [1] },
    ];
    const current = new Map([
      ['t-2', [0, 1]],
      ['t-3', [2]],
    ]);
    assert.deepEqual(verifyLines(targets, ongoing, current), [
      'Status of partition reassignment:',
      'Reassignment of partition t-1 is still in progress.',
      'Reassignment of partition t-2 is completed.',
      'There is no active reassignment of partition t-3, but replica set is 2 rather than 1.',
      '',
    ]);
  });
});

describe('reassign-partitions --throttle planning', () => {
  it("throttles every current replica on the leader side and only the new ones on the follower side, as Kafka's tool", () => {
    const moves = [
      { topic: 't', partition: 0, sources: [0, 1], targets: [1, 2] },
      { topic: 't', partition: 1, sources: [1, 2], targets: [1, 2] },
      { topic: 'u', partition: 0, sources: [2], targets: [0] },
    ];
    assert.deepEqual(Object.fromEntries(throttledReplicas(moves)), {
      t: { leader: '0:0,0:1,1:1,1:2', follower: '0:2' },
      u: { leader: '0:2', follower: '0:0' },
    });
    assert.deepEqual(reassigningBrokers(moves), [0, 1, 2]);
  });
});
