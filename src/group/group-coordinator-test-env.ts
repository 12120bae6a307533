// An in-memory broker for the group coordinator runtime's tests: a metadata
// image that topic creation and leader moves change, partitions whose logs are
// arrays of batches, a simulated clock with a fake timer scheduler, and hooks
// to fail appends and reads or slow down partition lookups. Imported only by
// *.test.ts files.

import type {
  CoordinatorPartition,
  CoordinatorPartitionLog,
} from '../log/coordinator-partition.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import { readBatchHeader, setBaseOffset } from '../protocol/record-batch.ts';
import { silentLogger } from '../util/logger.ts';
import { defaultGroupCoordinatorConfig } from './group-config.ts';
import {
  GroupCoordinator,
  type GroupSettingsSource,
  type TimerScheduler,
} from './group-coordinator.ts';

export const NODE_ID = 1;

/** Timers on the simulated clock; `advance` runs those due, in deadline order. */
/** The slice of the metadata image the runtime reads. */
export class FakeImage {
  readonly leaders = new Map<number, number>();
  /** In-sync replicas by partition; unset: every replica. */
  readonly isrs = new Map<number, number[]>();
  topicExists = false;

  topic(name: string): object | undefined {
    return name === '__consumer_offsets' && this.topicExists ? {} : undefined;
  }

  partition(
    topic: string,
    partition: number,
  ): { leader: number; replicas: number[]; isr: number[] } | undefined {
    const leader = this.topic(topic) === undefined ? undefined : this.leaders.get(partition);
    if (leader === undefined) return undefined;
    const replicas = [NODE_ID, 2, 3];
    return { leader, replicas, isr: this.isrs.get(partition) ?? replicas };
  }

  brokers(): object[] {
    return [{ nodeId: NODE_ID }];
  }
}

export class FakeTimers implements TimerScheduler {
  nowMs = 1_000_000;
  private nextId = 1;
  readonly pending = new Map<number, { atMs: number; callback: () => void }>();

  set(callback: () => void, delayMs: number): unknown {
    const id = this.nextId++;
    this.pending.set(id, { atMs: this.nowMs + delayMs, callback });
    return id;
  }

  clear(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  advance(ms: number): void {
    const until = this.nowMs + ms;
    for (;;) {
      let due: [number, { atMs: number; callback: () => void }] | null = null;
      for (const entry of this.pending) {
        if (entry[1].atMs <= until && (due === null || entry[1].atMs < due[1].atMs)) due = entry;
      }
      if (due === null) break;
      this.pending.delete(due[0]);
      this.nowMs = Math.max(this.nowMs, due[1].atMs);
      due[1].callback();
    }
    this.nowMs = until;
  }
}

class MemoryLog implements CoordinatorPartitionLog {
  readonly batches: Buffer[] = [];
  logStartOffset = 0;
  logEndOffset = 0;
  highWatermark = 0;
  failReads = 0;

  async read(
    fetchOffset: number,
    _maxBytes: number,
    options: { readonly maxOffset: number; readonly minOneBatch: boolean },
  ): Promise<{ readonly records: Buffer | null }> {
    if (this.failReads > 0) {
      this.failReads--;
      throw new Error('simulated read failure');
    }
    const found = this.batches.filter((b) => {
      const h = readBatchHeader(b);
      return h.baseOffset + h.lastOffsetDelta >= fetchOffset && h.baseOffset < options.maxOffset;
    });
    return { records: found.length === 0 ? null : Buffer.concat(found) };
  }
}

export class MemoryPartition implements CoordinatorPartition {
  readonly log = new MemoryLog();
  /** Error code for the next appends (0: append). */
  appendError: number = ErrorCode.NONE;
  /** While true, appends wait for `replicate` (followers not caught up); else they commit at once. */
  holdHighWatermark = false;
  private readonly hwWaiters: Array<{ offset: number; resolve: (reached: boolean) => void }> = [];

  constructor(private readonly timers: TimerScheduler) {}

  async appendAsLeader(
    records: Buffer,
  ): Promise<{ errorCode: number; errorMessage: null; lastOffset: number }> {
    if (this.appendError !== ErrorCode.NONE)
      return { errorCode: this.appendError, errorMessage: null, lastOffset: -1 };
    const copy = Buffer.from(records);
    setBaseOffset(copy, 0, this.log.logEndOffset);
    this.log.batches.push(copy);
    this.log.logEndOffset += readBatchHeader(copy).lastOffsetDelta + 1;
    if (!this.holdHighWatermark) this.replicate(this.log.logEndOffset);
    return { errorCode: ErrorCode.NONE, errorMessage: null, lastOffset: this.log.logEndOffset - 1 };
  }

