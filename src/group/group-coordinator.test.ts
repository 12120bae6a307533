// The group coordinator runtime over an in-memory broker: requests resolve
// when the machine answers, one timer drives every deadline, records reach
// __consumer_offsets as v2 batches and come back on a load, and leadership
// changes load and unload partitions.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode } from '../protocol/error-codes.ts';
import { decodeRecordBatches } from '../protocol/records.ts';
import type { GroupCoordinator } from './group-coordinator.ts';
import { NODE_ID, settle, TestEnv } from './group-coordinator-test-env.ts';
import { subscription } from './group-test-driver.ts';
import {
  decodeOffsetsTopicRecord,
  isOffsetCommitRecord,
  partitionForGroup,
} from './offsets-topic-format.ts';

const TOPIC = 'orders';

function joinRequest(groupId: string, memberId: string, groupInstanceId: string | null = null) {
  return {
    apiVersion: 5,
    groupId,
    memberId,
    groupInstanceId,
    clientId: 'client',
    clientHost: '/127.0.0.1',
    rebalanceTimeoutMs: 30_000,
    sessionTimeoutMs: 10_000,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: subscription([TOPIC]) }],
  };
}

/** Joins one dynamic member and completes the rebalance as its leader; returns id and generation. */
async function joinAlone(env: TestEnv, c: GroupCoordinator, groupId: string) {
  const first = await c.join(joinRequest(groupId, ''));
  assert.equal(first.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
  const parked = c.join(joinRequest(groupId, first.memberId));
  env.timers.advance(0);
  const joined = await parked;
  assert.equal(joined.errorCode, ErrorCode.NONE);
  assert.equal(joined.leader, joined.memberId);
  const assignment = Buffer.from('assignment');
  const synced = c.sync({
    groupId,
    generationId: joined.generationId,
    memberId: joined.memberId,
    groupInstanceId: null,
    protocolType: null,
    protocolName: null,
    assignments: [{ memberId: joined.memberId, assignment }],
  });
  await settle();
  const s = await synced;
  assert.equal(s.errorCode, ErrorCode.NONE);
  assert.deepEqual(Buffer.from(s.assignment), assignment);
  return { memberId: joined.memberId, generationId: joined.generationId };
}

function commitOne(c: GroupCoordinator, groupId: string, offset: number, memberId = '', gen = -1) {
  return c.commit({
    groupId,
    generationId: gen,
    memberId,
    groupInstanceId: null,
    retentionTimeMs: -1,
    topics: [
      {
        name: TOPIC,
        partitions: [
          {
            partitionIndex: 0,
            committedOffset: offset,
            committedLeaderEpoch: 3,
            committedMetadata: 'm',
          },
        ],
      },
    ],
    topicExists: (t) => t === TOPIC,
  });
}

async function started(env: TestEnv): Promise<GroupCoordinator> {
  const c = env.coordinator();
  c.start();
  const found = await c.findCoordinator('any');
  assert.equal(found.errorCode, ErrorCode.NONE);
  return c;
}

describe('GroupCoordinator runtime', () => {
  test('findCoordinator creates __consumer_offsets once and answers after the load', async () => {
    const env = new TestEnv();
    const c = env.coordinator();
    c.start();
    const [a, b] = await Promise.all([c.findCoordinator('g1'), c.findCoordinator('g2')]);
    assert.deepEqual(a, { errorCode: ErrorCode.NONE, nodeId: NODE_ID });
    assert.deepEqual(b, { errorCode: ErrorCode.NONE, nodeId: NODE_ID });
    assert.equal(env.topicCreations, 1);
    assert.deepEqual(c.ownedPartitions(), [0, 1, 2]);
    await c.close();
  });

  test('__consumer_offsets lowered below min.insync.replicas gets its min ISR capped, so commits still work', async () => {
    // One live broker: offsets.topic.replication.factor 3 becomes 1, which a
    // broker min.insync.replicas of 2 would otherwise refuse every commit on.
    const env = new TestEnv();
    env.minInsync = 2;
    const c = await started(env);
    assert.equal(env.createdConfigs?.['min.insync.replicas'], '1');
    env.minInsync = 1; // what the topic's config now resolves to
    env.image.isrs.set(partitionForGroup('g', 3), [NODE_ID]);
    assert.equal((await commitOne(c, 'g', 4)).topics[0]?.partitions[0]?.errorCode, ErrorCode.NONE);
    await c.close();
    const kept = new TestEnv();
    const c2 = await started(kept);
    assert.equal(
      kept.createdConfigs?.['min.insync.replicas'],
      undefined,
      'not lowered: the broker default applies',
    );
    await c2.close();
  });

  test('a group coordinated by another broker is pointed there, and served nothing here', async () => {
    const env = new TestEnv();
    const c = await started(env);
    const p = partitionForGroup('elsewhere', 3);
    env.setLeader(p, 7);
    assert.deepEqual(await c.findCoordinator('elsewhere'), {
      errorCode: ErrorCode.NONE,
      nodeId: 7,
    });
    const r = await c.join(joinRequest('elsewhere', ''));
    assert.equal(r.errorCode, ErrorCode.NOT_COORDINATOR);
    await c.close();
  });

  test('a parked JoinGroup resolves when the one armed timer fires', async () => {
    const env = new TestEnv({ config: { groupInitialRebalanceDelayMs: 3000 } });
    const c = await started(env);
    const first = await c.join(joinRequest('g', ''));
    let answered = false;
    const parked = c.join(joinRequest('g', first.memberId)).then((r) => {
      answered = true;
      return r;
    });
    env.timers.advance(2999);
    await settle();
    assert.equal(answered, false, 'still inside group.initial.rebalance.delay.ms');
    // One real timer at a time, however many deadlines the machine holds.
    assert.equal(env.timers.pending.size, 1);
    env.timers.advance(1);
    const r = await parked;
    assert.equal(r.errorCode, ErrorCode.NONE);
    assert.equal(r.generationId, 1);
    await c.close();
  });

  test('a member that stops heartbeating is removed when its session expires', async () => {
    const env = new TestEnv();
    const c = await started(env);
    const m = await joinAlone(env, c, 'g');
    const beat = () =>
      c.heartbeat({
        groupId: 'g',
        generationId: m.generationId,
        memberId: m.memberId,
        groupInstanceId: null,
      });
    env.timers.advance(9_000);
    assert.equal((await beat()).errorCode, ErrorCode.NONE);
    env.timers.advance(9_000);
    assert.equal((await beat()).errorCode, ErrorCode.NONE, 'the heartbeat renewed the session');
    env.timers.advance(10_001);
    await settle();
    assert.equal((await beat()).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
    const d = await c.describeGroups({ groupIds: ['g'], apiVersion: 5 });
    assert.equal(d.groups[0]?.groupState, 'Empty');
    await c.close();
  });

  test('commits are appended as v2 batches to the group partition and reloaded by a new coordinator', async () => {
    const env = new TestEnv();
    const c = await started(env);
    const m = await joinAlone(env, c, 'g');
    const r = await commitOne(c, 'g', 42, m.memberId, m.generationId);
    assert.equal(r.topics[0]?.partitions[0]?.errorCode, ErrorCode.NONE);

    const partition = env.partitions.get(partitionForGroup('g', 3))!;
    const batches = await decodeRecordBatches(Buffer.concat(partition.log.batches), {
      maxBytes: 1 << 20,
    });
    const records = batches
      .flatMap((b) => b.records)
      .map((x) => decodeOffsetsTopicRecord({ key: x.key!, value: x.value }));
    assert.deepEqual(
      records.map((x) => x?.key.type),
      ['group-metadata', 'offset-commit'],
      'the group record from SyncGroup, then the commit',
    );
    await c.close();

    const again = await started(env);
    const fetched = await again.fetchOffsets({ groupId: 'g', topics: null, requireStable: false });
    assert.deepEqual(fetched.topics, [
      {
        name: TOPIC,
        partitions: [
          {
            partitionIndex: 0,
            committedOffset: 42,
            committedLeaderEpoch: 3,
            metadata: 'm',
            errorCode: 0,
          },
        ],
      },
    ]);
    const d = await again.describeGroups({ groupIds: ['g'], apiVersion: 5 });
    assert.equal(d.groups[0]?.groupState, 'Stable', 'the stored group and its member come back');
    assert.equal(d.groups[0]?.members[0]?.memberId, m.memberId);
    await again.close();
  });

  test('appends to one partition happen in the order the machine asked for them', async () => {
    const env = new TestEnv();
    const c = await started(env);
    const partition = env.partitions.get(partitionForGroup('g', 3))!;
    // The first append finds its partition last: without ordering, the third would land first.
    env.acquireDelays.push(3, 2, 1);
    await Promise.all([commitOne(c, 'g', 1), commitOne(c, 'g', 2), commitOne(c, 'g', 3)]);
    const batches = await decodeRecordBatches(Buffer.concat(partition.log.batches), {
      maxBytes: 1 << 20,
    });
    const offsets = batches.map((b) => {
      const rec = decodeOffsetsTopicRecord({ key: b.records[0]!.key!, value: b.records[0]!.value });
      return rec !== null && isOffsetCommitRecord(rec) ? rec.value?.offset : undefined;
    });
    assert.deepEqual(offsets, [1, 2, 3]);
    await c.close();
  });

  test('a failed append fails the commit with NOT_COORDINATOR and caches nothing', async () => {
    const env = new TestEnv();
    const c = await started(env);
    env.partitions.get(partitionForGroup('g', 3))!.appendError = ErrorCode.NOT_LEADER_OR_FOLLOWER;
    const r = await commitOne(c, 'g', 5);
    assert.equal(r.topics[0]?.partitions[0]?.errorCode, ErrorCode.NOT_COORDINATOR);
    const f = await c.fetchOffsets({
      groupId: 'g',
      topics: [{ name: TOPIC, partitionIndexes: [0] }],
      requireStable: false,
    });
    assert.equal(f.topics[0]?.partitions[0]?.committedOffset, -1);
    await c.close();
  });

  test('a commit is answered only once __consumer_offsets has replicated it (acks=all)', async () => {
    // Found by the cluster simulator (seed 5): a commit answered on the leader's
    // append alone was lost when a follower without it became coordinator.
    const env = new TestEnv();
    const c = await started(env);
    const partition = env.partitions.get(partitionForGroup('g', 3))!;
    partition.holdHighWatermark = true;
    let answered: number | undefined;
    const pending = commitOne(c, 'g', 7).then((r) => {
      answered = r.topics[0]?.partitions[0]?.errorCode;
    });
    await settle();
    assert.equal(partition.log.logEndOffset, 1, 'appended to the leader');
    assert.equal(answered, undefined, 'not answered before the followers have it');
    partition.replicate(1);
    await pending;
    assert.equal(answered, ErrorCode.NONE);
    const f = await c.fetchOffsets({ groupId: 'g', topics: null, requireStable: false });
    assert.equal(f.topics[0]?.partitions[0]?.committedOffset, 7);
    await c.close();
  });

  test('a commit not replicated within offsets.commit.timeout.ms gets REQUEST_TIMED_OUT and is not cached', async () => {
    const env = new TestEnv();
    const c = await started(env);
    assert.equal((await commitOne(c, 'g', 3)).topics[0]?.partitions[0]?.errorCode, ErrorCode.NONE);
    const partition = env.partitions.get(partitionForGroup('g', 3))!;
    partition.holdHighWatermark = true;
    const pending = commitOne(c, 'g', 8);
    await settle();
    env.timers.advance(env.config.offsetsCommitTimeoutMs);
    const r = await pending;
    // As Kafka answers it (retriable: the consumer looks for the coordinator again and retries).
    assert.equal(r.topics[0]?.partitions[0]?.errorCode, ErrorCode.REQUEST_TIMED_OUT);
    const f = await c.fetchOffsets({ groupId: 'g', topics: null, requireStable: false });
    assert.equal(f.topics[0]?.partitions[0]?.committedOffset, 3);
    await c.close();
  });

  test('a commit while the ISR is below min.insync.replicas is refused before appending: COORDINATOR_NOT_AVAILABLE', async () => {
    // Kafka's coordinator appends with acks=-1, so the ISR check of a produce
    // applies: NOT_ENOUGH_REPLICAS, which OffsetCommit answers as COORDINATOR_NOT_AVAILABLE.
    const env = new TestEnv();
    const c = await started(env);
    const p = partitionForGroup('g', 3);
    const partition = env.partitions.get(p)!;
    env.minInsync = 2;
    env.image.isrs.set(p, [NODE_ID]);
    const r = await commitOne(c, 'g', 5);
    assert.equal(r.topics[0]?.partitions[0]?.errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
    assert.equal(partition.log.logEndOffset, 0, 'nothing appended');
    const f = await c.fetchOffsets({ groupId: 'g', topics: null, requireStable: false });
    assert.equal(f.topics.length, 0, 'nothing cached');
    env.image.isrs.set(p, [NODE_ID, 2]);
    const again = await commitOne(c, 'g', 6);
    assert.equal(
      again.topics[0]?.partitions[0]?.errorCode,
      ErrorCode.NONE,
      'at min ISR it commits',
    );
    await c.close();
  });

  test('a commit replicated after the ISR fell below min.insync.replicas gets COORDINATOR_NOT_AVAILABLE and is not cached', async () => {
    // Kafka answers an acks=-1 append whose high watermark is reached with too
    // small an ISR NOT_ENOUGH_REPLICAS_AFTER_APPEND.
    const env = new TestEnv();
    const c = await started(env);
    const p = partitionForGroup('g', 3);
    const partition = env.partitions.get(p)!;
    env.minInsync = 2;
    partition.holdHighWatermark = true;
    const pending = commitOne(c, 'g', 7);
    await settle();
    assert.equal(partition.log.logEndOffset, 1, 'appended with the ISR at min');
    env.image.isrs.set(p, [NODE_ID]);
    partition.replicate(1);
    const r = await pending;
    assert.equal(r.topics[0]?.partitions[0]?.errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
    const f = await c.fetchOffsets({ groupId: 'g', topics: null, requireStable: false });
    assert.equal(f.topics.length, 0, 'nothing cached');
    await c.close();
  });

  test('SyncGroup while the ISR is below min.insync.replicas stores nothing and answers COORDINATOR_NOT_AVAILABLE', async () => {
    const env = new TestEnv();
    const c = await started(env);
    const p = partitionForGroup('g', 3);
    const first = await c.join(joinRequest('g', ''));
    const parked = c.join(joinRequest('g', first.memberId));
    env.timers.advance(0);
    const joined = await parked;
    assert.equal(joined.errorCode, ErrorCode.NONE);
    const before = env.partitions.get(p)!.log.logEndOffset;
    env.minInsync = 2;
    env.image.isrs.set(p, [NODE_ID]);
    const synced = c.sync({
      groupId: 'g',
      generationId: joined.generationId,
      memberId: joined.memberId,
      groupInstanceId: null,
      protocolType: null,
      protocolName: null,
      assignments: [{ memberId: joined.memberId, assignment: Buffer.from('a') }],
    });
    await settle();
    const s = await synced;
    assert.equal(s.errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
    assert.equal(env.partitions.get(p)!.log.logEndOffset, before, 'no group record appended');
    await c.close();
  });

  test('a load reads the partition to its log end, not to a high watermark that lags it', async () => {
    // Found by the cluster simulator (seed 8): a restarted leader opened its log
    // with the high watermark behind its end (its followers had not fetched yet),
    // loaded nothing and answered OffsetFetch with -1 for acknowledged commits.
    // Kafka's coordinator loads to the log end: the leader's log is the truth.
    const env = new TestEnv();
    const c = await started(env);
    assert.equal((await commitOne(c, 'g', 11)).topics[0]?.partitions[0]?.errorCode, ErrorCode.NONE);
    await c.close();
    env.partitions.get(partitionForGroup('g', 3))!.log.highWatermark = 0;
    const again = await started(env);
    const f = await again.fetchOffsets({ groupId: 'g', topics: null, requireStable: false });
    assert.equal(f.topics[0]?.partitions[0]?.committedOffset, 11);
    await again.close();
  });

  test('a fenced coordinator answers NOT_COORDINATOR to OffsetFetch and names no coordinator', async () => {
    // Found by the cluster simulator (seed 977 of 301..1300): a broker cut off
    // from the store kept its stale image, so it still took itself for the
    // coordinator after another broker had been elected, and answered
    // OffsetFetch from memory with an offset older than one the new coordinator
    // had acknowledged. Its appends were refused by the fence; its reads were not.
    const env = new TestEnv();
    const c = await started(env);
    assert.equal((await commitOne(c, 'g', 6)).topics[0]?.partitions[0]?.errorCode, ErrorCode.NONE);
    env.fenced = true;
    const f = await c.fetchOffsets({ groupId: 'g', topics: null, requireStable: false });
    assert.deepEqual(f, { errorCode: ErrorCode.NOT_COORDINATOR, topics: [] });
    assert.deepEqual(await c.findCoordinator('g'), {
      errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE,
      nodeId: -1,
    });
    env.fenced = false;
    const again = await c.fetchOffsets({ groupId: 'g', topics: null, requireStable: false });
    assert.equal(again.topics[0]?.partitions[0]?.committedOffset, 6);
    await c.close();
  });

  test('losing leadership unloads the partition: parked joins and new requests get NOT_COORDINATOR', async () => {
    const env = new TestEnv({ config: { groupInitialRebalanceDelayMs: 3000 } });
    const c = await started(env);
    const first = await c.join(joinRequest('g', ''));
    const parked = c.join(joinRequest('g', first.memberId));
    const p = partitionForGroup('g', 3);
    env.setLeader(p, 2);
    assert.equal((await parked).errorCode, ErrorCode.NOT_COORDINATOR);
    assert.equal(
      (await commitOne(c, 'g', 1)).topics[0]?.partitions[0]?.errorCode,
      ErrorCode.NOT_COORDINATOR,
    );
    assert.ok(!c.ownedPartitions().includes(p));
    env.setLeader(p, NODE_ID);
    await settle();
    assert.ok(c.ownedPartitions().includes(p), 'leadership back: loaded again');
    assert.equal((await commitOne(c, 'g', 1)).topics[0]?.partitions[0]?.errorCode, ErrorCode.NONE);
    await c.close();
  });

  test('a failed load is retried, and requests meanwhile get COORDINATOR_LOAD_IN_PROGRESS', async () => {
    const env = new TestEnv();
    const c = await started(env);
    const p = partitionForGroup('g', 3);
    assert.equal((await commitOne(c, 'g', 4)).topics[0]?.partitions[0]?.errorCode, ErrorCode.NONE);
    env.partitions.get(p)!.log.failReads = 1;
    env.setLeader(p, 2);
    env.setLeader(p, NODE_ID);
    await settle();
    assert.deepEqual(await c.findCoordinator('g'), {
      errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE,
      nodeId: -1,
    });
    assert.equal(
      (await c.join(joinRequest('g', ''))).errorCode,
      ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
    );
    env.timers.advance(100);
    await settle();
    assert.deepEqual(await c.findCoordinator('g'), { errorCode: ErrorCode.NONE, nodeId: NODE_ID });
    const f = await c.fetchOffsets({ groupId: 'g', topics: null, requireStable: false });
    assert.equal(f.topics[0]?.partitions[0]?.committedOffset, 4);
    await c.close();
  });

  test('a new leader whose high watermark lags its log loads every commit in its log (campaign: committed offsets served older, or none)', async () => {
    const env = new TestEnv();
    const c = await started(env);
    const p = partitionForGroup('g', 3);
    assert.equal((await commitOne(c, 'g', 4)).topics[0]?.partitions[0]?.errorCode, ErrorCode.NONE);
    const log = env.partitions.get(p)!.log;
    const afterFirst = log.logEndOffset;
    assert.equal((await commitOne(c, 'g', 7)).topics[0]?.partitions[0]?.errorCode, ErrorCode.NONE);
    // Leadership moves away and back; the log holds both commits (acknowledged, so
    // replicated), but this leader's high watermark has only reached the first: the
    // old leader's advance had not come back in a fetch answer yet.
    env.setLeader(p, 2);
    await settle();
    log.highWatermark = afterFirst;
    env.setLeader(p, NODE_ID);
    await settle();
    const f = await c.fetchOffsets({ groupId: 'g', topics: null, requireStable: false });
    assert.equal(f.topics[0]?.partitions[0]?.committedOffset, 7);
    // Likewise from nothing: a restarted leader before its high watermark is known.
    env.setLeader(p, 2);
    await settle();
    log.highWatermark = 0;
    env.setLeader(p, NODE_ID);
    await settle();
    const g = await c.fetchOffsets({ groupId: 'g', topics: null, requireStable: false });
    assert.equal(g.topics[0]?.partitions[0]?.committedOffset, 7);
    await c.close();
  });

  test('close answers parked requests with NOT_COORDINATOR and disarms the timer', async () => {
    const env = new TestEnv({ config: { groupInitialRebalanceDelayMs: 3000 } });
    const c = await started(env);
    const first = await c.join(joinRequest('g', ''));
    const parked = c.join(joinRequest('g', first.memberId));
    await c.close();
    assert.equal((await parked).errorCode, ErrorCode.NOT_COORDINATOR);
    assert.equal(env.timers.pending.size, 0);
    assert.equal((await c.findCoordinator('g')).errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
  });

  test('an undecodable record in the log is skipped on load; the rest loads', async () => {
    const env = new TestEnv();
    const c = await started(env);
    assert.equal((await commitOne(c, 'g', 9)).topics[0]?.partitions[0]?.errorCode, ErrorCode.NONE);
    await c.close();
    const log = env.partitions.get(partitionForGroup('g', 3))!.log;
    // A batch whose key claims an offset-commit key but is cut short.
    const { buildRecordBatchSync } = await import('../protocol/records.ts');
    const bad = buildRecordBatchSync({
      records: [{ key: Buffer.from([0, 1, 0, 9]), value: Buffer.from([0]) }],
      baseOffset: log.logEndOffset,
    });
    log.batches.push(bad);
    log.logEndOffset += 1;
    log.highWatermark = log.logEndOffset;
    const again = await started(env);
    const f = await again.fetchOffsets({ groupId: 'g', topics: null, requireStable: false });
    assert.equal(f.topics[0]?.partitions[0]?.committedOffset, 9);
    await again.close();
  });
});
