// Tests for the consumer-group API definitions: every version of every request
// and response round-trips a representative value, and golden bytes, built by
// hand from Kafka's field layout, pin the field order, types and version ranges
// that a round-trip alone cannot catch.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { codecFor, type MessageValue } from '../codec.ts';
import { DecodeError, Reader } from '../reader.ts';
import type { FieldDef, MessageDef } from '../schema.ts';
import { versionIn } from '../schema.ts';
import { DeleteGroupsRequest, DeleteGroupsResponse } from './delete-groups.ts';
import { DescribeGroupsRequest, DescribeGroupsResponse } from './describe-groups.ts';
import { FindCoordinatorRequest, FindCoordinatorResponse } from './find-coordinator.ts';
import { HeartbeatRequest, HeartbeatResponse } from './heartbeat.ts';
import { JoinGroupRequest, JoinGroupResponse } from './join-group.ts';
import { LeaveGroupRequest, LeaveGroupResponse } from './leave-group.ts';
import { ListGroupsRequest, ListGroupsResponse } from './list-groups.ts';
import { OffsetCommitRequest, OffsetCommitResponse } from './offset-commit.ts';
import { OffsetDeleteRequest, OffsetDeleteResponse } from './offset-delete.ts';
import { OffsetFetchRequest, OffsetFetchResponse } from './offset-fetch.ts';
import { SyncGroupRequest, SyncGroupResponse } from './sync-group.ts';

// ---------------------------------------------------------------------------
// Hand-built wire primitives, independent of Writer, for golden bytes.

type Loose = Record<string, unknown>;

const bin = (...parts: Buffer[]): Buffer => Buffer.concat(parts);
const i8 = (n: number): Buffer => Buffer.of(n & 0xff);
const bool = (b: boolean): Buffer => Buffer.of(b ? 1 : 0);
const i16 = (n: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return b;
};
const i32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
const i64 = (n: number): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(n));
  return b;
};
/** Classic string: int16 length, -1 for null. */
const str = (s: string | null): Buffer =>
  s === null ? i16(-1) : bin(i16(Buffer.byteLength(s)), Buffer.from(s));
/** Compact string: unsigned varint length + 1, 0 for null (short strings only). */
const cstr = (s: string | null): Buffer =>
  s === null ? Buffer.of(0) : bin(Buffer.of(Buffer.byteLength(s) + 1), Buffer.from(s));
const bytes = (b: Buffer): Buffer => bin(i32(b.length), b);
const cbytes = (b: Buffer): Buffer => bin(Buffer.of(b.length + 1), b);
/** Classic array length; compact array length is n + 1 (0 for null). */
const arr = (n: number): Buffer => i32(n);
const carr = (n: number | null): Buffer => Buffer.of(n === null ? 0 : n + 1);
/** An empty tagged-field section. */
const TAGS = Buffer.of(0);

// ---------------------------------------------------------------------------
// Expected decode results: fields absent at a version take their default.

function fieldDefault(f: FieldDef): unknown {
  if (f.default !== undefined) return f.default;
  if (f.type === '{}') return null;
  if (f.type.startsWith('[]')) return [];
  switch (f.type) {
    case 'bool':
      return false;
    case 'string':
      return '';
    case 'bytes':
      return Buffer.alloc(0);
    case 'records':
      return null;
    case 'uuid':
      return 'AAAAAAAAAAAAAAAAAAAAAA';
    default:
      return 0;
  }
}

function project(fields: readonly FieldDef[], value: Loose, version: number): Loose {
  const out: Loose = {};
  for (const f of fields) {
    if (!versionIn(f.versions, version)) {
      out[f.name] = fieldDefault(f);
      continue;
    }
    const v = value[f.name];
    out[f.name] =
      f.type === '[]' && Array.isArray(v)
        ? v.map((e: Loose) => project(f.fields ?? [], e, version))
        : v;
  }
  return out;
}

function decodeAll(def: MessageDef, buf: Buffer, version: number): Loose {
  const r = new Reader(buf);
  const decoded = codecFor(def).at(version).decode(r) as Loose;
  assert.equal(r.remaining(), 0, `${def.name} v${version} left bytes unread`);
  return decoded;
}

/** Round-trips `value` at every valid version, plus an unknown tag where flexible. */
function roundTripAll<M extends MessageDef>(def: M, value: MessageValue<M>): void {
  const codec = codecFor(def);
  for (let v = codec.min; v <= codec.max; v++) {
    const label = `${def.name} v${v}`;
    const buf = codec.encode(value, v);
    const decoded = decodeAll(def, buf, v);
    assert.deepStrictEqual(decoded, project(def.fields, value as Loose, v), label);
    assert.deepStrictEqual(codec.encode(decoded as MessageValue<M>, v), buf, `${label} re-encode`);
    if (codec.isFlexible(v)) {
      // None of these messages declares a tagged field in Kafka 3.9, so check
      // that the top-level tag section exists and skips a tag it does not know.
      assert.equal(buf[buf.length - 1], 0, `${label} ends with an empty tag section`);
      const withTag = bin(buf.subarray(0, -1), Buffer.of(1, 9, 2, 0xab, 0xcd));
      assert.deepStrictEqual(decodeAll(def, withTag, v), decoded, `${label} unknown tag`);
    }
  }
}

/**
 * At each of `versions` (which share one layout), encodes `value` to exactly
 * `expected` and decodes it back. Returns the decode at the first version.
 */
function golden(def: MessageDef, versions: number[], value: Loose, expected: Buffer): Loose {
  const codec = codecFor(def);
  const results = versions.map((v) => {
    const label = `${def.name} v${v}`;
    assert.deepStrictEqual(codec.encode(value as never, v), expected, `${label} bytes`);
    const decoded = decodeAll(def, expected, v);
    assert.deepStrictEqual(decoded, project(def.fields, value, v), `${label} decode`);
    return decoded;
  });
  const first = results[0];
  assert.ok(first, 'golden needs at least one version');
  return first;
}

