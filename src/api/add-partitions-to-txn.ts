// AddPartitionsToTxn handler (key 24), versions 0-5.
// Behaviour: v0-3 (clients) add the partitions to the producer's ongoing
// transaction at its coordinator, answered once the coordinator stored it; a
// partition of an unknown topic gets UNKNOWN_TOPIC_OR_PARTITION and the rest
// OPERATION_NOT_ATTEMPTED, as Kafka answers. v4+ (KIP-890, from brokers)
// carries several transactions, each either added or, with VerifyOnly, only
// checked: NONE for partitions in the ongoing transaction, INVALID_TXN_STATE
// for others. Errors of the coordinator (NOT_COORDINATOR, CONCURRENT_TRANSACTIONS,
// PRODUCER_FENCED, INVALID_PRODUCER_ID_MAPPING) are given per partition.
// Version notes: v2 PRODUCER_FENCED (INVALID_PRODUCER_EPOCH before); v3
// flexible; v4 batched form with VerifyOnly and a top-level error; v5
// TRANSACTION_ABORTABLE (never sent here).

import { AddPartitionsToTxn } from '../protocol/apis/add-partitions-to-txn.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import type { TransactionCoordinator } from '../txn/transaction-coordinator.ts';
import type { TopicPartitions } from '../txn/transaction-log-format.ts';
import type { PartitionResult } from '../txn/transaction-machine-types.ts';
import type { BrokerServices } from './broker-services.ts';
import type { ApiHandler, RequestContext, RequestOf, ResponseOf } from './handler.ts';
import { fencedForVersion } from './transaction-errors.ts';

type Request = RequestOf<typeof AddPartitionsToTxn>;
type Response = ResponseOf<typeof AddPartitionsToTxn>;
type TopicResult = Response['resultsByTopicV3AndBelow'][number];

const PRODUCER_FENCED_FROM_VERSION = 2;
const BATCHED_FROM_VERSION = 4;

function byTopic(results: readonly PartitionResult[], version: number): TopicResult[] {
  const topics = new Map<string, TopicResult>();
  for (const r of results) {
    let t = topics.get(r.topic);
    if (t === undefined) {
      t = { name: r.topic, resultsByPartition: [] };
      topics.set(r.topic, t);
    }
    t.resultsByPartition.push({
      partitionIndex: r.partition,
      partitionErrorCode: fencedForVersion(r.errorCode, version, PRODUCER_FENCED_FROM_VERSION),
    });
  }
  return [...topics.values()];
}

export function addPartitionsToTxnHandler(
  s: BrokerServices,
  txns: TransactionCoordinator,
): ApiHandler<typeof AddPartitionsToTxn> {
  async function one(
    transactionalId: string,
    producerId: number,
    producerEpoch: number,
    topics: readonly { name: string; partitions: number[] }[],
    verifyOnly: boolean,
  ): Promise<PartitionResult[]> {
    const unknown = topics.flatMap((t) =>
      t.partitions
        .filter((p) => s.image.partition(t.name, p) === undefined)
        .map((p) => ({ topic: t.name, partition: p })),
    );
    if (unknown.length > 0 && !verifyOnly) {
      // Kafka adds nothing when any partition is unknown.
      const isUnknown = (t: string, p: number) =>
        unknown.some((u) => u.topic === t && u.partition === p);
      return topics.flatMap((t) =>
        t.partitions.map((p) => ({
          topic: t.name,
          partition: p,
          errorCode: isUnknown(t.name, p)
            ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
            : ErrorCode.OPERATION_NOT_ATTEMPTED,
        })),
      );
    }
    const partitions: TopicPartitions[] = topics.map((t) => ({
      topic: t.name,
      partitions: t.partitions,
    }));
    const r = await txns.addPartitions({
      transactionalId,
      producerId,
      producerEpoch,
      partitions,
      verifyOnly,
    });
    return [...r.results];
  }

  return {
    api: AddPartitionsToTxn,
    minVersion: 0,
    maxVersion: 5,
    async handle(req: Request, ctx: RequestContext): Promise<Response> {
      const v = ctx.apiVersion;
      if (v < BATCHED_FROM_VERSION) {
        const results = await one(
          req.v3AndBelowTransactionalId,
          req.v3AndBelowProducerId,
          req.v3AndBelowProducerEpoch,
          req.v3AndBelowTopics,
          false,
        );
        return {
          throttleTimeMs: 0,
          errorCode: ErrorCode.NONE,
          resultsByTransaction: [],
          resultsByTopicV3AndBelow: byTopic(results, v),
        };
      }
      const resultsByTransaction = await Promise.all(
        req.transactions.map(async (t) => ({
          transactionalId: t.transactionalId,
          topicResults: byTopic(
            await one(t.transactionalId, t.producerId, t.producerEpoch, t.topics, t.verifyOnly),
            v,
          ),
        })),
      );
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.NONE,
        resultsByTransaction,
        resultsByTopicV3AndBelow: [],
      };
    },
  };
}
