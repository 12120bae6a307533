// What cluster tests ask of a running cluster again and again: a topic's
// partitions as kcat -L (librdkafka's Metadata) reports them, one partition's
// leader, epoch and ISR as one chosen broker answers them (a stale broker's own
// view included), and polling a probe until it has an answer or a deadline passes.

import { Metadata } from '../../src/protocol/apis/metadata.ts';
import { run } from './processes.ts';
import { RawClient } from './raw-client.ts';

export interface PartitionLine {
  readonly partition: number;
  readonly leader: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
}

const ids = (s: string): number[] =>
  s
    .split(',')
    .filter((x) => x !== '')
    .map(Number);

/** The partitions of `topic` from `kcat -L` against `bootstrap`. */
export async function describeTopic(bootstrap: string, topic: string): Promise<PartitionLine[]> {
  const r = await run('kcat', ['-b', bootstrap, '-L', '-t', topic, '-m', '10']);
  const rows = r.stdout.matchAll(
    /partition (\d+), leader (-?\d+), replicas: ([\d,]*), isrs: ([\d,]*)/g,
  );
  return [...rows].map((m) => ({
    partition: Number(m[1]),
    leader: Number(m[2]),
    replicas: ids(m[3]!),
    isr: ids(m[4]!),
  }));
}

export interface PartitionView {
  leader: number;
  leaderEpoch: number;
  isr: number[];
}

const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

/**
 * The first partition of `topic` (the tests' topics have one) as the broker at `bootstrap`
 * answers Metadata v9 itself, ISR sorted; null when it names no such partition or an error.
 */
export async function partitionViewAt(
  bootstrap: string,
  topic: string,
): Promise<PartitionView | null> {
  const c = await RawClient.connect(bootstrap);
  try {
    const m = await c.send(Metadata, 9, {
      topics: [{ topicId: ZERO_UUID, name: topic }],
      allowAutoTopicCreation: false,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    });
    const p = m.topics[0]?.partitions[0];
    if (p === undefined || p.errorCode !== 0) return null;
    return { leader: p.leaderId, leaderEpoch: p.leaderEpoch, isr: [...p.isrNodes].sort() };
  } finally {
    c.close();
  }
}

/**
 * Calls `probe` every 200 ms until it returns something other than null (a
 * probe that throws counts as null) and returns that; throws after timeoutMs.
 */
export async function until<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | null>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = null;
  for (;;) {
    const v = await probe().catch((err: unknown) => {
      lastError = err;
      return null;
    });
    if (v !== null) return v;
    if (Date.now() > deadline) {
      const why = lastError instanceof Error ? ` (last probe error: ${lastError.message})` : '';
      throw new Error(`timed out waiting for ${what}${why}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