/** The first element of a decoded struct array. */
function first(list: unknown): Loose {
  assert.ok(Array.isArray(list) && list.length > 0, 'expected a non-empty array');
  return list[0] as Loose;
}

function assertVersions(def: MessageDef, min: number, max: number, flexibleFrom: number): void {
  const codec = codecFor(def);
  assert.equal(codec.min, min, `${def.name} min`);
  assert.equal(codec.max, max, `${def.name} max`);
  for (let v = min; v <= max; v++) {
    assert.equal(codec.isFlexible(v), v >= flexibleFrom, `${def.name} v${v} flexible`);
  }
}

const NOT_FLEXIBLE = Number.POSITIVE_INFINITY;
const meta = Buffer.from([0, 1, 2, 3]);
const assignment = Buffer.from([9, 8, 7]);

// ---------------------------------------------------------------------------

describe('Heartbeat (12)', () => {
  it('has versions 0-4, flexible from 4', () => {
    assertVersions(HeartbeatRequest, 0, 4, 4);
    assertVersions(HeartbeatResponse, 0, 4, 4);
  });

  it('round-trips at every version', () => {
    roundTripAll(HeartbeatRequest, {
      groupId: 'group-a',
      generationId: 7,
      memberId: 'member-1',
      groupInstanceId: 'inst-1',
    });
    roundTripAll(HeartbeatResponse, { throttleTimeMs: 25, errorCode: 27 });
  });

  it('matches golden bytes', () => {
    const base = { groupId: 'g', generationId: 1, memberId: 'm' };
    const v0 = golden(HeartbeatRequest, [0, 1, 2], base, bin(str('g'), i32(1), str('m')));
    assert.equal(v0['groupInstanceId'], null);
    golden(
      HeartbeatRequest,
      [3],
      { ...base, groupInstanceId: null },
      bin(str('g'), i32(1), str('m'), str(null)),
    );
    golden(
      HeartbeatRequest,
      [4],
      { ...base, groupInstanceId: 'i' },
      bin(cstr('g'), i32(1), cstr('m'), cstr('i'), TAGS),
    );
    golden(HeartbeatResponse, [0], { errorCode: 27 }, i16(27));
    golden(
      HeartbeatResponse,
      [1, 2, 3],
      { throttleTimeMs: 100, errorCode: 25 },
      bin(i32(100), i16(25)),
    );
    golden(HeartbeatResponse, [4], { throttleTimeMs: 0, errorCode: 0 }, bin(i32(0), i16(0), TAGS));
  });
});

describe('JoinGroup (11)', () => {
  it('has versions 0-9, flexible from 6', () => {
    assertVersions(JoinGroupRequest, 0, 9, 6);
    assertVersions(JoinGroupResponse, 0, 9, 6);
  });

  it('round-trips at every version', () => {
    roundTripAll(JoinGroupRequest, {
      groupId: 'group-a',
      sessionTimeoutMs: 45000,
      rebalanceTimeoutMs: 300000,
      memberId: 'member-1',
      groupInstanceId: 'inst-1',
      protocolType: 'consumer',
      protocols: [
        { name: 'range', metadata: meta },
        { name: 'roundrobin', metadata: Buffer.from('rr') },
      ],
      reason: 'rejoin after poll timeout',
    });
    roundTripAll(JoinGroupResponse, {
      throttleTimeMs: 10,
      errorCode: 79,
      generationId: 3,
      protocolType: 'consumer',
      protocolName: 'range',
      leader: 'member-1',
      skipAssignment: true,
      memberId: 'member-2',
      members: [
        { memberId: 'member-1', groupInstanceId: 'inst-1', metadata: meta },
        { memberId: 'member-2', groupInstanceId: 'inst-2', metadata: Buffer.from('x') },
      ],
    });
  });

  it('matches golden request bytes', () => {
    const base = {
      groupId: 'g',
      sessionTimeoutMs: 30000,
      memberId: '',
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: Buffer.from([1, 2]) }],
    };
    const protocolsV0 = bin(arr(1), str('range'), bytes(Buffer.from([1, 2])));
    const v0 = golden(
      JoinGroupRequest,
      [0],
      base,
      bin(str('g'), i32(30000), str(''), str('consumer'), protocolsV0),
    );
    assert.equal(v0['rebalanceTimeoutMs'], -1);
    assert.equal(v0['groupInstanceId'], null);
    assert.equal(v0['reason'], null);
    const v1 = { ...base, rebalanceTimeoutMs: 60000 };
    golden(
      JoinGroupRequest,
      [1, 2, 3, 4],
      v1,
      bin(str('g'), i32(30000), i32(60000), str(''), str('consumer'), protocolsV0),
    );
    golden(
      JoinGroupRequest,
      [5],
      { ...v1, groupInstanceId: null },
      bin(str('g'), i32(30000), i32(60000), str(''), str(null), str('consumer'), protocolsV0),
    );
    const protocolsV6 = bin(carr(1), cstr('range'), cbytes(Buffer.from([1, 2])), TAGS);
    const headV6 = bin(cstr('g'), i32(30000), i32(60000), cstr(''), cstr('i'), cstr('consumer'));
    golden(
      JoinGroupRequest,
      [6, 7],
      { ...v1, groupInstanceId: 'i' },
      bin(headV6, protocolsV6, TAGS),
    );
    golden(
      JoinGroupRequest,
      [8, 9],
      { ...v1, groupInstanceId: 'i', reason: 'r' },
      bin(headV6, protocolsV6, cstr('r'), TAGS),
    );
    golden(
      JoinGroupRequest,
      [8, 9],
      { ...v1, groupInstanceId: 'i', reason: null },
      bin(headV6, protocolsV6, cstr(null), TAGS),
    );
  });

  it('matches golden response bytes', () => {
    const member = { memberId: 'm1', metadata: Buffer.from([5]) };
    const base = {
      errorCode: 0,
      generationId: 2,
      protocolName: 'range',
      leader: 'm1',
      memberId: 'm1',
      members: [member],
    };
    const tailV0 = bin(str('m1'), arr(1), str('m1'), bytes(Buffer.from([5])));
    const v0 = golden(
      JoinGroupResponse,
      [0, 1],
      base,
      bin(i16(0), i32(2), str('range'), str('m1'), tailV0),
    );
    assert.equal(v0['protocolType'], null);
    assert.equal(v0['skipAssignment'], false);
    assert.equal(first(v0['members'])['groupInstanceId'], null);
    golden(
      JoinGroupResponse,
      [2, 3, 4],
      { ...base, throttleTimeMs: 7 },
      bin(i32(7), i16(0), i32(2), str('range'), str('m1'), tailV0),
    );
    golden(
      JoinGroupResponse,
      [5],
      { ...base, throttleTimeMs: 7, members: [{ ...member, groupInstanceId: null }] },
      bin(
        i32(7),
        i16(0),
        i32(2),
        str('range'),
        str('m1'),
        str('m1'),
        arr(1),
        str('m1'),
        str(null),
        bytes(Buffer.from([5])),
      ),
    );
    golden(
      JoinGroupResponse,
      [6],
      { ...base, throttleTimeMs: 7, members: [{ ...member, groupInstanceId: 'i' }] },
      bin(
        bin(i32(7), i16(0), i32(2), cstr('range'), cstr('m1'), cstr('m1')),
        bin(carr(1), cstr('m1'), cstr('i'), cbytes(Buffer.from([5])), TAGS, TAGS),
      ),
    );
    const v7 = {
      ...base,
      throttleTimeMs: 7,
      errorCode: 79,
      protocolType: 'consumer',
      protocolName: null,
      members: [],
    };
    golden(
      JoinGroupResponse,
      [7, 8],
      v7,
      bin(
        i32(7),
        i16(79),
        i32(2),
        cstr('consumer'),
        cstr(null),
        cstr('m1'),
        cstr('m1'),
        carr(0),
        TAGS,
      ),
    );
    golden(
      JoinGroupResponse,
      [7, 8],
      { ...v7, protocolType: null, protocolName: 'range' },
      bin(
        i32(7),
        i16(79),
        i32(2),
        cstr(null),
        cstr('range'),
        cstr('m1'),
        cstr('m1'),
        carr(0),
        TAGS,
      ),
    );
    golden(
      JoinGroupResponse,
      [9],
      { ...v7, skipAssignment: true, members: [{ ...member, groupInstanceId: 'i' }] },
      bin(
        bin(i32(7), i16(79), i32(2), cstr('consumer'), cstr(null), cstr('m1'), bool(true)),
        bin(cstr('m1'), carr(1), cstr('m1'), cstr('i'), cbytes(Buffer.from([5])), TAGS, TAGS),
      ),
    );
  });
});

