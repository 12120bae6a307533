// How long a broker whose __consumer_offsets received many offset commits takes
// to load its groups on restart, before and after the log cleaner has compacted
// it, and how fast the cleaner compacts it. The commits are written through the
// log layer (test/harness/offsets-commits.ts), not as client requests.
//
//   node --max-old-space-size=8192 --import tsx bench/offsets-restart.ts \
//     [--commits 10000000] [--groups 10000] [--segment-bytes 1048576] [--dir DIR] [--keep]
//   node --import tsx bench/offsets-restart.ts --restart-only DIR [--restarts 3] \
//     [--commits N] [--groups N] [--segment-bytes N]
//
// --keep leaves the data directory behind; --restart-only then times restarts
// of it (give the same --commits, --groups and --segment-bytes as when it was
// written), so a restart can be timed again, or profiled, without writing and
// compacting the commits anew.
//
// The load before compaction holds every record of a partition in memory while
// it replays it, hence the larger heap for 10 million commits.

import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  type CommitPlan,
  checkCommitted,
  compactOffsets,
  createOffsetsTopic,
  measureRestart,
  startOffsetsBroker,
  writeCommits,
} from '../test/harness/offsets-commits.ts';

const { values } = parseArgs({
  options: {
    commits: { type: 'string', default: '10000000' },
    groups: { type: 'string', default: '10000' },
    'segment-bytes': { type: 'string', default: String(1024 * 1024) },
    dir: { type: 'string', default: process.env['BENCH_DIR'] ?? '.tmp/bench' },
    keep: { type: 'boolean', default: false },
    'restart-only': { type: 'string' },
    restarts: { type: 'string', default: '3' },
  },
});

const plan: CommitPlan = {
  commits: Number(values.commits),
  groups: Number(values.groups),
  partitionsPerGroup: 4,
  offsetsPartitions: 50,
  segmentBytes: Number(values['segment-bytes']),
  batchRecords: 100,
};

const config = {
  'offsets.topic.num.partitions': String(plan.offsetsPartitions),
  'offsets.topic.segment.bytes': String(plan.segmentBytes),
  'log.cleaner.enable': 'false',
};

function log(message: string): void {
  process.stderr.write(`${new Date().toISOString()} ${message}\n`);
}

/** Times `restarts` restarts of a data directory kept by an earlier run. */
async function restartOnly(dir: string, restarts: number): Promise<void> {
  const sample = Array.from({ length: 200 }, (_, i) => Math.floor((i * plan.groups) / 200));
  for (let i = 0; i < restarts; i++) {
    const run = await measureRestart(dir, plan, config);
    const wrong = await checkCommitted(run.started.bootstrap, plan, sample);
    await run.started.broker.close();
    log(`restart ${i + 1}: ${JSON.stringify(run.measurement)}; wrong offsets: ${wrong.length}`);
  }
}

async function main(): Promise<void> {
  if (values['restart-only'] !== undefined) {
    await restartOnly(values['restart-only'], Number(values.restarts));
    return;
  }
  await mkdir(values.dir!, { recursive: true });
  const dir = await mkdtemp(join(values.dir!, 'offsets-restart-'));
  try {
    const first = await startOffsetsBroker(dir, config);
    await createOffsetsTopic(first.bootstrap);
    await first.broker.close();
    log(`writing ${plan.commits} commits over ${plan.groups} groups`);
    const t0 = performance.now();
    const bytes = await writeCommits(dir, plan);
    log(
      `wrote ${(bytes / 1e6).toFixed(0)} MB in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    const sample = Array.from({ length: 200 }, (_, i) => Math.floor((i * plan.groups) / 200));

    const before = await measureRestart(dir, plan, config);
    const wrongBefore = await checkCommitted(before.started.bootstrap, plan, sample);
    await before.started.broker.close();
    log(`before: ${JSON.stringify(before.measurement)}; wrong offsets: ${wrongBefore.length}`);

    const cleaned = await compactOffsets(dir, plan);
    const mbPerSecond = cleaned.bytesBefore / 1e6 / cleaned.seconds;
    log(`compacted: ${JSON.stringify(cleaned)}; ${mbPerSecond.toFixed(1)} MB/s of log`);

    const after = await measureRestart(dir, plan, config);
    const wrongAfter = await checkCommitted(after.started.bootstrap, plan, sample);
    await after.started.broker.close();
    log(`after: ${JSON.stringify(after.measurement)}; wrong offsets: ${wrongAfter.length}`);

    const row = (name: string, m: typeof before.measurement) =>
      `| ${name} | ${m.loadedRecords.toLocaleString('en')} | ${m.startSeconds.toFixed(2)} | ${m.loadedSeconds.toFixed(2)} |`;
    process.stdout.write(
      [
        `${plan.commits.toLocaleString('en')} commits, ${plan.groups.toLocaleString('en')} groups x ${plan.partitionsPerGroup} partitions, ` +
          `${plan.offsetsPartitions} __consumer_offsets partitions, segment.bytes ${plan.segmentBytes}`,
        '',
        '| restart | records loaded | broker up (s) | groups loaded (s) |',
        '| --- | --- | --- | --- |',
        row('before compaction', before.measurement),
        row('after compaction', after.measurement),
        '',
        `cleaner: ${(cleaned.bytesBefore / 1e6).toFixed(0)} MB -> ${(cleaned.bytesAfter / 1e6).toFixed(1)} MB ` +
          `in ${cleaned.seconds.toFixed(1)} s = ${mbPerSecond.toFixed(1)} MB/s of log compacted ` +
          `(${(cleaned.bytesRead / 1e6).toFixed(0)} MB read)`,
        `committed offsets checked for ${sample.length} groups: ${wrongBefore.length + wrongAfter.length} wrong`,
        '',
      ].join('\n'),
    );
  } finally {
    if (values.keep) log(`kept ${dir}`);
    else await rm(dir, { recursive: true, force: true });
  }
}

await main();