  /** The followers caught up to `offset`: the high watermark moves there. */
  replicate(offset: number): void {
    this.log.highWatermark = Math.max(this.log.highWatermark, offset);
    for (const w of this.hwWaiters.filter((x) => x.offset <= this.log.highWatermark)) {
      this.hwWaiters.splice(this.hwWaiters.indexOf(w), 1);
      w.resolve(true);
    }
  }

  waitForHighWatermark(offset: number, timeoutMs: number): Promise<boolean> {
    if (this.log.highWatermark >= offset) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = { offset, resolve };
      this.hwWaiters.push(waiter);
      this.timers.set(() => {
        const i = this.hwWaiters.indexOf(waiter);
        if (i < 0) return;
        this.hwWaiters.splice(i, 1);
        resolve(false);
      }, timeoutMs);
    });
  }
}

export interface TestEnvOptions {
  readonly numPartitions?: number;
  readonly config?: Partial<GroupSettingsSource>;
}

/** One broker's worth of services for the runtime, all in memory. */
export class TestEnv {
  readonly timers = new FakeTimers();
  readonly image = new FakeImage();
  readonly partitions = new Map<number, MemoryPartition>();
  readonly listeners: Array<() => void> = [];
  readonly config: GroupSettingsSource & {
    offsetsTopicSegmentBytes: number;
    offsetsCommitTimeoutMs: number;
  };
  topicCreations = 0;
  /** The configs __consumer_offsets was last created with. */
  createdConfigs: Record<string, string> | null = null;
  /** Event-loop turns each next replicas.acquire() takes (then 0), to reorder callers. */
  readonly acquireDelays: number[] = [];
  /** The leader fence is up (cluster/leader-fence.ts): this broker must not act as leader. */
  fenced = false;
  /** min.insync.replicas of __consumer_offsets (Kafka's broker default: 1). */
  minInsync = 1;

  constructor(options: TestEnvOptions = {}) {
    this.config = {
      ...defaultGroupCoordinatorConfig,
      offsetsTopicNumPartitions: options.numPartitions ?? 3,
      offsetsTopicReplicationFactor: 3,
      offsetsTopicSegmentBytes: 1 << 20,
      offsetsCommitTimeoutMs: 5000,
      groupInitialRebalanceDelayMs: 0,
      ...options.config,
    };
  }

  /** Builds a runtime over this environment (not started). */
  coordinator(): GroupCoordinator {
    const services = {
      nodeId: NODE_ID,
      image: this.image,
      topicAdmin: {
        createTopic: (req: { numPartitions: number; configs: Record<string, string> }) =>
          this.createTopic(req),
      },
      replicas: {
        acquire: async (_topic: string, p: number) => {
          const turns = this.acquireDelays.shift() ?? 0;
          for (let i = 0; i < turns; i++) await new Promise<void>((r) => setImmediate(r));
          return this.partitions.get(p);
        },
        isFencedFor: () => this.fenced,
      },
      settings: { messageMaxBytes: () => 1_000_000, minInsyncReplicas: () => this.minInsync },
      config: this.config,
      logger: silentLogger(),
      now: () => this.timers.nowMs,
    };
    return new GroupCoordinator(services, {
      subscribe: (l) => this.listeners.push(l),
      timers: this.timers,
      loadRetryMs: 100,
    });
  }

  async createTopic(req: { numPartitions: number; configs?: Record<string, string> }) {
    this.topicCreations++;
    this.createdConfigs = req.configs ?? null;
    this.image.topicExists = true;
    for (let p = 0; p < req.numPartitions; p++) {
      if (!this.partitions.has(p)) this.partitions.set(p, new MemoryPartition(this.timers));
      this.setLeader(p, NODE_ID, false);
    }
    this.notify();
    return { errorCode: ErrorCode.NONE, errorMessage: null };
  }

  /** Moves the partition's leadership (another node id means: no longer ours). */
  setLeader(partition: number, leader: number, notify = true): void {
    this.image.leaders.set(partition, leader);
    if (notify) this.notify();
  }

  notify(): void {
    for (const l of this.listeners) l();
  }
}

/** Lets promise chains (appends, loads) run to completion. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
