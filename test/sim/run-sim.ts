// `npm run sim`: runs the cluster simulator (docs/simulator.md) for a number
// of seeds or a time, prints every failing seed with its violations and the
// end of its trace, and sums up what ran. Exits 1 when any seed failed.
//   npm run sim -- --seeds 10000          seeds 1..10000 (or from --first)
//   npm run sim -- --time 600             as many seeds as fit in 600 s of wall time
//   npm run sim -- --seed 42 --trace 400  one seed (to replay a failure), a longer trace
// --fault-phase-ms and --settle-ms change the run's length (a replay needs the
// same values); --broken-election injects the mutation test's wrong election,
// --broken-offsets-load the offsets mutation test's coordinator that skips its load.

import {
  formatFailure,
  runSimulation,
  type SimOptions,
} from '../../src/testing/cluster-simulator.ts';
import { addRun, faultKindsText, runFailed, zeroTotals } from '../../src/testing/sim-totals.ts';
import { electOutsideIsr } from './broken-election.ts';
import { skipOffsetsLoad } from './broken-offsets-load.ts';

interface Args {
  first: number;
  seeds: number;
  timeS: number | null;
  faultPhaseMs: number | undefined;
  settleMs: number | undefined;
  traceLines: number | undefined;
  brokenElection: boolean;
  brokenOffsetsLoad: boolean;
  verbose: boolean;
}

const USAGE =
  'usage: npm run sim -- [--seeds N | --time S | --seed N] [--first N] [--fault-phase-ms MS] ' +
  '[--settle-ms MS] [--trace LINES] [--broken-election] [--broken-offsets-load] [--verbose]';

function parseArgs(argv: readonly string[]): Args {
  const args: Args = {
    first: 1,
    seeds: 20,
    timeS: null,
    faultPhaseMs: undefined,
    settleMs: undefined,
    traceLines: undefined,
    brokenElection: false,
    brokenOffsetsLoad: false,
    verbose: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = Number(argv[++i]);
      if (!Number.isSafeInteger(v) || v < 0) throw new Error(`${a} needs a whole number\n${USAGE}`);
      return v;
    };
    if (a === '--seed') {
      args.first = value();
      args.seeds = 1;
    } else if (a === '--first') args.first = value();
    else if (a === '--seeds') args.seeds = value();
    else if (a === '--time') args.timeS = value();
    else if (a === '--fault-phase-ms') args.faultPhaseMs = value();
    else if (a === '--settle-ms') args.settleMs = value();
    else if (a === '--trace') args.traceLines = value();
    else if (a === '--broken-election') args.brokenElection = true;
    else if (a === '--broken-offsets-load') args.brokenOffsetsLoad = true;
    else if (a === '--verbose') args.verbose = true;
    else throw new Error(`unknown argument ${a}\n${USAGE}`);
  }
  return args;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const deadline = args.timeS === null ? null : Date.now() + args.timeS * 1000;
  const totals = zeroTotals();
  const failedSeeds: number[] = [];
  for (let seed = args.first; ; seed++) {
    if (deadline === null ? seed >= args.first + args.seeds : Date.now() >= deadline) break;
    const options: SimOptions = {
      seed,
      ...(args.faultPhaseMs === undefined ? {} : { faultPhaseMs: args.faultPhaseMs }),
      ...(args.settleMs === undefined ? {} : { settleMs: args.settleMs }),
      ...(args.traceLines === undefined ? {} : { traceLines: args.traceLines }),
      ...(args.brokenElection ? { decideLeadership: electOutsideIsr } : {}),
      ...(args.brokenOffsetsLoad ? { groupServices: skipOffsetsLoad } : {}),
    };
    const r = await runSimulation(options);
    addRun(totals, r);
    const bad = runFailed(r);
    if (bad) {
      failedSeeds.push(seed);
      console.log(formatFailure(r));
      if (r.truncated) console.log(`seed ${seed} stopped at the event limit before its end`);
    }
    if (args.verbose || bad) {
      console.log(
        `seed ${seed}: ${bad ? 'FAILED' : 'ok'} hash ${r.traceHash} events ${r.stats.events} ` +
          `acked ${r.stats.acked} commits ${r.stats.commitsAcked} offset fetches ${r.stats.offsetFetchesChecked} faults ${r.stats.faultsInjected} ${JSON.stringify(r.stats.faults)} ` +
          `elections ${r.stats.elections} isr ${r.stats.isrChanges} truncations ${r.stats.truncations} ` +
          `leases expired ${r.stats.leaseExpiries} ` +
          `sim ${r.stats.simulatedMs} ms wall ${r.stats.wallMs} ms errors ${JSON.stringify(r.stats.produceErrors)} ` +
          `consumer errors ${JSON.stringify(r.stats.consumerErrors)}`,
      );
    }
  }
  const ratio = totals.wallMs === 0 ? 0 : totals.simulatedMs / totals.wallMs;
  console.log(
    `${totals.runs} runs, ${totals.failed} failed${failedSeeds.length > 0 ? ` (seeds ${failedSeeds.join(', ')})` : ''}; ` +
      `${totals.faults} faults (${faultKindsText(totals)}); ` +
      `${totals.acked} acknowledged writes checked; ${totals.commits} offset commits acknowledged, ` +
      `${totals.offsetFetches} committed offsets fetched and checked; ${totals.events} events; ` +
      `simulated ${(totals.simulatedMs / 1000).toFixed(0)} s in ` +
      `${(totals.wallMs / 1000).toFixed(1)} s wall (${ratio.toFixed(1)}x)`,
  );
  if (totals.failed > 0) process.exitCode = 1;
}

try {
  await main();
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 2;
}
