import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Writer } from '../protocol/writer.ts';
import { decodeSubscriptionTopics } from './consumer-protocol.ts';
import { loadGroupsFromRecords } from './group-loader.ts';
import { subscription } from './group-test-driver.ts';
import {
  decodeGroupMetadataValue,
  decodeOffsetCommitValue,
  decodeOffsetsTopicKey,
  decodeOffsetsTopicRecord,
  encodeGroupMetadataValue,
  encodeOffsetCommitValue,
  encodeOffsetsTopicKey,
  encodeOffsetsTopicRecord,
  type GroupMetadataValue,
  javaStringHashCode,
  type OffsetsTopicRecord,
  partitionForGroup,
} from './offsets-topic-format.ts';

/** Java's String.hashCode computed independently, with BigInt and explicit wrap-around. */
function referenceHashCode(s: string): number {
  let h = 0n;
  for (let i = 0; i < s.length; i++) h = (h * 31n + BigInt(s.charCodeAt(i))) % 2n ** 32n;
  return Number(BigInt.asIntN(32, h));
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

describe('partitionForGroup', () => {
  test('Java String.hashCode of known strings', () => {
    assert.equal(javaStringHashCode(''), 0);
    assert.equal(javaStringHashCode('a'), 97);
    assert.equal(javaStringHashCode('ab'), 97 * 31 + 98);
    // Well-known Java values.
    assert.equal(javaStringHashCode('hello'), 99162322);
    assert.equal(javaStringHashCode('polygenelubricants'), -2147483648);
    // UTF-16 code units: U+1F600 is the surrogate pair D83D DE00.
    assert.equal(javaStringHashCode('\u{1F600}'), 0xd83d * 31 + 0xde00);
    assert.equal(javaStringHashCode('é'), 0xe9);
  });

  test('agrees with an independent 32-bit computation', () => {
    const samples = ['my-group', 'console-consumer-12345', 'Ω-group', 'a'.repeat(300), 'zzzzzzzz'];
    for (const s of samples) assert.equal(javaStringHashCode(s), referenceHashCode(s), s);
    assert.ok(
      samples.some((s) => referenceHashCode(s) < 0),
      'a negative hash is covered',
    );
  });

  test('abs(hashCode) mod partitions, with MIN_VALUE mapping to 0', () => {
    assert.equal(partitionForGroup('hello', 50), 99162322 % 50);
    assert.equal(partitionForGroup('polygenelubricants', 50), 0);
    for (const s of ['zzzzzzzz', 'my-group', 'console-consumer-12345']) {
      const h = referenceHashCode(s);
      assert.equal(partitionForGroup(s, 50), Math.abs(h) % 50, s);
    }
    assert.throws(() => partitionForGroup('g', 0), RangeError);
  });
});

describe('keys', () => {
  test('offset commit key is version 1: group, topic, partition', () => {
    const key = encodeOffsetsTopicKey({
      type: 'offset-commit',
      group: 'g',
      topic: 't',
      partition: 1,
    });
    assert.equal(hex(key), '0001' + '000167' + '000174' + '00000001');
    assert.deepEqual(decodeOffsetsTopicKey(key), {
      type: 'offset-commit',
      group: 'g',
      topic: 't',
      partition: 1,
    });
  });

  test('version 0 offset keys are read too', () => {
    const key = Buffer.from('0000' + '000167' + '000174' + '00000007', 'hex');
    assert.deepEqual(decodeOffsetsTopicKey(key), {
      type: 'offset-commit',
      group: 'g',
      topic: 't',
      partition: 7,
    });
  });

  test('group metadata key is version 2: group', () => {
    const key = encodeOffsetsTopicKey({ type: 'group-metadata', group: 'g' });
    assert.equal(hex(key), '0002' + '000167');
    assert.deepEqual(decodeOffsetsTopicKey(key), { type: 'group-metadata', group: 'g' });
  });

  test('other key versions are reported as unknown, and skipped as records', () => {
    const key = Buffer.from('0003' + '000167', 'hex');
    assert.deepEqual(decodeOffsetsTopicKey(key), { type: 'unknown', version: 3 });
    assert.equal(decodeOffsetsTopicRecord({ key, value: null }), null);
  });
});

describe('offset commit values', () => {
  test('version 3 without expiry: offset, leaderEpoch, metadata, commitTimestamp', () => {
    const value = {
      offset: 5,
      leaderEpoch: 2,
      metadata: 'm',
      commitTimestamp: 1000,
      expireTimestamp: null,
    };
    const bytes = encodeOffsetCommitValue(value);
    assert.equal(
      hex(bytes),
      '0003' + '0000000000000005' + '00000002' + '00016d' + '00000000000003e8',
    );
    assert.deepEqual(decodeOffsetCommitValue(bytes), value);
  });

  test('version 1 when the commit carries an expiry', () => {
    const value = {
      offset: 9,
      leaderEpoch: -1,
      metadata: '',
      commitTimestamp: 10,
      expireTimestamp: 20,
    };
    const bytes = encodeOffsetCommitValue(value);
    assert.equal(hex(bytes).slice(0, 4), '0001');
    assert.deepEqual(decodeOffsetCommitValue(bytes), value);
  });

  test('versions 0, 2 and 4 (flexible) are read', () => {
    const v0 = new Writer().int16(0).int64(3).string('x').int64(77).toBuffer();
    assert.deepEqual(decodeOffsetCommitValue(v0), {
      offset: 3,
      leaderEpoch: -1,
      metadata: 'x',
      commitTimestamp: 77,
      expireTimestamp: null,
    });
    const v2 = new Writer().int16(2).int64(4).string('').int64(88).toBuffer();
    assert.equal(decodeOffsetCommitValue(v2).commitTimestamp, 88);
    // Flexible: compact string, then a tagged-field section with one unknown tag.
    const v4 = new Writer().int16(4).int64(6).int32(1).compactString('meta').int64(99);
    v4.unsignedVarint(1)
      .unsignedVarint(5)
      .unsignedVarint(2)
      .raw(Buffer.from([1, 2]));
    assert.deepEqual(decodeOffsetCommitValue(v4.toBuffer()), {
      offset: 6,
      leaderEpoch: 1,
      metadata: 'meta',
      commitTimestamp: 99,
      expireTimestamp: null,
    });
  });

  test('truncated values are a decode error, not a crash', () => {
    assert.throws(() => decodeOffsetCommitValue(Buffer.from('000300', 'hex')), /need/);
  });
});

describe('group metadata values', () => {
  const value: GroupMetadataValue = {
    protocolType: 'consumer',
    generation: 4,
    protocol: 'range',
    leader: 'a-1',
    currentStateTimestamp: 123456,
    members: [
      {
        memberId: 'a-1',
        groupInstanceId: 'inst-a',
        clientId: 'a',
        clientHost: '/10.0.0.1',
        rebalanceTimeout: 60000,
        sessionTimeout: 10000,
        subscription: Uint8Array.from([1, 2, 3]),
        assignment: Uint8Array.from([4]),
      },
      {
        memberId: 'b-1',
        groupInstanceId: null,
        clientId: 'b',
        clientHost: '/10.0.0.2',
        rebalanceTimeout: 30000,
        sessionTimeout: 6000,
        subscription: Uint8Array.from([]),
        assignment: Uint8Array.from([5, 6]),
      },
    ],
  };

  const normalise = (v: GroupMetadataValue) => ({
    ...v,
    members: v.members.map((m) => ({
      ...m,
      subscription: hex(m.subscription),
      assignment: hex(m.assignment),
    })),
  });

  test('version 3 round trip', () => {
    const bytes = encodeGroupMetadataValue(value);
    assert.equal(hex(bytes).slice(0, 4), '0003');
    assert.deepEqual(normalise(decodeGroupMetadataValue(bytes)), normalise(value));
  });

  test('an empty group: null protocol and leader, no members', () => {
    const empty = { ...value, protocol: null, leader: null, members: [] };
    assert.deepEqual(decodeGroupMetadataValue(encodeGroupMetadataValue(empty)), empty);
  });

  test('version 0 has no rebalance timeout: it reads as the session timeout', () => {
    const w = new Writer()
      .int16(0)
      .string('consumer')
      .int32(1)
      .nullableString('p')
      .nullableString('m');
    w.int32(1)
      .string('m')
      .string('c')
      .string('h')
      .int32(7000)
      .bytes(Uint8Array.from([9]))
      .bytes(Uint8Array.from([]));
    const decoded = decodeGroupMetadataValue(w.toBuffer());
    assert.equal(decoded.currentStateTimestamp, -1);
    assert.equal(decoded.members[0]?.rebalanceTimeout, 7000);
    assert.equal(decoded.members[0]?.sessionTimeout, 7000);
    assert.equal(decoded.members[0]?.groupInstanceId, null);
  });

  test('version 2 adds the state timestamp, version 1 the rebalance timeout', () => {
    const w = new Writer()
      .int16(2)
      .string('consumer')
      .int32(1)
      .nullableString('p')
      .nullableString('m');
    w.int64(555).int32(1).string('m').string('c').string('h').int32(9000).int32(7000);
    w.bytes(Uint8Array.from([])).bytes(Uint8Array.from([]));
    const decoded = decodeGroupMetadataValue(w.toBuffer());
    assert.equal(decoded.currentStateTimestamp, 555);
    assert.equal(decoded.members[0]?.rebalanceTimeout, 9000);
    assert.equal(decoded.members[0]?.sessionTimeout, 7000);
  });

  test('version 4 (flexible) is read', () => {
    const w = new Writer().int16(4).compactString('consumer').int32(2);
    w.compactNullableString('p').compactNullableString(null).int64(1).unsignedVarint(2);
    w.compactString('m').compactNullableString('i').compactString('c').compactString('h');
    w.int32(5000)
      .int32(6000)
      .compactBytes(Uint8Array.from([1]))
      .compactBytes(Uint8Array.from([2]));
    w.unsignedVarint(0); // member tagged fields
    w.unsignedVarint(0); // value tagged fields
    const decoded = decodeGroupMetadataValue(w.toBuffer());
    assert.equal(decoded.leader, null);
    assert.equal(decoded.members[0]?.groupInstanceId, 'i');
    assert.equal(hex(decoded.members[0]?.assignment ?? Buffer.alloc(0)), '02');
  });
});

describe('records and replay', () => {
  const offsetRecord = (
    group: string,
    partition: number,
    offset: number | null,
  ): OffsetsTopicRecord => ({
    key: { type: 'offset-commit', group, topic: 'orders', partition },
    value:
      offset === null
        ? null
        : { offset, leaderEpoch: -1, metadata: '', commitTimestamp: 1, expireTimestamp: null },
  });

  test('a tombstone is a record with a null value', () => {
    const raw = encodeOffsetsTopicRecord(offsetRecord('g', 0, null));
    assert.equal(raw.value, null);
    assert.deepEqual(decodeOffsetsTopicRecord(raw), offsetRecord('g', 0, null));
  });

  test('the last value wins and tombstones delete', () => {
    const groupValue: GroupMetadataValue = {
      protocolType: 'consumer',
      generation: 2,
      protocol: null,
      leader: null,
      currentStateTimestamp: 5,
      members: [],
    };
    const records: OffsetsTopicRecord[] = [
      offsetRecord('g', 0, 10),
      offsetRecord('g', 0, 20),
      offsetRecord('g', 1, 5),
      offsetRecord('g', 1, null),
      offsetRecord('h', 0, 7),
      { key: { type: 'group-metadata', group: 'g' }, value: { ...groupValue, generation: 1 } },
      { key: { type: 'group-metadata', group: 'g' }, value: groupValue },
      { key: { type: 'group-metadata', group: 'k' }, value: groupValue },
      { key: { type: 'group-metadata', group: 'k' }, value: null },
    ];
    const unknown = { key: Buffer.from('0009', 'hex'), value: Buffer.from('00', 'hex') };
    const loaded = loadGroupsFromRecords([...records.map(encodeOffsetsTopicRecord), unknown]);
    assert.deepEqual([...loaded.keys()].sort(), ['g', 'h']);
    const g = loaded.get('g');
    assert.equal(g?.metadata?.generation, 2);
    assert.equal(g?.offsets.get('orders')?.get(0)?.offset, 20);
    assert.equal(g?.offsets.get('orders')?.has(1), false);
    const h = loaded.get('h');
    assert.equal(h?.metadata, null);
    assert.equal(h?.offsets.get('orders')?.get(0)?.offset, 7);
  });

  test('loaded bytes are copies, not views of the log buffer', () => {
    const value: GroupMetadataValue = {
      protocolType: 'consumer',
      generation: 1,
      protocol: 'range',
      leader: 'm',
      currentStateTimestamp: 1,
      members: [
        {
          memberId: 'm',
          groupInstanceId: null,
          clientId: 'c',
          clientHost: 'h',
          rebalanceTimeout: 1,
          sessionTimeout: 1,
          subscription: Uint8Array.from([7]),
          assignment: Uint8Array.from([8]),
        },
      ],
    };
    const raw = encodeOffsetsTopicRecord({ key: { type: 'group-metadata', group: 'g' }, value });
    const loaded = loadGroupsFromRecords([raw]);
    (raw.value as Buffer).fill(0);
    assert.equal(loaded.get('g')?.metadata?.members[0]?.assignment[0], 8);
  });
});

describe('consumer protocol subscription', () => {
  test('topics are read from version 0 and later versions alike', () => {
    assert.deepEqual(decodeSubscriptionTopics(subscription(['a', 'b'])), ['a', 'b']);
    const v1 = Buffer.concat([subscription(['c'], 1), Buffer.from('00000000', 'hex')]);
    assert.deepEqual(decodeSubscriptionTopics(v1), ['c']);
  });

  test('bytes that are not a subscription give null', () => {
    assert.equal(decodeSubscriptionTopics(Buffer.from('ff', 'hex')), null);
    assert.equal(decodeSubscriptionTopics(Buffer.from('ffff00000000', 'hex')), null);
    assert.equal(decodeSubscriptionTopics(Buffer.from('00000000000500', 'hex')), null);
  });
});
