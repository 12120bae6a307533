// Protocol traces of committed offsets and the administrative APIs: commit,
// fetch, delete, expiry, describe, list, delete groups, and reload from the log.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode } from '../protocol/error-codes.ts';
import type { OffsetCommitInput, PersistOffsetsEffect } from './group-machine-types.ts';
import { bytes, GroupDriver, joinInput, subscription } from './group-test-driver.ts';
import { encodeOffsetsTopicRecord, type RawOffsetsTopicRecord } from './offsets-topic-format.ts';

const G = 'billing';
const DAY_MS = 24 * 60 * 60 * 1000;
const topicExists = (topic: string) => topic !== 'missing';

function commit(
  d: GroupDriver,
  offsets: Record<string, number>,
  who: {
    generationId?: number;
    memberId?: string;
    groupId?: string;
    retentionTimeMs?: number;
  } = {},
  metadata: string | null = null,
): number {
  const topics = Object.entries(offsets).map(([tp, offset]) => {
    const [name = '', partition = '0'] = tp.split('/');
    return {
      name,
      partitions: [
        {
          partitionIndex: Number(partition),
          committedOffset: offset,
          committedLeaderEpoch: 3,
          committedMetadata: metadata,
        },
      ],
    };
  });
  const input: Omit<OffsetCommitInput, 'requestId'> = {
    type: 'commit',
    groupId: who.groupId ?? G,
    generationId: who.generationId ?? -1,
    memberId: who.memberId ?? '',
    groupInstanceId: null,
    retentionTimeMs: who.retentionTimeMs ?? -1,
    topics,
    topicExists,
  };
  return d.request(input).requestId;
}

function commitErrors(d: GroupDriver, requestId: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of d.answerOf(requestId, 'commit').topics) {
    for (const p of t.partitions) out[`${t.name}/${p.partitionIndex}`] = p.errorCode;
  }
  return out;
}

function fetched(
  d: GroupDriver,
  groupId = G,
  topics: { name: string; partitionIndexes: number[] }[] | null = null,
) {
  const { requestId } = d.request({ type: 'fetch-offsets', groupId, topics, requireStable: false });
  const response = d.answerOf(requestId, 'fetch-offsets');
  const out: Record<string, number> = {};
  for (const t of response.topics)
    for (const p of t.partitions) out[`${t.name}/${p.partitionIndex}`] = p.committedOffset;
  return out;
}

/** One consumer subscribed to 'orders' forms a stable generation 1. */
function stableConsumer(d: GroupDriver, overrides: { sessionTimeoutMs?: number } = {}): string {
  const first = d.request(joinInput(G, { memberIdUuid: 'm', ...overrides }));
  const memberId = d.answerOf(first.requestId, 'join').memberId;
  d.request(joinInput(G, { memberId, ...overrides }));
  d.advance(3_000);
  d.request({
    type: 'sync',
    groupId: G,
    generationId: 1,
    memberId,
    groupInstanceId: null,
    protocolType: null,
    protocolName: null,
    assignments: [{ memberId, assignment: bytes('orders-0') }],
  });
  assert.equal(d.state.groups.get(G)?.state, 'Stable');
  return memberId;
}

function leave(d: GroupDriver, memberId: string): void {
  d.request({ type: 'leave', groupId: G, members: [{ memberId, groupInstanceId: null }] });
}

