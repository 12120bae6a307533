// The alternatives a user would pick instead of Gregor, measured by bench/peers in the
// same run: Redis Streams (AOF) and NATS JetStream, each producing, consuming and, at
// the common latency rate, measured for latency. This module only calls them, one message
// size at a time, and hands each result over as soon as it exists, so a deadline in the
// middle keeps what was measured; a peer that fails is noted and the run goes on.

import { measureNatsAll } from '../peers/nats-jetstream.ts';
import { measureRedisAll } from '../peers/redis-streams.ts';
import type { LatencyResult, ThroughputResult } from './results.ts';

export interface PeersOptions {
  /** Measured in this order; the 1 KiB figures the targets need should come first. */
  readonly sizes: readonly number[];
  readonly messages: number;
  readonly latencySeconds: number;
  /** Every peer's latency is measured at this rate (msgs/s), the one Gregor is measured at. */
  readonly latencyRate: number;
  readonly log: (line: string) => void;
}

export interface PeersSink {
  throughput(results: readonly ThroughputResult[]): void;
  latency(results: readonly LatencyResult[]): void;
  note(text: string): void;
}

type MeasureAll = typeof measureRedisAll;

const PEERS: ReadonlyArray<{ readonly name: string; readonly measure: MeasureAll }> = [
  { name: 'Redis Streams', measure: measureRedisAll },
  { name: 'NATS JetStream', measure: measureNatsAll },
];

export async function measurePeers(options: PeersOptions, sink: PeersSink): Promise<void> {
  for (const peer of PEERS) {
    for (const bytes of options.sizes) {
      options.log(`peers: ${peer.name}, ${bytes} B`);
      try {
        const r = await peer.measure({
          sizes: [bytes],
          messages: options.messages,
          latencySeconds: options.latencySeconds,
          latencyRate: () => options.latencyRate,
        });
        sink.throughput(r.throughput);
        sink.latency(r.latency);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        sink.note(`${peer.name} ${bytes} B: failed: ${message.split('\n')[0]}`);
        options.log(`peers: ${peer.name} ${bytes} B failed: ${message}`);
      }
    }
  }
}
