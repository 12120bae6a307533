// A consumer-group member with the classic protocol: JoinGroup (retrying with
// the member id a v4+ coordinator hands out), the leader runs the range or
// roundrobin assignor over the members' subscriptions, SyncGroup delivers each
// assignment, heartbeats keep the membership and notice a rebalance, positions
// start at the committed offsets (else auto.offset.reset), offsets are
// committed on an interval and on close, and close leaves the group.

import { Heartbeat } from '../protocol/apis/heartbeat.ts';
import { JoinGroup } from '../protocol/apis/join-group.ts';
import { LeaveGroup } from '../protocol/apis/leave-group.ts';
import { SyncGroup } from '../protocol/apis/sync-group.ts';
import { commitOffsets, fetchCommittedOffsets } from './admin.ts';
import { ASSIGNOR_NAMES, type AssignorName, assign } from './assignors.ts';
import type { BrokerNode } from './cluster-metadata.ts';
import {
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
} from './consumer-protocol.ts';
import { ErrorCode, kafkaError } from './errors.ts';
import {
  type ConsumedRecord,
  Fetcher,
  type FetcherOptions,
  type OffsetResetPolicy,
  type TopicPartition,
  topicsMetadata,
} from './fetcher.ts';
import type { KafkaClient } from './kafka-client.ts';
import { sleep } from './retry.ts';

export interface GroupConsumerOptions extends FetcherOptions {
  readonly groupId: string;
  readonly topics: readonly string[];
  /** Assignors in order of preference (partition.assignment.strategy). */
  readonly assignors?: readonly AssignorName[];
  readonly sessionTimeoutMs?: number;
  readonly rebalanceTimeoutMs?: number;
  readonly heartbeatIntervalMs?: number;
  readonly enableAutoCommit?: boolean;
  readonly autoCommitIntervalMs?: number;
  readonly autoOffsetReset?: OffsetResetPolicy;
}

const JOIN_ATTEMPTS_MAX = 20;
const PROTOCOL_TYPE = 'consumer';

/** Coordinator errors after which a member finds the coordinator again and retries. */
const COORDINATOR_MOVED: ReadonlySet<number> = new Set([
  ErrorCode.NOT_COORDINATOR,
  ErrorCode.COORDINATOR_NOT_AVAILABLE,
  ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
]);

export class GroupConsumer {
  private readonly fetcher: Fetcher;
  private coordinator: BrokerNode | null = null;
  private memberIdValue = '';
  private generationId = -1;
  private assigned: TopicPartition[] = [];
  private rejoinNeeded = true;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private lastCommitMs = 0;
  private closed = false;

  constructor(
    private readonly client: KafkaClient,
    private readonly opts: GroupConsumerOptions,
  ) {
    this.fetcher = new Fetcher(client, opts);
  }

  get memberId(): string {
    return this.memberIdValue;
  }

  get assignment(): readonly TopicPartition[] {
    return this.assigned;
  }

  /** Joins (or rejoins) when needed, commits on the interval, then fetches once. */
  async poll(): Promise<ConsumedRecord[]> {
    if (this.rejoinNeeded) {
      if (this.generationId >= 0) await this.commit().catch(() => undefined);
      await this.join();
    }
    const interval = this.opts.autoCommitIntervalMs ?? 5_000;
    if ((this.opts.enableAutoCommit ?? true) && Date.now() - this.lastCommitMs >= interval) {
      await this.commit().catch(() => undefined);
    }
    return this.fetcher.poll();
  }

  /** Moves the next read of an assigned partition (and what a commit will store). */
  seek(tp: TopicPartition, offset: number): void {
    this.fetcher.seek(tp, offset);
  }

  /** Commits the position of every assigned partition. */
  async commit(): Promise<void> {
    const offsets = this.assigned.flatMap((tp) => {
      const offset = this.fetcher.position(tp);
      return offset === undefined ? [] : [{ ...tp, offset }];
    });
    this.lastCommitMs = Date.now();
    if (offsets.length === 0) return;
    await commitOffsets(this.client, this.opts.groupId, offsets, {
      generationId: this.generationId,
      memberId: this.memberIdValue,
    });
  }

