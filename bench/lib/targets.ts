// The targets of issue #7, each computed from the figures of one run: a ratio against
// the comparison measured in the same run (Redis Streams, NATS JetStream, Gregor's own
// acks=1 or single broker) or an absolute bound. A target whose figures are missing
// (a section skipped or failed) is reported as not measured, never as met.

import type { BenchRun, LatencyResult, ThroughputResult } from './results.ts';

export const GREGOR = 'gregor';
export const GREGOR_CLUSTER = 'gregor-3x-rf3';
export const REDIS = 'redis-streams';
export const NATS = 'nats-jetstream';

export interface TargetCheck {
  readonly name: string;
  /** The measured ratio or value; null when a figure it needs is missing. */
  readonly value: number | null;
  readonly comparator: '>=' | '<=' | '<';
  readonly threshold: number;
  /** '×' for a ratio, else the unit of an absolute bound. */
  readonly unit: '×' | 'ms' | 'MB';
  /** The figures behind the value, for the table. */
  readonly detail: string;
}

export function isMet(t: TargetCheck): boolean | null {
  if (t.value === null || !Number.isFinite(t.value)) return null;
  if (t.comparator === '>=') return t.value >= t.threshold;
  if (t.comparator === '<=') return t.value <= t.threshold;
  return t.value < t.threshold;
}

interface Query {
  readonly system: string;
  readonly kind: 'produce' | 'consume';
  readonly bytes: number;
  readonly client?: string;
  readonly acks?: string;
}

/** The fastest matching result (a peer may report several settings; the best is compared). */
export function findThroughput(
  all: readonly ThroughputResult[],
  q: Query,
): ThroughputResult | null {
  const matches = all.filter(
    (t) =>
      t.system === q.system &&
      t.kind === q.kind &&
      t.messageBytes === q.bytes &&
      (q.client === undefined || t.client === q.client) &&
      (q.acks === undefined || t.acks === q.acks),
  );
  if (matches.length === 0) return null;
  return matches.reduce((best, t) => (t.messagesPerSecond > best.messagesPerSecond ? t : best));
}

/** The first latency result of `system` for `bytes` (the runner lists the one at the common rate first). */
export function findLatency(
  all: readonly LatencyResult[],
  system: string,
  bytes: number,
): LatencyResult | null {
  return all.find((l) => l.system === system && l.messageBytes === bytes) ?? null;
}

function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  if (a === null || a === undefined || b === null || b === undefined || b === 0) return null;
  return a / b;
}

const fmt = (n: number | null | undefined, digits = 0): string =>
  n === null || n === undefined
    ? 'n/a'
    : n.toLocaleString('en-US', { maximumFractionDigits: digits });

export function checkTargets(run: BenchRun): TargetCheck[] {
  const t = run.throughput;
  const kcat1k = (system: string, acks: string) =>
    findThroughput(t, { system, kind: 'produce', bytes: 1024, client: 'kcat', acks });
  const single1 = kcat1k(GREGOR, '1');
  const singleAll = kcat1k(GREGOR, 'all');
  const clusterAll = kcat1k(GREGOR_CLUSTER, 'all');
  const redisProduce = findThroughput(t, { system: REDIS, kind: 'produce', bytes: 1024 });
  const natsProduce = findThroughput(t, { system: NATS, kind: 'produce', bytes: 1024 });
  const consume = findThroughput(t, {
    system: GREGOR,
    kind: 'consume',
    bytes: 1024,
    client: 'kcat',
  });
  const redisConsume = findThroughput(t, { system: REDIS, kind: 'consume', bytes: 1024 });
  const gregorLatency = findLatency(run.latency, GREGOR, 1024);
  const redisLatency = findLatency(run.latency, REDIS, 1024);
  const gregorProcess = run.processes.find((p) => p.system === GREGOR) ?? null;
  const msgs = (r: ThroughputResult | null) => `${fmt(r?.messagesPerSecond)} msgs/s`;
  return [
    {
      name: 'producer 1 KiB acks=1 (kcat) / Redis Streams, msgs/s',
      value: ratio(single1?.messagesPerSecond, redisProduce?.messagesPerSecond),
      comparator: '>=',
      threshold: 1,
      unit: '×',
      detail: `${msgs(single1)} vs ${msgs(redisProduce)}`,
    },
    {
      name: 'producer 1 KiB acks=1 (kcat) / NATS JetStream, msgs/s',
      value: ratio(single1?.messagesPerSecond, natsProduce?.messagesPerSecond),
      comparator: '>=',
      threshold: 1.5,
      unit: '×',
      detail: `${msgs(single1)} vs ${msgs(natsProduce)}`,
    },
    {
      name: 'consumer of a 1 KiB backlog (kcat) / Redis Streams, MB/s',
      value: ratio(consume?.megabytesPerSecond, redisConsume?.megabytesPerSecond),
      comparator: '>=',
      threshold: 1,
      unit: '×',
      detail: `${fmt(consume?.megabytesPerSecond)} vs ${fmt(redisConsume?.megabytesPerSecond)} MB/s`,
    },
    {
      name: 'one broker: acks=all / acks=1, 1 KiB (kcat)',
      value: ratio(singleAll?.messagesPerSecond, single1?.messagesPerSecond),
      comparator: '>=',
      threshold: 0.9,
      unit: '×',
      detail: `${msgs(singleAll)} vs ${msgs(single1)}`,
    },
    {
      name: '3 brokers RF=3 acks=all / one broker acks=1, 1 KiB (kcat)',
      value: ratio(clusterAll?.messagesPerSecond, single1?.messagesPerSecond),
      comparator: '>=',
      threshold: 0.35,
      unit: '×',
      detail: `${msgs(clusterAll)} vs ${msgs(single1)}`,
    },
    {
      name: 'broker CPU per 1 KiB message produced: Gregor / Redis',
      value: ratio(single1?.serverCpuMicrosPerMessage, redisProduce?.serverCpuMicrosPerMessage),
      comparator: '<=',
      threshold: 1,
      unit: '×',
      detail: `${fmt(single1?.serverCpuMicrosPerMessage, 2)} vs ${fmt(redisProduce?.serverCpuMicrosPerMessage, 2)} µs`,
    },
    {
      name: 'p99 end-to-end latency at the common rate, 1 KiB: Gregor / Redis',
      value: ratio(gregorLatency?.p99Ms, redisLatency?.p99Ms),
      comparator: '<=',
      threshold: 1,
      unit: '×',
      detail: `${fmt(gregorLatency?.p99Ms, 2)} vs ${fmt(redisLatency?.p99Ms, 2)} ms`,
    },
    {
      name: 'start to first acknowledged produce',
      value: gregorProcess?.startToFirstProduceMs ?? null,
      comparator: '<',
      threshold: 300,
      unit: 'ms',
      detail: 'node bin/gregor server, empty data dir',
    },
    {
      name: 'idle resident memory',
      value: gregorProcess?.idleRssMegabytes ?? null,
      comparator: '<',
      threshold: 150,
      unit: 'MB',
      detail: `under produce load: ${fmt(gregorProcess?.loadRssMegabytes)} MB (peak)`,
    },
  ];
}