describe('null where a version forbids it', () => {
  it('JoinGroupResponse accepts a null protocolName only from v7', () => {
    const codec = codecFor(JoinGroupResponse);
    const head = bin(i32(0), i16(0), i32(2));
    const tail = bin(cstr('m1'), cstr('m1'), carr(0), TAGS);
    assert.throws(() => codec.decode(bin(head, cstr(null), tail), 6), DecodeError);
    // v7 inserts the (nullable) protocol type before the protocol name.
    const v7 = codec.decode(bin(head, cstr(null), cstr(null), tail), 7);
    assert.equal(v7.protocolType, null);
    assert.equal(v7.protocolName, null);
  });
});

describe('SyncGroup (14)', () => {
  it('has versions 0-5, flexible from 4', () => {
    assertVersions(SyncGroupRequest, 0, 5, 4);
    assertVersions(SyncGroupResponse, 0, 5, 4);
  });

  it('round-trips at every version', () => {
    roundTripAll(SyncGroupRequest, {
      groupId: 'group-a',
      generationId: 3,
      memberId: 'member-1',
      groupInstanceId: 'inst-1',
      protocolType: 'consumer',
      protocolName: 'range',
      assignments: [
        { memberId: 'member-1', assignment },
        { memberId: 'member-2', assignment: Buffer.from([1]) },
      ],
    });
    roundTripAll(SyncGroupResponse, {
      throttleTimeMs: 5,
      errorCode: 27,
      protocolType: 'consumer',
      protocolName: 'range',
      assignment,
    });
  });

  it('matches golden bytes', () => {
    const base = {
      groupId: 'g',
      generationId: 1,
      memberId: 'm',
      assignments: [{ memberId: 'm', assignment }],
    };
    const assignV0 = bin(arr(1), str('m'), bytes(assignment));
    const v0 = golden(SyncGroupRequest, [0, 1, 2], base, bin(str('g'), i32(1), str('m'), assignV0));
    assert.equal(v0['groupInstanceId'], null);
    assert.equal(v0['protocolType'], null);
    assert.equal(v0['protocolName'], null);
    golden(
      SyncGroupRequest,
      [3],
      { ...base, groupInstanceId: null },
      bin(str('g'), i32(1), str('m'), str(null), assignV0),
    );
    golden(
      SyncGroupRequest,
      [4],
      { ...base, groupInstanceId: 'i' },
      bin(
        cstr('g'),
        i32(1),
        cstr('m'),
        cstr('i'),
        carr(1),
        cstr('m'),
        cbytes(assignment),
        TAGS,
        TAGS,
      ),
    );
    golden(
      SyncGroupRequest,
      [5],
      { ...base, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range' },
      bin(
        bin(cstr('g'), i32(1), cstr('m'), cstr(null), cstr('consumer'), cstr('range')),
        bin(carr(1), cstr('m'), cbytes(assignment), TAGS, TAGS),
      ),
    );
    golden(
      SyncGroupRequest,
      [5],
      { ...base, groupInstanceId: 'i', protocolType: null, protocolName: null },
      bin(
        bin(cstr('g'), i32(1), cstr('m'), cstr('i'), cstr(null), cstr(null)),
        bin(carr(1), cstr('m'), cbytes(assignment), TAGS, TAGS),
      ),
    );
    const r0 = golden(
      SyncGroupResponse,
      [0],
      { errorCode: 0, assignment },
      bin(i16(0), bytes(assignment)),
    );
    assert.equal(r0['protocolType'], null);
    assert.equal(r0['protocolName'], null);
    golden(
      SyncGroupResponse,
      [1, 2, 3],
      { throttleTimeMs: 2, errorCode: 0, assignment },
      bin(i32(2), i16(0), bytes(assignment)),
    );
    golden(
      SyncGroupResponse,
      [4],
      { throttleTimeMs: 2, errorCode: 0, assignment },
      bin(i32(2), i16(0), cbytes(assignment), TAGS),
    );
    golden(
      SyncGroupResponse,
      [5],
      { throttleTimeMs: 2, errorCode: 0, protocolType: null, protocolName: 'range', assignment },
      bin(i32(2), i16(0), cstr(null), cstr('range'), cbytes(assignment), TAGS),
    );
    golden(
      SyncGroupResponse,
      [5],
      { throttleTimeMs: 2, errorCode: 0, protocolType: 'consumer', protocolName: null, assignment },
      bin(i32(2), i16(0), cstr('consumer'), cstr(null), cbytes(assignment), TAGS),
    );
  });
});

describe('LeaveGroup (13)', () => {
  it('has versions 0-5, flexible from 4', () => {
    assertVersions(LeaveGroupRequest, 0, 5, 4);
    assertVersions(LeaveGroupResponse, 0, 5, 4);
  });

  it('round-trips at every version', () => {
    roundTripAll(LeaveGroupRequest, {
      groupId: 'group-a',
      memberId: 'member-1',
      members: [
        { memberId: 'member-1', groupInstanceId: 'inst-1', reason: 'shutdown' },
        { memberId: '', groupInstanceId: 'inst-2', reason: 'scale down' },
      ],
    });
    roundTripAll(LeaveGroupResponse, {
      throttleTimeMs: 3,
      errorCode: 25,
      members: [{ memberId: 'member-1', groupInstanceId: 'inst-1', errorCode: 82 }],
    });
  });

  it('matches golden bytes', () => {
    const v0 = golden(
      LeaveGroupRequest,
      [0, 1, 2],
      { groupId: 'g', memberId: 'm' },
      bin(str('g'), str('m')),
    );
    assert.deepStrictEqual(v0['members'], []);
    const v3 = golden(
      LeaveGroupRequest,
      [3],
      { groupId: 'g', members: [{ memberId: 'm', groupInstanceId: null }] },
      bin(str('g'), arr(1), str('m'), str(null)),
    );
    assert.equal(v3['memberId'], '');
    assert.equal(first(v3['members'])['reason'], null);
    golden(
      LeaveGroupRequest,
      [4],
      { groupId: 'g', members: [{ memberId: 'm', groupInstanceId: null }] },
      bin(cstr('g'), carr(1), cstr('m'), cstr(null), TAGS, TAGS),
    );
    golden(
      LeaveGroupRequest,
      [5],
      { groupId: 'g', members: [{ memberId: 'm', groupInstanceId: null, reason: 'r' }] },
      bin(cstr('g'), carr(1), cstr('m'), cstr(null), cstr('r'), TAGS, TAGS),
    );
    golden(
      LeaveGroupRequest,
      [5],
      { groupId: 'g', members: [{ memberId: 'm', groupInstanceId: 'i', reason: null }] },
      bin(cstr('g'), carr(1), cstr('m'), cstr('i'), cstr(null), TAGS, TAGS),
    );
    golden(LeaveGroupResponse, [0], { errorCode: 25 }, i16(25));
    golden(LeaveGroupResponse, [1, 2], { throttleTimeMs: 1, errorCode: 25 }, bin(i32(1), i16(25)));
    golden(
      LeaveGroupResponse,
      [3],
      {
        throttleTimeMs: 1,
        errorCode: 0,
        members: [{ memberId: 'm', groupInstanceId: null, errorCode: 25 }],
      },
      bin(i32(1), i16(0), arr(1), str('m'), str(null), i16(25)),
    );
    golden(
      LeaveGroupResponse,
      [4, 5],
      {
        throttleTimeMs: 1,
        errorCode: 0,
        members: [{ memberId: 'm', groupInstanceId: 'i', errorCode: 82 }],
      },
      bin(i32(1), i16(0), carr(1), cstr('m'), cstr('i'), i16(82), TAGS, TAGS),
    );
  });
});

describe('OffsetCommit (8)', () => {
  it('has versions 0-9, flexible from 8', () => {
    assertVersions(OffsetCommitRequest, 0, 9, 8);
    assertVersions(OffsetCommitResponse, 0, 9, 8);
  });

  it('round-trips at every version', () => {
    roundTripAll(OffsetCommitRequest, {
      groupId: 'group-a',
      generationIdOrMemberEpoch: 4,
      memberId: 'member-1',
      groupInstanceId: 'inst-1',
      retentionTimeMs: 86_400_000,
      topics: [
        {
          name: 'orders',
          partitions: [
            {
              partitionIndex: 0,
              committedOffset: 2 ** 40,
              committedLeaderEpoch: 6,
              commitTimestamp: 1_700_000_000_000,
              committedMetadata: 'm0',
            },
            {
              partitionIndex: 3,
              committedOffset: 17,
              committedLeaderEpoch: 2,
              commitTimestamp: 1_700_000_000_001,
              committedMetadata: 'meta',
            },
          ],
        },
      ],
    });
    roundTripAll(OffsetCommitResponse, {
      throttleTimeMs: 9,
      topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, errorCode: 22 }] }],
    });
  });

  it('matches golden request bytes', () => {
    const part = { partitionIndex: 2, committedOffset: 100, committedMetadata: null };
    const v0 = golden(
      OffsetCommitRequest,
      [0],
      { groupId: 'g', topics: [{ name: 't', partitions: [part] }] },
      bin(str('g'), arr(1), str('t'), arr(1), i32(2), i64(100), str(null)),
    );
    assert.equal(v0['generationIdOrMemberEpoch'], -1);
    assert.equal(v0['retentionTimeMs'], -1);
    assert.equal(v0['groupInstanceId'], null);
    const p0 = first(first(v0['topics'])['partitions']);
    assert.equal(p0['committedLeaderEpoch'], -1);
    assert.equal(p0['commitTimestamp'], -1);
    const head = { groupId: 'g', generationIdOrMemberEpoch: 5, memberId: 'm' };
    // v1 carries a per-partition commit timestamp between offset and metadata.
    golden(
      OffsetCommitRequest,
      [1],
      { ...head, topics: [{ name: 't', partitions: [{ ...part, commitTimestamp: 77 }] }] },
      bin(
        str('g'),
        i32(5),
        str('m'),
        arr(1),
        str('t'),
        arr(1),
        i32(2),
        i64(100),
        i64(77),
        str(null),
      ),
    );
    // v2-4 carry a top-level retention time instead.
    const partsPlain = [{ name: 't', partitions: [part] }];
    const plainTail = bin(arr(1), str('t'), arr(1), i32(2), i64(100), str(null));
    golden(
      OffsetCommitRequest,
      [2, 3, 4],
      { ...head, retentionTimeMs: 3600000, topics: partsPlain },
      bin(str('g'), i32(5), str('m'), i64(3600000), plainTail),
    );
    golden(
      OffsetCommitRequest,
      [5],
      { ...head, topics: partsPlain },
      bin(str('g'), i32(5), str('m'), plainTail),
    );
    const withEpoch = [{ name: 't', partitions: [{ ...part, committedLeaderEpoch: 3 }] }];
    // v6 adds the leader epoch between offset and metadata.
    golden(
      OffsetCommitRequest,
      [6],
      { ...head, topics: withEpoch },
      bin(
        str('g'),
        i32(5),
        str('m'),
        arr(1),
        str('t'),
        arr(1),
        i32(2),
        i64(100),
        i32(3),
        str(null),
      ),
    );
    golden(
      OffsetCommitRequest,
      [7],
      { ...head, groupInstanceId: null, topics: withEpoch },
      bin(
        str('g'),
        i32(5),
        str('m'),
        str(null),
        arr(1),
        str('t'),
        arr(1),
        i32(2),
        i64(100),
        i32(3),
        str(null),
      ),
    );
    golden(
      OffsetCommitRequest,
      [8, 9],
      { ...head, groupInstanceId: null, topics: withEpoch },
      bin(
        bin(cstr('g'), i32(5), cstr('m'), cstr(null), carr(1), cstr('t'), carr(1)),
        bin(i32(2), i64(100), i32(3), cstr(null), TAGS, TAGS, TAGS),
      ),
    );
  });

  it('matches golden response bytes', () => {
    const topics = [{ name: 't', partitions: [{ partitionIndex: 1, errorCode: 22 }] }];
    golden(
      OffsetCommitResponse,
      [0, 1, 2],
      { topics },
      bin(arr(1), str('t'), arr(1), i32(1), i16(22)),
    );
    golden(
      OffsetCommitResponse,
      [3, 4, 5, 6, 7],
      { throttleTimeMs: 4, topics },
      bin(i32(4), arr(1), str('t'), arr(1), i32(1), i16(22)),
    );
    golden(
      OffsetCommitResponse,
      [8, 9],
      { throttleTimeMs: 4, topics },
      bin(i32(4), carr(1), cstr('t'), carr(1), i32(1), i16(22), TAGS, TAGS, TAGS),
    );
  });
});