describe('OffsetCommit and OffsetFetch', () => {
  test('a standalone consumer commits with generation -1; the records are Kafka records', () => {
    const d = new GroupDriver();
    const c = commit(d, { 'orders/0': 42, 'orders/1': 7 }, {}, 'note');
    assert.deepEqual(commitErrors(d, c), { 'orders/0': 0, 'orders/1': 0 });
    assert.deepEqual(fetched(d), { 'orders/0': 42, 'orders/1': 7 });
    const persisted = d.log.find((e): e is PersistOffsetsEffect => e.type === 'persist-offsets');
    assert.ok(persisted !== undefined);
    assert.equal(persisted.partition, 0);
    assert.deepEqual(persisted.records[0], {
      key: { type: 'offset-commit', group: G, topic: 'orders', partition: 0 },
      value: {
        offset: 42,
        leaderEpoch: 3,
        metadata: 'note',
        commitTimestamp: d.nowMs,
        expireTimestamp: null,
      },
    });
    assert.equal(d.state.groups.get(G)?.state, 'Empty');
    // While the group is empty, generation -1 is accepted whatever member id comes with it.
    const withId = commit(d, { 'orders/0': 43 }, { memberId: 'admin-tool' });
    assert.deepEqual(commitErrors(d, withId), { 'orders/0': 0 });
  });

  test('the answer waits for the log; offsets are visible only once written', () => {
    const d = new GroupDriver({ autoPersist: false });
    const c = commit(d, { 'orders/0': 5 });
    assert.equal(d.answer(c), undefined);
    assert.deepEqual(fetched(d, G, [{ name: 'orders', partitionIndexes: [0] }]), {
      'orders/0': -1,
    });
    const persistId = d.unansweredPersists[0];
    assert.ok(persistId !== undefined);
    d.persisted(persistId, ErrorCode.NONE);
    assert.deepEqual(commitErrors(d, c), { 'orders/0': 0 });
    assert.deepEqual(fetched(d), { 'orders/0': 5 });
  });

  test('a failed append is answered in Kafka terms and nothing is cached', () => {
    const d = new GroupDriver({ autoPersist: false });
    const c = commit(d, { 'orders/0': 5 });
    d.persisted(d.unansweredPersists[0] ?? -1, ErrorCode.NOT_LEADER_OR_FOLLOWER);
    assert.deepEqual(commitErrors(d, c), { 'orders/0': ErrorCode.NOT_COORDINATOR });
    assert.deepEqual(fetched(d), {});
    const big = commit(d, { 'orders/0': 6 });
    d.persisted(d.unansweredPersists[0] ?? -1, ErrorCode.RECORD_LIST_TOO_LARGE);
    assert.deepEqual(commitErrors(d, big), { 'orders/0': ErrorCode.INVALID_COMMIT_OFFSET_SIZE });
  });

  test('unknown topics and oversized metadata fail per partition; the rest is stored', () => {
    const d = new GroupDriver({ config: { offsetMetadataMaxBytes: 4 } });
    const c = commit(d, { 'orders/0': 1, 'missing/0': 2 }, {}, 'four');
    assert.deepEqual(commitErrors(d, c), {
      'orders/0': 0,
      'missing/0': ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    });
    const tooLong = commit(d, { 'orders/1': 1 }, {}, 'fives');
    assert.deepEqual(commitErrors(d, tooLong), { 'orders/1': ErrorCode.OFFSET_METADATA_TOO_LARGE });
    assert.deepEqual(fetched(d), { 'orders/0': 1 });
  });

  test('members of the current generation commit; others get Kafka errors', () => {
    const d = new GroupDriver();
    const m = stableConsumer(d);
    assert.deepEqual(
      commitErrors(d, commit(d, { 'orders/0': 10 }, { generationId: 1, memberId: m })),
      {
        'orders/0': 0,
      },
    );
    assert.deepEqual(
      commitErrors(d, commit(d, { 'orders/0': 11 }, { generationId: 2, memberId: m })),
      {
        'orders/0': ErrorCode.ILLEGAL_GENERATION,
      },
    );
    assert.deepEqual(
      commitErrors(d, commit(d, { 'orders/0': 12 }, { generationId: 1, memberId: 'x' })),
      {
        'orders/0': ErrorCode.UNKNOWN_MEMBER_ID,
      },
    );
    // Generation -1 is for groups without members only.
    assert.deepEqual(commitErrors(d, commit(d, { 'orders/0': 13 })), {
      'orders/0': ErrorCode.UNKNOWN_MEMBER_ID,
    });
    // A generation for a group that does not exist is a stale one.
    assert.deepEqual(
      commitErrors(d, commit(d, { 'orders/0': 1 }, { generationId: 3, groupId: 'nope' })),
      {
        'orders/0': ErrorCode.ILLEGAL_GENERATION,
      },
    );
    assert.deepEqual(fetched(d), { 'orders/0': 10 });
    // Still serving the member afterwards.
    const hb = d.request({
      type: 'heartbeat',
      groupId: G,
      generationId: 1,
      memberId: m,
      groupInstanceId: null,
    });
    assert.equal(d.answerOf(hb.requestId, 'heartbeat').errorCode, ErrorCode.NONE);
  });

  test('REBALANCE_IN_PROGRESS while completing a rebalance; allowed while preparing one', () => {
    const d = new GroupDriver();
    const first = d.request(joinInput(G, { memberIdUuid: 'm' }));
    const m = d.answerOf(first.requestId, 'join').memberId;
    d.request(joinInput(G, { memberId: m }));
    d.advance(3_000);
    assert.equal(d.state.groups.get(G)?.state, 'CompletingRebalance');
    assert.deepEqual(
      commitErrors(d, commit(d, { 'orders/0': 1 }, { generationId: 1, memberId: m })),
      {
        'orders/0': ErrorCode.REBALANCE_IN_PROGRESS,
      },
    );
    const d2 = new GroupDriver();
    const m2 = stableConsumer(d2);
    d2.request(joinInput('other', { memberIdUuid: 'o' }));
    // A new member arrives (v3, no id round trip): the group prepares a rebalance.
    d2.request(joinInput(G, { memberIdUuid: 'n', apiVersion: 3 }));
    assert.equal(d2.state.groups.get(G)?.state, 'PreparingRebalance');
    assert.deepEqual(
      commitErrors(d2, commit(d2, { 'orders/0': 9 }, { generationId: 1, memberId: m2 })),
      {
        'orders/0': 0,
      },
    );
  });

  test('a commit counts as a heartbeat', () => {
    const d = new GroupDriver();
    const m = stableConsumer(d);
    for (let i = 0; i < 3; i++) {
      d.advance(8_000);
      commit(d, { 'orders/0': i }, { generationId: 1, memberId: m });
    }
    assert.equal(d.state.groups.get(G)?.members.has(m), true);
  });

  test('fetching unknown partitions and unknown groups gives -1', () => {
    const d = new GroupDriver();
    commit(d, { 'orders/0': 3 });
    const { requestId } = d.request({
      type: 'fetch-offsets',
      groupId: 'unknown',
      topics: [{ name: 'orders', partitionIndexes: [0] }],
      requireStable: true,
    });
    assert.deepEqual(d.answerOf(requestId, 'fetch-offsets'), {
      errorCode: 0,
      topics: [
        {
          name: 'orders',
          partitions: [
            {
              partitionIndex: 0,
              committedOffset: -1,
              committedLeaderEpoch: -1,
              metadata: '',
              errorCode: 0,
            },
          ],
        },
      ],
    });
    assert.deepEqual(fetched(d, G, [{ name: 'orders', partitionIndexes: [0, 9] }]), {
      'orders/0': 3,
      'orders/9': -1,
    });
  });
});

