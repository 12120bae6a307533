// The simulator can fail: with a deliberately broken leader election injected
// through the controller's `decide` seam (a live replica outside the ISR
// preferred when the leader is gone, broken-election.ts; no product code is
// edited), some seed among the first few must end in a lost acknowledged
// write or a divergent offset; that seed must replay to the same trace and
// the same violations, and the same seed with the controller's own election
// must pass. Likewise a group coordinator whose services hide the
// __consumer_offsets log from its load (broken-offsets-load.ts, through the
// services seam) must be caught losing a committed offset.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  formatFailure,
  replayCommand,
  runSimulation,
  type SimResult,
} from '../../src/testing/cluster-simulator.ts';
import { electOutsideIsr } from './broken-election.ts';
import { skipOffsetsLoad } from './broken-offsets-load.ts';

const SEEDS_MAX = 40;
const SHORT = { faultPhaseMs: 20_000, settleMs: 15_000 } as const;

test('an election outside the ISR is caught, and its failing seed replays', async (t) => {
  let failing: SimResult | null = null;
  let tried = 0;
  for (let seed = 1; seed <= SEEDS_MAX && failing === null; seed++) {
    tried += 1;
    const r = await runSimulation({ seed, ...SHORT, decideLeadership: electOutsideIsr });
    if (r.violations.length > 0) failing = r;
  }
  assert.ok(failing !== null, `no seed in 1..${SEEDS_MAX} caught the broken election`);
  const kinds = new Set(failing.violations.map((v) => v.kind));
  t.diagnostic(
    `broken election caught by seed ${failing.seed} (after ${tried} runs): ${[...kinds].join(', ')}`,
  );
  t.diagnostic(`replay: ${replayCommand(failing)}`);
  t.diagnostic(`first violation: ${failing.violations[0]?.message}`);
  assert.ok(
    kinds.has('lost-ack') || kinds.has('divergent-offset') || kinds.has('replicas-disagree'),
    formatFailure(failing),
  );
  // The failure report names the seed and the command that replays it, and ends with the trace.
  const report = formatFailure(failing);
  assert.match(report, new RegExp(`seed ${failing.seed} failed`));
  assert.ok(report.includes(replayCommand(failing)));
  assert.ok(report.endsWith(failing.traceTail.at(-1) ?? '<no trace>'));

  const replay = await runSimulation({
    seed: failing.seed,
    ...SHORT,
    decideLeadership: electOutsideIsr,
  });
  assert.equal(replay.traceHash, failing.traceHash);
  assert.deepEqual(replay.violations, failing.violations);
  assert.deepEqual(replay.traceTail, failing.traceTail);

  const sound = await runSimulation({ seed: failing.seed, ...SHORT });
  assert.deepEqual(sound.violations, [], formatFailure(sound));
});

test('a coordinator that skips its offsets load is caught losing commits, and its seed replays', async (t) => {
  let failing: SimResult | null = null;
  let tried = 0;
  for (let seed = 1; seed <= SEEDS_MAX && failing === null; seed++) {
    tried += 1;
    const r = await runSimulation({ seed, ...SHORT, groupServices: skipOffsetsLoad });
    if (r.violations.length > 0) failing = r;
  }
  assert.ok(failing !== null, `no seed in 1..${SEEDS_MAX} caught the skipped offsets load`);
  const kinds = new Set(failing.violations.map((v) => v.kind));
  t.diagnostic(
    `skipped offsets load caught by seed ${failing.seed} (after ${tried} runs): ${[...kinds].join(', ')}`,
  );
  t.diagnostic(`replay: ${replayCommand(failing)}`);
  t.diagnostic(`first violation: ${failing.violations[0]?.message}`);
  assert.deepEqual([...kinds], ['lost-commit'], formatFailure(failing));
  assert.ok(replayCommand(failing).includes('--broken-offsets-load'));

  const replay = await runSimulation({
    seed: failing.seed,
    ...SHORT,
    groupServices: skipOffsetsLoad,
  });
  assert.equal(replay.traceHash, failing.traceHash);
  assert.deepEqual(replay.violations, failing.violations);

  const sound = await runSimulation({ seed: failing.seed, ...SHORT });
  assert.deepEqual(sound.violations, [], formatFailure(sound));
  assert.ok(sound.stats.commitsAcked > 0 && sound.stats.offsetFetchesChecked > 0);
});
