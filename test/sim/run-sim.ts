// `npm run sim`: runs the cluster simulator for a number of seeds or a time,
// prints a failing seed with its trace, and sums up what ran.
//   npm run sim -- --seeds 10000          seeds 1..10000 (or from --first)
//   npm run sim -- --minutes 30           as many seeds as fit
//   npm run sim -- --seed 42              one seed (to replay a failure)

import {
  formatFailure,
  runSimulation,
  type SimResult,
} from '../../src/testing/cluster-simulator.ts';

interface Args {
  first: number;
  seeds: number;
  minutes: number | null;
  faultPhaseMs: number | undefined;
  verbose: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = {
    first: 1,
    seeds: 20,
    minutes: null,
    faultPhaseMs: undefined,
    verbose: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = Number(argv[++i]);
      if (!Number.isSafeInteger(v)) throw new Error(`${a} needs an integer`);
      return v;
    };
    if (a === '--seed') {
      args.first = value();
      args.seeds = 1;
    } else if (a === '--first') args.first = value();
    else if (a === '--seeds') args.seeds = value();
    else if (a === '--minutes') args.minutes = value();
    else if (a === '--fault-phase-ms') args.faultPhaseMs = value();
    else if (a === '--verbose') args.verbose = true;
    else throw new Error(`unknown argument ${a}`);
  }
  return args;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const deadline = args.minutes === null ? null : Date.now() + args.minutes * 60_000;
  const totals = { runs: 0, failed: 0, faults: 0, acked: 0, events: 0, simulatedMs: 0, wallMs: 0 };
  const byKind = new Map<string, number>();
  const failures: SimResult[] = [];
  for (let seed = args.first; ; seed++) {
    if (deadline === null ? seed >= args.first + args.seeds : Date.now() >= deadline) break;
    const r = await runSimulation({
      seed,
      ...(args.faultPhaseMs === undefined ? {} : { faultPhaseMs: args.faultPhaseMs }),
    });
    totals.runs += 1;
    totals.faults += r.stats.faultsInjected;
    totals.acked += r.stats.acked;
    totals.events += r.stats.events;
    totals.simulatedMs += r.stats.simulatedMs;
    totals.wallMs += r.stats.wallMs;
    for (const [k, n] of Object.entries(r.stats.faults)) byKind.set(k, (byKind.get(k) ?? 0) + n);
    const bad = r.violations.length > 0 || r.truncated;
    if (bad) {
      totals.failed += 1;
      failures.push(r);
      console.log(formatFailure(r));
    }
    if (args.verbose || bad) {
      console.log(
        `seed ${seed}: ${bad ? 'FAILED' : 'ok'} hash ${r.traceHash} events ${r.stats.events} ` +
          `acked ${r.stats.acked} faults ${r.stats.faultsInjected} ${JSON.stringify(r.stats.faults)} ` +
          `elections ${r.stats.elections} isr ${r.stats.isrChanges} truncations ${r.stats.truncations} ` +
          `leases expired ${r.stats.leaseExpiries} ` +
          `sim ${r.stats.simulatedMs} ms wall ${r.stats.wallMs} ms errors ${JSON.stringify(r.stats.produceErrors)}`,
      );
    }
  }
  const ratio = totals.wallMs === 0 ? 0 : totals.simulatedMs / totals.wallMs;
  console.log(
    `${totals.runs} runs, ${totals.failed} failed; ${totals.faults} faults ` +
      `(${[...byKind].map(([k, n]) => `${k} ${n}`).join(', ')}); ${totals.acked} acknowledged writes checked; ` +
      `${totals.events} events; simulated ${(totals.simulatedMs / 1000).toFixed(0)} s in ` +
      `${(totals.wallMs / 1000).toFixed(1)} s wall (${ratio.toFixed(1)}x)`,
  );
  if (totals.failed > 0) process.exitCode = 1;
}

await main();