describe('OffsetDelete', () => {
  test('an empty group: offsets go, with tombstones', () => {
    const d = new GroupDriver();
    commit(d, { 'orders/0': 1, 'orders/1': 2 });
    const { requestId } = d.request({
      type: 'delete-offsets',
      groupId: G,
      topics: [{ name: 'orders', partitions: [{ partitionIndex: 0 }] }],
      topicExists,
    });
    assert.deepEqual(d.answerOf(requestId, 'delete-offsets'), {
      errorCode: 0,
      topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, errorCode: 0 }] }],
    });
    assert.deepEqual(fetched(d), { 'orders/1': 2 });
    const last = d.log
      .filter((e): e is PersistOffsetsEffect => e.type === 'persist-offsets')
      .at(-1);
    assert.deepEqual(last?.records, [
      { key: { type: 'offset-commit', group: G, topic: 'orders', partition: 0 }, value: null },
    ]);
  });

  test('a consumer group keeps the offsets of topics its members subscribe to', () => {
    const d = new GroupDriver();
    const m = stableConsumer(d);
    commit(d, { 'orders/0': 1, 'audit/0': 2 }, { generationId: 1, memberId: m });
    const { requestId } = d.request({
      type: 'delete-offsets',
      groupId: G,
      topics: [
        { name: 'orders', partitions: [{ partitionIndex: 0 }] },
        { name: 'audit', partitions: [{ partitionIndex: 0 }] },
        { name: 'missing', partitions: [{ partitionIndex: 0 }] },
      ],
      topicExists,
    });
    const errors = d
      .answerOf(requestId, 'delete-offsets')
      .topics.map((t) => [t.name, t.partitions[0]?.errorCode]);
    assert.deepEqual(errors, [
      ['orders', ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC],
      ['audit', 0],
      ['missing', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ]);
    assert.deepEqual(fetched(d), { 'orders/0': 1 });
  });

  test('a non-consumer group with members: NON_EMPTY_GROUP; no group: GROUP_ID_NOT_FOUND', () => {
    const d = new GroupDriver();
    d.request(joinInput(G, { protocolType: 'connect', apiVersion: 3 }));
    const del = (groupId: string) =>
      d.answerOf(
        d.request({ type: 'delete-offsets', groupId, topics: [], topicExists }).requestId,
        'delete-offsets',
      ).errorCode;
    assert.equal(del(G), ErrorCode.NON_EMPTY_GROUP);
    assert.equal(del('ghost'), ErrorCode.GROUP_ID_NOT_FOUND);
  });
});

