// Cuts a V8 .cpuprofile (`node --cpu-prof`) down to a time window, so the summary of a
// broker's profile shows the benchmark's load and not its start-up (module loading) or
// the idle time before and after. V8 stamps samples with the monotonic clock in µs, the
// clock of process.hrtime(), so the runner can give the window from its own side.

export interface CpuProfile {
  readonly nodes: readonly unknown[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** The monotonic clock in µs, as V8 stamps profile samples. */
export function monotonicMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** The profile with only the samples taken between `fromUs` and `toUs` (inclusive). */
export function trimProfile(profile: CpuProfile, fromUs: number, toUs: number): CpuProfile {
  const samples: number[] = [];
  const timeDeltas: number[] = [];
  let at = profile.startTime;
  let previous = fromUs;
  profile.samples.forEach((sample, i) => {
    at += profile.timeDeltas[i] ?? 0;
    if (at < fromUs || at > toUs) return;
    samples.push(sample);
    timeDeltas.push(at - previous);
    previous = at;
  });
  return { ...profile, startTime: fromUs, endTime: toUs, samples, timeDeltas };
}
