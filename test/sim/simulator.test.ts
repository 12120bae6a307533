// The deterministic cluster simulator (src/testing/, docs/simulator.md) as
// part of npm test: a bounded number of seeds, each a cluster of 3 to 5
// brokers running Gregor's replication, controller and log code under
// crashes, power cuts, pauses, partitions, store outages, disk faults and
// clock jumps, with consumer groups committing offsets through the real group
// coordinator, every invariant checked after every event; and a replay
// check that one seed always runs the same way. The runs use `npm run sim`'s
// defaults, so a failing seed replays with `npm run sim -- --seed N`.
// SIM_SEEDS and SIM_FIRST_SEED widen or move the range.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatFailure, runSimulation } from '../../src/testing/cluster-simulator.ts';
import { addRun, faultKindsText, runFailed, zeroTotals } from '../../src/testing/sim-totals.ts';

const FIRST_SEED = Number(process.env['SIM_FIRST_SEED'] ?? 1);
const SEEDS = Number(process.env['SIM_SEEDS'] ?? 50);

describe('cluster simulator', () => {
  test(`${SEEDS} seeded runs with faults keep every invariant`, async (t) => {
    const failures: string[] = [];
    const totals = zeroTotals();
    for (let seed = FIRST_SEED; seed < FIRST_SEED + SEEDS; seed++) {
      const r = await runSimulation({ seed });
      addRun(totals, r);
      if (runFailed(r)) failures.push(formatFailure(r));
    }
    t.diagnostic(
      `${SEEDS} runs (seeds ${FIRST_SEED}..${FIRST_SEED + SEEDS - 1}), ${failures.length} with violations`,
    );
    t.diagnostic(`${totals.faults} faults injected: ${faultKindsText(totals)}`);
    t.diagnostic(
      `${totals.acked} acknowledged writes checked, ${totals.elections} leader elections, ${totals.events} events`,
    );
    t.diagnostic(
      `${totals.commits} offset commits acknowledged, ${totals.offsetFetches} committed offsets fetched and checked`,
    );
    const ratio = totals.simulatedMs / Math.max(1, totals.wallMs);
    t.diagnostic(
      `simulated ${(totals.simulatedMs / 1000).toFixed(0)} s in ${(totals.wallMs / 1000).toFixed(1)} s wall: ${ratio.toFixed(0)}x`,
    );
    assert.deepEqual(failures, [], failures.join('\n\n'));
    // The runs did something: faults of most kinds were injected, writes acknowledged and checked.
    assert.ok(totals.faults >= SEEDS * 5, `only ${totals.faults} faults in ${SEEDS} runs`);
    assert.ok(
      totals.faultsByKind.size >= Math.min(10, SEEDS),
      `only ${totals.faultsByKind.size} fault kinds`,
    );
    assert.ok(totals.acked >= SEEDS * 50, `only ${totals.acked} acknowledged writes`);
    assert.ok(totals.commits >= SEEDS * 50, `only ${totals.commits} acknowledged commits`);
    assert.ok(
      totals.offsetFetches >= SEEDS * 20,
      `only ${totals.offsetFetches} committed offsets checked`,
    );
  });

  test('one seed replays exactly: same trace hash, events, outcome and trace tail', async () => {
    const options = { seed: 7, faultPhaseMs: 30_000, settleMs: 15_000 };
    const first = await runSimulation(options);
    const second = await runSimulation(options);
    assert.ok(first.stats.faultsInjected > 0, 'the replayed run injected no fault');
    assert.equal(second.traceHash, first.traceHash);
    assert.equal(second.stats.events, first.stats.events);
    assert.equal(second.stats.acked, first.stats.acked);
    assert.ok(first.stats.commitsAcked > 0, 'the replayed run committed no offset');
    assert.equal(second.stats.commitsAcked, first.stats.commitsAcked);
    assert.equal(second.stats.offsetFetchesChecked, first.stats.offsetFetchesChecked);
    assert.deepEqual(second.stats.faults, first.stats.faults);
    assert.deepEqual(second.traceTail, first.traceTail);
    assert.deepEqual(second.violations, first.violations);
    const other = await runSimulation({ ...options, seed: 8 });
    assert.notEqual(other.traceHash, first.traceHash);
  });
});