describe('offset expiry (offsets.retention.minutes)', () => {
  test('standalone commits expire by commit time; the group goes too, without a group tombstone', () => {
    const d = new GroupDriver({
      config: { offsetsRetentionMs: DAY_MS, offsetsRetentionCheckIntervalMs: 60_000 },
    });
    commit(d, { 'orders/0': 1 });
    d.advance(DAY_MS / 2);
    commit(d, { 'orders/1': 2 });
    d.advance(DAY_MS / 2);
    assert.deepEqual(fetched(d), { 'orders/1': 2 });
    d.advance(DAY_MS / 2);
    assert.equal(d.state.groups.has(G), false);
    assert.equal(
      d.log.some((e) => e.type === 'persist-group'),
      false,
    );
  });

  test('a consumer group that became empty keeps all offsets for the retention after that', () => {
    const d = new GroupDriver({ config: { offsetsRetentionMs: DAY_MS } });
    const m = stableConsumer(d, { sessionTimeoutMs: 1_800_000 });
    commit(d, { 'orders/0': 1 }, { generationId: 1, memberId: m });
    // Two days of a live member: its subscribed topic's offset must not expire.
    for (let i = 0; i < 144; i++) {
      d.advance(20 * 60_000);
      const hb = d.request({
        type: 'heartbeat',
        groupId: G,
        generationId: 1,
        memberId: m,
        groupInstanceId: null,
      });
      assert.equal(d.answerOf(hb.requestId, 'heartbeat').errorCode, ErrorCode.NONE);
    }
    assert.deepEqual(fetched(d), { 'orders/0': 1 });
    leave(d, m);
    assert.equal(d.state.groups.get(G)?.state, 'Empty');
    d.input({ type: 'expire-offsets' });
    assert.deepEqual(fetched(d), { 'orders/0': 1 });
    d.advance(DAY_MS - 1);
    d.input({ type: 'expire-offsets' });
    assert.deepEqual(fetched(d), { 'orders/0': 1 });
    d.advance(1);
    d.input({ type: 'expire-offsets' });
    assert.equal(d.state.groups.has(G), false);
    const last = d.log.filter((e) => e.type === 'persist-group').at(-1);
    assert.ok(last?.type === 'persist-group');
    assert.deepEqual(last.record, { key: { type: 'group-metadata', group: G }, value: null });
  });

  test('a stable consumer group expires offsets of topics nobody subscribes to', () => {
    const d = new GroupDriver({ config: { offsetsRetentionMs: DAY_MS } });
    const m = stableConsumer(d, { sessionTimeoutMs: 1_800_000 });
    commit(d, { 'orders/0': 1, 'audit/0': 2 }, { generationId: 1, memberId: m });
    for (let i = 0; i < 72; i++) {
      d.advance(20 * 60_000);
      d.request({
        type: 'heartbeat',
        groupId: G,
        generationId: 1,
        memberId: m,
        groupInstanceId: null,
      });
    }
    d.input({ type: 'expire-offsets' });
    assert.deepEqual(fetched(d), { 'orders/0': 1 });
    assert.equal(d.state.groups.get(G)?.state, 'Stable');
  });

  test('an explicit retention time (OffsetCommit v2-4) sets the expiry', () => {
    const d = new GroupDriver({ config: { offsetsRetentionMs: DAY_MS } });
    commit(d, { 'orders/0': 1 }, { retentionTimeMs: 60_000 });
    const persisted = d.log.find((e): e is PersistOffsetsEffect => e.type === 'persist-offsets');
    assert.equal(persisted?.records[0]?.value?.expireTimestamp, d.nowMs + 60_000);
    d.nowMs += 60_000;
    d.input({ type: 'expire-offsets' });
    assert.deepEqual(fetched(d), {});
  });
});

