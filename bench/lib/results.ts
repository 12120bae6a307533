// The shapes every benchmark returns, so `bench/run.ts` can print one table,
// write one JSON file per run and draw one chart whatever system was measured.
// Figures only: nothing here decides pass or fail.

/** A system under test or a yardstick: 'gregor', 'gregor-3x-rf3', 'redis-streams', 'nats-jetstream'. */
export type SystemName = string;

export interface ThroughputResult {
  readonly kind: 'produce' | 'consume';
  readonly system: SystemName;
  /** The client that drove it: 'kcat', '@platformatic/kafka', 'redis-benchmark', 'nats.js', ... */
  readonly client: string;
  readonly messageBytes: number;
  /** '1', 'all' for Kafka; what the peer offers otherwise (e.g. 'aof-everysec', 'js-ack'). */
  readonly acks: string;
  readonly messages: number;
  readonly seconds: number;
  readonly messagesPerSecond: number;
  /** Payload bytes (messages × messageBytes) / seconds / 1e6. */
  readonly megabytesPerSecond: number;
  /** CPU seconds the server process(es) used during the run (user + system), null if unknown. */
  readonly serverCpuSeconds: number | null;
  /** serverCpuSeconds / messages × 1e6. */
  readonly serverCpuMicrosPerMessage: number | null;
  readonly notes?: string;
}

export interface LatencyResult {
  readonly system: SystemName;
  readonly client: string;
  readonly messageBytes: number;
  readonly acks: string;
  /** The fixed send rate, messages per second (e.g. half the measured peak). */
  readonly ratePerSecond: number;
  readonly messages: number;
  /** End-to-end: from just before the send call to the consumer receiving it, in ms. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
  readonly notes?: string;
}

export interface MachineResult {
  readonly name: string;
  /** e.g. 'loopback-tcp', 'disk-write', 'disk-write-fdatasync', 'page-cache-read'. */
  readonly megabytesPerSecond: number;
  readonly tool: string;
}

export interface ProcessResult {
  readonly system: SystemName;
  /** Process start to the first acknowledged produce, ms. */
  readonly startToFirstProduceMs: number | null;
  readonly idleRssMegabytes: number | null;
  readonly loadRssMegabytes: number | null;
}

export interface BenchRun {
  readonly startedAt: string;
  readonly machine: {
    readonly cpus: number;
    readonly memoryGigabytes: number;
    readonly loadAverage: readonly number[];
    readonly node: string;
  };
  readonly limits: readonly MachineResult[];
  readonly throughput: readonly ThroughputResult[];
  readonly latency: readonly LatencyResult[];
  readonly processes: readonly ProcessResult[];
  readonly notes: readonly string[];
}
