// DescribeProducers handler (key 61), version 0.
// Behaviour: for each partition this broker hosts (leader or follower, as
// Kafka answers from any replica), the producers it has
// state for: id, epoch, last sequence, last timestamp, the epoch of the
// coordinator that wrote the producer's last marker, and the first offset of
// its open transaction (-1 when none), which find-hanging and abort use.
// Partitions not hosted here: NOT_LEADER_OR_FOLLOWER or UNKNOWN_TOPIC_OR_PARTITION.

import { DescribeProducers } from '../protocol/apis/describe-producers.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import type { BrokerServices } from './broker-services.ts';
import type { ApiHandler, RequestOf, ResponseOf } from './handler.ts';

type Response = ResponseOf<typeof DescribeProducers>;
type PartitionOut = Response['topics'][number]['partitions'][number];

export function describeProducersHandler(s: BrokerServices): ApiHandler<typeof DescribeProducers> {
  async function one(topic: string, index: number): Promise<PartitionOut> {
    const failed = (errorCode: number) => ({
      partitionIndex: index,
      errorCode,
      errorMessage: null,
      activeProducers: [],
    });
    if (s.image.partition(topic, index) === undefined)
      return failed(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    // Any replica answers from its own state (find-hanging --broker-id asks followers too).
    const hosted = await s.replicas.acquire(topic, index);
    if (hosted === undefined) return failed(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    return {
      partitionIndex: index,
      errorCode: 0,
      errorMessage: null,
      activeProducers: hosted.describeProducers().map((p) => ({
        producerId: p.producerId,
        producerEpoch: p.producerEpoch,
        lastSequence: p.lastSequence,
        lastTimestamp: p.lastTimestampMs,
        coordinatorEpoch: p.coordinatorEpoch,
        currentTxnStartOffset: p.currentTxnStartOffset,
      })),
    };
  }

  return {
    api: DescribeProducers,
    minVersion: 0,
    maxVersion: 0,
    async handle(req: RequestOf<typeof DescribeProducers>): Promise<Response> {
      const topics = await Promise.all(
        req.topics.map(async (t) => ({
          name: t.name,
          partitions: await Promise.all(t.partitionIndexes.map((p) => one(t.name, p))),
        })),
      );
      return { throttleTimeMs: 0, topics };
    },
  };
}
