// The group handlers' version-specific shapes, over an in-memory coordinator:
// what an old version gets where the coordinator's answer has no field for it
// (OffsetFetch v0-1 group errors, LeaveGroup v0-2 member errors, JoinGroup's
// non-nullable protocol name before v7), FindCoordinator for a group another
// broker leads, and OffsetCommit answers in request order.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { NODE_ID, settle, TestEnv } from '../group/group-coordinator-test-env.ts';
import { partitionForGroup } from '../group/offsets-topic-format.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import { ANONYMOUS } from '../security/principal.ts';
import type { BrokerServices } from './broker-services.ts';
import { findCoordinatorHandler } from './find-coordinator.ts';
import type { RequestContext } from './handler.ts';
import { joinGroupHandler } from './join-group.ts';
import { leaveGroupHandler } from './leave-group.ts';
import { offsetCommitHandler } from './offset-commit.ts';
import { offsetFetchHandler } from './offset-fetch.ts';

const OTHER_NODE = 7;

function ctx(apiKey: number, apiVersion: number): RequestContext {
  return {
    apiKey,
    apiVersion,
    correlationId: 1,
    clientId: 'test-client',
    connectionId: 1,
    remoteAddress: '127.0.0.1:50000',
    listenerName: 'PLAINTEXT',
    principal: ANONYMOUS,
  };
}

/** A handler's answer; group handlers always answer. */
async function answer<T>(pending: Promise<T | null> | T | null): Promise<T> {
  const r = await pending;
  assert.ok(r !== null);
  return r;
}

/** The handlers' view of the broker: topic "orders" with two partitions, two brokers. */
const services = {
  image: {
    topic: (name: string) =>
      name === 'orders'
        ? {
            partitions: new Map([
              [0, {}],
              [1, {}],
            ]),
          }
        : undefined,
    broker: (nodeId: number) =>
      nodeId === NODE_ID || nodeId === OTHER_NODE
        ? { nodeId, host: `broker-${nodeId}`, port: 9000 + nodeId, rack: null }
        : undefined,
  },
} as unknown as BrokerServices;

async function setup(awayGroup: string) {
  const env = new TestEnv();
  const c = env.coordinator();
  c.start();
  await c.findCoordinator('warm-up');
  env.setLeader(partitionForGroup(awayGroup, env.config.offsetsTopicNumPartitions), OTHER_NODE);
  await settle();
  return { env, c };
}

describe('group handlers', () => {
  test('OffsetFetch v1 puts a group error on every partition; v2 answers it at the top', async () => {
    const { c } = await setup('away');
    const h = offsetFetchHandler(c);
    const req = {
      groupId: 'away',
      topics: [{ name: 'orders', partitionIndexes: [0, 1] }],
      groups: [],
      requireStable: false,
    };
    const v1 = await answer(h.handle(req, ctx(9, 1)));
    assert.deepEqual(
      v1.topics[0]?.partitions.map((p) => [p.partitionIndex, p.committedOffset, p.errorCode]),
      [
        [0, -1, ErrorCode.NOT_COORDINATOR],
        [1, -1, ErrorCode.NOT_COORDINATOR],
      ],
    );
    const v2 = await answer(h.handle(req, ctx(9, 2)));
    assert.equal(v2.errorCode, ErrorCode.NOT_COORDINATOR);
    assert.deepEqual(v2.topics, []);
    await c.close();
  });

  test("LeaveGroup v0 gives the member's error at the top; v3 per member", async () => {
    const { env, c } = await setup('away');
    const h = leaveGroupHandler(c);
    // A group with one member ("g" is not on the partition that moved away).
    const joining = c.join({
      apiVersion: 3,
      groupId: 'g',
      memberId: '',
      groupInstanceId: null,
      clientId: 'c',
      clientHost: '/127.0.0.1',
      rebalanceTimeoutMs: 10_000,
      sessionTimeoutMs: 10_000,
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: new Uint8Array(0) }],
    });
    env.timers.advance(0);
    assert.equal((await joining).errorCode, ErrorCode.NONE);
    const v0 = await answer(
      h.handle({ groupId: 'g', memberId: 'nobody', members: [] }, ctx(13, 0)),
    );
    assert.equal(v0.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
    const v3 = await answer(
      h.handle(
        {
          groupId: 'g',
          memberId: '',
          members: [{ memberId: 'nobody', groupInstanceId: null, reason: null }],
        },
        ctx(13, 3),
      ),
    );
    assert.equal(v3.errorCode, ErrorCode.NONE);
    assert.deepEqual(v3.members, [
      { memberId: 'nobody', groupInstanceId: null, errorCode: ErrorCode.UNKNOWN_MEMBER_ID },
    ]);
    await c.close();
  });

  test('JoinGroup before v7 sends an empty protocol name instead of null', async () => {
    const { c } = await setup('away');
    const h = joinGroupHandler(c);
    const req = {
      groupId: 'away',
      sessionTimeoutMs: 10_000,
      rebalanceTimeoutMs: 10_000,
      memberId: '',
      groupInstanceId: null,
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: Buffer.alloc(0) }],
      reason: null,
    };
    const v6 = await answer(h.handle(req, ctx(11, 6)));
    assert.equal(v6.errorCode, ErrorCode.NOT_COORDINATOR);
    assert.equal(v6.protocolName, '');
    const v7 = await answer(h.handle(req, ctx(11, 7)));
    assert.equal(v7.protocolName, null);
    await c.close();
  });

  test("FindCoordinator points at the broker leading the group's partition", async () => {
    const { c } = await setup('away');
    const h = findCoordinatorHandler(services, c);
    const v3 = await answer(h.handle({ key: 'away', keyType: 0, coordinatorKeys: [] }, ctx(10, 3)));
    assert.deepEqual(
      [v3.errorCode, v3.nodeId, v3.host, v3.port],
      [0, OTHER_NODE, 'broker-7', 9007],
    );
    const v4 = await answer(h.handle({ key: '', keyType: 2, coordinatorKeys: ['s'] }, ctx(10, 6)));
    assert.equal(v4.coordinators[0]?.errorCode, ErrorCode.INVALID_REQUEST, 'share groups');
    await c.close();
  });

  test('OffsetCommit answers every partition in request order, missing ones included', async () => {
    const { c } = await setup('away');
    const h = offsetCommitHandler(services, c);
    const partition = (partitionIndex: number) => ({
      partitionIndex,
      committedOffset: 5,
      committedLeaderEpoch: -1,
      commitTimestamp: -1,
      committedMetadata: null,
    });
    const r = await answer(
      h.handle(
        {
          groupId: 'g',
          generationIdOrMemberEpoch: -1,
          memberId: '',
          groupInstanceId: null,
          retentionTimeMs: -1,
          topics: [
            { name: 'orders', partitions: [partition(3), partition(1), partition(0)] },
            { name: 'gone', partitions: [partition(0)] },
          ],
        },
        ctx(8, 8),
      ),
    );
    assert.deepEqual(
      r.topics.map((t) => [t.name, t.partitions.map((p) => [p.partitionIndex, p.errorCode])]),
      [
        [
          'orders',
          [
            [3, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
            [1, ErrorCode.NONE],
            [0, ErrorCode.NONE],
          ],
        ],
        ['gone', [[0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]],
      ],
    );
    await c.close();
  });
});
