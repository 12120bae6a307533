// The record format of the __consumer_offsets topic, byte-compatible with Kafka:
// keys and values are an int16 schema version followed by the fields. Key
// versions 0/1 are an OffsetCommitKey, 2 a GroupMetadataKey; a null value is a
// tombstone. Also partitionForGroup, Kafka's mapping of a group to a partition.

import { DecodeError, Reader } from '../protocol/reader.ts';
import { Writer } from '../protocol/writer.ts';
import { partitionForKey } from '../util/java-hash.ts';

/** The key version Kafka 2.x/3.x writes for offset commits (0 is read too). */
export const OFFSET_COMMIT_KEY_VERSION = 1;
export const GROUP_METADATA_KEY_VERSION = 2;
/** The offset value version used when a commit carries an explicit expiry (OffsetCommit v2-4). */
export const OFFSET_COMMIT_VALUE_VERSION_WITH_EXPIRY = 1;
export const OFFSET_COMMIT_VALUE_VERSION = 3;
export const GROUP_METADATA_VALUE_VERSION = 3;
/** The newest value versions we know; newer ones are read as these (tagged fields extend them). */
const OFFSET_COMMIT_VALUE_VERSION_MAX = 4;
const GROUP_METADATA_VALUE_VERSION_MAX = 4;
const FLEXIBLE_VALUE_VERSION = 4;

export interface OffsetCommitKey {
  readonly type: 'offset-commit';
  readonly group: string;
  readonly topic: string;
  readonly partition: number;
}

export interface GroupMetadataKey {
  readonly type: 'group-metadata';
  readonly group: string;
}

/** A key of a record type we do not read (for example KIP-848 consumer-group records). */
export interface UnknownOffsetsTopicKey {
  readonly type: 'unknown';
  readonly version: number;
}

export type OffsetsTopicKey = OffsetCommitKey | GroupMetadataKey;

export interface OffsetCommitValue {
  readonly offset: number;
  /** -1 when unknown. */
  readonly leaderEpoch: number;
  readonly metadata: string;
  readonly commitTimestamp: number;
  /** Only from OffsetCommit v2-4 with a retention time; null otherwise. */
  readonly expireTimestamp: number | null;
}

export interface GroupMetadataMemberValue {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  readonly rebalanceTimeout: number;
  readonly sessionTimeout: number;
  /** The member's metadata for the group's selected protocol. */
  readonly subscription: Uint8Array;
  readonly assignment: Uint8Array;
}

export interface GroupMetadataValue {
  readonly protocolType: string;
  readonly generation: number;
  readonly protocol: string | null;
  readonly leader: string | null;
  /** -1 when unknown. */
  readonly currentStateTimestamp: number;
  readonly members: readonly GroupMetadataMemberValue[];
}

export interface OffsetCommitRecord {
  readonly key: OffsetCommitKey;
  readonly value: OffsetCommitValue | null;
}

export interface GroupMetadataRecord {
  readonly key: GroupMetadataKey;
  readonly value: GroupMetadataValue | null;
}

export type OffsetsTopicRecord = OffsetCommitRecord | GroupMetadataRecord;

/** A record as stored in the log: key bytes and value bytes (null for a tombstone). */
export interface RawOffsetsTopicRecord {
  readonly key: Uint8Array;
  readonly value: Uint8Array | null;
}

// ---------------------------------------------------------------------------
// Partition mapping.

export { javaStringHashCode } from '../util/java-hash.ts';

/** Kafka's `Utils.abs(groupId.hashCode) % offsets.topic.num.partitions`. */
export function partitionForGroup(groupId: string, numPartitions: number): number {
  return partitionForKey(groupId, numPartitions);
}

// ---------------------------------------------------------------------------
// Keys.

export function encodeOffsetsTopicKey(key: OffsetsTopicKey): Buffer {
  const w = new Writer(64);
  if (key.type === 'offset-commit') {
    w.int16(OFFSET_COMMIT_KEY_VERSION).string(key.group).string(key.topic).int32(key.partition);
  } else {
    w.int16(GROUP_METADATA_KEY_VERSION).string(key.group);
  }
  return w.toBuffer();
}

export function decodeOffsetsTopicKey(bytes: Uint8Array): OffsetsTopicKey | UnknownOffsetsTopicKey {
  const r = readerOf(bytes);
  const version = r.int16();
  if (version === 0 || version === 1) {
    const group = r.string();
    const topic = r.string();
    const partition = r.int32();
    return { type: 'offset-commit', group, topic, partition };
  }
  if (version === GROUP_METADATA_KEY_VERSION) return { type: 'group-metadata', group: r.string() };
  return { type: 'unknown', version };
}

// ---------------------------------------------------------------------------
// Offset commit values.

export function encodeOffsetCommitValue(value: OffsetCommitValue): Buffer {
  const w = new Writer(64);
  if (value.expireTimestamp !== null) {
    w.int16(OFFSET_COMMIT_VALUE_VERSION_WITH_EXPIRY).int64(value.offset).string(value.metadata);
    w.int64(value.commitTimestamp).int64(value.expireTimestamp);
  } else {
    w.int16(OFFSET_COMMIT_VALUE_VERSION).int64(value.offset).int32(value.leaderEpoch);
    w.string(value.metadata).int64(value.commitTimestamp);
  }
  return w.toBuffer();
}