describe('OffsetFetch (9)', () => {
  it('has versions 0-9, flexible from 6', () => {
    assertVersions(OffsetFetchRequest, 0, 9, 6);
    assertVersions(OffsetFetchResponse, 0, 9, 6);
  });

  it('round-trips at every version', () => {
    roundTripAll(OffsetFetchRequest, {
      groupId: 'group-a',
      topics: [{ name: 'orders', partitionIndexes: [0, 1, 5] }],
      groups: [
        {
          groupId: 'group-b',
          memberId: 'member-9',
          memberEpoch: 12,
          topics: [{ name: 'payments', partitionIndexes: [2] }],
        },
        { groupId: 'group-c', memberId: 'member-3', memberEpoch: 1, topics: null },
      ],
      requireStable: true,
    });
    const partition = {
      partitionIndex: 1,
      committedOffset: 1234,
      committedLeaderEpoch: 5,
      metadata: 'x',
      errorCode: 88,
    };
    roundTripAll(OffsetFetchResponse, {
      throttleTimeMs: 4,
      topics: [{ name: 'orders', partitions: [partition] }],
      errorCode: 16,
      groups: [
        {
          groupId: 'group-b',
          topics: [{ name: 'orders', partitions: [partition] }],
          errorCode: 30,
        },
      ],
    });
  });

  it('matches golden request bytes', () => {
    const topics = [{ name: 't', partitionIndexes: [0, 3] }];
    const topicsV0 = bin(arr(1), str('t'), arr(2), i32(0), i32(3));
    const v1 = golden(
      OffsetFetchRequest,
      [0, 1],
      { groupId: 'g', topics },
      bin(str('g'), topicsV0),
    );
    assert.equal(v1['requireStable'], false);
    assert.deepStrictEqual(v1['groups'], []);
    // From v2 a null topic list asks for every topic.
    golden(
      OffsetFetchRequest,
      [2, 3, 4, 5],
      { groupId: 'g', topics: null },
      bin(str('g'), arr(-1)),
    );
    golden(
      OffsetFetchRequest,
      [6],
      { groupId: 'g', topics: null },
      bin(cstr('g'), carr(null), TAGS),
    );
    golden(
      OffsetFetchRequest,
      [7],
      { groupId: 'g', topics, requireStable: true },
      bin(cstr('g'), carr(1), cstr('t'), carr(2), i32(0), i32(3), TAGS, bool(true), TAGS),
    );
    golden(
      OffsetFetchRequest,
      [7],
      { groupId: 'g', topics: null, requireStable: false },
      bin(cstr('g'), carr(null), bool(false), TAGS),
    );
    const v8 = golden(
      OffsetFetchRequest,
      [8],
      { groups: [{ groupId: 'g', topics: null }], requireStable: false },
      bin(carr(1), cstr('g'), carr(null), TAGS, bool(false), TAGS),
    );
    assert.equal(v8['groupId'], '');
    golden(
      OffsetFetchRequest,
      [8],
      { groups: [{ groupId: 'g', topics }], requireStable: true },
      bin(
        carr(1),
        cstr('g'),
        carr(1),
        cstr('t'),
        carr(2),
        i32(0),
        i32(3),
        TAGS,
        TAGS,
        bool(true),
        TAGS,
      ),
    );
    const g8 = first(v8['groups']);
    assert.equal(g8['memberId'], null);
    assert.equal(g8['memberEpoch'], -1);
    golden(
      OffsetFetchRequest,
      [9],
      { groups: [{ groupId: 'g', memberId: 'm', memberEpoch: 4, topics }], requireStable: true },
      bin(
        bin(carr(1), cstr('g'), cstr('m'), i32(4)),
        bin(carr(1), cstr('t'), carr(2), i32(0), i32(3), TAGS, TAGS, bool(true), TAGS),
      ),
    );
    golden(
      OffsetFetchRequest,
      [9],
      {
        groups: [{ groupId: 'g', memberId: null, memberEpoch: -1, topics: null }],
        requireStable: false,
      },
      bin(carr(1), cstr('g'), cstr(null), i32(-1), carr(null), TAGS, bool(false), TAGS),
    );
  });

  it('matches golden response bytes', () => {
    const p = { partitionIndex: 0, committedOffset: 42, metadata: null, errorCode: 0 };
    const pV0 = bin(i32(0), i64(42), str(null), i16(0));
    const v1 = golden(
      OffsetFetchResponse,
      [0, 1],
      { topics: [{ name: 't', partitions: [p] }] },
      bin(arr(1), str('t'), arr(1), pV0),
    );
    assert.equal(v1['errorCode'], 0);
    assert.equal(first(first(v1['topics'])['partitions'])['committedLeaderEpoch'], -1);
    golden(
      OffsetFetchResponse,
      [2],
      { topics: [{ name: 't', partitions: [p] }], errorCode: 16 },
      bin(arr(1), str('t'), arr(1), pV0, i16(16)),
    );
    golden(
      OffsetFetchResponse,
      [3, 4],
      { throttleTimeMs: 3, topics: [{ name: 't', partitions: [p] }], errorCode: 0 },
      bin(i32(3), arr(1), str('t'), arr(1), pV0, i16(0)),
    );
    golden(
      OffsetFetchResponse,
      [5],
      {
        throttleTimeMs: 3,
        topics: [{ name: 't', partitions: [{ ...p, committedLeaderEpoch: 8 }] }],
        errorCode: 0,
      },
      bin(i32(3), arr(1), str('t'), arr(1), i32(0), i64(42), i32(8), str(null), i16(0), i16(0)),
    );
    golden(
      OffsetFetchResponse,
      [6, 7],
      {
        throttleTimeMs: 3,
        topics: [{ name: 't', partitions: [{ ...p, committedLeaderEpoch: 8 }] }],
        errorCode: 16,
      },
      bin(
        bin(i32(3), carr(1), cstr('t'), carr(1), i32(0), i64(42), i32(8), cstr(null), i16(0)),
        bin(TAGS, TAGS, i16(16), TAGS),
      ),
    );
    golden(
      OffsetFetchResponse,
      [8, 9],
      {
        throttleTimeMs: 3,
        groups: [
          {
            groupId: 'g',
            topics: [{ name: 't', partitions: [{ ...p, committedLeaderEpoch: 8 }] }],
            errorCode: 69,
          },
        ],
      },
      bin(
        bin(i32(3), carr(1), cstr('g'), carr(1), cstr('t'), carr(1)),
        bin(i32(0), i64(42), i32(8), cstr(null), i16(0), TAGS, TAGS),
        bin(i16(69), TAGS, TAGS),
      ),
    );
  });
});

