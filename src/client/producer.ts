// A producer in the shape of Kafka's: `send` puts a record into the open batch
// of its partition (explicit, murmur2 of the key, or sticky), a batch goes out
// when it is full or linger.ms has passed, all ready batches for one leader
// travel in one Produce request, at most maxInFlight requests per broker are
// outstanding, and retriable errors send the batch again after a metadata
// refresh until the delivery deadline. Without idempotence, as Kafka's producer
// with enable.idempotence=false: a retry may reorder or duplicate.

import { Produce } from '../protocol/apis/produce.ts';
import { CompressionType } from '../protocol/record-batch.ts';
import { buildRecordBatch, type RecordHeader } from '../protocol/records.ts';
import type { TopicMetadata } from './cluster-metadata.ts';
import {
  ConnectionError,
  ErrorCode,
  isRetriable,
  KafkaError,
  kafkaError,
  TimeoutError,
} from './errors.ts';
import type { KafkaClient } from './kafka-client.ts';
import { choosePartition, StickyPartitioner } from './partitioner.ts';
import { sleep } from './retry.ts';

// The record and codec vocabulary callers of the producer need, from one place.
export { CompressionType, type RecordHeader };

export type Acks = -1 | 0 | 1;

export interface ProducerOptions {
  readonly acks?: Acks;
  readonly compression?: CompressionType;
  readonly lingerMs?: number;
  readonly batchSizeBytes?: number;
  /** How long `send` waits for the topic to appear in metadata (max.block.ms). */
  readonly maxBlockMs?: number;
  /** How long a record may take from `send` to acknowledgement, retries included. */
  readonly deliveryTimeoutMs?: number;
  readonly maxInFlightPerBroker?: number;
  /** Bytes of unsent records before `send` waits (buffer.memory). */
  readonly bufferMemoryBytes?: number;
  readonly random?: () => number;
}

export interface ProducerRecord {
  readonly topic: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers?: readonly RecordHeader[];
  readonly partition?: number;
  readonly timestampMs?: number;
}

export interface RecordMetadata {
  readonly topic: string;
  readonly partition: number;
  /** -1 with acks=0, when the broker does not say. */
  readonly offset: number;
  readonly timestampMs: number;
}

interface QueuedRecord {
  readonly record: ProducerRecord;
  readonly timestampMs: number;
  readonly sizeBytes: number;
  resolve(m: RecordMetadata): void;
  reject(err: Error): void;
}

interface Batch {
  readonly topic: string;
  readonly partition: number;
  readonly records: QueuedRecord[];
  sizeBytes: number;
  readonly createdMs: number;
}

const RECORD_OVERHEAD_BYTES = 24;

function recordSize(r: ProducerRecord): number {
  let size = RECORD_OVERHEAD_BYTES + (r.key?.length ?? 0) + (r.value?.length ?? 0);
  for (const h of r.headers ?? []) size += h.key.length + (h.value?.length ?? 0) + 4;
  return size;
}

export class Producer {
  private readonly acks: Acks;
  private readonly compression: CompressionType;
  private readonly lingerMs: number;
  private readonly batchSizeBytes: number;
  private readonly maxBlockMs: number;
  private readonly deliveryTimeoutMs: number;
  private readonly maxInFlight: number;
  private readonly bufferMemoryBytes: number;
  private readonly sticky: StickyPartitioner;
  private readonly topics = new Map<string, TopicMetadata>();
  private readonly lookups = new Map<string, Promise<TopicMetadata>>();
  private readonly open = new Map<string, Batch>();
  private ready: Batch[] = [];
  private readonly inFlight = new Map<number, number>();
  private lingerTimer: NodeJS.Timeout | null = null;
  private refreshing = false;
  private queuedBytes = 0;
  private outstanding = 0;
  private idleWaiters: (() => void)[] = [];
  private spaceWaiters: (() => void)[] = [];

  constructor(
    private readonly client: KafkaClient,
    opts: ProducerOptions = {},
  ) {
    this.acks = opts.acks ?? -1;
    this.compression = opts.compression ?? CompressionType.None;
    this.lingerMs = opts.lingerMs ?? 5;
    this.batchSizeBytes = opts.batchSizeBytes ?? 16_384;
    this.maxBlockMs = opts.maxBlockMs ?? 60_000;
    this.deliveryTimeoutMs = opts.deliveryTimeoutMs ?? 120_000;
    this.maxInFlight = opts.maxInFlightPerBroker ?? 5;
    this.bufferMemoryBytes = opts.bufferMemoryBytes ?? 32 * 1024 * 1024;
    this.sticky = new StickyPartitioner(opts.random);
  }

