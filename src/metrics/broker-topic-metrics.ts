// kafka.server:type=BrokerTopicMetrics, per topic, as the JMX exporter names them
// (kafka_server_brokertopicmetrics_messagesin_total{topic=...}): messages and bytes produced,
// bytes fetched by clients, produce and fetch requests per partition and the failed ones.
// Fed from each answered Produce and Fetch (the server's response observer), read as
// decoded requests and responses; a follower's fetch is replication, not traffic out.

import { Counter, type Registry } from 'prom-client';
import type { MetadataImage } from '../cluster/metadata-image.ts';
import { batchRecordCount, batchSizeBytes } from '../log/batch-fields.ts';

export interface BrokerTopicMetricsSources {
  readonly image: MetadataImage;
}

const PRODUCE = 0;
const FETCH = 1;
/** Bytes of a record batch v2 header up to and including its record count. */
const BATCH_HEADER_BYTES = 61;

interface ProduceRequestView {
  readonly topicData?: ReadonlyArray<{
    readonly name: string;
    readonly partitionData: ReadonlyArray<{
      readonly index: number;
      readonly records: Buffer | null;
    }>;
  }>;
}

interface ProduceResponseView {
  readonly responses: ReadonlyArray<{
    readonly name: string;
    readonly partitionResponses: ReadonlyArray<{
      readonly index: number;
      readonly errorCode: number;
    }>;
  }>;
}

interface FetchRequestView {
  readonly replicaId?: number;
  readonly replicaState?: { readonly replicaId: number } | null;
}

interface FetchResponseView {
  readonly responses?: ReadonlyArray<{
    readonly topic?: string;
    readonly topicId?: string;
    readonly partitions: ReadonlyArray<{
      readonly errorCode: number;
      readonly records: Buffer | null;
    }>;
  }>;
}

/**
 * Records in a buffer of whole record batches (headers only are read). An acks=0 Produce
 * reaches the metrics without an answer, so its batches may be ones validation refused:
 * the walk stops at the first header that cannot be a batch (a negative record count, a
 * size beyond the buffer), since a negative count would throw from the counter and take
 * the broker down (the protocol fuzzer found it).
 */
export function recordCount(records: Buffer): number {
  let n = 0;
  for (let at = 0; at + BATCH_HEADER_BYTES <= records.length; ) {
    const count = batchRecordCount(records, at);
    const size = batchSizeBytes(records, at);
    if (count < 0 || size < BATCH_HEADER_BYTES || at + size > records.length) break;
    n += count;
    at += size;
  }
  return n;
}

export class BrokerTopicMetrics {
  private readonly messagesIn: Counter<'topic'>;
  private readonly bytesIn: Counter<'topic'>;
  private readonly bytesOut: Counter<'topic'>;
  private readonly produceRequests: Counter<'topic'>;
  private readonly fetchRequests: Counter<'topic'>;
  private readonly failedProduce: Counter<'topic'>;
  private readonly failedFetch: Counter<'topic'>;

  constructor(
    registry: Registry,
    private readonly s: BrokerTopicMetricsSources,
  ) {
    const counter = (name: string, help: string) =>
      new Counter({
        name: `kafka_server_brokertopicmetrics_${name}_total`,
        help,
        labelNames: ['topic'],
        registers: [registry],
      });
    this.messagesIn = counter('messagesin', 'Records appended as leader, by topic.');
    this.bytesIn = counter('bytesin', 'Bytes of records appended as leader, by topic.');
    this.bytesOut = counter('bytesout', 'Bytes of records fetched by clients, by topic.');
    this.produceRequests = counter('totalproducerequests', 'Partitions in Produce requests.');
    this.fetchRequests = counter('totalfetchrequests', 'Partitions in client Fetch answers.');
    this.failedProduce = counter('failedproducerequests', 'Partitions a Produce failed for.');
    this.failedFetch = counter('failedfetchrequests', 'Partitions a client Fetch failed for.');
  }

  observe(apiKey: number, request: unknown, response: unknown): void {
    if (apiKey === PRODUCE)
      this.produced(request as ProduceRequestView, response as ProduceResponseView | null);
    else if (apiKey === FETCH)
      this.fetched(request as FetchRequestView, response as FetchResponseView);
  }

  private produced(request: ProduceRequestView, response: ProduceResponseView | null): void {
    for (const t of request.topicData ?? []) {
      const answers = response?.responses.find((r) => r.name === t.name)?.partitionResponses;
      for (const p of t.partitionData) {
        const labels = { topic: t.name };
        this.produceRequests.inc(labels);
        // acks=0 has no answer to read: the records count as taken in.
        const errorCode = answers?.find((a) => a.index === p.index)?.errorCode ?? 0;
        if (errorCode !== 0) {
          this.failedProduce.inc(labels);
          continue;
        }
        if (p.records === null) continue;
        this.bytesIn.inc(labels, p.records.length);
        this.messagesIn.inc(labels, recordCount(p.records));
      }
    }
  }

  private fetched(request: FetchRequestView, response: FetchResponseView): void {
    const replicaId = request.replicaState?.replicaId ?? request.replicaId ?? -1;
    if (replicaId >= 0) return;
    for (const t of response.responses ?? []) {
      const topic =
        t.topic !== undefined && t.topic !== ''
          ? t.topic
          : (this.s.image.topicById(t.topicId ?? '')?.name ?? '');
      if (topic === '') continue;
      const labels = { topic };
      for (const p of t.partitions) {
        this.fetchRequests.inc(labels);
        if (p.errorCode !== 0) this.failedFetch.inc(labels);
        else if (p.records !== null) this.bytesOut.inc(labels, p.records.length);
      }
    }
  }
}
