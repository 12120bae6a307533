// DeleteRecords handler (key 21), versions 0-2: moves a partition's log start
// offset forward (kafka-delete-records.sh). Whole segments below it are
// deleted; reads below it get OFFSET_OUT_OF_RANGE. Offset -1 means the high
// watermark. An offset above the high watermark is OFFSET_OUT_OF_RANGE.
// Authorization (as Kafka's KafkaApis): Delete on each topic
// (TOPIC_AUTHORIZATION_FAILED per partition).
// Version notes: v2 flexible.

import { DeleteRecords } from '../protocol/apis/delete-records.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import type { BrokerServices } from './broker-services.ts';
import type { ApiHandler, RequestContext, RequestOf, ResponseOf } from './handler.ts';

type Response = ResponseOf<typeof DeleteRecords>;
type PartitionOut = Response['topics'][number]['partitions'][number];

export function deleteRecordsHandler(s: BrokerServices): ApiHandler<typeof DeleteRecords> {
  async function one(
    topic: string,
    p: { partitionIndex: number; offset: number },
  ): Promise<PartitionOut> {
    const fail = (errorCode: number): PartitionOut => ({
      partitionIndex: p.partitionIndex,
      lowWatermark: -1,
      errorCode,
    });
    // DeleteRecords names no leader epoch: -1 skips that check.
    const led = await s.replicas.leaderPartition(topic, p.partitionIndex, -1);
    if ('errorCode' in led) return fail(led.errorCode);
    const log = led.partition.log;
    const target = p.offset === -1 ? log.highWatermark : p.offset;
    if (target < 0 || target > log.highWatermark) return fail(ErrorCode.OFFSET_OUT_OF_RANGE);
    if (target > log.logStartOffset) await log.deleteRecordsBefore(target);
    return {
      partitionIndex: p.partitionIndex,
      lowWatermark: log.logStartOffset,
      errorCode: ErrorCode.NONE,
    };
  }

  return {
    api: DeleteRecords,
    minVersion: 0,
    maxVersion: 2,
    async handle(req: RequestOf<typeof DeleteRecords>, ctx: RequestContext): Promise<Response> {
      const deletable = s.authorizer.allowedNames(
        ctx,
        'DELETE',
        'TOPIC',
        req.topics.map((t) => t.name),
      );
      const denied = (p: { partitionIndex: number }): PartitionOut => ({
        partitionIndex: p.partitionIndex,
        lowWatermark: -1,
        errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
      });
      const topics = await Promise.all(
        req.topics.map(async (t) => ({
          name: t.name,
          partitions: await Promise.all(
            t.partitions.map((p) => (deletable.has(t.name) ? one(t.name, p) : denied(p))),
          ),
        })),
      );
      return { throttleTimeMs: 0, topics };
    },
  };
}