  /** Queues one record; resolves when the broker acknowledged it (at once with acks=0). */
  async send(record: ProducerRecord): Promise<RecordMetadata> {
    const topic = await this.topicMetadata(record.topic);
    const count = topic.partitions.length;
    if (record.partition !== undefined && (record.partition < 0 || record.partition >= count)) {
      throw new KafkaError(
        ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        `Partition ${record.partition} of topic ${record.topic} with partition count ${count} is not present in metadata`,
      );
    }
    while (this.queuedBytes >= this.bufferMemoryBytes) {
      await new Promise<void>((r) => this.spaceWaiters.push(r));
    }
    const partition = choosePartition(record, record.topic, count, this.sticky);
    return new Promise<RecordMetadata>((resolve, reject) => {
      const sizeBytes = recordSize(record);
      const queued = {
        record,
        timestampMs: record.timestampMs ?? Date.now(),
        sizeBytes,
        resolve,
        reject,
      };
      this.enqueue(record.topic, partition, queued, count);
    });
  }

  /** Sends every queued record now and resolves once all are answered. */
  async flush(): Promise<void> {
    this.closeAllBatches();
    this.drain();
    if (this.outstanding === 0) return;
    await new Promise<void>((r) => this.idleWaiters.push(r));
  }

  async close(): Promise<void> {
    await this.flush();
  }

  private enqueue(topic: string, partition: number, queued: QueuedRecord, count: number): void {
    const key = `${topic}\u0000${partition}`;
    let batch = this.open.get(key);
    if (batch === undefined) {
      batch = { topic, partition, records: [], sizeBytes: 0, createdMs: Date.now() };
      this.open.set(key, batch);
    }
    batch.records.push(queued);
    batch.sizeBytes += queued.sizeBytes;
    this.queuedBytes += queued.sizeBytes;
    this.outstanding++;
    if (batch.sizeBytes >= this.batchSizeBytes) {
      this.open.delete(key);
      this.ready.push(batch);
      if (queued.record.partition === undefined && queued.record.key === null) {
        this.sticky.nextBatch(topic, count);
      }
      this.drain();
    } else if (this.lingerTimer === null) {
      this.lingerTimer = setTimeout(() => {
        this.lingerTimer = null;
        this.closeAllBatches();
        this.drain();
      }, this.lingerMs);
    }
  }

  private closeAllBatches(): void {
    for (const batch of this.open.values()) {
      this.ready.push(batch);
      const count = this.topics.get(batch.topic)?.partitions.length ?? 1;
      this.sticky.nextBatch(batch.topic, count);
    }
    this.open.clear();
  }

  /** Sends ready batches, one request per leader, within each broker's in-flight limit. */
  private drain(): void {
    const byLeader = new Map<number, Batch[]>();
    const waiting: Batch[] = [];
    for (const batch of this.ready) {
      const leader = this.leaderOf(batch);
      if (leader < 0 || (this.inFlight.get(leader) ?? 0) >= this.maxInFlight) {
        waiting.push(batch);
        continue;
      }
      const list = byLeader.get(leader) ?? [];
      list.push(batch);
      byLeader.set(leader, list);
    }
    this.ready = waiting;
    for (const [leader, batches] of byLeader) {
      this.inFlight.set(leader, (this.inFlight.get(leader) ?? 0) + 1);
      void this.sendBatches(leader, batches).finally(() => {
        this.inFlight.set(leader, (this.inFlight.get(leader) ?? 1) - 1);
        this.drain();
      });
    }
    if (waiting.some((b) => this.leaderOf(b) < 0)) void this.refreshLeaders(waiting);
  }

  private leaderOf(batch: Batch): number {
    const p = this.topics.get(batch.topic)?.partitions[batch.partition];
    return p === undefined || p.errorCode !== ErrorCode.NONE ? -1 : p.leaderId;
  }

