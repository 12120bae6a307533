// A consumer-lag monitor that speaks only the protocol versions of Kafka
// 0.10.0-era clients, as Burrow 1.x on older Sarama does: no ApiVersions,
// Metadata v0, ListOffsets v0 (MaxNumOffsets 1) for the log end offsets,
// FindCoordinator v0 and OffsetFetch v1 for the group's committed offsets, and
// Fetch v2 (message set v1) of __consumer_offsets, whose keys and values it
// parses itself from Kafka's documented schema (key v0/v1 offset commit, v2
// group metadata; offset value v0-v3). It computes each partition's lag both
// ways, so a test can check the two agree.

import { Fetch } from '../../src/protocol/apis/fetch.ts';
import { FindCoordinator } from '../../src/protocol/apis/find-coordinator.ts';
import { ListOffsets } from '../../src/protocol/apis/list-offsets.ts';
import { Metadata } from '../../src/protocol/apis/metadata.ts';
import { OffsetFetch } from '../../src/protocol/apis/offset-fetch.ts';
import { ErrorCode } from '../../src/protocol/error-codes.ts';
import { parseMessageSet } from '../../src/protocol/legacy-message-set.ts';
import { RawClient } from './raw-client.ts';

const OFFSETS_TOPIC = '__consumer_offsets';

export interface OldMonitorView {
  /** partition -> log end offset (ListOffsets v0, latest). */
  readonly logEnd: Map<number, number>;
  /** partition -> committed offset, from OffsetFetch v1. */
  readonly committed: Map<number, number>;
  /** partition -> committed offset, from reading __consumer_offsets with Fetch v2. */
  readonly committedInLog: Map<number, number>;
  /** Messages read from __consumer_offsets, and how many had a valid CRC. */
  readonly offsetsTopicMessages: number;
  readonly offsetsTopicValidCrcs: number;
  /** Whether the group's metadata record (key v2) was seen. */
  readonly sawGroupMetadata: boolean;
}

export async function readLagLikeBurrow(
  bootstrap: string,
  groupId: string,
  topic: string,
): Promise<OldMonitorView> {
  const raw = await RawClient.connect(bootstrap);
  try {
    const md = await raw.send(Metadata, 0, { topics: [] } as never);
    const partitionsOf = (name: string) => {
      const t = md.topics.find((x) => x.name === name);
      if (t === undefined || t.errorCode !== ErrorCode.NONE) throw new Error(`no topic ${name}`);
      return t.partitions.map((p) => p.partitionIndex).sort((a, b) => a - b);
    };
    const partitions = partitionsOf(topic);
    const offsetsPartitions = partitionsOf(OFFSETS_TOPIC);

    const listed = await raw.send(ListOffsets, 0, {
      replicaId: -1,
      topics: [
        {
          name: topic,
          partitions: partitions.map((p) => ({
            partitionIndex: p,
            timestamp: -1,
            maxNumOffsets: 1,
          })),
        },
      ],
    } as never);
    const logEnd = new Map<number, number>();
    for (const p of listed.topics[0]?.partitions ?? []) {
      if (p.errorCode !== ErrorCode.NONE) throw new Error(`ListOffsets v0 error ${p.errorCode}`);
      logEnd.set(p.partitionIndex, Number(p.oldStyleOffsets[0]));
    }

    const coordinator = await raw.send(FindCoordinator, 0, { key: groupId } as never);
    if (coordinator.errorCode !== ErrorCode.NONE) {
      throw new Error(`FindCoordinator v0 error ${coordinator.errorCode}`);
    }
    const fetched = await raw.send(OffsetFetch, 1, {
      groupId,
      topics: [{ name: topic, partitionIndexes: partitions }],
    } as never);
    const committed = new Map<number, number>();
    for (const p of fetched.topics[0]?.partitions ?? []) {
      if (p.errorCode !== ErrorCode.NONE) throw new Error(`OffsetFetch v1 error ${p.errorCode}`);
      committed.set(p.partitionIndex, Number(p.committedOffset));
    }

    const fromLog = await readOffsetsTopic(raw, offsetsPartitions, groupId, topic);
    return { logEnd, committed, ...fromLog };
  } finally {
    raw.close();
  }
}