describe('FindCoordinator (10)', () => {
  it('has versions 0-6, flexible from 3', () => {
    assertVersions(FindCoordinatorRequest, 0, 6, 3);
    assertVersions(FindCoordinatorResponse, 0, 6, 3);
  });

  it('round-trips at every version', () => {
    roundTripAll(FindCoordinatorRequest, {
      key: 'group-a',
      keyType: 1,
      coordinatorKeys: ['group-a', 'group-b'],
    });
    roundTripAll(FindCoordinatorResponse, {
      throttleTimeMs: 2,
      errorCode: 15,
      errorMessage: 'loading',
      nodeId: 3,
      host: 'broker-3.local',
      port: 9093,
      coordinators: [
        { key: 'group-a', nodeId: 1, host: 'b1', port: 9092, errorCode: 0, errorMessage: null },
        { key: 'group-b', nodeId: -1, host: '', port: -1, errorCode: 16, errorMessage: 'moved' },
      ],
    });
  });

  it('matches golden bytes', () => {
    const v0 = golden(FindCoordinatorRequest, [0], { key: 'g' }, str('g'));
    assert.equal(v0['keyType'], 0);
    golden(FindCoordinatorRequest, [1, 2], { key: 'tx', keyType: 1 }, bin(str('tx'), i8(1)));
    golden(FindCoordinatorRequest, [3], { key: 'g', keyType: 0 }, bin(cstr('g'), i8(0), TAGS));
    const v4 = golden(
      FindCoordinatorRequest,
      [4, 5, 6],
      { keyType: 0, coordinatorKeys: ['a', 'b'] },
      bin(i8(0), carr(2), cstr('a'), cstr('b'), TAGS),
    );
    assert.equal(v4['key'], '');
    const single = { errorCode: 0, nodeId: 1, host: 'h', port: 9092 };
    golden(FindCoordinatorResponse, [0], single, bin(i16(0), i32(1), str('h'), i32(9092)));
    golden(
      FindCoordinatorResponse,
      [1, 2],
      { ...single, throttleTimeMs: 0, errorMessage: null },
      bin(i32(0), i16(0), str(null), i32(1), str('h'), i32(9092)),
    );
    golden(
      FindCoordinatorResponse,
      [3],
      { ...single, throttleTimeMs: 0, errorMessage: null },
      bin(i32(0), i16(0), cstr(null), i32(1), cstr('h'), i32(9092), TAGS),
    );
    golden(
      FindCoordinatorResponse,
      [4, 5, 6],
      {
        throttleTimeMs: 0,
        coordinators: [
          { key: 'a', nodeId: 1, host: 'h', port: 9092, errorCode: 0, errorMessage: null },
        ],
      },
      bin(i32(0), carr(1), cstr('a'), i32(1), cstr('h'), i32(9092), i16(0), cstr(null), TAGS, TAGS),
    );
  });
});

