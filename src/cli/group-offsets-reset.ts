// The new offsets of `consumer-groups --reset-offsets`, as Kafka's
// GroupOffsetsResetter computes them: earliest, latest, a given offset or a
// shift of the committed one (both kept within the log's start and end), the
// first offset at or after a time (the end when none is), or the current
// committed offset. Reads offsets through the client; commits nothing.

import type { CommittedOffset } from '../client/admin.ts';
import {
  EARLIEST_TIMESTAMP,
  LATEST_TIMESTAMP,
  listOffsets,
  type TopicPartition,
  tpKey,
} from '../client/fetcher.ts';
import type { KafkaClient } from '../client/kafka-client.ts';
import { UsageError } from './tool-support.ts';

export type ResetScenario =
  | { readonly kind: 'to-earliest' }
  | { readonly kind: 'to-latest' }
  | { readonly kind: 'to-current' }
  | { readonly kind: 'to-offset'; readonly offset: number }
  | { readonly kind: 'shift-by'; readonly shift: number }
  | { readonly kind: 'to-datetime'; readonly timestampMs: number };

export type PlannedOffset = TopicPartition & { offset: number };

/**
 * Kafka's --to-datetime format, yyyy-MM-ddTHH:mm:ss.SSS with an optional zone
 * (Z or ±hh:mm); without one, local time, as Kafka reads it.
 */
export function parseResetDatetime(text: string): number {
  const m = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(
    text.trim(),
  );
  const ms = m === null ? Number.NaN : Date.parse(text.trim());
  if (Number.isNaN(ms)) {
    throw new UsageError(
      `Error parsing timestamp '${text}': expected the format yyyy-MM-ddTHH:mm:ss.SSS[Z|+hh:mm]`,
    );
  }
  return ms;
}

async function ends(
  client: KafkaClient,
  tps: readonly TopicPartition[],
  timestamp: number,
): Promise<Map<string, number>> {
  const listed = await listOffsets(
    client,
    tps.map((tp) => ({ ...tp, timestamp })),
  );
  return new Map(listed.map((l) => [tpKey(l), l.offset]));
}

function clamp(
  tp: TopicPartition,
  offset: number,
  start: Map<string, number>,
  end: Map<string, number>,
): number {
  const lo = start.get(tpKey(tp)) ?? 0;
  const hi = end.get(tpKey(tp)) ?? offset;
  return Math.min(Math.max(offset, lo), hi);
}

export async function planReset(
  client: KafkaClient,
  tps: readonly TopicPartition[],
  scenario: ResetScenario,
  committed: readonly CommittedOffset[],
): Promise<PlannedOffset[]> {
  const current = new Map(committed.map((c) => [tpKey(c), c.offset]));
  const start = await ends(client, tps, EARLIEST_TIMESTAMP);
  const end = await ends(client, tps, LATEST_TIMESTAMP);
  const at = async (): Promise<Map<string, number>> =>
    scenario.kind === 'to-datetime' ? ends(client, tps, scenario.timestampMs) : new Map();
  const byTime = await at();
  return tps.map((tp): PlannedOffset => {
    const key = tpKey(tp);
    switch (scenario.kind) {
      case 'to-earliest':
        return { ...tp, offset: start.get(key) ?? 0 };
      case 'to-latest':
        return { ...tp, offset: end.get(key) ?? 0 };
      case 'to-offset':
        return { ...tp, offset: clamp(tp, scenario.offset, start, end) };
      case 'to-current':
      case 'shift-by': {
        const c = current.get(key);
        if (c === undefined) {
          throw new UsageError(
            `Cannot shift offset for partition ${tp.topic}-${tp.partition} since there is no current committed offset`,
          );
        }
        const shift = scenario.kind === 'shift-by' ? scenario.shift : 0;
        return { ...tp, offset: clamp(tp, c + shift, start, end) };
      }
      case 'to-datetime': {
        const found = byTime.get(key);
        // No record at or after the time: Kafka falls back to the log end.
        return { ...tp, offset: found === undefined || found < 0 ? (end.get(key) ?? 0) : found };
      }
      default:
        throw new Error(`unknown reset scenario ${String((scenario as { kind: unknown }).kind)}`);
    }
  });
}