  private async sendBatches(leader: number, batches: Batch[]): Promise<void> {
    try {
      const topicData = await this.encode(batches);
      if (this.acks === 0) {
        (await this.client.connectionTo(leader)).sendWithoutResponse(
          Produce,
          this.request(topicData),
        );
        for (const b of batches) this.complete(b, -1, ErrorCode.NONE, null);
        return;
      }
      const response = await this.client.sendTo(leader, Produce, this.request(topicData), {
        timeoutMs: this.client.requestTimeoutMs + 5_000,
      });
      for (const b of batches) {
        const t = response.responses.find((r) => r.name === b.topic);
        const p = t?.partitionResponses.find((x) => x.index === b.partition);
        if (p === undefined)
          this.retryOrFail(
            b,
            kafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, 'no answer for partition'),
          );
        else this.complete(b, p.baseOffset, p.errorCode, p.errorMessage);
      }
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      for (const b of batches) this.retryOrFail(b, e);
    }
  }

  private request(
    topicData: { name: string; partitionData: { index: number; records: Buffer }[] }[],
  ) {
    return {
      transactionalId: null,
      acks: this.acks,
      timeoutMs: this.client.requestTimeoutMs,
      topicData,
    };
  }

  private async encode(batches: Batch[]) {
    const byTopic = new Map<string, { index: number; records: Buffer }[]>();
    for (const b of batches) {
      const records = await buildRecordBatch({
        compression: this.compression,
        records: b.records.map((q) => ({
          key: q.record.key,
          value: q.record.value,
          headers: q.record.headers ?? [],
          timestampMs: q.timestampMs,
        })),
      });
      const list = byTopic.get(b.topic) ?? [];
      list.push({ index: b.partition, records });
      byTopic.set(b.topic, list);
    }
    return [...byTopic].map(([name, partitionData]) => ({ name, partitionData }));
  }

  private complete(b: Batch, baseOffset: number, errorCode: number, message: string | null): void {
    if (errorCode !== ErrorCode.NONE) {
      this.retryOrFail(b, kafkaError(errorCode, message));
      return;
    }
    b.records.forEach((q, i) => {
      const offset = baseOffset < 0 ? -1 : baseOffset + i;
      q.resolve({ topic: b.topic, partition: b.partition, offset, timestampMs: q.timestampMs });
    });
    this.finish(b);
  }

  private retryOrFail(b: Batch, err: Error): void {
    const transient =
      (err instanceof KafkaError && isRetriable(err.code)) ||
      err instanceof ConnectionError ||
      err instanceof TimeoutError;
    if (transient && Date.now() - b.createdMs < this.deliveryTimeoutMs) {
      this.topics.delete(b.topic);
      void sleep(this.client.retryBackoffMs).then(async () => {
        await this.topicMetadata(b.topic).catch(() => undefined);
        this.ready.push(b);
        this.drain();
      });
      return;
    }
    for (const q of b.records) q.reject(err);
    this.finish(b);
  }

  private finish(b: Batch): void {
    this.queuedBytes -= b.sizeBytes;
    this.outstanding -= b.records.length;
    for (const w of this.spaceWaiters.splice(0)) w();
    if (this.outstanding === 0) for (const w of this.idleWaiters.splice(0)) w();
  }

  private async refreshLeaders(batches: Batch[]): Promise<void> {
    if (this.refreshing) return;
    this.refreshing = true;
    try {
      await sleep(this.client.retryBackoffMs);
      for (const topic of new Set(batches.map((b) => b.topic))) {
        this.topics.delete(topic);
        await this.topicMetadata(topic).catch(() => undefined);
      }
      const now = Date.now();
      const expired = this.ready.filter(
        (b) => this.leaderOf(b) < 0 && now - b.createdMs >= this.deliveryTimeoutMs,
      );
      this.ready = this.ready.filter((b) => !expired.includes(b));
      for (const b of expired) {
        const err = kafkaError(
          ErrorCode.LEADER_NOT_AVAILABLE,
          `No leader for ${b.topic}-${b.partition}`,
        );
        for (const q of b.records) q.reject(err);
        this.finish(b);
      }
    } finally {
      this.refreshing = false;
    }
    this.drain();
  }

  /** The topic's partitions; concurrent sends for an unknown topic share one lookup. */
  private topicMetadata(topic: string): Promise<TopicMetadata> {
    const cached = this.topics.get(topic);
    if (cached !== undefined) return Promise.resolve(cached);
    let pending = this.lookups.get(topic);
    if (pending === undefined) {
      pending = this.lookUp(topic).finally(() => this.lookups.delete(topic));
      this.lookups.set(topic, pending);
    }
    return pending;
  }

  /** Waits up to max.block.ms for the topic to exist (auto-creation included). */
  private async lookUp(topic: string): Promise<TopicMetadata> {
    const deadline = Date.now() + this.maxBlockMs;
    for (;;) {
      const md = await this.client.metadata([topic], { allowAutoTopicCreation: true });
      const t = md.topics.find((x) => x.name === topic);
      if (t !== undefined && t.errorCode === ErrorCode.NONE && t.partitions.length > 0) {
        this.topics.set(topic, t);
        return t;
      }
      // TOPIC_ALREADY_EXISTS: a broker racing two auto-creations of the topic; it will appear.
      const passing =
        t === undefined ||
        isRetriable(t.errorCode) ||
        t.errorCode === ErrorCode.TOPIC_ALREADY_EXISTS;
      if (t !== undefined && t.errorCode !== ErrorCode.NONE && !passing) {
        throw kafkaError(t.errorCode);
      }
      if (Date.now() + this.client.retryBackoffMs >= deadline) {
        throw new TimeoutError(
          `Topic ${topic} not present in metadata after ${this.maxBlockMs} ms.`,
        );
      }
      await sleep(this.client.retryBackoffMs);
    }
  }
}