describe('DescribeGroups (15)', () => {
  it('has versions 0-5, flexible from 5', () => {
    assertVersions(DescribeGroupsRequest, 0, 5, 5);
    assertVersions(DescribeGroupsResponse, 0, 5, 5);
  });

  it('round-trips at every version', () => {
    roundTripAll(DescribeGroupsRequest, {
      groups: ['group-a', 'group-b'],
      includeAuthorizedOperations: true,
    });
    roundTripAll(DescribeGroupsResponse, {
      throttleTimeMs: 1,
      groups: [
        {
          errorCode: 0,
          groupId: 'group-a',
          groupState: 'Stable',
          protocolType: 'consumer',
          protocolData: 'range',
          members: [
            {
              memberId: 'member-1',
              groupInstanceId: 'inst-1',
              clientId: 'client-1',
              clientHost: '/10.0.0.1',
              memberMetadata: meta,
              memberAssignment: assignment,
            },
          ],
          authorizedOperations: 0b1101_1000,
        },
        {
          errorCode: 69,
          groupId: 'group-b',
          groupState: 'Dead',
          protocolType: '',
          protocolData: '',
          members: [],
          authorizedOperations: 0,
        },
      ],
    });
  });

  it('matches golden bytes', () => {
    golden(DescribeGroupsRequest, [0, 1, 2], { groups: ['g'] }, bin(arr(1), str('g')));
    golden(
      DescribeGroupsRequest,
      [3, 4],
      { groups: ['g'], includeAuthorizedOperations: true },
      bin(arr(1), str('g'), bool(true)),
    );
    golden(
      DescribeGroupsRequest,
      [5],
      { groups: ['g'], includeAuthorizedOperations: false },
      bin(carr(1), cstr('g'), bool(false), TAGS),
    );
    const member = {
      memberId: 'm',
      clientId: 'c',
      clientHost: 'h',
      memberMetadata: Buffer.from([1]),
      memberAssignment: Buffer.from([2]),
    };
    const group = {
      errorCode: 0,
      groupId: 'g',
      groupState: 'Stable',
      protocolType: 'consumer',
      protocolData: 'range',
      members: [member],
    };
    const groupHead = bin(i16(0), str('g'), str('Stable'), str('consumer'), str('range'));
    const memberV0 = bin(
      str('m'),
      str('c'),
      str('h'),
      bytes(Buffer.from([1])),
      bytes(Buffer.from([2])),
    );
    const v0 = golden(
      DescribeGroupsResponse,
      [0],
      { groups: [group] },
      bin(arr(1), groupHead, arr(1), memberV0),
    );
    const g0 = first(v0['groups']);
    assert.equal(g0['authorizedOperations'], -2147483648);
    assert.equal(first(g0['members'])['groupInstanceId'], null);
    golden(
      DescribeGroupsResponse,
      [1, 2],
      { throttleTimeMs: 4, groups: [group] },
      bin(i32(4), arr(1), groupHead, arr(1), memberV0),
    );
    golden(
      DescribeGroupsResponse,
      [3],
      { throttleTimeMs: 0, groups: [{ ...group, authorizedOperations: 8 }] },
      bin(i32(0), arr(1), groupHead, arr(1), memberV0, i32(8)),
    );
    golden(
      DescribeGroupsResponse,
      [4],
      {
        throttleTimeMs: 0,
        groups: [
          { ...group, members: [{ ...member, groupInstanceId: null }], authorizedOperations: 8 },
        ],
      },
      bin(
        bin(i32(0), arr(1), groupHead, arr(1)),
        bin(
          str('m'),
          str(null),
          str('c'),
          str('h'),
          bytes(Buffer.from([1])),
          bytes(Buffer.from([2])),
        ),
        i32(8),
      ),
    );
    golden(
      DescribeGroupsResponse,
      [5],
      {
        throttleTimeMs: 0,
        groups: [
          { ...group, members: [{ ...member, groupInstanceId: 'i' }], authorizedOperations: 8 },
        ],
      },
      bin(
        bin(i32(0), carr(1), i16(0), cstr('g'), cstr('Stable'), cstr('consumer'), cstr('range')),
        bin(carr(1), cstr('m'), cstr('i'), cstr('c'), cstr('h')),
        bin(cbytes(Buffer.from([1])), cbytes(Buffer.from([2])), TAGS, i32(8), TAGS, TAGS),
      ),
    );
  });
});

