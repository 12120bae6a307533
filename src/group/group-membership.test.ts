// Protocol traces of the join/sync/heartbeat/leave cycle, with a simulated clock.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode } from '../protocol/error-codes.ts';
import type { JoinGroupInput } from './group-machine-types.ts';
import type { RequestId } from './group-state.ts';
import { sessionTimerKey } from './group-step.ts';
import { bytes, GroupDriver, joinInput, subscription } from './group-test-driver.ts';

const G = 'payments';

/** A dynamic member's v4+ join: MEMBER_ID_REQUIRED, then the rejoin with that id (parked). */
function joinNew(
  d: GroupDriver,
  clientId: string,
  overrides: Partial<Omit<JoinGroupInput, 'type' | 'requestId'>> = {},
): { memberId: string; joinId: RequestId } {
  const first = d.request(joinInput(G, { clientId, memberIdUuid: d.newUuid(), ...overrides }));
  const answer = d.answerOf(first.requestId, 'join');
  assert.equal(answer.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
  const second = d.request(joinInput(G, { clientId, memberId: answer.memberId, ...overrides }));
  return { memberId: answer.memberId, joinId: second.requestId };
}

function heartbeat(
  d: GroupDriver,
  memberId: string,
  generationId: number,
  groupInstanceId: string | null = null,
) {
  const { requestId } = d.request({
    type: 'heartbeat',
    groupId: G,
    generationId,
    memberId,
    groupInstanceId,
  });
  return d.answerOf(requestId, 'heartbeat').errorCode;
}

function sync(
  d: GroupDriver,
  memberId: string,
  generationId: number,
  assignments: { memberId: string; assignment: Uint8Array }[] = [],
  extra: {
    groupInstanceId?: string | null;
    protocolType?: string | null;
    protocolName?: string | null;
  } = {},
): RequestId {
  return d.request({
    type: 'sync',
    groupId: G,
    generationId,
    memberId,
    groupInstanceId: extra.groupInstanceId ?? null,
    protocolType: extra.protocolType ?? null,
    protocolName: extra.protocolName ?? null,
    assignments,
  }).requestId;
}

function groupState(d: GroupDriver): string | undefined {
  return d.state.groups.get(G)?.state;
}

/** Three members form generation 1 and sync; returns their ids (a leads). */
function stableGroupOfThree(d: GroupDriver): { a: string; b: string; c: string } {
  const a = joinNew(d, 'a');
  const b = joinNew(d, 'b');
  const c = joinNew(d, 'c');
  d.advance(3_000);
  d.advance(3_000);
  for (const m of [a, b, c]) assert.equal(d.answerOf(m.joinId, 'join').generationId, 1);
  const assignments = [a, b, c].map((m) => ({
    memberId: m.memberId,
    assignment: bytes(`to-${m.memberId}`),
  }));
  sync(d, a.memberId, 1, assignments);
  sync(d, b.memberId, 1);
  sync(d, c.memberId, 1);
  assert.equal(groupState(d), 'Stable');
  return { a: a.memberId, b: b.memberId, c: c.memberId };
}

describe('forming a generation', () => {
  test('three members join: one generation, the leader sees all metadata, sync hands out assignments', () => {
    const d = new GroupDriver();
    const a = joinNew(d, 'a', {
      protocols: [{ name: 'range', metadata: subscription(['orders']) }],
    });
    assert.equal(a.memberId, 'a-uuid-1');
    assert.equal(groupState(d), 'PreparingRebalance');
    const b = joinNew(d, 'b', {
      protocols: [{ name: 'range', metadata: subscription(['refunds']) }],
    });
    const c = joinNew(d, 'c');
    // The initial delay (3 s) is extended once because members kept arriving.
    d.advance(3_000);
    assert.equal(d.answer(a.joinId), undefined);
    d.advance(3_000);
    const answers = [a, b, c].map((m) => d.answerOf(m.joinId, 'join'));
    for (const [i, answer] of answers.entries()) {
      assert.equal(answer.errorCode, ErrorCode.NONE);
      assert.equal(answer.generationId, 1);
      assert.equal(answer.protocolType, 'consumer');
      assert.equal(answer.protocolName, 'range');
      assert.equal(answer.leader, a.memberId);
      assert.equal(answer.memberId, [a, b, c][i]?.memberId);
    }
    assert.deepEqual(
      answers[0]?.members.map((m) => m.memberId),
      [a.memberId, b.memberId, c.memberId],
    );
    assert.deepEqual(decodeTopics(answers[0]?.members[1]?.metadata), ['refunds']);
    assert.deepEqual(answers[1]?.members, []);
    assert.equal(groupState(d), 'CompletingRebalance');

    // A follower that syncs before the leader waits for the leader's assignment.
    const syncB = sync(d, b.memberId, 1);
    assert.equal(d.answer(syncB), undefined);
    const persistsBefore = d.log.filter((e) => e.type === 'persist-group').length;
    const syncA = sync(d, a.memberId, 1, [
      { memberId: a.memberId, assignment: bytes('orders-0') },
      { memberId: b.memberId, assignment: bytes('orders-1') },
    ]);
    const stored = d.log.filter((e) => e.type === 'persist-group');
    assert.equal(stored.length, persistsBefore + 1);
    const record = stored.at(-1);
    assert.ok(record?.type === 'persist-group' && record.record.value !== null);
    assert.equal(record.record.value.generation, 1);
    assert.equal(record.record.value.leader, a.memberId);
    assert.equal(record.record.value.members.length, 3);
    assert.equal(Buffer.from(d.answerOf(syncA, 'sync').assignment).toString(), 'orders-0');
    assert.equal(Buffer.from(d.answerOf(syncB, 'sync').assignment).toString(), 'orders-1');
    assert.equal(groupState(d), 'Stable');
    // The leader gave c nothing: it gets an empty assignment, directly now the group is stable.
    const syncC = sync(d, c.memberId, 1);
    assert.equal(d.answerOf(syncC, 'sync').errorCode, ErrorCode.NONE);
    assert.equal(d.answerOf(syncC, 'sync').assignment.length, 0);
  });

  test('the initial rebalance delay: waited out, extended by joiners, capped by the rebalance timeout', () => {
    const d = new GroupDriver({ config: { groupInitialRebalanceDelayMs: 3_000 } });
    const a = joinNew(d, 'a', { rebalanceTimeoutMs: 5_000 });
    d.advance(2_999);
    assert.equal(d.answer(a.joinId), undefined);
    joinNew(d, 'b', { rebalanceTimeoutMs: 5_000 });
    d.advance(1); // t=3000: b arrived, so wait again, but only the 2 s left of the 5 s timeout
    assert.equal(d.answer(a.joinId), undefined);
    joinNew(d, 'c', { rebalanceTimeoutMs: 5_000 });
    d.advance(1_999);
    assert.equal(d.answer(a.joinId), undefined);
    d.advance(1); // t=5000: no time left, complete even though c just arrived
    assert.equal(d.answerOf(a.joinId, 'join').generationId, 1);
    assert.equal(d.state.groups.get(G)?.members.size, 3);
  });

  test('a lone member is answered when the initial delay ends, not before', () => {
    const d = new GroupDriver();
    const a = joinNew(d, 'a');
    d.advance(2_999);
    assert.equal(d.answer(a.joinId), undefined);
    d.advance(1);
    assert.equal(d.answerOf(a.joinId, 'join').leader, a.memberId);
  });
  test('each member votes for its preferred common protocol; the most votes wins', () => {
    const d = new GroupDriver();
    const rr = { name: 'roundrobin', metadata: subscription(['orders']) };
    const range = { name: 'range', metadata: subscription(['orders']) };
    const sticky = { name: 'sticky', metadata: subscription(['orders']) };
    const a = joinNew(d, 'a', { protocols: [range, rr] });
    joinNew(d, 'b', { protocols: [rr, range, sticky] });
    joinNew(d, 'c', { protocols: [sticky, rr, range] });
    d.advance(6_000);
    // Common: range and roundrobin. a votes range, b and c vote roundrobin.
    const answer = d.answerOf(a.joinId, 'join');
    assert.equal(answer.protocolName, 'roundrobin');
    assert.deepEqual(decodeTopics(answer.members[0]?.metadata), ['orders']);
  });
});

describe('member ids', () => {
  test('v4+: MEMBER_ID_REQUIRED hands out <clientId>-<uuid>; the rejoin with it joins', () => {
    const d = new GroupDriver();
    const first = d.request(joinInput(G, { clientId: 'svc', apiVersion: 4, memberIdUuid: 'f00' }));
    const answer = d.answerOf(first.requestId, 'join');
    assert.deepEqual(answer, {
      errorCode: ErrorCode.MEMBER_ID_REQUIRED,
      generationId: -1,
      protocolType: null,
      protocolName: null,
      leader: '',
      skipAssignment: false,
      memberId: 'svc-f00',
      members: [],
    });
    const second = d.request(joinInput(G, { clientId: 'svc', apiVersion: 4, memberId: 'svc-f00' }));
    d.advance(3_000);
    assert.equal(d.answerOf(second.requestId, 'join').memberId, 'svc-f00');
  });

  test('v3 and older: the member joins at once with a generated id', () => {
    const d = new GroupDriver();
    const { requestId } = d.request(
      joinInput(G, { clientId: 'old', apiVersion: 3, memberIdUuid: 'x' }),
    );
    assert.equal(d.answer(requestId), undefined);
    d.advance(3_000);
    assert.equal(d.answerOf(requestId, 'join').memberId, 'old-x');
  });

  test('an id handed out but never used expires after the session timeout', () => {
    const d = new GroupDriver();
    const first = d.request(joinInput(G, { clientId: 'svc', memberIdUuid: 'gone' }));
    const memberId = d.answerOf(first.requestId, 'join').memberId;
    d.advance(10_000);
    const late = d.request(joinInput(G, { clientId: 'svc', memberId }));
    assert.equal(d.answerOf(late.requestId, 'join').errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  });

  test('a member id handed out holds a rebalance until it is used', () => {
    const d = new GroupDriver();
    const a = joinNew(d, 'a');
    d.advance(3_000);
    sync(d, a.memberId, 1, []);
    const x = d.request(joinInput(G, { clientId: 'x', memberIdUuid: 'x1' }));
    const xId = d.answerOf(x.requestId, 'join').memberId;
    assert.equal(groupState(d), 'Stable');
    const ra = d.request(joinInput(G, { memberId: a.memberId })).requestId;
    assert.equal(d.answer(ra), undefined);
    const rx = d.request(joinInput(G, { clientId: 'x', memberId: xId })).requestId;
    assert.equal(d.answerOf(ra, 'join').members.length, 2);
    assert.equal(d.answerOf(rx, 'join').generationId, 2);
  });

  test('a member id for a group that does not exist is UNKNOWN_MEMBER_ID', () => {
    const d = new GroupDriver();
    const { requestId } = d.request(joinInput(G, { memberId: 'made-up' }));
    assert.equal(d.answerOf(requestId, 'join').errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
    assert.equal(d.state.groups.has(G), false);
  });
});

describe('rebalances', () => {
  test('a member leaves: the others rejoin into a new generation', () => {
    const d = new GroupDriver();
    const { a, b, c } = stableGroupOfThree(d);
    const leave = d.request({
      type: 'leave',
      groupId: G,
      members: [{ memberId: c, groupInstanceId: null }],
    });
    assert.deepEqual(d.answerOf(leave.requestId, 'leave'), {
      errorCode: ErrorCode.NONE,
      members: [{ memberId: c, groupInstanceId: null, errorCode: ErrorCode.NONE }],
    });
    assert.equal(groupState(d), 'PreparingRebalance');
    assert.equal(heartbeat(d, a, 1), ErrorCode.REBALANCE_IN_PROGRESS);
    const rejoinA = d.request(joinInput(G, { memberId: a })).requestId;
    assert.equal(d.answer(rejoinA), undefined);
    // Everyone still in the group has rejoined: no need to wait for the timeout.
    const rejoinB = d.request(joinInput(G, { memberId: b })).requestId;
    assert.equal(d.answerOf(rejoinA, 'join').generationId, 2);
    assert.equal(d.answerOf(rejoinA, 'join').members.length, 2);
    assert.equal(d.answerOf(rejoinB, 'join').generationId, 2);
    assert.equal(heartbeat(d, c, 1), ErrorCode.UNKNOWN_MEMBER_ID);
  });

  test('a silent member is removed when its session times out, and the group rebalances', () => {
    const d = new GroupDriver();
    const { a, b, c } = stableGroupOfThree(d);
    // b and c heartbeat every 4 s; a (the leader) says nothing.
    for (let i = 0; i < 2; i++) {
      d.advance(4_000);
      assert.equal(heartbeat(d, b, 1), ErrorCode.NONE);
      assert.equal(heartbeat(d, c, 1), ErrorCode.NONE);
    }
    assert.equal(groupState(d), 'Stable');
    d.advance(2_000); // 10 s after a's last sign of life
    assert.equal(d.state.groups.get(G)?.members.has(a), false);
    assert.equal(groupState(d), 'PreparingRebalance');
    assert.equal(heartbeat(d, b, 1), ErrorCode.REBALANCE_IN_PROGRESS);
    const rb = d.request(joinInput(G, { memberId: b })).requestId;
    const rc = d.request(joinInput(G, { memberId: c })).requestId;
    assert.equal(d.answerOf(rb, 'join').leader, b);
    assert.equal(d.answerOf(rc, 'join').generationId, 2);
    assert.equal(heartbeat(d, a, 1), ErrorCode.UNKNOWN_MEMBER_ID);
  });

  test('members that do not rejoin within the rebalance timeout are removed', () => {
    const d = new GroupDriver();
    const a = joinNew(d, 'a', { rebalanceTimeoutMs: 20_000, sessionTimeoutMs: 30_000 });
    const b = joinNew(d, 'b', { rebalanceTimeoutMs: 20_000, sessionTimeoutMs: 30_000 });
    const c = joinNew(d, 'c', { rebalanceTimeoutMs: 20_000, sessionTimeoutMs: 30_000 });
    d.advance(6_000);
    sync(d, a.memberId, 1, []);
    sync(d, b.memberId, 1);
    sync(d, c.memberId, 1);
    // The leader rejoins (forcing a rebalance); b rejoins; c only heartbeats.
    const ra = d.request(
      joinInput(G, { memberId: a.memberId, rebalanceTimeoutMs: 20_000, sessionTimeoutMs: 30_000 }),
    );
    d.request(
      joinInput(G, { memberId: b.memberId, rebalanceTimeoutMs: 20_000, sessionTimeoutMs: 30_000 }),
    );
    d.advance(10_000);
    assert.equal(heartbeat(d, c.memberId, 1), ErrorCode.REBALANCE_IN_PROGRESS);
    assert.equal(d.answer(ra.requestId), undefined);
    d.advance(10_000);
    const answer = d.answerOf(ra.requestId, 'join');
    assert.equal(answer.generationId, 2);
    assert.deepEqual(
      answer.members.map((m) => m.memberId),
      [a.memberId, b.memberId],
    );
    assert.equal(heartbeat(d, c.memberId, 2), ErrorCode.UNKNOWN_MEMBER_ID);
  });

  test('a member that never sends SyncGroup is removed after the rebalance timeout', () => {
    const d = new GroupDriver();
    const a = joinNew(d, 'a', { rebalanceTimeoutMs: 20_000, sessionTimeoutMs: 30_000 });
    const b = joinNew(d, 'b', { rebalanceTimeoutMs: 20_000, sessionTimeoutMs: 30_000 });
    d.advance(6_000);
    sync(d, a.memberId, 1, []);
    assert.equal(groupState(d), 'Stable');
    d.advance(20_000);
    assert.equal(d.state.groups.get(G)?.members.has(b.memberId), false);
    assert.equal(groupState(d), 'PreparingRebalance');
  });

  test('a follower rejoining with the same metadata does not rebalance; the leader always does', () => {
    const d = new GroupDriver();
    const { a, b } = stableGroupOfThree(d);
    const same = d.request(joinInput(G, { memberId: b })).requestId;
    const answer = d.answerOf(same, 'join');
    assert.equal(answer.generationId, 1);
    assert.equal(answer.leader, a);
    assert.deepEqual(answer.members, []);
    assert.equal(groupState(d), 'Stable');
    const changed = d.request(
      joinInput(G, {
        memberId: b,
        protocols: [{ name: 'range', metadata: subscription(['new-topic']) }],
      }),
    ).requestId;
    assert.equal(d.answer(changed), undefined);
    assert.equal(groupState(d), 'PreparingRebalance');

    const d2 = new GroupDriver();
    const ids = stableGroupOfThree(d2);
    d2.request(joinInput(G, { memberId: ids.a }));
    assert.equal(d2.state.groups.get(G)?.state, 'PreparingRebalance');
  });

  test('a repeated JoinGroup during CompletingRebalance is answered with the same generation', () => {
    const d = new GroupDriver();
    const a = joinNew(d, 'a');
    d.advance(3_000);
    assert.equal(groupState(d), 'CompletingRebalance');
    const again = d.request(joinInput(G, { memberId: a.memberId })).requestId;
    assert.equal(d.answerOf(again, 'join').generationId, 1);
    assert.equal(d.answerOf(again, 'join').members.length, 1);
    assert.equal(groupState(d), 'CompletingRebalance');
  });

  test('heartbeats between JoinGroup and SyncGroup are fine', () => {
    const d = new GroupDriver();
    const a = joinNew(d, 'a');
    d.advance(3_000);
    assert.equal(heartbeat(d, a.memberId, 1), ErrorCode.NONE);
  });
});

describe('a rebalance timeout of 0 (left unset by the client)', () => {
  // Kafka reads a JoinGroup without a rebalance timeout (v0) as the session timeout.
  // 0 or -1 from a v1+ client is the same "unset"; taken literally, the join phase
  // would end at once and the SyncGroup deadline would pass before the member's
  // SyncGroup could arrive.
  for (const rebalanceTimeoutMs of [0, -1]) {
    test(`a lone member joining with ${rebalanceTimeoutMs} keeps its membership through SyncGroup`, () => {
      const d = new GroupDriver();
      const a = joinNew(d, 'a', { rebalanceTimeoutMs, sessionTimeoutMs: 10_000 });
      d.advance(3_000);
      const joined = d.answerOf(a.joinId, 'join');
      assert.equal(joined.errorCode, ErrorCode.NONE);
      assert.equal(joined.generationId, 1);
      // The SyncGroup arrives a moment later, after the runtime has ticked.
      d.advance(5);
      const s = sync(d, a.memberId, 1, [{ memberId: a.memberId, assignment: bytes('mine') }]);
      assert.equal(d.answerOf(s, 'sync').errorCode, ErrorCode.NONE);
      assert.equal(Buffer.from(d.answerOf(s, 'sync').assignment).toString(), 'mine');
      assert.equal(groupState(d), 'Stable');
      assert.equal(heartbeat(d, a.memberId, 1), ErrorCode.NONE);
    });
  }

  test('its SyncGroup deadline is the session timeout: a member that never syncs goes then', () => {
    const d = new GroupDriver();
    const a = joinNew(d, 'a', { rebalanceTimeoutMs: 0, sessionTimeoutMs: 10_000 });
    d.advance(3_000);
    assert.equal(d.answerOf(a.joinId, 'join').generationId, 1);
    d.advance(9_999);
    assert.equal(d.state.groups.get(G)?.members.has(a.memberId), true);
    d.advance(1);
    assert.equal(d.state.groups.get(G)?.members.has(a.memberId), false);
  });

  test('the others get the session timeout to rejoin when a member joins a stable group', () => {
    const d = new GroupDriver();
    const timeouts = { rebalanceTimeoutMs: 0, sessionTimeoutMs: 10_000 };
    const a = joinNew(d, 'a', timeouts);
    d.advance(3_000);
    sync(d, a.memberId, 1, [{ memberId: a.memberId, assignment: bytes('all') }]);
    assert.equal(groupState(d), 'Stable');
    const b = joinNew(d, 'b', timeouts);
    assert.equal(groupState(d), 'PreparingRebalance');
    d.advance(2_000);
    assert.equal(heartbeat(d, a.memberId, 1), ErrorCode.REBALANCE_IN_PROGRESS);
    const ra = d.request(joinInput(G, { memberId: a.memberId, ...timeouts }));
    const answers = [ra.requestId, b.joinId].map((id) => d.answerOf(id, 'join'));
    for (const answer of answers) {
      assert.equal(answer.errorCode, ErrorCode.NONE);
      assert.equal(answer.generationId, 2);
    }
    d.advance(5);
    const sa = sync(d, a.memberId, 2, []);
    const sb = sync(d, b.memberId, 2);
    assert.equal(d.answerOf(sa, 'sync').errorCode, ErrorCode.NONE);
    assert.equal(d.answerOf(sb, 'sync').errorCode, ErrorCode.NONE);
    assert.equal(d.state.groups.get(G)?.members.size, 2);
  });

  test('a positive rebalance timeout is kept as given, even when shorter than the session', () => {
    const d = new GroupDriver();
    const a = joinNew(d, 'a', { rebalanceTimeoutMs: 1, sessionTimeoutMs: 10_000 });
    d.advance(3_000);
    assert.equal(d.answerOf(a.joinId, 'join').generationId, 1);
    d.advance(1);
    assert.equal(d.state.groups.get(G)?.members.has(a.memberId), false);
  });
});

describe('static membership', () => {
  function staticJoin(
    d: GroupDriver,
    instance: string,
    apiVersion = 5,
    extra: Partial<JoinGroupInput> = {},
  ) {
    return d.request(
      joinInput(G, {
        clientId: instance,
        groupInstanceId: instance,
        apiVersion,
        memberIdUuid: d.newUuid(),
        ...extra,
      }),
    ).requestId;
  }

  function stableStaticPair(d: GroupDriver): { a: string; b: string } {
    const ja = staticJoin(d, 'inst-a');
    const jb = staticJoin(d, 'inst-b');
    d.advance(6_000);
    const a = d.answerOf(ja, 'join').memberId;
    const b = d.answerOf(jb, 'join').memberId;
    sync(d, a, 1, [
      { memberId: a, assignment: bytes('A') },
      { memberId: b, assignment: bytes('B') },
    ]);
    return { a, b };
  }

  test('a restarted static member takes over without a rebalance; its old id is fenced', () => {
    const d = new GroupDriver();
    const { a, b } = stableStaticPair(d);
    const restart = staticJoin(d, 'inst-b');
    const answer = d.answerOf(restart, 'join');
    assert.equal(answer.errorCode, ErrorCode.NONE);
    assert.equal(answer.generationId, 1);
    assert.notEqual(answer.memberId, b);
    assert.equal(answer.leader, a);
    assert.equal(groupState(d), 'Stable');
    const newB = answer.memberId;
    const s = sync(d, newB, 1, [], { groupInstanceId: 'inst-b' });
    assert.equal(Buffer.from(d.answerOf(s, 'sync').assignment).toString(), 'B');
    assert.equal(heartbeat(d, b, 1, 'inst-b'), ErrorCode.FENCED_INSTANCE_ID);
    assert.equal(heartbeat(d, b, 1), ErrorCode.UNKNOWN_MEMBER_ID);
    assert.equal(heartbeat(d, newB, 1, 'inst-b'), ErrorCode.NONE);
    // The group record was rewritten with the new member id.
    const last = d.log.filter((e) => e.type === 'persist-group').at(-1);
    assert.ok(last?.type === 'persist-group');
    assert.deepEqual(
      last.record.value?.members.map((m) => m.memberId),
      [a, newB],
    );
  });

  test('a restarted static leader: before v9 it is not told it leads; v9+ skips assignment', () => {
    const d = new GroupDriver();
    const { a } = stableStaticPair(d);
    const old = d.answerOf(staticJoin(d, 'inst-a', 5), 'join');
    assert.equal(old.leader, a); // the previous id: this member does not think it leads
    assert.deepEqual(old.members, []);
    const v9 = d.answerOf(staticJoin(d, 'inst-a', 9), 'join');
    assert.equal(v9.leader, v9.memberId);
    assert.equal(v9.skipAssignment, true);
    assert.equal(v9.members.length, 2);
    assert.equal(groupState(d), 'Stable');
  });

  test('a static rejoin that changes the selected protocol rebalances', () => {
    const d = new GroupDriver();
    const j = staticJoin(d, 'solo');
    d.advance(3_000);
    sync(d, d.answerOf(j, 'join').memberId, 1, []);
    // Still listing 'range' (every member must share a protocol), but preferring 'sticky'.
    const rejoin = staticJoin(d, 'solo', 5, {
      protocols: [
        { name: 'sticky', metadata: subscription(['x']) },
        { name: 'range', metadata: subscription(['x']) },
      ],
    });
    // Its only member has rejoined, so the rebalance completes at once.
    assert.equal(groupState(d), 'CompletingRebalance');
    assert.equal(d.answerOf(rejoin, 'join').protocolName, 'sticky');
    assert.equal(d.answerOf(rejoin, 'join').generationId, 2);
  });

  test('a static member that dies quietly stays until its session times out', () => {
    const d = new GroupDriver();
    const { a, b } = stableStaticPair(d);
    d.advance(9_000);
    assert.equal(heartbeat(d, a, 1, 'inst-a'), ErrorCode.NONE);
    assert.equal(d.state.groups.get(G)?.members.has(b), true);
    d.advance(1_000);
    assert.equal(d.state.groups.get(G)?.members.has(b), false);
    assert.equal(groupState(d), 'PreparingRebalance');
  });

  test('a static member that misses a rebalance keeps its place (a dynamic one would not)', () => {
    const d = new GroupDriver();
    const { a, b } = stableStaticPair(d);
    const ra = d.request(joinInput(G, { memberId: a, groupInstanceId: 'inst-a' })).requestId;
    // Keep b's session alive without rejoining.
    for (let t = 0; t < 60_000; t += 5_000) {
      d.advance(5_000);
      heartbeat(d, b, 1, 'inst-b');
    }
    const answer = d.answerOf(ra, 'join');
    assert.equal(answer.generationId, 2);
    assert.deepEqual(
      answer.members.map((m) => m.memberId),
      [a, b],
    );
  });

  test('LeaveGroup v3+ removes static members by instance id in one batch', () => {
    const d = new GroupDriver();
    stableStaticPair(d);
    const { requestId } = d.request({
      type: 'leave',
      groupId: G,
      members: [
        { memberId: '', groupInstanceId: 'inst-a' },
        { memberId: '', groupInstanceId: 'inst-b' },
        { memberId: '', groupInstanceId: 'inst-zzz' },
      ],
    });
    assert.deepEqual(
      d.answerOf(requestId, 'leave').members.map((m) => m.errorCode),
      [ErrorCode.NONE, ErrorCode.NONE, ErrorCode.UNKNOWN_MEMBER_ID],
    );
    assert.equal(d.state.groups.get(G)?.members.size, 0);
    assert.equal(groupState(d), 'Empty');
    assert.equal(d.state.groups.get(G)?.generationId, 2);
  });
});

describe('errors, and the group keeps serving', () => {
  test('unknown protocol type, empty protocol type, no common protocol', () => {
    const d = new GroupDriver();
    const { a, b } = stableGroupOfThree(d);
    const connect = d.request(joinInput(G, { protocolType: 'connect', memberIdUuid: 'x' }));
    assert.equal(
      d.answerOf(connect.requestId, 'join').errorCode,
      ErrorCode.INCONSISTENT_GROUP_PROTOCOL,
    );
    const other = d.request(
      joinInput(G, {
        protocols: [{ name: 'roundrobin', metadata: subscription([]) }],
        memberIdUuid: 'y',
      }),
    );
    assert.equal(
      d.answerOf(other.requestId, 'join').errorCode,
      ErrorCode.INCONSISTENT_GROUP_PROTOCOL,
    );
    const emptyType = d.request(joinInput('fresh', { protocolType: '' }));
    assert.equal(
      d.answerOf(emptyType.requestId, 'join').errorCode,
      ErrorCode.INCONSISTENT_GROUP_PROTOCOL,
    );
    assert.equal(d.state.groups.has('fresh'), false);
    assert.equal(heartbeat(d, a, 1), ErrorCode.NONE);
    assert.equal(heartbeat(d, b, 1), ErrorCode.NONE);
    assert.equal(groupState(d), 'Stable');
  });

  test('a mismatched generation is ILLEGAL_GENERATION for SyncGroup and Heartbeat', () => {
    const d = new GroupDriver();
    const { a } = stableGroupOfThree(d);
    assert.equal(d.answerOf(sync(d, a, 7), 'sync').errorCode, ErrorCode.ILLEGAL_GENERATION);
    assert.equal(heartbeat(d, a, 0), ErrorCode.ILLEGAL_GENERATION);
    assert.equal(heartbeat(d, a, 1), ErrorCode.NONE);
  });

  test('oversized member metadata is INVALID_REQUEST', () => {
    const d = new GroupDriver({ config: { memberMetadataBytesMax: 100 } });
    const { a } = stableGroupOfThree(d);
    const big = d.request(
      joinInput(G, { protocols: [{ name: 'range', metadata: new Uint8Array(101) }] }),
    );
    assert.equal(d.answerOf(big.requestId, 'join').errorCode, ErrorCode.INVALID_REQUEST);
    assert.equal(heartbeat(d, a, 1), ErrorCode.NONE);
  });

  test('session timeouts outside the broker range are INVALID_SESSION_TIMEOUT', () => {
    const d = new GroupDriver();
    for (const sessionTimeoutMs of [5_999, 1_800_001]) {
      const { requestId } = d.request(joinInput(G, { sessionTimeoutMs }));
      assert.equal(d.answerOf(requestId, 'join').errorCode, ErrorCode.INVALID_SESSION_TIMEOUT);
    }
  });

  test('group.max.size: the member over the limit gets GROUP_MAX_SIZE_REACHED', () => {
    const d = new GroupDriver({ config: { groupMaxSize: 2 } });
    const a = joinNew(d, 'a');
    joinNew(d, 'b');
    const third = d.request(joinInput(G, { clientId: 'c', memberIdUuid: 'c1', apiVersion: 3 }));
    assert.equal(d.answerOf(third.requestId, 'join').errorCode, ErrorCode.GROUP_MAX_SIZE_REACHED);
    d.advance(6_000);
    assert.equal(d.answerOf(a.joinId, 'join').members.length, 2);
  });

  test('SyncGroup: unknown member, during PreparingRebalance, v5 protocol checks', () => {
    const d = new GroupDriver();
    const { a, b } = stableGroupOfThree(d);
    assert.equal(d.answerOf(sync(d, 'nobody', 1), 'sync').errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
    const wrongName = sync(d, b, 1, [], { protocolType: 'consumer', protocolName: 'roundrobin' });
    assert.equal(d.answerOf(wrongName, 'sync').errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const wrongType = sync(d, b, 1, [], { protocolType: 'connect', protocolName: 'range' });
    assert.equal(d.answerOf(wrongType, 'sync').errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const right = sync(d, b, 1, [], { protocolType: 'consumer', protocolName: 'range' });
    assert.equal(d.answerOf(right, 'sync').errorCode, ErrorCode.NONE);
    d.request(joinInput(G, { memberId: a }));
    assert.equal(d.answerOf(sync(d, b, 1), 'sync').errorCode, ErrorCode.REBALANCE_IN_PROGRESS);
  });

  test('NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS and INVALID_GROUP_ID', () => {
    const d = new GroupDriver({ config: { offsetsTopicNumPartitions: 2 } });
    d.input({ type: 'unload', partition: 1 });
    // 'hello' hashes to partition 99162322 % 2 = 0, 'g' (103) to partition 1.
    assert.equal(
      d.answerOf(d.request(joinInput('g')).requestId, 'join').errorCode,
      ErrorCode.NOT_COORDINATOR,
    );
    d.input({ type: 'load-begin', partition: 1 });
    const loading = d.request(joinInput('g')).requestId;
    assert.equal(d.answerOf(loading, 'join').errorCode, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    const hb = d.request({
      type: 'heartbeat',
      groupId: 'g',
      generationId: 1,
      memberId: 'm',
      groupInstanceId: null,
    });
    assert.equal(d.answerOf(hb.requestId, 'heartbeat').errorCode, ErrorCode.NONE);
    const s = d.request({
      type: 'sync',
      groupId: 'g',
      generationId: 1,
      memberId: 'm',
      groupInstanceId: null,
      protocolType: null,
      protocolName: null,
      assignments: [],
    });
    assert.equal(d.answerOf(s.requestId, 'sync').errorCode, ErrorCode.REBALANCE_IN_PROGRESS);
    assert.equal(
      d.answerOf(d.request(joinInput('')).requestId, 'join').errorCode,
      ErrorCode.INVALID_GROUP_ID,
    );
    const ok = d.request(joinInput('hello')).requestId;
    assert.equal(d.answerOf(ok, 'join').errorCode, ErrorCode.MEMBER_ID_REQUIRED);
  });

  test('a failed write of the assignment: COORDINATOR_NOT_AVAILABLE and a new rebalance', () => {
    const d = new GroupDriver({ autoPersist: false });
    const a = joinNew(d, 'a');
    const b = joinNew(d, 'b');
    d.advance(6_000);
    const sb = sync(d, b.memberId, 1);
    const sa = sync(d, a.memberId, 1, [{ memberId: a.memberId, assignment: bytes('x') }]);
    assert.equal(d.answer(sa), undefined);
    const persistId = d.unansweredPersists[0];
    assert.ok(persistId !== undefined);
    d.persisted(persistId, ErrorCode.NOT_ENOUGH_REPLICAS);
    assert.equal(d.answerOf(sa, 'sync').errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
    assert.equal(d.answerOf(sb, 'sync').errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
    assert.equal(groupState(d), 'PreparingRebalance');
  });

  test('losing the partition answers parked requests with NOT_COORDINATOR', () => {
    const d = new GroupDriver();
    const a = joinNew(d, 'a');
    d.input({ type: 'unload', partition: 0 });
    assert.equal(d.answerOf(a.joinId, 'join').errorCode, ErrorCode.NOT_COORDINATOR);
    assert.equal(d.state.groups.size, 0);
    assert.equal([...d.state.timers.keys()].includes(sessionTimerKey(G, a.memberId)), false);
  });
});

function decodeTopics(metadata: Uint8Array | undefined): string[] {
  assert.ok(metadata !== undefined);
  const buf = Buffer.from(metadata);
  const count = buf.readInt32BE(2);
  const topics: string[] = [];
  let at = 6;
  for (let i = 0; i < count; i++) {
    const len = buf.readInt16BE(at);
    topics.push(buf.toString('utf8', at + 2, at + 2 + len));
    at += 2 + len;
  }
  return topics;
}