  /** Commits (when auto-commit is on), stops heartbeating and leaves the group. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopHeartbeats();
    if (this.generationId < 0 || this.coordinator === null) return;
    if (this.opts.enableAutoCommit ?? true) await this.commit().catch(() => undefined);
    await this.client
      .sendTo(this.coordinator.nodeId, LeaveGroup, {
        groupId: this.opts.groupId,
        memberId: this.memberIdValue,
        members: [
          {
            memberId: this.memberIdValue,
            groupInstanceId: null,
            reason: 'the consumer is being closed',
          },
        ],
      })
      .catch(() => undefined);
  }

  private async join(): Promise<void> {
    this.stopHeartbeats();
    for (let attempt = 0; attempt < JOIN_ATTEMPTS_MAX; attempt++) {
      this.coordinator ??= await this.client.coordinatorFor(this.opts.groupId);
      const outcome = await this.joinOnce(this.coordinator);
      if (outcome === 'joined') {
        this.rejoinNeeded = false;
        await this.startPositions();
        this.scheduleHeartbeat();
        return;
      }
      if (outcome === 'coordinator-moved') this.coordinator = null;
      if (outcome !== 'retry-now') await sleep(this.client.retryBackoffMs);
    }
    throw kafkaError(ErrorCode.REBALANCE_IN_PROGRESS, `Could not join group ${this.opts.groupId}`);
  }

  private async joinOnce(
    coordinator: BrokerNode,
  ): Promise<'joined' | 'retry' | 'retry-now' | 'coordinator-moved'> {
    const rebalanceTimeoutMs = this.opts.rebalanceTimeoutMs ?? 300_000;
    const subscription = encodeSubscription({ topics: this.opts.topics, ownedPartitions: [] });
    const join = await this.client.sendTo(
      coordinator.nodeId,
      JoinGroup,
      {
        groupId: this.opts.groupId,
        sessionTimeoutMs: this.opts.sessionTimeoutMs ?? 45_000,
        rebalanceTimeoutMs,
        memberId: this.memberIdValue,
        groupInstanceId: null,
        protocolType: PROTOCOL_TYPE,
        protocols: (this.opts.assignors ?? ASSIGNOR_NAMES).map((name) => ({
          name,
          metadata: subscription,
        })),
        reason: null,
      },
      { timeoutMs: rebalanceTimeoutMs + 5_000 },
    );
    if (join.errorCode === ErrorCode.MEMBER_ID_REQUIRED) {
      this.memberIdValue = join.memberId;
      return 'retry-now';
    }
    const early = this.judge(join.errorCode);
    if (early !== null) return early;
    this.memberIdValue = join.memberId;
    this.generationId = join.generationId;
    const protocol = join.protocolName ?? 'range';
    const assignments =
      join.leader === join.memberId ? await this.assignAsLeader(protocol, join.members) : [];
    const sync = await this.client.sendTo(coordinator.nodeId, SyncGroup, {
      groupId: this.opts.groupId,
      generationId: this.generationId,
      memberId: this.memberIdValue,
      groupInstanceId: null,
      protocolType: PROTOCOL_TYPE,
      protocolName: protocol,
      assignments,
    });
    const late = this.judge(sync.errorCode);
    if (late !== null) return late;
    this.assigned = decodeAssignment(sync.assignment);
    return 'joined';
  }

  /** What a JoinGroup or SyncGroup error means for the next step; null when there is none. */
  private judge(errorCode: number): 'retry' | 'coordinator-moved' | null {
    if (errorCode === ErrorCode.NONE) return null;
    if (COORDINATOR_MOVED.has(errorCode)) return 'coordinator-moved';
    if (errorCode === ErrorCode.UNKNOWN_MEMBER_ID || errorCode === ErrorCode.ILLEGAL_GENERATION) {
      this.memberIdValue = errorCode === ErrorCode.UNKNOWN_MEMBER_ID ? '' : this.memberIdValue;
      return 'retry';
    }
    if (errorCode === ErrorCode.REBALANCE_IN_PROGRESS) return 'retry';
    throw kafkaError(errorCode);
  }

  private async assignAsLeader(
    protocol: string,
    members: readonly { memberId: string; metadata: Buffer }[],
  ): Promise<{ memberId: string; assignment: Buffer }[]> {
    const subscriptions = members.map((m) => ({
      memberId: m.memberId,
      topics: decodeSubscription(m.metadata).topics,
    }));
    const topics = [...new Set(subscriptions.flatMap((s) => s.topics))];
    const md = await topicsMetadata(this.client, topics).catch(() => new Map());
    const counts = new Map(
      [...md.values()].map((t) => [t.name, t.partitions.length] as [string, number]),
    );
    const name: AssignorName = protocol === 'roundrobin' ? 'roundrobin' : 'range';
    const result = assign(name, subscriptions, counts);
    return [...result].map(([memberId, tps]) => ({ memberId, assignment: encodeAssignment(tps) }));
  }

  /** Committed offsets where the group has them, auto.offset.reset elsewhere. */
  private async startPositions(): Promise<void> {
    this.fetcher.unassignAll();
    if (this.assigned.length === 0) return;
    const committed = await fetchCommittedOffsets(this.client, this.opts.groupId, this.assigned);
    for (const c of committed) this.fetcher.seek(c, c.offset);
    const missing = this.assigned.filter((tp) => this.fetcher.position(tp) === undefined);
    if (missing.length > 0) await this.fetcher.resetPositions(missing);
    this.lastCommitMs = Date.now();
  }

  private scheduleHeartbeat(): void {
    if (this.closed) return;
    this.heartbeatTimer = setTimeout(
      () => void this.heartbeat(),
      this.opts.heartbeatIntervalMs ?? 3_000,
    );
  }

  private stopHeartbeats(): void {
    if (this.heartbeatTimer !== null) clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }

  private async heartbeat(): Promise<void> {
    this.heartbeatTimer = null;
    if (this.coordinator === null || this.rejoinNeeded || this.closed) return;
    try {
      const r = await this.client.sendTo(this.coordinator.nodeId, Heartbeat, {
        groupId: this.opts.groupId,
        generationId: this.generationId,
        memberId: this.memberIdValue,
        groupInstanceId: null,
      });
      if (r.errorCode === ErrorCode.NONE) {
        this.scheduleHeartbeat();
        return;
      }
      if (COORDINATOR_MOVED.has(r.errorCode)) this.coordinator = null;
      if (r.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) this.memberIdValue = '';
      this.rejoinNeeded = true;
    } catch {
      // A failed heartbeat means the membership is in doubt; the next poll rejoins.
      this.rejoinNeeded = true;
    }
  }
}
