// Reassignment decisions as traces of one partition: start, catch-up,
// completion, cancel and the refusals, plus how the metadata image and the
// other writers of a partition record carry a reassignment along.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode } from '../protocol/error-codes.ts';
import {
  MetadataImage,
  nextPartitionRecord,
  type PartitionRecord,
  type PartitionState,
} from './metadata-image.ts';
import { decidePartition } from './partition-leadership.ts';
import {
  type AlterContext,
  type AlterOutcome,
  decideCompletion,
  decideCompletions,
  ongoingReassignments,
  type PartitionChange,
  planAlter,
} from './reassignment.ts';

function state(over: Partial<PartitionState>): PartitionState {
  const base = { partition: 0, replicas: [0, 1], addingReplicas: [], removingReplicas: [] };
  return {
    ...base,
    leader: 0,
    leaderEpoch: 3,
    isr: [0, 1],
    partitionEpoch: 5,
    modRevision: 40,
    ...over,
  };
}

const ctx: AlterContext = {
  brokers: new Set([0, 1, 2, 3]),
  live: new Set([0, 1, 2, 3]),
  assignment: [0, 1],
  allowReplicationFactorChange: true,
  uncleanLeaderElection: false,
};

function change(o: AlterOutcome): PartitionChange {
  assert.equal(o.kind, 'change', JSON.stringify(o));
  return (o as { change: PartitionChange }).change;
}

function errorCode(o: AlterOutcome): number {
  assert.equal(o.kind, 'error', JSON.stringify(o));
  return (o as { errorCode: number }).errorCode;
}

/** The state a record leads to once it is back through the watch. */
function applied(p: PartitionState, c: PartitionChange): PartitionState {
  const r = c.record;
  const replicas = r.replicas ?? c.assignment ?? ctx.assignment;
  return {
    ...p,
    replicas,
    addingReplicas: r.addingReplicas ?? [],
    removingReplicas: r.removingReplicas ?? [],
    leader: r.leader,
    leaderEpoch: r.leaderEpoch,
    isr: r.isr,
    partitionEpoch: r.partitionEpoch,
  };
}

describe('a move from {0,1} to {1,2}', () => {
  const start = change(planAlter(state({}), [1, 2], ctx));

  test('starts by growing the replicas to target ∪ current, marking adding and removing', () => {
    assert.deepEqual(start, {
      record: {
        leader: 0,
        leaderEpoch: 3,
        isr: [0, 1],
        partitionEpoch: 6,
        replicas: [1, 2, 0],
        addingReplicas: [2],
        removingReplicas: [0],
      },
      assignment: null,
    });
  });

  test('does not complete before the new replica is in the ISR', () => {
    assert.equal(decideCompletion(applied(state({}), start), ctx.live, ctx.assignment), null);
  });

  test('completes once it is: target replicas, ISR without the removed one, leadership handed to a target replica', () => {
    const caughtUp = { ...applied(state({}), start), isr: [0, 1, 2], partitionEpoch: 7 };
    assert.deepEqual(decideCompletion(caughtUp, ctx.live, ctx.assignment), {
      record: { leader: 1, leaderEpoch: 4, isr: [1, 2], partitionEpoch: 8 },
      assignment: [1, 2],
    });
  });

  test('waits while no in-sync target replica is alive to take over from the removed leader', () => {
    const caughtUp = { ...applied(state({}), start), isr: [0, 1, 2] };
    assert.equal(decideCompletion(caughtUp, new Set([0]), ctx.assignment), null);
  });

  test('keeps the leader and its epoch when the leader stays', () => {
    const p = state({ leader: 1 });
    const caughtUp = { ...applied(p, change(planAlter(p, [1, 2], ctx))), isr: [0, 1, 2] };
    const done = decideCompletion(caughtUp, ctx.live, ctx.assignment);
    assert.equal(done?.record.leader, 1);
    assert.equal(done?.record.leaderEpoch, 3);
  });

  test('a cancel goes back to {0,1}: the adding replica leaves the ISR and a leader it held moves', () => {
    const ongoing = { ...applied(state({}), start), isr: [0, 1, 2], leader: 2, leaderEpoch: 4 };
    assert.deepEqual(change(planAlter(ongoing, null, ctx)), {
      record: { leader: 0, leaderEpoch: 5, isr: [0, 1], partitionEpoch: 7 },
      assignment: null,
    });
  });

  test('a cancel that would leave only out-of-sync replicas needs unclean leader election', () => {
    const ongoing = { ...applied(state({}), start), isr: [2], leader: 2 };
    assert.equal(errorCode(planAlter(ongoing, null, ctx)), ErrorCode.INVALID_REPLICA_ASSIGNMENT);
    const unclean = change(planAlter(ongoing, null, { ...ctx, uncleanLeaderElection: true }));
    assert.deepEqual(unclean.record, { leader: 0, leaderEpoch: 4, isr: [0], partitionEpoch: 7 });
  });

  test('a new target while one runs builds on the current replicas, as Kafka does', () => {
    const ongoing = applied(state({}), start);
    const redirected = change(planAlter(ongoing, [1, 3], ctx)).record;
    assert.deepEqual(redirected.replicas, [1, 3, 2, 0]);
    assert.deepEqual(redirected.addingReplicas, [3]);
    assert.deepEqual(redirected.removingReplicas, [2, 0]);
  });
});

