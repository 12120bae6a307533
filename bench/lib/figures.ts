// Turns the runs of one measurement into the one figure the report shows: the run with
// the median throughput (its own seconds and server CPU, not a mix of runs), with every
// run's rate kept in the notes so the spread is visible. Pure: no I/O, no clock.

import type { ThroughputResult } from './results.ts';

export interface RunFigures {
  readonly messages: number;
  readonly seconds: number;
  /** CPU seconds of the server process(es) during the run; null if unknown. */
  readonly serverCpuSeconds: number | null;
  /** CPU seconds of the client during the run; null if unknown. */
  readonly clientCpuSeconds: number | null;
}

export interface MeasurementLabel {
  readonly kind: 'produce' | 'consume';
  readonly system: string;
  readonly client: string;
  readonly messageBytes: number;
  readonly acks: string;
  readonly notes?: string;
}

/** The element at the median position by `key` (the lower middle one for an even count). */
export function medianBy<T>(items: readonly T[], key: (item: T) => number): T {
  if (items.length === 0) throw new RangeError('median of no items');
  const sorted = [...items].sort((a, b) => key(a) - key(b));
  return sorted[Math.floor((sorted.length - 1) / 2)] as T;
}

function compact(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(0)}k`;
  return n.toFixed(0);
}

export function toThroughput(
  label: MeasurementLabel,
  runs: readonly RunFigures[],
): ThroughputResult {
  const rate = (r: RunFigures) => r.messages / r.seconds;
  const median = medianBy(runs, rate);
  const notes: string[] = [];
  if (runs.length > 1) {
    notes.push(
      `median of ${runs.length} runs: ${runs.map((r) => compact(rate(r))).join(', ')} msgs/s`,
    );
  }
  if (median.clientCpuSeconds !== null) {
    notes.push(`client CPU ${((100 * median.clientCpuSeconds) / median.seconds).toFixed(0)}%`);
  }
  if (median.serverCpuSeconds !== null) {
    notes.push(`server CPU ${((100 * median.serverCpuSeconds) / median.seconds).toFixed(0)}%`);
  }
  if (label.notes !== undefined) notes.push(label.notes);
  const cpu = median.serverCpuSeconds;
  return {
    kind: label.kind,
    system: label.system,
    client: label.client,
    messageBytes: label.messageBytes,
    acks: label.acks,
    messages: median.messages,
    seconds: median.seconds,
    messagesPerSecond: rate(median),
    megabytesPerSecond: (median.messages * label.messageBytes) / median.seconds / 1e6,
    serverCpuSeconds: cpu,
    serverCpuMicrosPerMessage: cpu === null ? null : (cpu / median.messages) * 1e6,
    notes: notes.join('; '),
  };
}
