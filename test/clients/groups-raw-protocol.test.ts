// Group APIs on the wire, with requests we build ourselves: bad input gets
// Kafka's error codes (a JoinGroup with another protocol type, a stale
// generation, oversized member metadata, a commit for a topic or partition
// that does not exist) while the group keeps serving its member; and the
// version-specific shapes (batched FindCoordinator keys and transaction keys,
// v0-1 OffsetFetch errors, batched OffsetFetch groups, ListGroups state filter,
// DeleteGroups of a live and an unknown group).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CreateTopics } from '../../src/protocol/apis/create-topics.ts';
import { DeleteGroups } from '../../src/protocol/apis/delete-groups.ts';
import { DescribeGroups } from '../../src/protocol/apis/describe-groups.ts';
import { FindCoordinator } from '../../src/protocol/apis/find-coordinator.ts';
import { Heartbeat } from '../../src/protocol/apis/heartbeat.ts';
import { JoinGroup } from '../../src/protocol/apis/join-group.ts';
import { LeaveGroup } from '../../src/protocol/apis/leave-group.ts';
import { ListGroups } from '../../src/protocol/apis/list-groups.ts';
import { OffsetCommit } from '../../src/protocol/apis/offset-commit.ts';
import { OffsetFetch } from '../../src/protocol/apis/offset-fetch.ts';
import { SyncGroup } from '../../src/protocol/apis/sync-group.ts';
import { ErrorCode } from '../../src/protocol/error-codes.ts';
import { startTestBroker, type TestBroker, uniqueTopic } from '../harness/broker.ts';
import { RawClient } from '../harness/raw-client.ts';

const SUBSCRIPTION = Buffer.from([0, 0, 0, 0, 0, 0, 0, 0]);

function joinBody(
  groupId: string,
  memberId: string,
  protocolType: string,
  metadata = SUBSCRIPTION,
) {
  return {
    groupId,
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 10_000,
    memberId,
    groupInstanceId: null,
    protocolType,
    protocols: [{ name: 'range', metadata }],
    reason: null,
  };
}

function commitBody(
  groupId: string,
  generation: number,
  memberId: string,
  topics: Array<[string, number]>,
) {
  return {
    groupId,
    generationIdOrMemberEpoch: generation,
    memberId,
    groupInstanceId: null,
    retentionTimeMs: -1,
    topics: topics.map(([name, partitionIndex]) => ({
      name,
      partitions: [
        {
          partitionIndex,
          committedOffset: 7,
          committedLeaderEpoch: -1,
          commitTimestamp: -1,
          committedMetadata: null,
        },
      ],
    })),
  };
}

