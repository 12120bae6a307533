// Consumers committing offsets in a simulated run, one client per group. Each
// finds its group's coordinator as a Kafka client does (FindCoordinator to a
// random broker, answered by that broker's own group coordinator), commits
// ever larger offsets for a couple of partitions with a simple OffsetCommit
// (generation -1, no member: Kafka accepts that for an empty group), and reads
// them back with OffsetFetch whenever it finds a new coordinator (as a
// consumer does to resume after a rebalance) and now and then besides. On NOT_COORDINATOR,
// COORDINATOR_NOT_AVAILABLE, COORDINATOR_LOAD_IN_PROGRESS or a timeout it
// looks for the coordinator again and retries the same commit, as a consumer's
// commitSync does. Every answer without an error goes to the checker.

import type { FoundCoordinator } from '../group/group-coordinator.ts';
import type { OffsetCommitResponse, OffsetFetchResponse } from '../group/group-machine-types.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import { type SimContext, type SimOffsetCommitRequest, tpKey } from './sim-context.ts';
import { TIMEOUT } from './sim-network.ts';
import { CLIENT_NODE_BASE } from './sim-producers.ts';
import type { SimRandom } from './sim-random.ts';

/** Consumer node numbers start here (producers are CLIENT_NODE_BASE + 0..3). */
export const CONSUMER_NODE_BASE = CLIENT_NODE_BASE + 50;
const BACKOFF_MS = 100;
/** Partitions each group commits for, at most. */
const PARTITIONS_MAX = 2;

export interface ConsumerStats {
  commitAttempts: number;
  commitsAcked: number;
  fetchesAnswered: number;
  errors: Map<string, number>;
}

export function groupName(index: number): string {
  return `group-${index}`;
}

export class SimConsumer {
  readonly groupId: string;
  private readonly positions = new Map<
    string,
    { topic: string; partition: number; offset: number }
  >();
  private coordinator: number | null = null;
  /** The coordinator last found, and whether offsets were fetched from it since. */
  private lastCoordinator = -1;
  private fetchDue = false;
  private stopped = false;

  constructor(
    private readonly ctx: SimContext,
    private readonly index: number,
    private readonly random: SimRandom,
    private readonly stats: ConsumerStats,
  ) {
    this.groupId = groupName(index);
    const topic = ctx.settings.topics[0];
    if (topic !== undefined) {
      for (let p = 0; p < Math.min(PARTITIONS_MAX, topic.partitions); p++) {
        this.positions.set(tpKey(topic.name, p), { topic: topic.name, partition: p, offset: 0 });
      }
    }
  }

  get node(): number {
    return CONSUMER_NODE_BASE + this.index;
  }

  /** The partitions this group commits offsets for. */
  partitions(): Array<{ topic: string; partition: number }> {
    return [...this.positions.values()].map((p) => ({ topic: p.topic, partition: p.partition }));
  }

  start(): void {
    void this.run();
  }

  stop(): void {
    this.stopped = true;
  }

  private sleep(ms: number): Promise<void> {
    return this.ctx.scheduler.sleep(ms, this.node);
  }

