// What a number of simulated runs add up to: the one place the totals start
// from zero and take in a run, for `npm run sim`'s summary line
// (test/sim/run-sim.ts) and the simulator test's diagnostics
// (test/sim/simulator.test.ts), so the two count the same things the same way.

import type { SimResult } from './cluster-simulator.ts';

export interface SimTotals {
  runs: number;
  /** Runs with a violation, or stopped at the event limit. */
  failed: number;
  faults: number;
  /** Faults injected, by kind. */
  readonly faultsByKind: Map<string, number>;
  acked: number;
  /** Offset commits acknowledged. */
  commits: number;
  /** Committed offsets fetched and checked. */
  offsetFetches: number;
  events: number;
  elections: number;
  simulatedMs: number;
  wallMs: number;
}

export function zeroTotals(): SimTotals {
  return {
    runs: 0,
    failed: 0,
    faults: 0,
    faultsByKind: new Map(),
    acked: 0,
    commits: 0,
    offsetFetches: 0,
    events: 0,
    elections: 0,
    simulatedMs: 0,
    wallMs: 0,
  };
}

/** True when a run broke an invariant or did not reach its end. */
export function runFailed(r: SimResult): boolean {
  return r.violations.length > 0 || r.truncated;
}

/** Adds one run to the totals. */
export function addRun(totals: SimTotals, r: SimResult): void {
  totals.runs += 1;
  if (runFailed(r)) totals.failed += 1;
  totals.faults += r.stats.faultsInjected;
  for (const [k, n] of Object.entries(r.stats.faults)) {
    totals.faultsByKind.set(k, (totals.faultsByKind.get(k) ?? 0) + n);
  }
  totals.acked += r.stats.acked;
  totals.commits += r.stats.commitsAcked;
  totals.offsetFetches += r.stats.offsetFetchesChecked;
  totals.events += r.stats.events;
  totals.elections += r.stats.elections;
  totals.simulatedMs += r.stats.simulatedMs;
  totals.wallMs += r.stats.wallMs;
}

/** The fault kinds and counts in name order, as "kind n, kind n". */
export function faultKindsText(totals: SimTotals): string {
  return [...totals.faultsByKind]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
}
