// One peer system's whole measurement, the same for every peer: for each
// message size a fresh server for produce then consume (the consumer reads
// what the producer wrote), then latency on a server of its own at a rate
// derived from the produce peak; and the command-line entry each peer module
// offers for a quick look on its own.

import { numberFlag, parseFlags, runStandalone } from '../lib/processes.ts';
import type { LatencyResult, ThroughputResult } from '../lib/results.ts';

export interface PeerAllOptions {
  readonly sizes: readonly number[];
  readonly messages: number;
  readonly latencySeconds: number;
  readonly warmupSeconds?: number;
  /** The latency run's rate from the produce rate measured; half of it unless told. */
  readonly latencyRate?: (produceMessagesPerSecond: number) => number;
}

export interface PeerResults {
  readonly throughput: ThroughputResult[];
  readonly latency: LatencyResult[];
}

/** What a peer module provides; `S` is its running server. */
export interface PeerMeasures<S extends { stop(): Promise<void> }> {
  start(): Promise<S>;
  produce(o: { messageBytes: number; messages: number; server: S }): Promise<ThroughputResult>;
  consume(o: { messageBytes: number; messages: number; server: S }): Promise<ThroughputResult>;
  latency(o: {
    messageBytes: number;
    ratePerSecond: number;
    seconds: number;
    warmupSeconds?: number;
  }): Promise<LatencyResult>;
}

export async function measurePeerAll<S extends { stop(): Promise<void> }>(
  peer: PeerMeasures<S>,
  opts: PeerAllOptions,
): Promise<PeerResults> {
  const throughput: ThroughputResult[] = [];
  const latency: LatencyResult[] = [];
  for (const messageBytes of opts.sizes) {
    const server = await peer.start();
    let produced: ThroughputResult;
    try {
      produced = await peer.produce({ messageBytes, messages: opts.messages, server });
      throughput.push(produced);
      throughput.push(await peer.consume({ messageBytes, messages: opts.messages, server }));
    } finally {
      await server.stop();
    }
    const ratePerSecond = Math.round(
      (opts.latencyRate ?? ((peak) => peak / 2))(produced.messagesPerSecond),
    );
    latency.push(
      await peer.latency({
        messageBytes,
        ratePerSecond,
        seconds: opts.latencySeconds,
        ...(opts.warmupSeconds === undefined ? {} : { warmupSeconds: opts.warmupSeconds }),
      }),
    );
  }
  return { throughput, latency };
}

/** `--bytes 100,1024 --messages N --seconds S --warmup W [--rate R]`, JSON on stdout. */
export function runPeerStandalone(measureAll: (o: PeerAllOptions) => Promise<PeerResults>): void {
  const flags = parseFlags(process.argv.slice(2));
  const sizes = (flags.get('bytes') ?? '100,1024').split(',').map(Number);
  const rate = flags.get('rate');
  runStandalone(
    () =>
      measureAll({
        sizes,
        messages: numberFlag(flags, 'messages', 200_000),
        latencySeconds: numberFlag(flags, 'seconds', 10),
        warmupSeconds: numberFlag(flags, 'warmup', 2),
        ...(rate === undefined ? {} : { latencyRate: () => Number(rate) }),
      }),
    180_000,
  );
}
