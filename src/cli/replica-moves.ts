// Planning replica moves for the operator-free scale-down and scale-up of `gregor drain` and
// `gregor rebalance`: pure functions from the current replica lists to target lists, with as
// few moves as possible. A replica on a broker that must be emptied is replaced by the
// least-loaded allowed broker not yet in the partition (another rack than the remaining
// replicas where racks are known); rebalancing then moves replicas from the fullest to the
// emptiest broker until their counts differ by at most one.

export interface PartitionReplicas {
  readonly topic: string;
  readonly partition: number;
  readonly replicas: readonly number[];
}

export interface BrokerInfo {
  readonly nodeId: number;
  readonly rack: string | null;
}

export interface MovePlan {
  /** Only the partitions whose replicas change, with their new lists. */
  readonly moves: PartitionReplicas[];
}

export class PlanError extends Error {
  override readonly name = 'PlanError';
}

interface Working {
  readonly topic: string;
  readonly partition: number;
  readonly before: readonly number[];
  replicas: number[];
}

function loads(parts: readonly Working[], brokers: readonly number[]): Map<number, number> {
  const count = new Map(brokers.map((b) => [b, 0]));
  for (const p of parts)
    for (const r of p.replicas) if (count.has(r)) count.set(r, (count.get(r) ?? 0) + 1);
  return count;
}

/** The allowed broker to add to `p`: not in it, fewest replicas, a new rack first, lowest id. */
function pickBroker(
  p: Working,
  allowed: readonly number[],
  load: ReadonlyMap<number, number>,
  racks: ReadonlyMap<number, string | null>,
  leaving: number,
): number | null {
  const usedRacks = new Set(
    p.replicas.filter((r) => r !== leaving).map((r) => racks.get(r) ?? null),
  );
  const candidates = allowed.filter((b) => !p.replicas.includes(b));
  candidates.sort((a, b) => {
    const rackA = usedRacks.has(racks.get(a) ?? null) ? 1 : 0;
    const rackB = usedRacks.has(racks.get(b) ?? null) ? 1 : 0;
    return (load.get(a) ?? 0) - (load.get(b) ?? 0) || rackA - rackB || a - b;
  });
  return candidates[0] ?? null;
}

function working(parts: readonly PartitionReplicas[]): Working[] {
  return [...parts]
    .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition)
    .map((p) => ({ ...p, before: p.replicas, replicas: [...p.replicas] }));
}

function changed(parts: readonly Working[]): MovePlan {
  return {
    moves: parts
      .filter((p) => p.replicas.join(',') !== p.before.join(','))
      .map((p) => ({ topic: p.topic, partition: p.partition, replicas: p.replicas })),
  };
}

/**
 * Replaces every replica on a broker outside `allowed`. `replacementLast` puts the new
 * replica at the end (a drain: the preferred leader becomes a replica that is already in
 * sync); otherwise it takes the leaving replica's place (a rebalance spreads leadership too).
 */
function evacuate(
  parts: Working[],
  allowed: readonly number[],
  racks: ReadonlyMap<number, string | null>,
  replacementLast: boolean,
): void {
  const load = loads(parts, allowed);
  for (const p of parts) {
    for (const leaving of p.replicas.filter((r) => !allowed.includes(r))) {
      const chosen = pickBroker(p, allowed, load, racks, leaving);
      if (chosen === null) {
        throw new PlanError(
          `${p.topic}-${p.partition} has ${p.replicas.length} replicas but only ` +
            `${allowed.length} brokers may hold them: add brokers or lower its replication factor first`,
        );
      }
      const at = p.replicas.indexOf(leaving);
      if (replacementLast) p.replicas = [...p.replicas.filter((r) => r !== leaving), chosen];
      else p.replicas[at] = chosen;
      load.set(chosen, (load.get(chosen) ?? 0) + 1);
    }
  }
}

/** Moves every replica off `nodeId` onto the other `brokers`. */
export function planDrain(
  parts: readonly PartitionReplicas[],
  brokers: readonly BrokerInfo[],
  nodeId: number,
): MovePlan {
  const allowed = brokers.map((b) => b.nodeId).filter((b) => b !== nodeId);
  const w = working(parts);
  evacuate(w, allowed, new Map(brokers.map((b) => [b.nodeId, b.rack])), true);
  return changed(w);
}

/**
 * Spreads replicas evenly over `brokers` (new brokers start empty): first off any broker not
 * in the list, then from the fullest to the emptiest until counts differ by at most one.
 */
export function planRebalance(
  parts: readonly PartitionReplicas[],
  brokers: readonly BrokerInfo[],
): MovePlan {
  const allowed = brokers.map((b) => b.nodeId).sort((a, b) => a - b);
  const racks = new Map(brokers.map((b) => [b.nodeId, b.rack]));
  const w = working(parts);
  evacuate(w, allowed, racks, false);
  const load = loads(w, allowed);
  // Each step moves one replica and narrows the spread; the bound only guards the loop.
  for (let step = 0; step < 1_000_000; step++) {
    const byLoad = [...load].sort((a, b) => a[1] - b[1] || a[0] - b[0]);
    const [emptiest, low] = byLoad[0]!;
    const [fullest, high] = byLoad[byLoad.length - 1]!;
    if (high - low <= 1) break;
    const p = w.find((x) => x.replicas.includes(fullest) && !x.replicas.includes(emptiest));
    if (p === undefined) break;
    p.replicas[p.replicas.indexOf(fullest)] = emptiest;
    load.set(fullest, high - 1);
    load.set(emptiest, low + 1);
  }
  return changed(w);
}
