// Reading partitions: ListOffsets to turn "earliest", "latest" or a time into
// an offset, and a Fetcher that keeps a position per assigned partition and
// polls every partition's leader concurrently, decoding record batches into
// records (control batches of transactions are skipped but advance the
// position). Out-of-range positions are reset as auto.offset.reset says.

import { Fetch } from '../protocol/apis/fetch.ts';
import { ListOffsets } from '../protocol/apis/list-offsets.ts';
import { ATTR_CONTROL, TIMESTAMP_TYPE_LOG_APPEND } from '../protocol/record-batch.ts';
import { decodeRecordBatches, type RecordHeader } from '../protocol/records.ts';
import { type TopicMetadata, ZERO_UUID } from './cluster-metadata.ts';
import { ErrorCode, isRetriable, KafkaError, kafkaError } from './errors.ts';
import type { KafkaClient } from './kafka-client.ts';
import { retrying } from './retry.ts';

export const EARLIEST_TIMESTAMP = -2;
export const LATEST_TIMESTAMP = -1;

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/** `<topic>-<partition>`, as Kafka prints a TopicPartition. */
export function topicPartitionName(tp: TopicPartition): string {
  return `${tp.topic}-${tp.partition}`;
}

/** Kafka's tools' order: by topic, then partition. */
export function byTopicPartition(a: TopicPartition, b: TopicPartition): number {
  if (a.topic !== b.topic) return a.topic < b.topic ? -1 : 1;
  return a.partition - b.partition;
}

/**
 * Items grouped by topic, in first-seen order, each mapped by `value`: the
 * topic-then-partitions shape Kafka's requests use.
 */
export function groupByTopic<T extends TopicPartition, V>(
  items: readonly T[],
  value: (item: T) => V,
): Map<string, V[]> {
  const out = new Map<string, V[]>();
  for (const item of items) {
    const list = out.get(item.topic);
    if (list === undefined) out.set(item.topic, [value(item)]);
    else list.push(value(item));
  }
  return out;
}

export interface ConsumedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestampMs: number;
  readonly timestampType: 'CreateTime' | 'LogAppendTime';
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: readonly RecordHeader[];
}

export interface OffsetQuery extends TopicPartition {
  /** A time in ms, or EARLIEST_TIMESTAMP / LATEST_TIMESTAMP. */
  readonly timestamp: number;
}

export interface ListedOffset extends TopicPartition {
  /** -1 when no record has a timestamp at or after the one asked for. */
  readonly offset: number;
  readonly timestampMs: number;
}

export type OffsetResetPolicy = 'earliest' | 'latest' | 'none';

export const tpKey = (tp: TopicPartition): string => `${tp.topic}\u0000${tp.partition}`;

/** Leaders of the partitions of `topics`, from fresh metadata; throws on topic errors. */
export async function topicsMetadata(
  client: KafkaClient,
  topics: readonly string[],
): Promise<Map<string, TopicMetadata>> {
  const md = await client.metadata([...new Set(topics)]);
  const out = new Map<string, TopicMetadata>();
  for (const t of md.topics) {
    if (t.errorCode !== ErrorCode.NONE)
      throw kafkaError(t.errorCode, errorTextFor(t.name, t.errorCode));
    out.set(t.name, t);
  }
  return out;
}

function errorTextFor(topic: string, code: number): string | null {
  return code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
    ? `This server does not host this topic-partition: topic ${topic}`
    : null;
}

function groupByLeader<T extends TopicPartition>(
  items: readonly T[],
  topics: Map<string, TopicMetadata>,
) {
  const byLeader = new Map<number, T[]>();
  for (const item of items) {
    const p = topics.get(item.topic)?.partitions.find((x) => x.partition === item.partition);
    if (p === undefined) {
      throw kafkaError(
        ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        `Partition ${item.partition} of topic ${item.topic} does not exist`,
      );
    }
    if (p.leaderId < 0)
      throw kafkaError(
        ErrorCode.LEADER_NOT_AVAILABLE,
        `No leader for ${item.topic}-${item.partition}`,
      );
    const list = byLeader.get(p.leaderId) ?? [];
    list.push(item);
    byLeader.set(p.leaderId, list);
  }
  return byLeader;
}

