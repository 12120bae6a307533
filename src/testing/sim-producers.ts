// Idempotent producers with acks=all in a simulated run. Each keeps one
// request in flight: it asks a random broker for the partition's leader (a
// Metadata request, so it can be told stale news), sends its batch there, and
// on any error or timeout retries the same batch (same producer id and
// sequence) until it is acknowledged, as a Kafka producer with
// enable.idempotence does. Every acknowledgement goes to the checker.

import { buildTestBatch } from '../log/testing/test-batch.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import { readBatchHeader } from '../protocol/record-batch.ts';
import { type SimContext, type SimLeaderInfo, tpKey } from './sim-context.ts';
import { TIMEOUT } from './sim-network.ts';
import type { SimRandom } from './sim-random.ts';

/** Client node numbers start here (brokers are 1..n, the store 0). */
export const CLIENT_NODE_BASE = 100;
const BACKOFF_MS = 100;

export interface ProducerStats {
  attempts: number;
  acked: number;
  errors: Map<string, number>;
}

export class SimProducer {
  private readonly sequences = new Map<string, number>();
  private written = 0;
  private stopped = false;

  constructor(
    private readonly ctx: SimContext,
    private readonly index: number,
    private readonly random: SimRandom,
    private readonly stats: ProducerStats,
    private readonly pauseMs: { readonly min: number; readonly max: number },
  ) {}

  get node(): number {
    return CLIENT_NODE_BASE + this.index;
  }

  private get producerId(): number {
    return 1000 + this.index;
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

  private async run(): Promise<void> {
    const topics = this.ctx.settings.topics;
    while (!this.stopped) {
      const topic = this.random.pick(topics);
      const partition = this.random.int(0, topic.partitions - 1);
      await this.produceOne(topic.name, partition);
      await this.sleep(this.random.int(this.pauseMs.min, this.pauseMs.max));
    }
  }

  /** Sends one new batch and retries it until it is acknowledged (or the run stops). */
  private async produceOne(topic: string, partition: number): Promise<void> {
    const tp = tpKey(topic, partition);
    const sequence = this.sequences.get(tp) ?? 0;
    const value = `p${this.index}-${this.written++}`;
    const batch = buildTestBatch({
      records: [{ key: null, value: Buffer.from(value) }],
      baseTimestampMs: 0,
      partitionLeaderEpoch: -1,
      producerId: this.producerId,
      producerEpoch: 0,
      baseSequence: sequence,
    });
    const crc = readBatchHeader(batch, 0).crc;
    while (!this.stopped) {
      this.stats.attempts += 1;
      const code = await this.attempt(topic, partition, batch, crc, value);
      if (code === ErrorCode.NONE) {
        this.sequences.set(tp, sequence + 1);
        this.stats.acked += 1;
        return;
      }
      const name = code === null ? 'TIMEOUT' : String(code);
      this.stats.errors.set(name, (this.stats.errors.get(name) ?? 0) + 1);
      await this.sleep(BACKOFF_MS);
    }
  }

  private async attempt(
    topic: string,
    partition: number,
    batch: Buffer,
    crc: number,
    value: string,
  ): Promise<number | null> {
    const { ctx } = this;
    const timeoutMs = ctx.settings.requestTimeoutMs;
    const asked = this.random.int(1, ctx.settings.brokers);
    const info = await ctx.network.request<SimLeaderInfo | null>(
      this.node,
      asked,
      'metadata',
      async () => ctx.broker(asked)?.handleMetadata(topic, partition) ?? null,
      timeoutMs,
    );
    if (info === TIMEOUT || info === null || info.leader < 0) return null;
    const leader = ctx.broker(info.leader);
    if (leader === undefined) return null;
    const request = {
      topic,
      partition,
      records: Buffer.from(batch),
      timeoutMs: ctx.settings.produceTimeoutMs,
    };
    let answer: Awaited<ReturnType<typeof leader.handleProduce>> | typeof TIMEOUT;
    try {
      answer = await ctx.network.request(
        this.node,
        info.leader,
        `produce ${tpKey(topic, partition)}`,
        () => leader.handleProduce(request),
        ctx.settings.produceTimeoutMs + timeoutMs,
      );
    } catch {
      return null;
    }
    if (answer === TIMEOUT) return null;
    if (answer.errorCode === ErrorCode.NONE) {
      const tp = tpKey(topic, partition);
      ctx.trace.add(
        ctx.scheduler.nowMs,
        `ack ${value} ${tp}@${answer.baseOffset} by ${info.leader}`,
      );
      ctx.observer.onAck(tp, answer.baseOffset, crc, value);
    }
    return answer.errorCode;
  }
}
