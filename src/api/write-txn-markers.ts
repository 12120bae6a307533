// WriteTxnMarkers handler (key 27), versions 0-1.
// Behaviour: appends each marker (a control batch: commit or abort, with the
// coordinator's epoch) to the partitions this broker leads, and answers each
// partition once the in-sync replicas have it (as Kafka appends markers with
// acks=all), so a marker acknowledged to the coordinator survives a leader
// change. A marker with an epoch older than the producer's is
// INVALID_PRODUCER_EPOCH; from an older coordinator, TRANSACTION_COORDINATOR_FENCED.
// A marker written to a __consumer_offsets partition also settles the
// offsets the producer committed there (TxnOffsetCommit). Sent by
// transaction coordinators, and by admin tools to abort a hanging transaction.
// Authorization (as Kafka's KafkaApis): Alter on the cluster, else ClusterAction
// on it (else CLUSTER_AUTHORIZATION_FAILED on every partition).
// Version notes: v1 flexible.

import { OFFSETS_TOPIC } from '../group/group-coordinator.ts';
import { WriteTxnMarkers } from '../protocol/apis/write-txn-markers.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import type { MarkerRequest, MarkerResult } from '../txn/transaction-markers.ts';
import type { BrokerServices } from './broker-services.ts';
import type { ApiHandler, RequestContext, RequestOf, ResponseOf } from './handler.ts';
import { partitionFailureCode } from './partition-failure.ts';
import { authorizeWriteTxnMarkers } from './txn-authorization.ts';

/** How long a marker waits for the in-sync replicas before REQUEST_TIMED_OUT. */
export const MARKER_REPLICATION_TIMEOUT_MS = 5000;

export interface MarkerSink {
  /** A marker reached a __consumer_offsets partition (GroupCoordinator.completeTransaction). */
  completeTransaction(partition: number, producerId: number, commit: boolean): void;
}

/** Writes one marker to the partitions it names that this broker leads. */
export async function writeMarkersHere(
  s: BrokerServices,
  groups: MarkerSink,
  marker: MarkerRequest,
): Promise<MarkerResult[]> {
  const all = marker.topics.flatMap((t) =>
    t.partitionIndexes.map((p) => ({ topic: t.name, partition: p })),
  );
  return Promise.all(
    all.map(async ({ topic, partition }) => ({
      topic,
      partition,
      errorCode: await writeOne(s, groups, marker, topic, partition),
    })),
  );
}

async function writeOne(
  s: BrokerServices,
  groups: MarkerSink,
  marker: MarkerRequest,
  topic: string,
  index: number,
): Promise<number> {
  const led = await s.replicas.leaderPartition(topic, index, -1);
  if ('errorCode' in led) return led.errorCode;
  const state = s.image.partition(topic, index);
  const minInsync = s.settings.minInsyncReplicas(topic);
  if (state !== undefined && state.isr.length < minInsync) return ErrorCode.NOT_ENOUGH_REPLICAS;
  const partition = led.partition;
  try {
    const r = await partition.appendMarker({
      producerId: marker.producerId,
      producerEpoch: marker.producerEpoch,
      commit: marker.transactionResult,
      coordinatorEpoch: marker.coordinatorEpoch,
    });
    if (r.errorCode !== ErrorCode.NONE) return r.errorCode;
    if (topic === OFFSETS_TOPIC)
      groups.completeTransaction(index, marker.producerId, marker.transactionResult);
    const reached = await partition.waitForHighWatermark(
      r.lastOffset + 1,
      MARKER_REPLICATION_TIMEOUT_MS,
    );
    if (reached) return ErrorCode.NONE;
    const now = s.image.partition(topic, index);
    if (now?.leader !== s.nodeId || now.leaderEpoch !== led.leaderEpoch)
      return ErrorCode.NOT_LEADER_OR_FOLLOWER;
    return now.isr.length < minInsync
      ? ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND
      : ErrorCode.REQUEST_TIMED_OUT;
  } catch (err) {
    // A log closed under the marker (its topic deleted, its directory offline) is the
    // world's doing: KAFKA_STORAGE_ERROR and a warning; anything else is our bug.
    return partitionFailureCode(err, s.logger, { api: 'WriteTxnMarkers', topic, partition: index });
  }
}

export function writeTxnMarkersHandler(
  s: BrokerServices,
  groups: MarkerSink,
): ApiHandler<typeof WriteTxnMarkers> {
  return {
    api: WriteTxnMarkers,
    minVersion: 0,
    maxVersion: 1,
    async handle(
      req: RequestOf<typeof WriteTxnMarkers>,
      ctx: RequestContext,
    ): Promise<ResponseOf<typeof WriteTxnMarkers>> {
      const denied = authorizeWriteTxnMarkers(s.authorizer, ctx);
      if (denied !== ErrorCode.NONE)
        return {
          markers: req.markers.map((m) => ({
            producerId: m.producerId,
            topics: m.topics.map((t) => ({
              name: t.name,
              partitions: t.partitionIndexes.map((p) => ({ partitionIndex: p, errorCode: denied })),
            })),
          })),
        };
      const markers = await Promise.all(
        req.markers.map(async (m) => {
          const results = await writeMarkersHere(s, groups, m);
          const topics = new Map<string, { partitionIndex: number; errorCode: number }[]>();
          for (const r of results) {
            const list = topics.get(r.topic) ?? [];
            list.push({ partitionIndex: r.partition, errorCode: r.errorCode });
            topics.set(r.topic, list);
          }
          return {
            producerId: m.producerId,
            topics: [...topics].map(([name, partitions]) => ({ name, partitions })),
          };
        }),
      );
      return { markers };
    },
  };
}
