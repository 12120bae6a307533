// Produce, fetch and topic creation as raw requests on a RawClient, for tests
// that must send exactly the bytes they mean and read the partition-level
// answer (error code, record errors, stored batches).

import assert from 'node:assert/strict';
import { CreateTopics } from '../../src/protocol/apis/create-topics.ts';
import { Fetch } from '../../src/protocol/apis/fetch.ts';
import { Produce } from '../../src/protocol/apis/produce.ts';
import { ErrorCode } from '../../src/protocol/error-codes.ts';
import { ZERO_UUID } from '../../src/protocol/schema.ts';
import type { RawClient } from './raw-client.ts';

export const PRODUCE_VERSION = 9;
export const FETCH_VERSION = 12;

export async function createTopic(
  c: RawClient,
  name: string,
  configs: Record<string, string> = {},
  numPartitions = 1,
): Promise<void> {
  const r = await c.send(CreateTopics, 5, {
    topics: [
      {
        name,
        numPartitions,
        replicationFactor: 1,
        assignments: [],
        configs: Object.entries(configs).map(([k, value]) => ({ name: k, value })),
      },
    ],
    timeoutMs: 10_000,
    validateOnly: false,
  });
  const t = r.topics[0];
  assert.equal(t?.errorCode, ErrorCode.NONE, `create ${name}: ${t?.errorMessage}`);
}

export interface ProduceAnswer {
  readonly errorCode: number;
  readonly errorMessage: string | null;
  readonly baseOffset: number;
  readonly recordErrors: ReadonlyArray<{
    batchIndex: number;
    batchIndexErrorMessage: string | null;
  }>;
}

/** Produces `records` (the raw bytes of a partition's record set) and returns the partition's answer. */
export async function produceRaw(
  c: RawClient,
  topic: string,
  records: Buffer,
  opts: { partition?: number; version?: number } = {},
): Promise<ProduceAnswer> {
  const r = await c.send(Produce, opts.version ?? PRODUCE_VERSION, {
    transactionalId: null,
    acks: 1,
    timeoutMs: 10_000,
    topicData: [{ name: topic, partitionData: [{ index: opts.partition ?? 0, records }] }],
  });
  const p = r.responses[0]?.partitionResponses[0];
  assert.ok(p !== undefined, 'no partition in the produce response');
  return p;
}

export interface FetchAnswer {
  readonly errorCode: number;
  readonly highWatermark: number;
  readonly records: Buffer;
}

/**
 * One partition of `topic` from `offset` by Fetch v11 (topics by name, read uncommitted),
 * up to `maxBytes` for the request and the partition; null when the answer names no
 * partition. For readers that page through a log and want the answer as it comes.
 */
export async function fetchV11(
  c: RawClient,
  topic: string,
  partition: number,
  offset: number,
  maxBytes: number,
): Promise<FetchAnswer | null> {
  const r = await c.send(Fetch, 11, {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [
      {
        topic,
        partitions: [
          {
            partition,
            currentLeaderEpoch: -1,
            fetchOffset: offset,
            logStartOffset: -1,
            partitionMaxBytes: maxBytes,
          },
        ],
      },
    ],
    forgottenTopicsData: [],
    rackId: '',
  } as never);
  const p = r.responses[0]?.partitions[0];
  if (p === undefined) return null;
  return {
    errorCode: p.errorCode,
    highWatermark: Number(p.highWatermark),
    records: p.records === null ? Buffer.alloc(0) : Buffer.from(p.records),
  };
}

/** Fetches each of `partitions` of `topic` from `offset` in one request. */
export async function fetchRaw(
  c: RawClient,
  topic: string,
  offset: number,
  partitions: readonly number[] = [0],
): Promise<FetchAnswer[]> {
  const r = await c.send(Fetch, FETCH_VERSION, {
    clusterId: null,
    replicaId: -1,
    replicaState: { replicaId: -1, replicaEpoch: -1 },
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 16 * 1024 * 1024,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [
      {
        topic,
        topicId: ZERO_UUID,
        partitions: partitions.map((partition) => ({
          partition,
          currentLeaderEpoch: -1,
          fetchOffset: offset,
          lastFetchedEpoch: -1,
          logStartOffset: -1,
          partitionMaxBytes: 8 * 1024 * 1024,
          replicaDirectoryId: ZERO_UUID,
        })),
      },
    ],
    forgottenTopicsData: [],
    rackId: '',
  });
  const out = r.responses[0]?.partitions ?? [];
  return partitions.map((index) => {
    const p = out.find((x) => x.partitionIndex === index);
    assert.ok(p !== undefined, `partition ${index} missing from the fetch response`);
    return {
      errorCode: p.errorCode,
      highWatermark: p.highWatermark,
      records: Buffer.from(p.records ?? Buffer.alloc(0)),
    };
  });
}