describe('group APIs on the wire', () => {
  let b: TestBroker;
  let raw: RawClient;
  const topic = uniqueTopic('raw-g');

  before(async () => {
    b = await startTestBroker({ 'group.initial.rebalance.delay.ms': '0' });
    raw = await RawClient.connect(b.bootstrap);
    const created = await raw.send(CreateTopics, 5, {
      topics: [
        { name: topic, numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] },
      ],
      timeoutMs: 10_000,
      validateOnly: false,
    });
    assert.equal(created.topics[0]?.errorCode, ErrorCode.NONE);
  });
  after(async () => {
    raw.close();
    await b.stop();
  });

  /** A stable one-member group, joined with JoinGroup v3 (no member-id round trip). */
  async function stableGroup(groupId: string) {
    const found = await raw.send(FindCoordinator, 1, {
      key: groupId,
      keyType: 0,
      coordinatorKeys: [],
    });
    assert.equal(found.errorCode, ErrorCode.NONE);
    const joined = await raw.send(JoinGroup, 3, joinBody(groupId, '', 'consumer'));
    assert.equal(joined.errorCode, ErrorCode.NONE);
    assert.equal(joined.leader, joined.memberId);
    const synced = await raw.send(SyncGroup, 3, {
      groupId,
      generationId: joined.generationId,
      memberId: joined.memberId,
      groupInstanceId: null,
      protocolType: null,
      protocolName: null,
      assignments: [{ memberId: joined.memberId, assignment: Buffer.from('mine') }],
    });
    assert.equal(synced.errorCode, ErrorCode.NONE);
    assert.equal(synced.assignment.toString(), 'mine');
    return { memberId: joined.memberId, generationId: joined.generationId };
  }

  test('bad requests get Kafka error codes and the group keeps serving its member', async () => {
    const groupId = uniqueTopic('raw-bad');
    const m = await stableGroup(groupId);

    const otherType = await raw.send(JoinGroup, 3, joinBody(groupId, '', 'connect'));
    assert.equal(otherType.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const noType = await raw.send(JoinGroup, 3, joinBody(groupId, '', ''));
    assert.equal(noType.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const huge = await raw.send(
      JoinGroup,
      3,
      joinBody(groupId, '', 'consumer', Buffer.alloc(1_100_000)),
    );
    assert.equal(huge.errorCode, ErrorCode.INVALID_REQUEST);

    const stale = {
      groupId,
      generationId: m.generationId + 5,
      memberId: m.memberId,
      groupInstanceId: null,
    };
    assert.equal((await raw.send(Heartbeat, 3, stale)).errorCode, ErrorCode.ILLEGAL_GENERATION);
    const staleSync = await raw.send(SyncGroup, 3, {
      ...stale,
      protocolType: null,
      protocolName: null,
      assignments: [],
    });
    assert.equal(staleSync.errorCode, ErrorCode.ILLEGAL_GENERATION);
    const staleCommit = await raw.send(
      OffsetCommit,
      7,
      commitBody(groupId, m.generationId + 5, m.memberId, [[topic, 0]]),
    );
    assert.equal(staleCommit.topics[0]?.partitions[0]?.errorCode, ErrorCode.ILLEGAL_GENERATION);
    const unknownMember = {
      groupId,
      generationId: m.generationId,
      memberId: 'nobody',
      groupInstanceId: null,
    };
    assert.equal(
      (await raw.send(Heartbeat, 3, unknownMember)).errorCode,
      ErrorCode.UNKNOWN_MEMBER_ID,
    );

    const commit = await raw.send(
      OffsetCommit,
      7,
      commitBody(groupId, m.generationId, m.memberId, [
        ['no-such-topic', 0],
        [topic, 5],
        [topic, 1],
      ]),
    );
    assert.deepEqual(
      commit.topics.map((t) => [
        t.name,
        t.partitions[0]?.partitionIndex,
        t.partitions[0]?.errorCode,
      ]),
      [
        ['no-such-topic', 0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
        [topic, 5, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
        [topic, 1, ErrorCode.NONE],
      ],
    );

    // Still one stable member, with its generation, heartbeating and committing.
    const current = {
      groupId,
      generationId: m.generationId,
      memberId: m.memberId,
      groupInstanceId: null,
    };
    assert.equal((await raw.send(Heartbeat, 3, current)).errorCode, ErrorCode.NONE);
    const fetched = await raw.send(OffsetFetch, 5, {
      groupId,
      topics: [{ name: topic, partitionIndexes: [0, 1] }],
      groups: [],
      requireStable: false,
    });
    assert.equal(fetched.errorCode, ErrorCode.NONE);
    assert.deepEqual(
      fetched.topics[0]?.partitions.map((p) => [p.partitionIndex, p.committedOffset]),
      [
        [0, -1],
        [1, 7],
      ],
    );
    const d = await raw.send(DescribeGroups, 4, {
      groups: [groupId],
      includeAuthorizedOperations: false,
    });
    assert.equal(d.groups[0]?.groupState, 'Stable');
    assert.deepEqual(
      d.groups[0]?.members.map((x) => x.memberId),
      [m.memberId],
    );
    assert.equal(d.groups[0]?.members[0]?.memberAssignment.toString(), 'mine');
    assert.match(d.groups[0]?.members[0]?.clientHost ?? '', /^\/127\.0\.0\.1$/);
  });

  test('FindCoordinator v4 answers each key, for groups and for transactional ids', async () => {
    const r = await raw.send(FindCoordinator, 4, {
      key: '',
      keyType: 0,
      coordinatorKeys: ['a', 'b'],
    });
    assert.deepEqual(
      r.coordinators.map((c) => [c.key, c.errorCode, c.nodeId, c.port]),
      [
        ['a', ErrorCode.NONE, b.broker.nodeId, b.broker.port],
        ['b', ErrorCode.NONE, b.broker.nodeId, b.broker.port],
      ],
    );
    // A transactional id's coordinator leads its __transaction_state partition; the first
    // lookup may find that topic still being created (COORDINATOR_NOT_AVAILABLE, as Kafka).
    const deadline = Date.now() + 20_000;
    let txn = await raw.send(FindCoordinator, 4, { key: '', keyType: 1, coordinatorKeys: ['tx'] });
    while (txn.coordinators[0]?.errorCode === ErrorCode.COORDINATOR_NOT_AVAILABLE) {
      assert.ok(Date.now() < deadline, 'transaction coordinator never became available');
      await new Promise((r) => setTimeout(r, 100));
      txn = await raw.send(FindCoordinator, 4, { key: '', keyType: 1, coordinatorKeys: ['tx'] });
    }
    assert.deepEqual(
      txn.coordinators.map((c) => [c.key, c.errorCode, c.nodeId, c.port]),
      [['tx', ErrorCode.NONE, b.broker.nodeId, b.broker.port]],
    );
    const v0 = await raw.send(FindCoordinator, 0, { key: 'a', keyType: 0, coordinatorKeys: [] });
    assert.deepEqual(
      [v0.errorCode, v0.nodeId, v0.host, v0.port],
      [0, b.broker.nodeId, b.broker.host, b.broker.port],
    );
  });

  test('OffsetFetch v8 batches groups, each with its own answer; v1 serves the empty group id', async () => {
    const groupId = uniqueTopic('raw-fetch');
    const m = await stableGroup(groupId);
    await raw.send(OffsetCommit, 8, commitBody(groupId, m.generationId, m.memberId, [[topic, 0]]));
    const r = await raw.send(OffsetFetch, 8, {
      groupId: '',
      topics: [],
      groups: [
        { groupId, memberId: null, memberEpoch: -1, topics: null },
        {
          groupId: 'never-used',
          memberId: null,
          memberEpoch: -1,
          topics: [{ name: topic, partitionIndexes: [0] }],
        },
      ],
      requireStable: true,
    });
    assert.deepEqual(
      r.groups.map((g) => [
        g.groupId,
        g.errorCode,
        g.topics.map((t) => t.partitions.map((p) => p.committedOffset)),
      ]),
      [
        [groupId, 0, [[7]]],
        ['never-used', 0, [[-1]]],
      ],
    );
    // An empty group id is accepted; v1 has no top-level error field.
    const v1 = await raw.send(OffsetFetch, 1, {
      groupId: '',
      topics: [{ name: topic, partitionIndexes: [0] }],
      groups: [],
      requireStable: false,
    });
    assert.equal(v1.topics[0]?.partitions[0]?.errorCode, ErrorCode.NONE);
  });

  test('ListGroups filters by state; DeleteGroups refuses a live group and an unknown one', async () => {
    const live = uniqueTopic('raw-live');
    const m = await stableGroup(live);
    const stable = await raw.send(ListGroups, 4, { statesFilter: ['stable'], typesFilter: [] });
    assert.ok(stable.groups.some((g) => g.groupId === live && g.groupState === 'Stable'));
    const empty = await raw.send(ListGroups, 4, { statesFilter: ['Empty'], typesFilter: [] });
    assert.ok(!empty.groups.some((g) => g.groupId === live));
    const v0 = await raw.send(ListGroups, 0, { statesFilter: [], typesFilter: [] });
    assert.ok(v0.groups.some((g) => g.groupId === live && g.protocolType === 'consumer'));

    const refused = await raw.send(DeleteGroups, 2, { groupsNames: [live, 'never-existed'] });
    assert.deepEqual(
      refused.results.map((r) => [r.groupId, r.errorCode]),
      [
        [live, ErrorCode.NON_EMPTY_GROUP],
        ['never-existed', ErrorCode.GROUP_ID_NOT_FOUND],
      ],
    );
    const left = await raw.send(LeaveGroup, 1, {
      groupId: live,
      memberId: m.memberId,
      members: [],
    });
    assert.equal(left.errorCode, ErrorCode.NONE);
    const deleted = await raw.send(DeleteGroups, 0, { groupsNames: [live] });
    assert.deepEqual(
      deleted.results.map((r) => r.errorCode),
      [ErrorCode.NONE],
    );
    const gone = await raw.send(DescribeGroups, 0, {
      groups: [live],
      includeAuthorizedOperations: false,
    });
    assert.equal(gone.groups[0]?.groupState, 'Dead');
  });
});