describe('targets that need no new replica', () => {
  test('the current replicas in the current order change nothing', () => {
    assert.deepEqual(planAlter(state({}), [0, 1], ctx), { kind: 'none' });
  });

  test('a reordering settles at once in the topic assignment', () => {
    assert.deepEqual(change(planAlter(state({}), [1, 0], ctx)), {
      record: { leader: 0, leaderEpoch: 3, isr: [0, 1], partitionEpoch: 6 },
      assignment: [1, 0],
    });
  });

  test('dropping an in-sync replica completes at once', () => {
    const p = state({ replicas: [0, 1, 2], isr: [0, 1, 2] });
    assert.deepEqual(change(planAlter(p, [0, 1], { ...ctx, assignment: [0, 1, 2] })), {
      record: { leader: 0, leaderEpoch: 3, isr: [0, 1], partitionEpoch: 6 },
      assignment: [0, 1],
    });
  });

  test('keeping only an out-of-sync replica waits as a reassignment in progress', () => {
    const p = state({ replicas: [0, 1, 2], isr: [0, 1] });
    const r = change(planAlter(p, [2], { ...ctx, assignment: [0, 1, 2] })).record;
    assert.deepEqual(r.replicas, [2, 0, 1]);
    assert.deepEqual(r.addingReplicas, []);
    assert.deepEqual(r.removingReplicas, [0, 1]);
  });
});

describe('refusals', () => {
  test('empty, repeating or unregistered targets are INVALID_REPLICA_ASSIGNMENT', () => {
    for (const target of [[], [1, 1], [1, 7], [-1]]) {
      assert.equal(
        errorCode(planAlter(state({}), target, ctx)),
        ErrorCode.INVALID_REPLICA_ASSIGNMENT,
        JSON.stringify(target),
      );
    }
  });

  test('a cancel with nothing in progress is NO_REASSIGNMENT_IN_PROGRESS', () => {
    assert.equal(errorCode(planAlter(state({}), null, ctx)), ErrorCode.NO_REASSIGNMENT_IN_PROGRESS);
  });

  test('v1 without allowReplicationFactorChange refuses a target of another size', () => {
    const strict = { ...ctx, allowReplicationFactorChange: false };
    assert.equal(
      errorCode(planAlter(state({}), [1, 2, 3], strict)),
      ErrorCode.INVALID_REPLICATION_FACTOR,
    );
    assert.equal(planAlter(state({}), [1, 2], strict).kind, 'change');
  });
});