describe('DescribeGroups, ListGroups, DeleteGroups', () => {
  test('describe: state names, and metadata only while stable', () => {
    const d = new GroupDriver();
    const m = stableConsumer(d);
    commit(d, { 'orders/0': 1 }, { groupId: 'solo' });
    const { requestId } = d.request({
      type: 'describe-groups',
      groupIds: [G, 'solo', 'ghost'],
      apiVersion: 5,
    });
    const [billing, solo, ghost] = d.answerOf(requestId, 'describe-groups').groups;
    assert.equal(billing?.groupState, 'Stable');
    assert.equal(billing?.protocolType, 'consumer');
    assert.equal(billing?.protocolData, 'range');
    assert.equal(billing?.members[0]?.memberId, m);
    assert.equal(Buffer.from(billing?.members[0]?.memberAssignment ?? []).toString(), 'orders-0');
    assert.deepEqual(
      Buffer.from(billing?.members[0]?.memberMetadata ?? []),
      Buffer.from(subscription(['orders'])),
    );
    assert.deepEqual(solo, {
      errorCode: 0,
      groupId: 'solo',
      groupState: 'Empty',
      protocolType: '',
      protocolData: '',
      members: [],
    });
    assert.equal(ghost?.groupState, 'Dead');
    assert.equal(ghost?.errorCode, 0);
    const v6 = d.request({ type: 'describe-groups', groupIds: ['ghost'], apiVersion: 6 });
    assert.equal(
      d.answerOf(v6.requestId, 'describe-groups').groups[0]?.errorCode,
      ErrorCode.GROUP_ID_NOT_FOUND,
    );
    d.request(joinInput(G, { memberId: m }));
    const during = d.request({ type: 'describe-groups', groupIds: [G], apiVersion: 5 });
    const g = d.answerOf(during.requestId, 'describe-groups').groups[0];
    assert.equal(g?.groupState, 'CompletingRebalance');
    assert.equal(g?.protocolData, '');
    assert.equal(g?.members[0]?.memberMetadata.length, 0);
  });

  test('list with a state filter (case-insensitive) and a type filter', () => {
    const d = new GroupDriver();
    stableConsumer(d);
    commit(d, { 'orders/0': 1 }, { groupId: 'solo' });
    const list = (statesFilter: string[], typesFilter: string[] = []) =>
      d
        .answerOf(
          d.request({ type: 'list-groups', statesFilter, typesFilter }).requestId,
          'list-groups',
        )
        .groups.map((g) => `${g.groupId}:${g.groupState}:${g.protocolType}`)
        .sort();
    assert.deepEqual(list([]), [`${G}:Stable:consumer`, 'solo:Empty:']);
    assert.deepEqual(list(['stable']), [`${G}:Stable:consumer`]);
    assert.deepEqual(list(['Empty', 'Dead']), ['solo:Empty:']);
    assert.deepEqual(list([], ['Classic']), [`${G}:Stable:consumer`, 'solo:Empty:']);
    assert.deepEqual(list([], ['consumer']), []);
  });

  test('delete: only empty groups, with tombstones for offsets and the group', () => {
    const d = new GroupDriver();
    const m = stableConsumer(d);
    commit(d, { 'orders/0': 1 }, { generationId: 1, memberId: m });
    const del = () =>
      d.answerOf(
        d.request({ type: 'delete-groups', groupIds: [G, 'ghost'] }).requestId,
        'delete-groups',
      ).results;
    assert.deepEqual(del(), [
      { groupId: G, errorCode: ErrorCode.NON_EMPTY_GROUP },
      { groupId: 'ghost', errorCode: ErrorCode.GROUP_ID_NOT_FOUND },
    ]);
    leave(d, m);
    const before = d.log.length;
    assert.equal(del()[0]?.errorCode, 0);
    const writes = d.log
      .slice(before)
      .filter((e) => e.type === 'persist-offsets' || e.type === 'persist-group');
    assert.deepEqual(
      writes.map((e) => (e.type === 'persist-group' ? e.record : e.records)),
      [
        [{ key: { type: 'offset-commit', group: G, topic: 'orders', partition: 0 }, value: null }],
        { key: { type: 'group-metadata', group: G }, value: null },
      ],
    );
    assert.equal(d.state.groups.has(G), false);
    assert.deepEqual(fetched(d), {});
  });
});

