// What the parts of a simulated run share: the clock and queue, the network,
// the store, the seeded generator, the trace, the run's settings, and the
// observer that the invariant checker listens through.

import type { decideLeadership } from '../cluster/partition-leadership.ts';
import type { KeyLayout } from '../metadata/key-layout.ts';
import type { Logger } from '../util/logger.ts';
import type { SimNetwork } from './sim-network.ts';
import type { SimRandom } from './sim-random.ts';
import type { SimScheduler } from './sim-scheduler.ts';
import type { SimMetadataStore } from './sim-store.ts';
import type { SimTrace } from './sim-trace.ts';

export interface SimTopic {
  readonly name: string;
  readonly partitions: number;
  readonly replicationFactor: number;
}

export interface SimSettings {
  readonly brokers: number;
  readonly topics: readonly SimTopic[];
  /** broker.session.timeout.ms: the TTL of each broker's lease. */
  readonly sessionTimeoutMs: number;
  /** replica.lag.time.max.ms. */
  readonly lagTimeMaxMs: number;
  /** min.insync.replicas. */
  readonly minInsync: number;
  /** flush.messages=1 (fsync each append) rather than Kafka's default of never. */
  readonly flushEveryMessage: boolean;
  readonly segmentBytes: number;
  /** How long a follower waits after a fetch that brought nothing. */
  readonly fetchIdleMs: number;
  /** Broker-to-broker and client request timeout. */
  readonly requestTimeoutMs: number;
  /** How long a broker waits for the metadata store before giving up on a call. */
  readonly storeTimeoutMs: number;
  /** Produce request timeout (acks=all waits at most this long). */
  readonly produceTimeoutMs: number;
}

/** Hooks from the simulated brokers and clients into the invariant checker. */
export interface SimObserver {
  /** A leader appended a producer's batch stamped `leaderEpoch` at `baseOffset`. */
  onLeaderAppend(
    tp: string,
    broker: number,
    leaderEpoch: number,
    baseOffset: number,
    crc: number,
  ): void;
  /** A follower truncated its log to `offset`. */
  onTruncate(tp: string, broker: number, offset: number): void;
  /** A producer got an acks=all acknowledgement for the batch with `crc` at `offset`. */
  onAck(tp: string, offset: number, crc: number, value: string): void;
}

export interface SimContext {
  readonly scheduler: SimScheduler;
  readonly network: SimNetwork;
  readonly random: SimRandom;
  readonly trace: SimTrace;
  readonly store: SimMetadataStore;
  readonly keys: KeyLayout;
  readonly settings: SimSettings;
  readonly logger: Logger;
  readonly observer: SimObserver;
  /** A broken leader election injected by the mutation test; absent, the controller's own. */
  readonly decideLeadership?: typeof decideLeadership;
  /** The broker process object for a node (up or down). */
  broker(nodeId: number): SimBrokerHandle | undefined;
}

/** What other nodes may ask of a broker over the network. */
export interface SimBrokerHandle {
  readonly nodeId: number;
  readonly up: boolean;
  handleFetch(replicaId: number, wanted: readonly SimFetchPartition[]): Promise<SimFetchAnswer[]>;
  handleProduce(request: SimProduceRequest): Promise<SimProduceAnswer>;
  handleMetadata(topic: string, partition: number): SimLeaderInfo | null;
}

export interface SimLeaderInfo {
  readonly leader: number;
  readonly leaderEpoch: number;
}

export interface SimFetchPartition {
  readonly topic: string;
  readonly partition: number;
  readonly currentLeaderEpoch: number;
  readonly fetchOffset: number;
  readonly lastFetchedEpoch: number;
}

export interface SimFetchAnswer {
  readonly topic: string;
  readonly partition: number;
  readonly errorCode: number;
  readonly highWatermark: number;
  readonly divergingEpoch: { readonly epoch: number; readonly endOffset: number } | null;
  readonly records: Buffer | null;
}

export interface SimProduceRequest {
  readonly topic: string;
  readonly partition: number;
  /** The producer's batch; the broker patches it in place, so each attempt sends a copy. */
  readonly records: Buffer;
  readonly timeoutMs: number;
}

export interface SimProduceAnswer {
  readonly errorCode: number;
  readonly baseOffset: number;
}

export function tpKey(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}
