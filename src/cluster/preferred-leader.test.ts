// Preferred and unclean elections and the leader-balance rule as pure
// decisions on a metadata image: which partitions get a new leader, with
// which epochs, and which Kafka error the others answer with.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode } from '../protocol/error-codes.ts';
import { MetadataImage, type PartitionState } from './metadata-image.ts';
import { NO_LEADER } from './partition-leadership.ts';
import {
  decideElections,
  decideRebalance,
  ElectionType,
  electPreferred,
  electUnclean,
  leaderImbalance,
} from './preferred-leader.ts';

function state(over: Partial<PartitionState>): PartitionState {
  const base = { partition: 0, replicas: [1, 2, 3], addingReplicas: [], removingReplicas: [] };
  return {
    ...base,
    leader: 1,
    leaderEpoch: 4,
    isr: [1, 2, 3],
    partitionEpoch: 7,
    modRevision: 10,
    ...over,
  };
}

interface P {
  replicas: number[];
  leader: number;
  isr: number[];
  /** A reassignment in progress: the partition record's own replica lists. */
  reassignment?: { replicas: number[]; addingReplicas: number[]; removingReplicas: number[] };
}

/** An image with live brokers `live` and one topic per entry of `topics`. */
function imageOf(live: number[], topics: Record<string, P[]>): MetadataImage {
  const image = new MetadataImage('c');
  for (const id of live) {
    image.apply({
      kind: 'broker',
      nodeId: id,
      endpoint: { nodeId: id, host: 'h', port: id, rack: null },
    });
  }
  let revision = 100;
  let n = 0;
  for (const [name, parts] of Object.entries(topics)) {
    const topicId = Buffer.alloc(16, ++n).toString('base64url');
    const replicas = parts.map((p) => p.replicas);
    image.apply({ kind: 'topic', name, record: { topicId, internal: false, replicas } });
    parts.forEach((p, i) => {
      const record = {
        leader: p.leader,
        leaderEpoch: 3,
        isr: p.isr,
        partitionEpoch: 5,
        ...p.reassignment,
      };
      image.apply({
        kind: 'partition',
        topic: name,
        partition: i,
        record,
        modRevision: ++revision,
      });
    });
  }
  return image;
}

describe('preferred election', () => {
  test('moves leadership to the first replica with new leader and partition epochs, ISR unchanged', () => {
    const r = electPreferred(state({ leader: 2 }), new Set([1, 2, 3]));
    assert.deepEqual(r, {
      record: { leader: 1, leaderEpoch: 5, isr: [1, 2, 3], partitionEpoch: 8 },
    });
  });

  test('is not needed when the preferred replica already leads', () => {
    const r = electPreferred(state({}), new Set([1, 2, 3]));
    assert.equal('errorCode' in r && r.errorCode, ErrorCode.ELECTION_NOT_NEEDED);
  });

  test('is refused while the preferred replica is dead or out of the ISR', () => {
    const dead = electPreferred(state({ leader: 2 }), new Set([2, 3]));
    assert.equal('errorCode' in dead && dead.errorCode, ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE);
    const lagging = electPreferred(state({ leader: 2, isr: [2, 3] }), new Set([1, 2, 3]));
    assert.equal(
      'errorCode' in lagging && lagging.errorCode,
      ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE,
    );
  });
});

describe('unclean election', () => {
  test('is not needed while the partition has a live leader', () => {
    const r = electUnclean(state({ leader: 2 }), new Set([1, 2, 3]));
    assert.equal('errorCode' in r && r.errorCode, ErrorCode.ELECTION_NOT_NEEDED);
  });

  test('takes a live in-sync replica first (a clean election)', () => {
    const r = electUnclean(state({ leader: NO_LEADER, isr: [1, 3] }), new Set([2, 3]));
    assert.deepEqual(r, { record: { leader: 3, leaderEpoch: 5, isr: [3], partitionEpoch: 8 } });
  });

  test('elects any live replica, alone in the ISR, when no in-sync replica is alive', () => {
    const r = electUnclean(state({ leader: NO_LEADER, isr: [1] }), new Set([2, 3]));
    assert.deepEqual(r, { record: { leader: 2, leaderEpoch: 5, isr: [2], partitionEpoch: 8 } });
  });

  test('fails with ELIGIBLE_LEADERS_NOT_AVAILABLE when no replica is alive', () => {
    const r = electUnclean(state({ leader: NO_LEADER, isr: [1] }), new Set([4]));
    assert.equal('errorCode' in r && r.errorCode, ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE);
  });
});

