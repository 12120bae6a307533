// ListOffsets handler (key 2), versions 0-9.
// Behaviour (v1+): timestamp -1 is the latest offset (the high watermark, or
// for isolation level 1, read_committed, the last stable offset), -2 the earliest
// (log start offset), -3 the offset of the largest timestamp (v7+), and any
// other value the first offset whose timestamp is at or after it, or -1 when
// none is. Follower lookups (replica id >= 0) are treated like a consumer's.
// v0 (older Sarama and the lag monitors built on it) works as Kafka's
// legacyFetchOffsetsBefore: the candidates are each segment's first offset
// (not below the log start) stamped with the segment's last-modified time, plus
// the log end offset stamped now; -1 takes them from the newest down, -2 the
// oldest only, a time those last modified at or before it; at most
// maxNumOffsets, newest first, and offsets above the high watermark replaced by
// it.
// Version notes: v2 isolation level; v4 current leader epoch and the returned
// leader epoch; v6 flexible; v7 max timestamp (KIP-734); v8 tiered-storage
// local offsets (-4) answered as earliest; v9 last tiered offset (-5) likewise.

import type { SegmentInfo } from '../log/partition-log.ts';
import { ListOffsets } from '../protocol/apis/list-offsets.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import { maxTimestampOffset } from '../replication/log-scan.ts';
import type { BrokerServices } from './broker-services.ts';
import type { ApiHandler, RequestContext, RequestOf, ResponseOf } from './handler.ts';
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
  oldStyleOffsets: number[] = [],
): PartitionOut {
  return { partitionIndex, errorCode, oldStyleOffsets, timestamp, offset, leaderEpoch };
}

export interface LegacyOffsetsLog {
  readonly segments: readonly Pick<SegmentInfo, 'baseOffset' | 'sizeBytes' | 'lastModifiedMs'>[];
  readonly logStartOffset: number;
  readonly logEndOffset: number;
  readonly highWatermark: number;
}

/** ListOffsets v0's answer for one partition (Kafka's legacyFetchOffsetsBefore, consumer view). */
export function legacyOffsetsBefore(
  log: LegacyOffsetsLog,
  timestamp: number,
  maxNumOffsets: number,
  nowMs: number,
): number[] {
  const candidates = log.segments.map((seg) => ({
    offset: Math.max(seg.baseOffset, log.logStartOffset),
    timeMs: seg.lastModifiedMs,
  }));
  const last = log.segments.at(-1);
  if (last !== undefined && last.sizeBytes > 0) {
    candidates.push({ offset: log.logEndOffset, timeMs: nowMs });
  }
  let start: number;
  if (timestamp === LATEST_TIMESTAMP) start = candidates.length - 1;
  else if (timestamp === EARLIEST_TIMESTAMP || timestamp === -4) start = 0;
  else {
    start = candidates.length - 1;
    while (start >= 0 && candidates[start]!.timeMs > timestamp) start--;
  }
  const offsets: number[] = [];
  for (let i = start; i >= 0 && offsets.length < maxNumOffsets; i--) {
    offsets.push(candidates[i]!.offset);
  }
  offsets.sort((a, b) => b - a);
  // A consumer never sees offsets above the high watermark: the first one it gets is that.
  if (offsets.some((o) => o > log.highWatermark)) {
    return [log.highWatermark, ...offsets.filter((o) => o <= log.highWatermark)];
  }
  return offsets;
}

export function listOffsetsHandler(s: BrokerServices): ApiHandler<typeof ListOffsets> {
  /** A failing partition gets its error code; the others are answered as usual. */
  async function one(
    topic: string,
    p: { partitionIndex: number; currentLeaderEpoch: number; timestamp: number },
    readCommitted: boolean,
  ): Promise<PartitionOut> {
    try {
      return await oneOrThrow(topic, p, readCommitted);
    } catch (err) {
      const where = { api: 'ListOffsets', topic, partition: p.partitionIndex };
      return result(p.partitionIndex, partitionFailureCode(err, s.logger, where));
    }
  }

  async function oneOrThrow(
    topic: string,
    p: { partitionIndex: number; currentLeaderEpoch: number; timestamp: number },
    readCommitted: boolean,
  ): Promise<PartitionOut> {
    const led = await s.replicas.leaderPartition(topic, p.partitionIndex, p.currentLeaderEpoch);
    if ('errorCode' in led) return result(p.partitionIndex, led.errorCode);
    const log = led.partition.log;
    const epoch = led.leaderEpoch;
    const latest = readCommitted ? led.partition.lastStableOffset() : log.highWatermark;
    switch (p.timestamp) {
      case LATEST_TIMESTAMP:
        return result(p.partitionIndex, ErrorCode.NONE, -1, latest, epoch);
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
        if (found === null || found.offset >= latest)
          return result(p.partitionIndex, ErrorCode.NONE, -1, -1, epoch);
        return result(p.partitionIndex, ErrorCode.NONE, found.timestamp, found.offset, epoch);
      }
    }
  }

  async function legacy(
    topic: string,
    p: { partitionIndex: number; timestamp: number; maxNumOffsets: number },
  ): Promise<PartitionOut> {
    if (p.maxNumOffsets < 0) return result(p.partitionIndex, ErrorCode.INVALID_REQUEST);
    const led = await s.replicas.leaderPartition(topic, p.partitionIndex, -1);
    if ('errorCode' in led) return result(p.partitionIndex, led.errorCode);
    const log = led.partition.log;
    const offsets = legacyOffsetsBefore(
      {
        segments: log.describeSegments(),
        logStartOffset: log.logStartOffset,
        logEndOffset: log.logEndOffset,
        highWatermark: log.highWatermark,
      },
      p.timestamp,
      p.maxNumOffsets,
      Date.now(),
    );
    return result(p.partitionIndex, ErrorCode.NONE, -1, -1, -1, offsets);
  }

  return {
    api: ListOffsets,
    minVersion: 0,
    maxVersion: 9,
    async handle(req: RequestOf<typeof ListOffsets>, ctx: RequestContext): Promise<Response> {
      const readCommitted = ctx.apiVersion >= 2 && req.isolationLevel === 1;
      const answer = (
        topic: string,
        p: RequestOf<typeof ListOffsets>['topics'][number]['partitions'][number],
      ) => (ctx.apiVersion === 0 ? legacy(topic, p) : one(topic, p, readCommitted));
      const topics = await Promise.all(
        req.topics.map(async (t) => ({
          name: t.name,
          partitions: await Promise.all(t.partitions.map((p) => answer(t.name, p))),
        })),
      );
      return { throttleTimeMs: 0, topics };
    },
  };
}
