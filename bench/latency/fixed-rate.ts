// The one latency method of the benchmark, whatever the system: a timer sends
// `ratePerSecond` messages a second in ticks of about a millisecond, each stamped with
// the time just before its send call, and the receiver, in the same process (one
// clock), records now − sent for each message in a LatencyHistogram. A readiness probe
// comes first, the warm-up's messages are not counted, and the run ends when every
// message has arrived or the drain timeout has passed.

import { performance } from 'node:perf_hooks';
import { LatencyHistogram } from '../../src/cli/latency-histogram.ts';
import type { LatencyResult, SystemName } from '../lib/results.ts';
import {
  blankMessage,
  MessageKind,
  type MessageKindValue,
  readStamp,
  writeIdentity,
  writeSentMs,
} from './stamp.ts';

export interface FixedRateOptions {
  readonly messageBytes: number;
  readonly ratePerSecond: number;
  /** Measured seconds, after the warm-up. */
  readonly seconds: number;
  /** Sent at the same rate but not counted; 2 unless told. */
  readonly warmupSeconds?: number;
  /** Timer period of the sender; 1 ms unless told. */
  readonly tickMs?: number;
  /** How long the first probe may take to come back (consumer joins, subscriptions). */
  readonly readyTimeoutMs?: number;
  /** How long to wait for the last messages after the sending ends. */
  readonly drainTimeoutMs?: number;
  readonly now?: () => number;
}

/** Sends one tick's messages. It must not wait for the receiver; a rejection ends the run. */
export type SendTick = (messages: Buffer[]) => void | Promise<void>;

export interface FixedRateFigures {
  /** Messages sent after the warm-up and received, the ones in the percentiles. */
  readonly measuredMessages: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
  readonly meanMs: number;
  /** Warm-up and measured messages sent, and how many of them came back (once). */
  readonly sentMessages: number;
  readonly receivedMessages: number;
  readonly duplicateMessages: number;
  /** Messages sent in the measured part / its seconds. */
  readonly achievedRatePerSecond: number;
  /** The longest gap between two sender ticks: how late the sender itself ran. */
  readonly maxTickGapMs: number;
  /** True when the receiver fell so far behind that the sender stopped early. */
  readonly overloaded: boolean;
  /** CPU this process (sender and receiver) used, in cores (1 = one core busy), over the run. */
  readonly clientCores: number;
}

/** Receives with `receive`, sends with `run`. */
export class FixedRateMeter {
  private readonly histogram = new LatencyHistogram();
  private readonly now: () => number;
  private readonly seen: Uint8Array;
  private probeSeen = false;
  private received = 0;
  private duplicates = 0;

  constructor(private readonly opts: FixedRateOptions) {
    if (!(opts.ratePerSecond > 0) || !(opts.seconds > 0))
      throw new Error('rate and seconds must be > 0');
    blankMessage(opts.messageBytes); // checks the size
    this.now = opts.now ?? (() => performance.now());
    const total = Math.ceil(opts.ratePerSecond * (this.warmupSeconds() + opts.seconds)) + 16;
    this.seen = new Uint8Array(total);
  }

  /** The receiver's side: call with each message's value as it arrives. */
  readonly receive = (value: Uint8Array): void => {
    const stamp = readStamp(value);
    if (stamp === null) return;
    if (stamp.kind === MessageKind.PROBE) {
      this.probeSeen = true;
      return;
    }
    if (stamp.sequence >= this.seen.length || this.seen[stamp.sequence] === 1) {
      this.duplicates++;
      return;
    }
    this.seen[stamp.sequence] = 1;
    this.received++;
    if (stamp.kind === MessageKind.MEASURED) this.histogram.recordMs(this.now() - stamp.sentMs);
  };

  /** Probes until the receiver sees one, sends at the fixed rate, then waits for the rest. */
  async run(send: SendTick): Promise<FixedRateFigures> {
    const failure: { error?: unknown } = {};
    const guardedSend = (messages: Buffer[]): void => {
      try {
        const pending = send(messages);
        if (pending !== undefined) pending.catch((error: unknown) => (failure.error ??= error));
      } catch (error) {
        failure.error ??= error;
      }
    };
    await this.probe(guardedSend, failure);
    const cpu0 = process.cpuUsage();
    const t0 = this.now();
    const sending = await this.sendAtRate(guardedSend, failure);
    await this.drain(sending.sent, failure);
    const cpu = process.cpuUsage(cpu0);
    const clientCores = (cpu.user + cpu.system) / 1000 / Math.max(1, this.now() - t0);
    const h = this.histogram;
    return {
      measuredMessages: h.count,
      p50Ms: h.percentileMs(50),
      p99Ms: h.percentileMs(99),
      p999Ms: h.percentileMs(99.9),
      maxMs: h.maxMs(),
      meanMs: h.meanMs(),
      sentMessages: sending.sent,
      receivedMessages: this.received,
      duplicateMessages: this.duplicates,
      achievedRatePerSecond: sending.measuredSent / sending.measuredSeconds,
      maxTickGapMs: sending.maxTickGapMs,
      overloaded: sending.overloaded,
      clientCores,
    };
  }