describe('decideElections', () => {
  const image = imageOf([1, 2, 3], {
    a: [
      { replicas: [1, 2], leader: 2, isr: [1, 2] },
      { replicas: [2, 1], leader: 2, isr: [2, 1] },
      { replicas: [3, 1], leader: 1, isr: [1] },
    ],
  });

  test('answers each named partition once, unknown topics and partitions included', () => {
    const out = decideElections(image, ElectionType.PREFERRED, [
      { topic: 'a', partition: 0 },
      { topic: 'a', partition: 1 },
      { topic: 'a', partition: 0 },
      { topic: 'a', partition: 9 },
      { topic: 'nope', partition: 0 },
    ]);
    assert.equal(out.length, 4);
    const [first, second, ninth, unknown] = out;
    assert.deepEqual(first, {
      kind: 'elect',
      decision: {
        topic: 'a',
        partition: 0,
        expectedModRevision: 101,
        record: { leader: 1, leaderEpoch: 4, isr: [1, 2], partitionEpoch: 6 },
      },
    });
    assert.equal(second?.kind === 'error' && second.errorCode, ErrorCode.ELECTION_NOT_NEEDED);
    assert.deepEqual(ninth, {
      kind: 'error',
      topic: 'a',
      partition: 9,
      errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      errorMessage: 'No such partition as a-9',
    });
    assert.equal(unknown?.kind === 'error' && unknown.errorMessage, 'No such topic as nope');
  });

  test('with no list tries every partition and leaves out those already led as wanted', () => {
    const out = decideElections(image, ElectionType.PREFERRED, null);
    const summary = out.map((o) =>
      o.kind === 'elect'
        ? `${o.decision.partition}:leader ${o.decision.record.leader}`
        : `${o.partition}:${o.errorCode}`,
    );
    assert.deepEqual(summary, ['0:leader 1', `2:${ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE}`]);
  });
});

describe('leader balance', () => {
  // Broker 1 prefers ten partitions; `notLed` of them are led by broker 2.
  function tenPreferring1(notLed: number, inSync = true): MetadataImage {
    const parts: P[] = [];
    for (let i = 0; i < 10; i++) {
      const moved = i < notLed;
      parts.push({ replicas: [1, 2], leader: moved ? 2 : 1, isr: moved && !inSync ? [2] : [1, 2] });
    }
    parts.push({ replicas: [2, 1], leader: 2, isr: [2, 1] });
    return imageOf([1, 2], { t: parts });
  }

  test('counts per broker the partitions it prefers and does not lead', () => {
    assert.deepEqual(leaderImbalance(tenPreferring1(3)), [
      { brokerId: 1, preferred: 10, notLed: 3 },
      { brokerId: 2, preferred: 1, notLed: 0 },
    ]);
  });

  test('acts only above leader.imbalance.per.broker.percentage', () => {
    assert.deepEqual(decideRebalance(tenPreferring1(1), 10), [], '10% is not above 10%');
    const moves = decideRebalance(tenPreferring1(2), 10);
    assert.deepEqual(
      moves.map((d) => [d.partition, d.record.leader, d.record.leaderEpoch]),
      [
        [0, 1, 4],
        [1, 1, 4],
      ],
    );
    assert.equal(decideRebalance(tenPreferring1(1), 0).length, 1, 'with 0% any imbalance counts');
  });

  test('leaves partitions whose preferred replica is not in the ISR', () => {
    assert.deepEqual(decideRebalance(tenPreferring1(5, false), 10), []);
  });

  test('leaves partitions in the middle of a reassignment', () => {
    const reassignment = { replicas: [1, 2, 3], addingReplicas: [3], removingReplicas: [] };
    const image = imageOf([1, 2, 3], {
      t: [
        { replicas: [1, 2], leader: 2, isr: [1, 2, 3], reassignment },
        { replicas: [1, 2], leader: 2, isr: [1, 2] },
      ],
    });
    assert.deepEqual(
      decideRebalance(image, 10).map((d) => d.partition),
      [1],
    );
  });

  test('an election on request carries an ongoing reassignment into the new record', () => {
    const reassignment = { replicas: [1, 2, 3], addingReplicas: [3], removingReplicas: [] };
    const image = imageOf([1, 2, 3], {
      t: [{ replicas: [1, 2], leader: 2, isr: [1, 2, 3], reassignment }],
    });
    const [o] = decideElections(image, ElectionType.PREFERRED, [{ topic: 't', partition: 0 }]);
    assert.deepEqual(o?.kind === 'elect' && o.decision.record, {
      leader: 1,
      leaderEpoch: 4,
      isr: [1, 2, 3],
      partitionEpoch: 6,
      ...reassignment,
    });
  });
});