describe('ListGroups (16)', () => {
  it('has versions 0-5, flexible from 3', () => {
    assertVersions(ListGroupsRequest, 0, 5, 3);
    assertVersions(ListGroupsResponse, 0, 5, 3);
  });

  it('round-trips at every version', () => {
    roundTripAll(ListGroupsRequest, {
      statesFilter: ['Stable', 'Empty'],
      typesFilter: ['classic'],
    });
    roundTripAll(ListGroupsResponse, {
      throttleTimeMs: 6,
      errorCode: 15,
      groups: [
        {
          groupId: 'group-a',
          protocolType: 'consumer',
          groupState: 'Stable',
          groupType: 'classic',
        },
        { groupId: 'group-b', protocolType: '', groupState: 'Empty', groupType: 'consumer' },
      ],
    });
  });

  it('matches golden bytes', () => {
    golden(ListGroupsRequest, [0, 1, 2], {}, Buffer.alloc(0));
    golden(ListGroupsRequest, [3], {}, TAGS);
    golden(
      ListGroupsRequest,
      [4],
      { statesFilter: ['Stable'] },
      bin(carr(1), cstr('Stable'), TAGS),
    );
    golden(
      ListGroupsRequest,
      [5],
      { statesFilter: [], typesFilter: ['consumer'] },
      bin(carr(0), carr(1), cstr('consumer'), TAGS),
    );
    const g = { groupId: 'g', protocolType: 'consumer' };
    golden(
      ListGroupsResponse,
      [0],
      { errorCode: 0, groups: [g] },
      bin(i16(0), arr(1), str('g'), str('consumer')),
    );
    golden(
      ListGroupsResponse,
      [1, 2],
      { throttleTimeMs: 9, errorCode: 0, groups: [g] },
      bin(i32(9), i16(0), arr(1), str('g'), str('consumer')),
    );
    golden(
      ListGroupsResponse,
      [3],
      { throttleTimeMs: 9, errorCode: 0, groups: [g] },
      bin(i32(9), i16(0), carr(1), cstr('g'), cstr('consumer'), TAGS, TAGS),
    );
    golden(
      ListGroupsResponse,
      [4],
      { throttleTimeMs: 9, errorCode: 0, groups: [{ ...g, groupState: 'Empty' }] },
      bin(i32(9), i16(0), carr(1), cstr('g'), cstr('consumer'), cstr('Empty'), TAGS, TAGS),
    );
    golden(
      ListGroupsResponse,
      [5],
      {
        throttleTimeMs: 9,
        errorCode: 0,
        groups: [{ ...g, groupState: 'Empty', groupType: 'classic' }],
      },
      bin(
        i32(9),
        i16(0),
        carr(1),
        cstr('g'),
        cstr('consumer'),
        cstr('Empty'),
        cstr('classic'),
        TAGS,
        TAGS,
      ),
    );
  });
});

