// Turning a timed run of a peer system into the benchmark's ThroughputResult: rates from
// the message count and wall seconds, server CPU per message from /proc, and a timer
// that reads wall time and the server's CPU at the start and at the end.

import { performance } from 'node:perf_hooks';
import type { SystemName, ThroughputResult } from '../lib/results.ts';

export interface TimedRun {
  readonly seconds: number;
  readonly serverCpuSeconds: number;
  /** CPU seconds of this (client) process during the run. */
  readonly clientCpuSeconds: number;
}

/** Times `work`, reading `serverCpuSeconds()` before and after it. */
export async function timed(
  serverCpuSeconds: () => number,
  work: () => Promise<void>,
): Promise<TimedRun> {
  const cpu0 = serverCpuSeconds();
  const client0 = process.cpuUsage();
  const t0 = performance.now();
  await work();
  const seconds = (performance.now() - t0) / 1000;
  const client = process.cpuUsage(client0);
  return {
    seconds,
    serverCpuSeconds: serverCpuSeconds() - cpu0,
    clientCpuSeconds: (client.user + client.system) / 1e6,
  };
}

export function throughputResult(about: {
  readonly kind: 'produce' | 'consume';
  readonly system: SystemName;
  readonly client: string;
  readonly messageBytes: number;
  readonly acks: string;
  readonly messages: number;
  readonly run: TimedRun;
  /** Whether the client's CPU is this process's (a Node client) and worth a note. */
  readonly clientInProcess: boolean;
  readonly notes: string;
}): ThroughputResult {
  const { run, messages, messageBytes } = about;
  const notes = about.clientInProcess
    ? `${about.notes}; client CPU ${run.clientCpuSeconds.toFixed(2)} s (${percent(run.clientCpuSeconds, run.seconds)})`
    : about.notes;
  return {
    kind: about.kind,
    system: about.system,
    client: about.client,
    messageBytes,
    acks: about.acks,
    messages,
    seconds: round(run.seconds, 3),
    messagesPerSecond: Math.round(messages / run.seconds),
    megabytesPerSecond: round((messages * messageBytes) / run.seconds / 1e6, 1),
    serverCpuSeconds: round(run.serverCpuSeconds, 2),
    serverCpuMicrosPerMessage: round((run.serverCpuSeconds / messages) * 1e6, 2),
    notes: `${notes}; server CPU ${percent(run.serverCpuSeconds, run.seconds)} of one core`,
  };
}

function percent(cpuSeconds: number, seconds: number): string {
  return `${Math.round((100 * cpuSeconds) / seconds)}%`;
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