  private count(code: number | null): void {
    const name = code === null ? 'TIMEOUT' : String(code);
    this.stats.errors.set(name, (this.stats.errors.get(name) ?? 0) + 1);
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      // Consumed some records on one or all partitions: commit the new positions.
      if (this.fetchDue) await this.fetchOnce();
      const moved = [...this.positions.values()].filter(() => this.random.chance(0.7));
      for (const p of moved) p.offset += this.random.int(1, 20);
      if (moved.length > 0) {
        await this.commit({
          groupId: this.groupId,
          offsets: moved.map((p) => ({ ...p })),
        });
      }
      if (!this.stopped && this.random.chance(0.3)) await this.fetchOnce();
      await this.sleep(this.random.int(150, 750));
    }
  }

  /** The coordinator as a broker names it, or null (asked again on the next try). */
  private async findCoordinator(): Promise<number | null> {
    if (this.coordinator !== null) return this.coordinator;
    const { ctx } = this;
    const asked = this.random.int(1, ctx.settings.brokers);
    let found: FoundCoordinator | typeof TIMEOUT;
    try {
      found = await ctx.network.request(
        this.node,
        asked,
        'find-coordinator',
        async () => {
          const b = ctx.broker(asked);
          if (b === undefined) throw new Error(`no broker ${asked}`);
          return b.handleFindCoordinator(this.groupId);
        },
        ctx.settings.requestTimeoutMs,
      );
    } catch {
      return null;
    }
    if (found === TIMEOUT) {
      this.count(null);
      return null;
    }
    if (found.errorCode !== ErrorCode.NONE || found.nodeId < 0) {
      this.count(found.errorCode);
      return null;
    }
    this.coordinator = found.nodeId;
    if (found.nodeId !== this.lastCoordinator) this.fetchDue = true;
    this.lastCoordinator = found.nodeId;
    return found.nodeId;
  }

  /** Retries one commit until it is acknowledged (or the run stops). */
  private async commit(request: SimOffsetCommitRequest): Promise<void> {
    const { ctx } = this;
    while (!this.stopped) {
      const coordinator = await this.findCoordinator();
      if (coordinator === null) {
        await this.sleep(BACKOFF_MS);
        continue;
      }
      this.stats.commitAttempts += 1;
      const code = await this.commitAt(coordinator, request);
      if (code === ErrorCode.NONE) {
        this.stats.commitsAcked += 1;
        const offsets = request.offsets.map((o) => `${tpKey(o.topic, o.partition)}@${o.offset}`);
        ctx.trace.add(
          ctx.scheduler.nowMs,
          `commit ${this.groupId} ${offsets.join(' ')} by ${coordinator}`,
        );
        for (const o of request.offsets) {
          ctx.observer.onCommitAck(
            this.groupId,
            tpKey(o.topic, o.partition),
            o.offset,
            coordinator,
          );
        }
        return;
      }
      this.count(code);
      // A coordinator that is loading stays the coordinator; any other failure means look again.
      if (code !== ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) this.coordinator = null;
      await this.sleep(BACKOFF_MS);
    }
  }

  /** One commit attempt: the error every partition got (they share the group's), or null on a timeout. */
  private async commitAt(
    coordinator: number,
    request: SimOffsetCommitRequest,
  ): Promise<number | null> {
    const { ctx } = this;
    let answer: OffsetCommitResponse | typeof TIMEOUT;
    try {
      answer = await ctx.network.request(
        this.node,
        coordinator,
        `offset-commit ${this.groupId}`,
        async () => {
          const b = ctx.broker(coordinator);
          if (b === undefined) throw new Error(`no broker ${coordinator}`);
          return b.handleOffsetCommit(request);
        },
        // The coordinator waits up to offsets.commit.timeout.ms for its followers.
        ctx.settings.produceTimeoutMs + ctx.settings.requestTimeoutMs,
      );
    } catch {
      return null;
    }
    if (answer === TIMEOUT) return null;
    const codes = answer.topics.flatMap((t) => t.partitions.map((p) => p.errorCode));
    if (codes.length !== request.offsets.length) return ErrorCode.UNKNOWN_SERVER_ERROR;
    return codes.find((c) => c !== ErrorCode.NONE) ?? ErrorCode.NONE;
  }

  /** Reads the group's committed offsets back from its coordinator, once. */
  private async fetchOnce(): Promise<void> {
    const { ctx } = this;
    const coordinator = await this.findCoordinator();
    if (coordinator === null) return;
    const partitions = this.partitions();
    // What had been acknowledged when the request left: the answer may not be older.
    const floors = new Map(
      partitions.map((p) => {
        const tp = tpKey(p.topic, p.partition);
        return [tp, ctx.observer.committedFloor(this.groupId, tp)];
      }),
    );
    let answer: OffsetFetchResponse | typeof TIMEOUT;
    try {
      answer = await ctx.network.request(
        this.node,
        coordinator,
        `offset-fetch ${this.groupId}`,
        async () => {
          const b = ctx.broker(coordinator);
          if (b === undefined) throw new Error(`no broker ${coordinator}`);
          return b.handleOffsetFetch({ groupId: this.groupId, partitions });
        },
        ctx.settings.requestTimeoutMs,
      );
    } catch {
      this.coordinator = null;
      return;
    }
    if (answer === TIMEOUT || answer.errorCode !== ErrorCode.NONE) {
      this.count(answer === TIMEOUT ? null : answer.errorCode);
      if (answer === TIMEOUT || answer.errorCode !== ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) {
        this.coordinator = null;
      }
      return;
    }
    this.stats.fetchesAnswered += 1;
    if (coordinator === this.lastCoordinator) this.fetchDue = false;
    for (const t of answer.topics) {
      for (const p of t.partitions) {
        if (p.errorCode !== ErrorCode.NONE) continue;
        const tp = tpKey(t.name, p.partitionIndex);
        ctx.observer.onOffsetFetch(
          this.groupId,
          tp,
          p.committedOffset,
          floors.get(tp) ?? -1,
          coordinator,
        );
      }
    }
  }
}