describe('DeleteGroups (42)', () => {
  it('has versions 0-2, flexible from 2', () => {
    assertVersions(DeleteGroupsRequest, 0, 2, 2);
    assertVersions(DeleteGroupsResponse, 0, 2, 2);
  });

  it('round-trips at every version', () => {
    roundTripAll(DeleteGroupsRequest, { groupsNames: ['group-a', 'group-b'] });
    roundTripAll(DeleteGroupsResponse, {
      throttleTimeMs: 8,
      results: [
        { groupId: 'group-a', errorCode: 68 },
        { groupId: 'group-b', errorCode: 0 },
      ],
    });
  });

  it('matches golden bytes', () => {
    golden(
      DeleteGroupsRequest,
      [0, 1],
      { groupsNames: ['a', 'b'] },
      bin(arr(2), str('a'), str('b')),
    );
    golden(DeleteGroupsRequest, [2], { groupsNames: ['a'] }, bin(carr(1), cstr('a'), TAGS));
    const results = [{ groupId: 'a', errorCode: 68 }];
    golden(
      DeleteGroupsResponse,
      [0, 1],
      { throttleTimeMs: 0, results },
      bin(i32(0), arr(1), str('a'), i16(68)),
    );
    golden(
      DeleteGroupsResponse,
      [2],
      { throttleTimeMs: 0, results },
      bin(i32(0), carr(1), cstr('a'), i16(68), TAGS, TAGS),
    );
  });
});

describe('OffsetDelete (47)', () => {
  it('has only version 0, not flexible', () => {
    assertVersions(OffsetDeleteRequest, 0, 0, NOT_FLEXIBLE);
    assertVersions(OffsetDeleteResponse, 0, 0, NOT_FLEXIBLE);
  });

  it('round-trips', () => {
    roundTripAll(OffsetDeleteRequest, {
      groupId: 'group-a',
      topics: [{ name: 'orders', partitions: [{ partitionIndex: 0 }, { partitionIndex: 2 }] }],
    });
    roundTripAll(OffsetDeleteResponse, {
      errorCode: 30,
      throttleTimeMs: 12,
      topics: [{ name: 'orders', partitions: [{ partitionIndex: 2, errorCode: 86 }] }],
    });
  });

  it('matches golden bytes', () => {
    golden(
      OffsetDeleteRequest,
      [0],
      { groupId: 'g', topics: [{ name: 't', partitions: [{ partitionIndex: 4 }] }] },
      bin(str('g'), arr(1), str('t'), arr(1), i32(4)),
    );
    // The response puts the error code before the throttle time, unlike most APIs.
    golden(
      OffsetDeleteResponse,
      [0],
      {
        errorCode: 0,
        throttleTimeMs: 5,
        topics: [{ name: 't', partitions: [{ partitionIndex: 4, errorCode: 86 }] }],
      },
      bin(i16(0), i32(5), arr(1), str('t'), arr(1), i32(4), i16(86)),
    );
  });
});
