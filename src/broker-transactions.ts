// The composition of transactions inside one broker (a helper of broker.ts,
// which stays the composition root): the transaction coordinator runtime, the
// marker writer with its transport (this broker's partitions directly, peers
// through WriteTxnMarkers), and the KIP-890 verifier a partition leader uses
// (this broker's coordinator directly, a peer's through AddPartitionsToTxn v4).

import type { BrokerServices } from './api/broker-services.ts';
import { writeMarkersHere } from './api/write-txn-markers.ts';
import type { MetadataImage } from './cluster/metadata-image.ts';
import type { BrokerConfig } from './config/broker-config.ts';
import type { GroupCoordinator } from './group/group-coordinator.ts';
import { AddPartitionsToTxn } from './protocol/apis/add-partitions-to-txn.ts';
import { WriteTxnMarkers } from './protocol/apis/write-txn-markers.ts';
import { PeerLinks } from './replication/peer-links.ts';
import { TransactionCoordinator } from './txn/transaction-coordinator.ts';
import {
  partitionForTransactionalId,
  TRANSACTION_STATE_TOPIC,
} from './txn/transaction-log-format.ts';
import type { TransactionCoordinatorConfig } from './txn/transaction-machine-types.ts';
import {
  type MarkerRequest,
  type MarkerResult,
  TransactionMarkers,
} from './txn/transaction-markers.ts';
import { TransactionVerifier, type VerifyRequest } from './txn/transaction-verifier.ts';
import type { Logger } from './util/logger.ts';

const PEER_CONNECT_TIMEOUT_MS = 5_000;
const PEER_REQUEST_TIMEOUT_MS = 15_000;
const PEER_RESPONSE_BYTES_MAX = 4 * 1024 * 1024;
const WRITE_TXN_MARKERS_VERSION = 1;
const VERIFY_VERSION = 4;

export interface TransactionWiring {
  readonly verifier: TransactionVerifier;
  /** Builds the coordinator once the broker's services and group coordinator exist. */
  start(
    s: BrokerServices,
    groups: GroupCoordinator,
    subscribe: (listener: () => void) => void,
  ): TransactionCoordinator;
  close(): Promise<void>;
}

export function transactionCoordinatorConfigOf(c: BrokerConfig): TransactionCoordinatorConfig {
  return {
    transactionStateLogNumPartitions: c.transactionStateLogNumPartitions,
    transactionMaxTimeoutMs: c.transactionMaxTimeoutMs,
    transactionalIdExpirationMs: c.transactionalIdExpirationMs,
    abortTimedOutTransactionsIntervalMs: c.transactionAbortTimedOutTransactionCleanupIntervalMs,
    removeExpiredTransactionsIntervalMs: c.transactionRemoveExpiredTransactionCleanupIntervalMs,
  };
}

export function createTransactionWiring(o: {
  readonly nodeId: number;
  readonly image: MetadataImage;
  readonly config: BrokerConfig;
  readonly logger: Logger;
}): TransactionWiring {
  const links = new PeerLinks({
    nodeId: o.nodeId,
    endpointOf: (id) => o.image.broker(id),
    connectTimeoutMs: PEER_CONNECT_TIMEOUT_MS,
    requestTimeoutMs: PEER_REQUEST_TIMEOUT_MS,
    responseSizeBytesMax: PEER_RESPONSE_BYTES_MAX,
  });
  let coordinator: TransactionCoordinator | null = null;
  let markers: TransactionMarkers | null = null;
  const verifier = new TransactionVerifier({
    enabled: o.config.transactionPartitionVerificationEnable,
    nodeId: o.nodeId,
    coordinatorOf: (id) => {
      const p = partitionForTransactionalId(id, o.config.transactionStateLogNumPartitions);
      return o.image.partition(TRANSACTION_STATE_TOPIC, p)?.leader ?? -1;
    },
    local: async (r) => {
      if (coordinator === null) throw new Error('transaction coordinator not started');
      return (await coordinator.addPartitions(verifyInput(r))).results;
    },
    remote: (brokerId, r) => verifyRemotely(links, brokerId, r),
    logger: o.logger,
  });
  return {
    verifier,
    start(s, groups, subscribe) {
      markers = new TransactionMarkers({
        transport: (brokerId, marker) =>
          brokerId === o.nodeId
            ? writeMarkersHere(s, groups, marker)
            : writeMarkersRemotely(links, brokerId, marker),
        leaderOf: (topic, partition) => {
          const st = o.image.partition(topic, partition);
          return st === undefined ? null : st.leader;
        },
        logger: o.logger,
      });
      coordinator = new TransactionCoordinator(s, {
        config: transactionCoordinatorConfigOf(o.config),
        subscribe,
        markers,
      });
      return coordinator;
    },
    async close() {
      await coordinator?.close();
      markers?.close();
      links.close();
    },
  };
}

function verifyInput(r: VerifyRequest) {
  return {
    transactionalId: r.transactionalId,
    producerId: r.producerId,
    producerEpoch: r.producerEpoch,
    partitions: [{ topic: r.topic, partitions: [r.partition] }],
    verifyOnly: true,
  };
}

async function verifyRemotely(links: PeerLinks, brokerId: number, r: VerifyRequest) {
  const response = await links.send(brokerId, AddPartitionsToTxn, VERIFY_VERSION, {
    transactions: [
      {
        transactionalId: r.transactionalId,
        producerId: r.producerId,
        producerEpoch: r.producerEpoch,
        verifyOnly: true,
        topics: [{ name: r.topic, partitions: [r.partition] }],
      },
    ],
    v3AndBelowTransactionalId: '',
    v3AndBelowProducerId: -1,
    v3AndBelowProducerEpoch: -1,
    v3AndBelowTopics: [],
  });
  return response.resultsByTransaction.flatMap((t) =>
    t.topicResults.flatMap((topic) =>
      topic.resultsByPartition.map((p) => ({
        topic: topic.name,
        partition: p.partitionIndex,
        errorCode: p.partitionErrorCode,
      })),
    ),
  );
}

async function writeMarkersRemotely(
  links: PeerLinks,
  brokerId: number,
  marker: MarkerRequest,
): Promise<MarkerResult[]> {
  const response = await links.send(brokerId, WriteTxnMarkers, WRITE_TXN_MARKERS_VERSION, {
    markers: [{ ...marker, topics: marker.topics.map((t) => ({ ...t })) }],
  });
  return response.markers.flatMap((m) =>
    m.topics.flatMap((t) =>
      t.partitions.map((p) => ({
        topic: t.name,
        partition: p.partitionIndex,
        errorCode: p.errorCode,
      })),
    ),
  );
}
