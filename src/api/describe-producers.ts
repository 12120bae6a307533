// DescribeProducers handler (key 61), version 0.
// Behaviour: for each partition this broker leads, the producers it has
// state for: id, epoch, last sequence, last timestamp, the epoch of the
// coordinator that wrote the producer's last marker, and the first offset of
// its open transaction (-1 when none), which find-hanging and abort use.
// Other partitions: NOT_LEADER_OR_FOLLOWER or UNKNOWN_TOPIC_OR_PARTITION.

import { DescribeProducers } from '../protocol/apis/describe-producers.ts';
import type { BrokerServices } from './broker-services.ts';
import type { ApiHandler, RequestOf, ResponseOf } from './handler.ts';

type Response = ResponseOf<typeof DescribeProducers>;
type PartitionOut = Response['topics'][number]['partitions'][number];

export function describeProducersHandler(s: BrokerServices): ApiHandler<typeof DescribeProducers> {
  async function one(topic: string, index: number): Promise<PartitionOut> {
    const led = await s.replicas.leaderPartition(topic, index, -1);
    if ('errorCode' in led) {
      return {
        partitionIndex: index,
        errorCode: led.errorCode,
        errorMessage: null,
        activeProducers: [],
      };
    }
    return {
      partitionIndex: index,
      errorCode: 0,
      errorMessage: null,
      activeProducers: led.partition.describeProducers().map((p) => ({
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