/** ListOffsets for each query, sent to each partition's leader; retried while leaders move. */
export async function listOffsets(
  client: KafkaClient,
  queries: readonly OffsetQuery[],
): Promise<ListedOffset[]> {
  if (queries.length === 0) return [];
  return retrying(
    async () => {
      const topics = await topicsMetadata(
        client,
        queries.map((q) => q.topic),
      );
      const byLeader = groupByLeader(queries, topics);
      const answers = await Promise.all(
        [...byLeader].map(([leader, list]) => listOffsetsAt(client, leader, list)),
      );
      return answers.flat();
    },
    { timeoutMs: client.retryTimeoutMs, backoffMs: client.retryBackoffMs },
  );
}

async function listOffsetsAt(
  client: KafkaClient,
  leader: number,
  queries: readonly OffsetQuery[],
): Promise<ListedOffset[]> {
  const byTopic = new Map<string, OffsetQuery[]>();
  for (const q of queries) byTopic.set(q.topic, [...(byTopic.get(q.topic) ?? []), q]);
  const response = await client.sendTo(leader, ListOffsets, {
    replicaId: -1,
    isolationLevel: 0,
    topics: [...byTopic].map(([name, list]) => ({
      name,
      partitions: list.map((q) => ({
        partitionIndex: q.partition,
        currentLeaderEpoch: -1,
        timestamp: q.timestamp,
        maxNumOffsets: 1,
      })),
    })),
  });
  const out: ListedOffset[] = [];
  for (const t of response.topics) {
    for (const p of t.partitions) {
      if (p.errorCode !== ErrorCode.NONE) throw kafkaError(p.errorCode);
      out.push({
        topic: t.name,
        partition: p.partitionIndex,
        offset: p.offset,
        timestampMs: p.timestamp,
      });
    }
  }
  return out;
}

export interface FetcherOptions {
  readonly maxWaitMs?: number;
  readonly minBytes?: number;
  readonly maxBytes?: number;
  readonly partitionMaxBytes?: number;
  readonly autoOffsetReset?: OffsetResetPolicy;
}

const DECOMPRESSED_BYTES_MAX = 64 * 1024 * 1024;

export class Fetcher {
  private readonly positions = new Map<string, TopicPartition & { offset: number }>();
  private topics = new Map<string, TopicMetadata>();
  private readonly maxWaitMs: number;
  private readonly minBytes: number;
  private readonly maxBytes: number;
  private readonly partitionMaxBytes: number;
  private readonly autoOffsetReset: OffsetResetPolicy;

  constructor(
    private readonly client: KafkaClient,
    opts: FetcherOptions = {},
  ) {
    this.maxWaitMs = opts.maxWaitMs ?? 500;
    this.minBytes = opts.minBytes ?? 1;
    this.maxBytes = opts.maxBytes ?? 50 * 1024 * 1024;
    this.partitionMaxBytes = opts.partitionMaxBytes ?? 1024 * 1024;
    this.autoOffsetReset = opts.autoOffsetReset ?? 'latest';
  }

  /** Sets the next offset to read from a partition. */
  seek(tp: TopicPartition, offset: number): void {
    this.positions.set(tpKey(tp), { topic: tp.topic, partition: tp.partition, offset });
  }

  position(tp: TopicPartition): number | undefined {
    return this.positions.get(tpKey(tp))?.offset;
  }

  assigned(): TopicPartition[] {
    return [...this.positions.values()].map((p) => ({ topic: p.topic, partition: p.partition }));
  }

  unassignAll(): void {
    this.positions.clear();
  }

  /** Moves each partition without a valid position to the reset policy's end. */
  async resetPositions(
    tps: readonly TopicPartition[],
    policy = this.autoOffsetReset,
  ): Promise<void> {
    if (policy === 'none') {
      throw kafkaError(
        ErrorCode.OFFSET_OUT_OF_RANGE,
        `No offset for ${tps.map((t) => `${t.topic}-${t.partition}`).join(', ')}`,
      );
    }
    const timestamp = policy === 'earliest' ? EARLIEST_TIMESTAMP : LATEST_TIMESTAMP;
    const listed = await listOffsets(
      this.client,
      tps.map((tp) => ({ ...tp, timestamp })),
    );
    for (const l of listed) this.seek(l, l.offset);
  }

