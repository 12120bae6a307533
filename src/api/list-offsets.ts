// ListOffsets handler (key 2), versions 1-9.
// Behaviour: timestamp -1 is the latest offset (the high watermark; equal to
// the last stable offset while there are no transactions), -2 the earliest
// (log start offset), -3 the offset of the largest timestamp (v7+), and any
// other value the first offset whose timestamp is at or after it, or -1 when
// none is. Follower lookups (replica id >= 0) are treated like a consumer's.
// Version notes: v2 isolation level; v4 current leader epoch and the returned
// leader epoch; v6 flexible; v7 max timestamp (KIP-734); v8 tiered-storage
// local offsets (-4) answered as earliest; v9 last tiered offset (-5) likewise.

import { ListOffsets } from '../protocol/apis/list-offsets.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import { maxTimestampOffset } from '../replication/log-scan.ts';
import type { BrokerServices } from './broker-services.ts';
import type { ApiHandler, RequestOf, ResponseOf } from './handler.ts';
import { partitionFailureCode } from './partition-failure.ts';

type Response = ResponseOf<typeof ListOffsets>;
type PartitionOut = Response['topics'][number]['partitions'][number];

export const LATEST_TIMESTAMP = -1;
export const EARLIEST_TIMESTAMP = -2;
export const MAX_TIMESTAMP = -3;

function result(
  partitionIndex: number,
  errorCode: number,
  timestamp = -1,
  offset = -1,
  leaderEpoch = -1,
): PartitionOut {
  return { partitionIndex, errorCode, timestamp, offset, leaderEpoch };
}

export function listOffsetsHandler(s: BrokerServices): ApiHandler<typeof ListOffsets> {
  /** A failing partition gets its error code; the others are answered as usual. */
  async function one(
    topic: string,
    p: { partitionIndex: number; currentLeaderEpoch: number; timestamp: number },
  ): Promise<PartitionOut> {
    try {
      return await oneOrThrow(topic, p);
    } catch (err) {
      const where = { api: 'ListOffsets', topic, partition: p.partitionIndex };
      return result(p.partitionIndex, partitionFailureCode(err, s.logger, where));
    }
  }

  async function oneOrThrow(
    topic: string,
    p: { partitionIndex: number; currentLeaderEpoch: number; timestamp: number },
  ): Promise<PartitionOut> {
    const led = await s.replicas.leaderPartition(topic, p.partitionIndex, p.currentLeaderEpoch);
    if ('errorCode' in led) return result(p.partitionIndex, led.errorCode);
    const log = led.partition.log;
    const epoch = led.leaderEpoch;
    switch (p.timestamp) {
      case LATEST_TIMESTAMP:
        return result(p.partitionIndex, ErrorCode.NONE, -1, log.highWatermark, epoch);
      case EARLIEST_TIMESTAMP:
      case -4:
      case -5:
        return result(p.partitionIndex, ErrorCode.NONE, -1, log.logStartOffset, epoch);
      case MAX_TIMESTAMP: {
        const m = await maxTimestampOffset(log);
        return m === null
          ? result(p.partitionIndex, ErrorCode.NONE, -1, -1, epoch)
          : result(p.partitionIndex, ErrorCode.NONE, m.timestamp, m.offset, epoch);
      }
      default: {
        if (p.timestamp < 0) return result(p.partitionIndex, ErrorCode.INVALID_REQUEST);
        const found = await log.offsetForTimestamp(p.timestamp);
        if (found === null || found.offset >= log.highWatermark)
          return result(p.partitionIndex, ErrorCode.NONE, -1, -1, epoch);
        return result(p.partitionIndex, ErrorCode.NONE, found.timestamp, found.offset, epoch);
      }
    }
  }

  return {
    api: ListOffsets,
    minVersion: 1,
    maxVersion: 9,
    async handle(req: RequestOf<typeof ListOffsets>): Promise<Response> {
      const topics = await Promise.all(
        req.topics.map(async (t) => ({
          name: t.name,
          partitions: await Promise.all(t.partitions.map((p) => one(t.name, p))),
        })),
      );
      return { throttleTimeMs: 0, topics };
    },
  };
}