describe('the metadata image and the other writers', () => {
  const TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAQ';

  function image(): MetadataImage {
    const img = new MetadataImage('c');
    for (const id of [0, 1, 2])
      img.apply({
        kind: 'broker',
        nodeId: id,
        endpoint: { nodeId: id, host: 'h', port: id, rack: null },
      });
    img.apply({
      kind: 'topic',
      name: 't',
      record: {
        topicId: TOPIC_ID,
        internal: false,
        replicas: [
          [0, 1],
          [1, 2],
        ],
      },
    });
    img.apply({
      kind: 'partition',
      topic: 't',
      partition: 0,
      record: { leader: 0, leaderEpoch: 0, isr: [0, 1], partitionEpoch: 0 },
      modRevision: 10,
    });
    img.apply({
      kind: 'partition',
      topic: 't',
      partition: 1,
      record: { leader: 1, leaderEpoch: 0, isr: [1, 2], partitionEpoch: 0 },
      modRevision: 11,
    });
    return img;
  }

  const ongoing: PartitionRecord = {
    leader: 0,
    leaderEpoch: 0,
    isr: [0, 1],
    partitionEpoch: 1,
    replicas: [1, 2, 0],
    addingReplicas: [2],
    removingReplicas: [0],
  };

  test('a record without the replica lists (older records too) has the topic assignment and no reassignment', () => {
    const p = image().partition('t', 0)!;
    assert.deepEqual([p.replicas, p.addingReplicas, p.removingReplicas], [[0, 1], [], []]);
  });

  test('a reassigning record gives the effective replicas; list shows it, for all or by name', () => {
    const img = image();
    img.apply({ kind: 'partition', topic: 't', partition: 0, record: ongoing, modRevision: 12 });
    assert.deepEqual(img.partition('t', 0)?.replicas, [1, 2, 0]);
    const expected = [
      {
        name: 't',
        partitions: [
          { partitionIndex: 0, replicas: [1, 2, 0], addingReplicas: [2], removingReplicas: [0] },
        ],
      },
    ];
    assert.deepEqual(ongoingReassignments(img, null), expected);
    assert.deepEqual(
      ongoingReassignments(img, [
        { name: 't', partitionIndexes: [0, 1, 9] },
        { name: 'nope', partitionIndexes: [0] },
      ]),
      expected,
    );
    assert.deepEqual(ongoingReassignments(img, [{ name: 't', partitionIndexes: [1] }]), []);
  });

  test('the controller finds the completion once the ISR has the new replica', () => {
    const img = image();
    img.apply({ kind: 'partition', topic: 't', partition: 0, record: ongoing, modRevision: 12 });
    assert.deepEqual(decideCompletions(img), []);
    img.apply({
      kind: 'partition',
      topic: 't',
      partition: 0,
      record: { ...ongoing, isr: [0, 1, 2], partitionEpoch: 2 },
      modRevision: 13,
    });
    assert.deepEqual(decideCompletions(img), [
      {
        topic: 't',
        partition: 0,
        expectedModRevision: 13,
        change: {
          record: { leader: 1, leaderEpoch: 1, isr: [1, 2], partitionEpoch: 3 },
          assignment: [1, 2],
        },
      },
    ]);
  });

  test('a completion seen partition-first still ends with the new topic assignment', () => {
    const img = image();
    img.apply({
      kind: 'partition',
      topic: 't',
      partition: 0,
      record: { leader: 1, leaderEpoch: 1, isr: [1, 2], partitionEpoch: 3 },
      modRevision: 14,
    });
    img.apply({
      kind: 'topic',
      name: 't',
      record: {
        topicId: TOPIC_ID,
        internal: false,
        replicas: [
          [1, 2],
          [1, 2],
        ],
      },
    });
    const p = img.partition('t', 0)!;
    assert.deepEqual([p.replicas, p.isr, p.modRevision], [[1, 2], [1, 2], 14]);
    assert.deepEqual(img.topic('t')?.assignment, [
      [1, 2],
      [1, 2],
    ]);
  });

  test('ISR and leadership writers carry a reassignment along; without one they write the plain record', () => {
    const img = image();
    img.apply({ kind: 'partition', topic: 't', partition: 0, record: ongoing, modRevision: 12 });
    const p = img.partition('t', 0)!;
    assert.deepEqual(nextPartitionRecord(p, { leader: 0, leaderEpoch: 0, isr: [0, 1, 2] }), {
      ...ongoing,
      isr: [0, 1, 2],
      partitionEpoch: 2,
    });
    const leaderDied = decidePartition(p, new Set([1, 2]), { uncleanLeaderElection: false });
    assert.deepEqual(leaderDied, {
      ...ongoing,
      leader: 1,
      leaderEpoch: 1,
      isr: [1],
      partitionEpoch: 2,
    });
    const plain = img.partition('t', 1)!;
    assert.deepEqual(nextPartitionRecord(plain, { leader: 2, leaderEpoch: 1, isr: [2] }), {
      leader: 2,
      leaderEpoch: 1,
      isr: [2],
      partitionEpoch: 1,
    });
  });
});
