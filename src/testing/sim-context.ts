// What the parts of a simulated run share: the clock and queue, the network,
// the store, the seeded generator, the trace, the run's settings, and the
// observer that the invariant checker listens through.

import type { decideLeadership } from '../cluster/partition-leadership.ts';
import type { FoundCoordinator, GroupCoordinatorServices } from '../group/group-coordinator.ts';
import type { OffsetCommitResponse, OffsetFetchResponse } from '../group/group-machine-types.ts';
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
  /** offsets.topic.num.partitions (replication factor 3, like the data topic). */
  readonly offsetsPartitions: number;
  /** Consumer groups committing offsets, one simulated client each. */
  readonly groups: number;
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
  /** An OffsetCommit of `offset` for the group's partition `tp` was answered with no error. */
  onCommitAck(group: string, tp: string, offset: number, coordinator: number): void;
  /** The highest offset acknowledged so far for the group's `tp` (-1: none); read when a fetch is sent. */
  committedFloor(group: string, tp: string): number;
  /**
   * An OffsetFetch sent when `floor` was the highest acknowledged commit was
   * answered with no error by `coordinator`, naming `offset` (-1: none).
   */
  onOffsetFetch(
    group: string,
    tp: string,
    offset: number,
    floor: number,
    coordinator: number,
  ): void;
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
  /**
   * Wraps the services each broker's group coordinator gets (a test's broken
   * offsets load, through the same seam); absent, the broker's own.
   */
  readonly groupServices?: GroupServicesWrapper;
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
  handleFindCoordinator(groupId: string): Promise<FoundCoordinator>;
  handleOffsetCommit(request: SimOffsetCommitRequest): Promise<OffsetCommitResponse>;
  handleOffsetFetch(request: SimOffsetFetchRequest): Promise<OffsetFetchResponse>;
}

/** A test's change to the services a simulated broker's group coordinator runs on. */
export type GroupServicesWrapper = <S extends GroupCoordinatorServices>(real: S) => S;

/** A simple OffsetCommit (generation -1, no member: a group used only to store offsets). */
export interface SimOffsetCommitRequest {
  readonly groupId: string;
  readonly offsets: readonly {
    readonly topic: string;
    readonly partition: number;
    readonly offset: number;
  }[];
}

export interface SimOffsetFetchRequest {
  readonly groupId: string;
  readonly partitions: readonly { readonly topic: string; readonly partition: number }[];
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
