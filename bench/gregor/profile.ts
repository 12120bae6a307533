// `npm run bench -- --profile`: V8 CPU profiles of the broker (`node --cpu-prof`) under
// one kcat produce of 1 KiB messages (acks=1) and, in a second broker process on the same
// data, one kcat consume from the start, so each profile shows one path. Each profile is
// cut to the client's run (no start-up, no idle tail) and summarised by
// bench/profile-summary.ts; everything goes to bench/results/profile-<time>/.

import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runChecked } from '../lib/command.ts';
import { type CpuProfile, monotonicMicros, trimProfile } from '../lib/cpu-profile.ts';
import { createTopic } from './admin.ts';
import { startGregor } from './broker.ts';
import { kcatConsume, kcatProduce, messageFile } from './clients.ts';
import { BENCH_BROKER_OVERRIDES, syncDisks } from './single.ts';

const REPO = join(import.meta.dirname, '..', '..');
const TOPIC = 'bench-profile';

export interface ProfileOptions {
  readonly workDir: string;
  /** Where the profiles and summaries go. */
  readonly outDir: string;
  readonly messages: number;
  readonly top: number;
  readonly log: (line: string) => void;
}

export interface ProfileSummary {
  readonly phase: 'produce' | 'consume';
  readonly seconds: number;
  readonly summary: string;
}

/** Writes `<file>.load.cpuprofile` holding only the window's samples; returns its path. */
async function trimmed(file: string, fromUs: number, toUs: number): Promise<string> {
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  const out = file.replace(/\.cpuprofile$/, '.load.cpuprofile');
  await writeFile(out, JSON.stringify(trimProfile(profile, fromUs, toUs)));
  return out;
}

async function profiled(
  phase: 'produce' | 'consume',
  options: ProfileOptions,
  load: (bootstrap: string) => Promise<void>,
  prepare: (bootstrap: string) => Promise<void> = async () => {},
): Promise<ProfileSummary> {
  const dir = join(options.outDir, phase);
  const broker = await startGregor({
    dataDir: join(options.workDir, 'gregor-profile'),
    fresh: phase === 'produce',
    overrides: BENCH_BROKER_OVERRIDES,
    nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
  });
  let fromUs: number;
  let toUs: number;
  try {
    await prepare(broker.bootstrap);
    fromUs = monotonicMicros();
    await load(broker.bootstrap);
    toUs = monotonicMicros();
  } finally {
    // The profile is written as the broker exits.
    await broker.stop();
  }
  const written = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'));
  if (written.length === 0) throw new Error(`no CPU profile written to ${dir}`);
  // One profile per thread; the main thread's (thread 0) is where the broker runs.
  const main = written.filter((f) => /\.0\.\d+\.cpuprofile$/.test(f));
  const files = await Promise.all(
    (main.length > 0 ? main : written).map((f) => trimmed(join(dir, f), fromUs, toUs)),
  );
  const summarised = await runChecked(
    process.execPath,
    [
      '--import',
      'tsx',
      join(REPO, 'bench', 'profile-summary.ts'),
      `--top=${options.top}`,
      ...files,
    ],
    { timeoutMs: 120_000, cwd: REPO },
  );
  await writeFile(join(options.outDir, `${phase}.txt`), summarised.stdout);
  return { phase, seconds: (toUs - fromUs) / 1e6, summary: summarised.stdout };
}

export async function profileBroker(options: ProfileOptions): Promise<ProfileSummary[]> {
  const file = await messageFile(options.workDir, options.messages, 1024);
  options.log('profile: broker under kcat produce (1 KiB, acks=1)');
  // The topic is made before the window opens, so the window holds only the produce.
  const produce = await profiled(
    'produce',
    options,
    async (bootstrap) => {
      await kcatProduce(bootstrap, TOPIC, file, '1', 300_000);
    },
    (bootstrap) => createTopic(bootstrap, TOPIC),
  );
  await syncDisks();
  options.log('profile: broker under kcat consume from the start');
  const consume = await profiled('consume', options, async (bootstrap) => {
    const r = await kcatConsume(bootstrap, TOPIC, options.messages, 300_000);
    if (r.lines !== options.messages) throw new Error(`profile consume read ${r.lines} messages`);
  });
  return [produce, consume];
}