  /** One fetch from every leader of an assigned partition; records in offset order per partition. */
  async poll(): Promise<ConsumedRecord[]> {
    const assigned = [...this.positions.values()];
    if (assigned.length === 0) return [];
    const missing = assigned.filter((p) => !this.topics.has(p.topic));
    if (missing.length > 0) await this.refreshMetadata();
    let byLeader: Map<number, (TopicPartition & { offset: number })[]>;
    try {
      byLeader = groupByLeader(assigned, this.topics);
    } catch (err) {
      if (err instanceof KafkaError && isRetriable(err.code)) {
        await this.refreshMetadata();
        return [];
      }
      throw err;
    }
    const results = await Promise.all(
      [...byLeader].map(([leader, list]) => this.fetchFrom(leader, list)),
    );
    return results.flat();
  }

  private async refreshMetadata(): Promise<void> {
    const names = [...new Set([...this.positions.values()].map((p) => p.topic))];
    this.topics = await topicsMetadata(this.client, names);
  }

  private async fetchFrom(
    leader: number,
    list: readonly (TopicPartition & { offset: number })[],
  ): Promise<ConsumedRecord[]> {
    const byTopic = new Map<string, (TopicPartition & { offset: number })[]>();
    for (const p of list) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p]);
    const idToName = new Map([...this.topics.values()].map((t) => [t.topicId, t.name]));
    const response = await this.client.sendTo(leader, Fetch, this.fetchRequest(byTopic), {
      timeoutMs: this.client.requestTimeoutMs + this.maxWaitMs,
    });
    if (response.errorCode !== ErrorCode.NONE) throw kafkaError(response.errorCode);
    const out: ConsumedRecord[] = [];
    const reset: TopicPartition[] = [];
    let stale = false;
    for (const t of response.responses) {
      const topic = t.topic !== '' ? t.topic : (idToName.get(t.topicId) ?? '');
      for (const p of t.partitions) {
        const tp = { topic, partition: p.partitionIndex };
        if (p.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) reset.push(tp);
        else if (isRetriable(p.errorCode) || p.errorCode === ErrorCode.UNKNOWN_TOPIC_ID)
          stale = true;
        else if (p.errorCode !== ErrorCode.NONE) throw kafkaError(p.errorCode);
        else if (p.records !== null) out.push(...(await this.decode(tp, p.records)));
      }
    }
    if (reset.length > 0) await this.resetPositions(reset);
    if (stale) await this.refreshMetadata();
    return out;
  }

  private fetchRequest(byTopic: Map<string, (TopicPartition & { offset: number })[]>) {
    return {
      clusterId: null,
      replicaId: -1,
      replicaState: null,
      maxWaitMs: this.maxWaitMs,
      minBytes: this.minBytes,
      maxBytes: this.maxBytes,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [...byTopic].map(([topic, parts]) => ({
        topic,
        topicId: this.topics.get(topic)?.topicId ?? ZERO_UUID,
        partitions: parts.map((p) => ({
          partition: p.partition,
          currentLeaderEpoch: -1,
          fetchOffset: p.offset,
          lastFetchedEpoch: -1,
          logStartOffset: -1,
          partitionMaxBytes: this.partitionMaxBytes,
          replicaDirectoryId: ZERO_UUID,
        })),
      })),
      forgottenTopicsData: [],
      rackId: '',
    };
  }

  /** Records at or past the position; the position moves past every whole batch read. */
  private async decode(tp: TopicPartition, records: Buffer): Promise<ConsumedRecord[]> {
    const position = this.positions.get(tpKey(tp));
    if (position === undefined) return [];
    const batches = await decodeRecordBatches(records, { maxBytes: DECOMPRESSED_BYTES_MAX });
    const out: ConsumedRecord[] = [];
    let next = position.offset;
    for (const batch of batches) {
      const h = batch.header;
      const control = (h.attributes & ATTR_CONTROL) !== 0;
      const timestampType =
        (h.attributes & TIMESTAMP_TYPE_LOG_APPEND) !== 0 ? 'LogAppendTime' : 'CreateTime';
      for (const r of control ? [] : batch.records) {
        if (r.offset < next) continue;
        out.push({
          ...tp,
          offset: r.offset,
          timestampMs: r.timestampMs,
          timestampType,
          key: r.key,
          value: r.value,
          headers: r.headers,
        });
      }
      next = Math.max(next, h.baseOffset + h.lastOffsetDelta + 1);
    }
    position.offset = next;
    return out;
  }
}