export function decodeOffsetCommitValue(bytes: Uint8Array): OffsetCommitValue {
  const r = readerOf(bytes);
  const version = r.int16();
  if (version < 0) throw new DecodeError(`negative offset commit value version ${version}`);
  const offset = r.int64();
  if (version <= 2) {
    const metadata = r.string();
    const commitTimestamp = r.int64();
    const expire = version === 1 ? r.int64() : -1;
    const expireTimestamp = expire === -1 ? null : expire;
    return { offset, leaderEpoch: -1, metadata, commitTimestamp, expireTimestamp };
  }
  const flexible = Math.min(version, OFFSET_COMMIT_VALUE_VERSION_MAX) >= FLEXIBLE_VALUE_VERSION;
  const leaderEpoch = r.int32();
  const metadata = flexible ? r.compactString() : r.string();
  const commitTimestamp = r.int64();
  if (flexible) r.taggedFields(() => false);
  return { offset, leaderEpoch, metadata, commitTimestamp, expireTimestamp: null };
}

// ---------------------------------------------------------------------------
// Group metadata values.

export function encodeGroupMetadataValue(value: GroupMetadataValue): Buffer {
  const w = new Writer(256);
  w.int16(GROUP_METADATA_VALUE_VERSION).string(value.protocolType).int32(value.generation);
  w.nullableString(value.protocol).nullableString(value.leader).int64(value.currentStateTimestamp);
  w.int32(value.members.length);
  for (const m of value.members) {
    w.string(m.memberId).nullableString(m.groupInstanceId).string(m.clientId).string(m.clientHost);
    w.int32(m.rebalanceTimeout).int32(m.sessionTimeout);
    w.bytes(m.subscription).bytes(m.assignment);
  }
  return w.toBuffer();
}

export function decodeGroupMetadataValue(bytes: Uint8Array): GroupMetadataValue {
  const r = readerOf(bytes);
  const version = r.int16();
  if (version < 0) throw new DecodeError(`negative group metadata value version ${version}`);
  const v = Math.min(version, GROUP_METADATA_VALUE_VERSION_MAX);
  const flexible = v >= FLEXIBLE_VALUE_VERSION;
  const str = flexible ? () => r.compactString() : () => r.string();
  const nullableStr = flexible ? () => r.compactNullableString() : () => r.nullableString();
  const protocolType = str();
  const generation = r.int32();
  const protocol = nullableStr();
  const leader = nullableStr();
  const currentStateTimestamp = v >= 2 ? r.int64() : -1;
  const count = flexible ? r.compactArrayLength() : r.arrayLength();
  if (count < 0) throw new DecodeError('null member array in group metadata value');
  const members: GroupMetadataMemberValue[] = [];
  for (let i = 0; i < count; i++) members.push(decodeMember(r, v, flexible));
  if (flexible) r.taggedFields(() => false);
  return { protocolType, generation, protocol, leader, currentStateTimestamp, members };
}

function decodeMember(r: Reader, version: number, flexible: boolean): GroupMetadataMemberValue {
  const str = flexible ? () => r.compactString() : () => r.string();
  const bytes = flexible ? () => r.compactBytes() : () => r.bytes();
  const memberId = str();
  const groupInstanceId =
    version >= 3 ? (flexible ? r.compactNullableString() : r.nullableString()) : null;
  const clientId = str();
  const clientHost = str();
  // Version 0 had no rebalance timeout; Kafka reads it as the session timeout.
  const rebalanceField = version >= 1 ? r.int32() : null;
  const sessionTimeout = r.int32();
  const rebalanceTimeout = rebalanceField ?? sessionTimeout;
  const subscription = bytes();
  const assignment = bytes();
  if (flexible) r.taggedFields(() => false);
  return {
    memberId,
    groupInstanceId,
    clientId,
    clientHost,
    rebalanceTimeout,
    sessionTimeout,
    subscription,
    assignment,
  };
}

// ---------------------------------------------------------------------------
// Whole records.

export function isOffsetCommitRecord(record: OffsetsTopicRecord): record is OffsetCommitRecord {
  return record.key.type === 'offset-commit';
}

export function encodeOffsetsTopicRecord(record: OffsetsTopicRecord): RawOffsetsTopicRecord {
  const key = encodeOffsetsTopicKey(record.key);
  if (isOffsetCommitRecord(record)) {
    return { key, value: record.value === null ? null : encodeOffsetCommitValue(record.value) };
  }
  return { key, value: record.value === null ? null : encodeGroupMetadataValue(record.value) };
}

/**
 * Decodes one stored record; null for a key type we do not read. Decoded byte
 * fields are views into `raw`'s buffers: copy them before keeping them long.
 * Throws DecodeError on malformed bytes.
 */
export function decodeOffsetsTopicRecord(raw: RawOffsetsTopicRecord): OffsetsTopicRecord | null {
  const key = decodeOffsetsTopicKey(raw.key);
  if (key.type === 'unknown') return null;
  if (key.type === 'offset-commit') {
    return { key, value: raw.value === null ? null : decodeOffsetCommitValue(raw.value) };
  }
  return { key, value: raw.value === null ? null : decodeGroupMetadataValue(raw.value) };
}

function readerOf(bytes: Uint8Array): Reader {
  const buf = Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return new Reader(buf);
}
