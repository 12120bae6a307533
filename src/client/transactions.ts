// Transaction administration as Kafka's Admin offers it to
// kafka-transactions.sh: list transactions (ListTransactions to every
// broker), describe a transactional id (DescribeTransactions to its
// coordinator), describe a partition's producers (DescribeProducers to its
// leader or a given replica), abort a transaction on one partition
// (WriteTxnMarkers to the leader), and find hanging transactions: open on a
// partition for longer than the maximum transaction timeout and unknown to
// their coordinator.

import { DescribeProducers } from '../protocol/apis/describe-producers.ts';
import { DescribeTransactions } from '../protocol/apis/describe-transactions.ts';
import { ListTransactions } from '../protocol/apis/list-transactions.ts';
import { WriteTxnMarkers } from '../protocol/apis/write-txn-markers.ts';
import { topicNamed } from './cluster-metadata.ts';
import { ErrorCode, KafkaError, kafkaError, throwIfError } from './errors.ts';
import type { KafkaClient } from './kafka-client.ts';

const COORDINATOR_KEY_TYPE_TRANSACTION = 1;

export interface TransactionListing {
  readonly coordinatorId: number;
  readonly transactionalId: string;
  readonly producerId: number;
  readonly state: string;
}

export interface TransactionDescription {
  readonly coordinatorId: number;
  readonly transactionalId: string;
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly state: string;
  readonly timeoutMs: number;
  /** -1 when no transaction is open. */
  readonly startTimeMs: number;
  readonly topicPartitions: readonly { topic: string; partition: number }[];
}

export interface ProducerState {
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly lastSequence: number;
  readonly lastTimestamp: number;
  readonly coordinatorEpoch: number;
  /** -1 when the producer has no open transaction on the partition. */
  readonly currentTxnStartOffset: number;
}

export interface OpenTransaction {
  readonly topic: string;
  readonly partition: number;
  readonly producer: ProducerState;
}

/** Every transaction every broker coordinates, optionally only those of some producers. */
export async function listTransactions(
  client: KafkaClient,
  producerIds: readonly number[] = [],
): Promise<TransactionListing[]> {
  const md = await client.metadata([]);
  const perBroker = await Promise.all(
    md.brokers.map(async (b) => {
      const r = await client.sendTo(b.nodeId, ListTransactions, {
        stateFilters: [],
        producerIdFilters: [...producerIds],
        durationFilter: -1,
      });
      throwIfError(r.errorCode);
      return r.transactionStates.map((t) => ({
        coordinatorId: b.nodeId,
        transactionalId: t.transactionalId,
        producerId: t.producerId,
        state: t.transactionState,
      }));
    }),
  );
  return perBroker.flat();
}

/** The transactional id's state at its coordinator; throws TRANSACTIONAL_ID_NOT_FOUND and the like. */
export async function describeTransaction(
  client: KafkaClient,
  transactionalId: string,
): Promise<TransactionDescription> {
  const coordinator = await client.coordinatorFor(
    transactionalId,
    COORDINATOR_KEY_TYPE_TRANSACTION,
  );
  const r = await client.sendTo(coordinator.nodeId, DescribeTransactions, {
    transactionalIds: [transactionalId],
  });
  const t = r.transactionStates[0];
  if (t === undefined) throw kafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, 'no description returned');
  throwIfError(t.errorCode);
  return {
    coordinatorId: coordinator.nodeId,
    transactionalId,
    producerId: t.producerId,
    producerEpoch: t.producerEpoch,
    state: t.transactionState,
    timeoutMs: t.transactionTimeoutMs,
    startTimeMs: t.transactionStartTimeMs,
    topicPartitions: t.topics.flatMap((x) =>
      x.partitions.map((p) => ({ topic: x.topic, partition: p })),
    ),
  };
}

/** The producers of a partition, from its leader or from `brokerId`. */
export async function describeProducers(
  client: KafkaClient,
  topic: string,
  partition: number,
  brokerId?: number,
): Promise<ProducerState[]> {
  const target = brokerId ?? (await leaderOf(client, topic, partition));
  const r = await client.sendTo(target, DescribeProducers, {
    topics: [{ name: topic, partitionIndexes: [partition] }],
  });
  const p = r.topics[0]?.partitions[0];
  if (p === undefined) throw kafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, 'no partition returned');
  throwIfError(p.errorCode, p.errorMessage);
  return p.activeProducers.map((a) => ({
    producerId: a.producerId,
    producerEpoch: a.producerEpoch,
    lastSequence: a.lastSequence,
    lastTimestamp: a.lastTimestamp,
    coordinatorEpoch: a.coordinatorEpoch,
    currentTxnStartOffset: a.currentTxnStartOffset,
  }));
}