describe('loading a partition from the log', () => {
  test('what one coordinator wrote, another one serves after loading it', () => {
    const first = new GroupDriver();
    const m = stableConsumer(first);
    commit(first, { 'orders/0': 77 }, { generationId: 1, memberId: m }, 'meta');
    commit(first, { 'orders/0': 1 }, { groupId: 'solo' });
    const records: RawOffsetsTopicRecord[] = [];
    for (const e of first.log) {
      if (e.type === 'persist-group') records.push(encodeOffsetsTopicRecord(e.record));
      if (e.type === 'persist-offsets')
        for (const r of e.records) records.push(encodeOffsetsTopicRecord(r));
    }

    const second = new GroupDriver({ config: { offsetsTopicNumPartitions: 1 } });
    second.input({ type: 'unload', partition: 0 });
    second.input({ type: 'load-begin', partition: 0 });
    const hbLoading = second.request({
      type: 'heartbeat',
      groupId: G,
      generationId: 1,
      memberId: m,
      groupInstanceId: null,
    });
    assert.equal(second.answerOf(hbLoading.requestId, 'heartbeat').errorCode, ErrorCode.NONE);
    second.input({ type: 'load-complete', partition: 0, records });

    const group = second.state.groups.get(G);
    assert.equal(group?.state, 'Stable');
    assert.equal(group?.generationId, 1);
    assert.equal(group?.leaderId, m);
    assert.deepEqual(fetched(second), { 'orders/0': 77 });
    assert.deepEqual(fetched(second, 'solo'), { 'orders/0': 1 });
    const s = second.request({
      type: 'sync',
      groupId: G,
      generationId: 1,
      memberId: m,
      groupInstanceId: null,
      protocolType: 'consumer',
      protocolName: 'range',
      assignments: [],
    });
    assert.equal(
      Buffer.from(second.answerOf(s.requestId, 'sync').assignment).toString(),
      'orders-0',
    );
    // The loaded member must heartbeat like any other.
    second.advance(10_000);
    assert.equal(second.state.groups.get(G)?.members.size, 0);
  });

  test('a partition being loaded answers COORDINATOR_LOAD_IN_PROGRESS to group requests', () => {
    const d = new GroupDriver();
    d.input({ type: 'load-begin', partition: 0 });
    const c = commit(d, { 'orders/0': 1 });
    assert.deepEqual(commitErrors(d, c), { 'orders/0': ErrorCode.COORDINATOR_LOAD_IN_PROGRESS });
    const list = d.request({ type: 'list-groups', statesFilter: [], typesFilter: [] });
    assert.equal(
      d.answerOf(list.requestId, 'list-groups').errorCode,
      ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
    );
  });
});

describe('transactional offset commits (TxnOffsetCommit)', () => {
  const fetchStable = (d: GroupDriver, requireStable: boolean) => {
    const { requestId } = d.request({
      type: 'fetch-offsets',
      groupId: 'txn-group',
      topics: [{ name: 'orders', partitionIndexes: [0] }],
      requireStable,
    });
    return d.answerOf(requestId, 'fetch-offsets').topics[0]?.partitions[0];
  };
  const txnCommit = (d: GroupDriver, producerId: number, offset: number) => {
    const { requestId, effects } = d.request({
      type: 'txn-commit',
      groupId: 'txn-group',
      producerId,
      producerEpoch: 0,
      generationId: -1,
      memberId: '',
      groupInstanceId: null,
      topics: [
        {
          name: 'orders',
          partitions: [
            {
              partitionIndex: 0,
              committedOffset: offset,
              committedLeaderEpoch: -1,
              committedMetadata: null,
            },
          ],
        },
      ],
      topicExists: () => true,
    });
    const persist = effects.find((e) => e.type === 'persist-offsets');
    assert.ok(persist?.type === 'persist-offsets');
    assert.deepEqual(persist.producer, { producerId, producerEpoch: 0 }, 'a transactional batch');
    return d.answerOf(requestId, 'txn-commit');
  };

  test('staged offsets show only on commit; requireStable sees them pending', () => {
    const d = new GroupDriver();
    const answer = txnCommit(d, 7, 42);
    assert.equal(answer.topics[0]?.partitions[0]?.errorCode, 0);
    assert.equal(fetchStable(d, false)?.committedOffset, -1, 'not visible before the marker');
    assert.equal(fetchStable(d, true)?.errorCode, ErrorCode.UNSTABLE_OFFSET_COMMIT);
    d.input({ type: 'txn-complete', partition: 0, producerId: 7, commit: true });
    assert.equal(fetchStable(d, true)?.committedOffset, 42);
  });

  test('an aborted transaction leaves the committed offset as it was', () => {
    const d = new GroupDriver();
    txnCommit(d, 8, 10);
    d.input({ type: 'txn-complete', partition: 0, producerId: 8, commit: true });
    txnCommit(d, 8, 20);
    d.input({ type: 'txn-complete', partition: 0, producerId: 8, commit: false });
    const p = fetchStable(d, true);
    assert.equal(p?.errorCode, 0);
    assert.equal(p?.committedOffset, 10);
  });
});