async function readOffsetsTopic(
  raw: RawClient,
  partitions: readonly number[],
  groupId: string,
  topic: string,
) {
  const committedInLog = new Map<number, number>();
  let offsetsTopicMessages = 0;
  let offsetsTopicValidCrcs = 0;
  let sawGroupMetadata = false;
  for (const partition of partitions) {
    let fetchOffset = 0;
    for (;;) {
      const r = await raw.send(Fetch, 2, {
        replicaId: -1,
        maxWaitMs: 0,
        minBytes: 0,
        topics: [
          {
            topic: OFFSETS_TOPIC,
            partitions: [{ partition, fetchOffset, partitionMaxBytes: 64 * 1024 }],
          },
        ],
      } as never);
      const p = r.responses[0]?.partitions[0];
      if (p === undefined || p.errorCode !== ErrorCode.NONE) {
        throw new Error(`Fetch v2 ${OFFSETS_TOPIC}-${partition}: error ${p?.errorCode}`);
      }
      const messages = parseMessageSet(Buffer.from(p.records ?? Buffer.alloc(0)));
      if (messages.length === 0) break;
      for (const m of messages) {
        offsetsTopicMessages++;
        if (m.crcValid && m.magic === 1) offsetsTopicValidCrcs++;
        if (m.key === null) continue;
        const key = parseKey(m.key);
        if (key.kind === 'group') {
          if (key.group === groupId) sawGroupMetadata = true;
        } else if (key.group === groupId && key.topic === topic) {
          if (m.value === null) committedInLog.delete(key.partition);
          else committedInLog.set(key.partition, parseOffsetValue(m.value));
        }
        fetchOffset = m.offset + 1;
      }
      if (fetchOffset >= Number(p.highWatermark)) break;
    }
  }
  return { committedInLog, offsetsTopicMessages, offsetsTopicValidCrcs, sawGroupMetadata };
}

type OffsetsKey =
  | { kind: 'offset'; group: string; topic: string; partition: number }
  | { kind: 'group'; group: string };

/** Kafka's __consumer_offsets key: int16 version; v0/v1 group, topic, partition; v2 group. */
function parseKey(b: Buffer): OffsetsKey {
  const version = b.readInt16BE(0);
  const group = readString(b, 2);
  if (version === 2) return { kind: 'group', group: group.text };
  if (version !== 0 && version !== 1) throw new Error(`unknown key version ${version}`);
  const topic = readString(b, group.next);
  return {
    kind: 'offset',
    group: group.text,
    topic: topic.text,
    partition: b.readInt32BE(topic.next),
  };
}

/**
 * Kafka's offset commit value, read field by field: v0 offset, metadata,
 * timestamp; v1 adds the expire timestamp; v2 drops it; v3 adds the leader
 * epoch after the offset. Every byte must be accounted for.
 */
function parseOffsetValue(b: Buffer): number {
  const version = b.readInt16BE(0);
  if (version < 0 || version > 3) throw new Error(`unknown offset value version ${version}`);
  const offset = Number(b.readBigInt64BE(2));
  let at = 10;
  if (version === 3) at += 4; // leader epoch
  at = readString(b, at).next; // metadata
  at += 8; // commit timestamp
  if (version === 1) at += 8; // expire timestamp
  if (at !== b.length)
    throw new Error(`offset value v${version}: ${b.length - at} bytes left over`);
  return offset;
}

function readString(b: Buffer, at: number): { text: string; next: number } {
  const length = b.readInt16BE(at);
  return { text: b.toString('utf8', at + 2, at + 2 + length), next: at + 2 + length };
}