async function leaderOf(client: KafkaClient, topic: string, partition: number): Promise<number> {
  const md = await client.metadata([topic]);
  const t = topicNamed(md, topic);
  if (t === undefined || t.errorCode !== ErrorCode.NONE)
    throw kafkaError(t?.errorCode ?? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  const p = t.partitions.find((x) => x.partition === partition);
  if (p === undefined) throw kafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  if (p.leaderId < 0) throw kafkaError(ErrorCode.LEADER_NOT_AVAILABLE);
  return p.leaderId;
}

export interface AbortSpec {
  readonly topic: string;
  readonly partition: number;
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly coordinatorEpoch: number;
}

/** Writes an abort marker for the producer to the partition (Admin.abortTransaction). */
export async function abortTransaction(client: KafkaClient, spec: AbortSpec): Promise<void> {
  const leader = await leaderOf(client, spec.topic, spec.partition);
  const r = await client.sendTo(leader, WriteTxnMarkers, {
    markers: [
      {
        producerId: spec.producerId,
        producerEpoch: spec.producerEpoch,
        transactionResult: false,
        topics: [{ name: spec.topic, partitionIndexes: [spec.partition] }],
        coordinatorEpoch: Math.max(0, spec.coordinatorEpoch),
      },
    ],
  });
  const result = r.markers[0]?.topics[0]?.partitions[0];
  if (result === undefined) throw kafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, 'no result returned');
  throwIfError(result.errorCode);
}

/**
 * The transactions open on the partitions searched (those with a replica on
 * `brokerId`, and/or of `topic`) for longer than maxTransactionTimeoutMs that
 * their coordinator does not list among the transaction's partitions:
 * nobody will ever write their marker.
 */
export async function findHangingTransactions(
  client: KafkaClient,
  scope: {
    readonly brokerId?: number;
    readonly topic?: string;
    readonly partition?: number;
    readonly maxTransactionTimeoutMs: number;
    readonly nowMs: number;
  },
): Promise<OpenTransaction[]> {
  const candidates: OpenTransaction[] = [];
  for (const tp of await partitionsToSearch(client, scope)) {
    const producers = await describeProducers(client, tp.topic, tp.partition, scope.brokerId);
    for (const producer of producers) {
      if (producer.currentTxnStartOffset < 0) continue;
      if (scope.nowMs - producer.lastTimestamp > scope.maxTransactionTimeoutMs)
        candidates.push({ ...tp, producer });
    }
  }
  if (candidates.length === 0) return [];
  const producerIds = [...new Set(candidates.map((c) => c.producer.producerId))];
  const listings = await listTransactions(client, producerIds);
  const hanging: OpenTransaction[] = [];
  for (const c of candidates) {
    const listing = listings.find((l) => l.producerId === c.producer.producerId);
    if (listing === undefined) {
      hanging.push(c);
      continue;
    }
    const d = await describeTransaction(client, listing.transactionalId).catch((err: unknown) => {
      if (err instanceof KafkaError && err.code === ErrorCode.TRANSACTIONAL_ID_NOT_FOUND)
        return null;
      throw err;
    });
    const known = d?.topicPartitions.some(
      (x) => x.topic === c.topic && x.partition === c.partition,
    );
    if (known !== true) hanging.push(c);
  }
  return hanging;
}

async function partitionsToSearch(
  client: KafkaClient,
  scope: { readonly brokerId?: number; readonly topic?: string; readonly partition?: number },
): Promise<{ topic: string; partition: number }[]> {
  if (scope.topic !== undefined && scope.partition !== undefined)
    return [{ topic: scope.topic, partition: scope.partition }];
  const md = await client.metadata(scope.topic === undefined ? null : [scope.topic]);
  const out: { topic: string; partition: number }[] = [];
  for (const t of md.topics) {
    for (const p of t.partitions) {
      if (scope.brokerId === undefined || p.replicas.includes(scope.brokerId))
        out.push({ topic: t.name, partition: p.partition });
    }
  }
  return out;
}