  private warmupSeconds(): number {
    return this.opts.warmupSeconds ?? 2;
  }

  private async probe(send: (m: Buffer[]) => void, failure: { error?: unknown }): Promise<void> {
    const deadline = this.now() + (this.opts.readyTimeoutMs ?? 30_000);
    let sequence = 0;
    while (!this.probeSeen) {
      if (failure.error !== undefined) throw failure.error;
      if (this.now() > deadline) throw new Error('the receiver never saw a probe message');
      const probe = blankMessage(this.opts.messageBytes);
      writeIdentity(probe, sequence++, MessageKind.PROBE);
      writeSentMs(probe, this.now());
      send([probe]);
      await sleep(100);
    }
  }

  private async sendAtRate(
    send: (m: Buffer[]) => void,
    failure: { error?: unknown },
  ): Promise<{
    sent: number;
    measuredSent: number;
    measuredSeconds: number;
    maxTickGapMs: number;
    overloaded: boolean;
  }> {
    const { ratePerSecond, seconds } = this.opts;
    const tickMs = this.opts.tickMs ?? 1;
    const warmupMs = this.warmupSeconds() * 1000;
    const totalMs = warmupMs + seconds * 1000;
    const maxOutstanding = Math.max(10_000, ratePerSecond * 5);
    const startMs = this.now();
    let sent = 0;
    // A message is measured by when it was due, not by when a late tick sent it: a sender
    // stalled across the warm-up's end must not count warm-up messages as measured.
    const measuredFrom = Math.floor((warmupMs * ratePerSecond) / 1000);
    let lastTickMs = startMs;
    let maxTickGapMs = 0;
    let overloaded = false;
    for (;;) {
      const nowMs = this.now();
      maxTickGapMs = Math.max(maxTickGapMs, nowMs - lastTickMs);
      lastTickMs = nowMs;
      const elapsedMs = Math.min(nowMs - startMs, totalMs);
      const due = Math.floor((elapsedMs * ratePerSecond) / 1000);
      if (due > sent) {
        const messages: Buffer[] = [];
        for (; sent < due; sent++) {
          const message = blankMessage(this.opts.messageBytes);
          const kind: MessageKindValue =
            sent >= measuredFrom ? MessageKind.MEASURED : MessageKind.WARMUP;
          writeIdentity(message, sent, kind);
          messages.push(message);
        }
        const sentMs = this.now();
        for (const message of messages) writeSentMs(message, sentMs);
        send(messages);
      }
      if (failure.error !== undefined) throw failure.error;
      if (sent - this.received > maxOutstanding) {
        overloaded = true;
        break;
      }
      if (elapsedMs >= totalMs) break;
      await sleep(tickMs);
    }
    const measuredSeconds = Math.max(1e-3, (this.now() - startMs - warmupMs) / 1000);
    return {
      sent,
      measuredSent: Math.max(0, sent - measuredFrom),
      measuredSeconds,
      maxTickGapMs,
      overloaded,
    };
  }

  private async drain(sent: number, failure: { error?: unknown }): Promise<void> {
    const deadline = this.now() + (this.opts.drainTimeoutMs ?? 10_000);
    while (this.received < sent && this.now() < deadline) {
      if (failure.error !== undefined) throw failure.error;
      await sleep(10);
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** "server CPU N% of one core" over a latency run (probe and warm-up included). */
export function serverCpuNote(cpuSeconds: number, elapsedMs: number): string {
  return `server CPU ${Math.round((100 * cpuSeconds * 1000) / elapsedMs)}% of one core`;
}

/** The figures as the benchmark's LatencyResult, with anything unusual said in its notes. */
export function toLatencyResult(
  figures: FixedRateFigures,
  about: {
    readonly system: SystemName;
    readonly client: string;
    readonly messageBytes: number;
    readonly acks: string;
    readonly ratePerSecond: number;
    readonly notes?: string;
  },
): LatencyResult {
  const notes: string[] = about.notes === undefined ? [] : [about.notes];
  const lost = figures.sentMessages - figures.receivedMessages;
  if (lost > 0) notes.push(`${lost} of ${figures.sentMessages} messages never arrived`);
  if (figures.duplicateMessages > 0) notes.push(`${figures.duplicateMessages} duplicates`);
  if (figures.overloaded)
    notes.push('overloaded: the receiver fell 5 s behind and sending stopped');
  notes.push(
    `achieved ${Math.round(figures.achievedRatePerSecond)} msgs/s, mean ${figures.meanMs.toFixed(2)} ms, ` +
      `longest sender tick gap ${figures.maxTickGapMs.toFixed(1)} ms, ` +
      `client CPU ${Math.round(figures.clientCores * 100)}% of one core`,
  );
  return {
    system: about.system,
    client: about.client,
    messageBytes: about.messageBytes,
    acks: about.acks,
    ratePerSecond: about.ratePerSecond,
    messages: figures.measuredMessages,
    p50Ms: figures.p50Ms,
    p99Ms: figures.p99Ms,
    p999Ms: figures.p999Ms,
    maxMs: figures.maxMs,
    notes: notes.join('; '),
  };
}
