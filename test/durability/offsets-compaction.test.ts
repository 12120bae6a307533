// __consumer_offsets is compacted, and a restart then loads only what is left:
// 200,000 offset commits over 1,000 groups are written through the log layer,
// a restarted broker loads them all and answers each group's last commit;
// after the log cleaner has run it loads a small fraction of the records and
// answers the same offsets. (bench/offsets-restart.ts is the 10-million version.)

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  type CommitPlan,
  checkCommitted,
  compactOffsets,
  createOffsetsTopic,
  measureRestart,
  startOffsetsBroker,
  writeCommits,
} from '../harness/offsets-commits.ts';

const plan: CommitPlan = {
  commits: 200_000,
  groups: 1000,
  partitionsPerGroup: 4,
  offsetsPartitions: 10,
  segmentBytes: 64 * 1024,
  batchRecords: 100,
};

const config = {
  'offsets.topic.num.partitions': String(plan.offsetsPartitions),
  'offsets.topic.segment.bytes': String(plan.segmentBytes),
  'log.cleaner.enable': 'false',
};

test('a restart after compaction loads far fewer __consumer_offsets records, with the same offsets', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gregor-offsets-'));
  try {
    const first = await startOffsetsBroker(dir, config);
    await createOffsetsTopic(first.bootstrap);
    await first.broker.close();
    await writeCommits(dir, plan);
    const sample = Array.from({ length: 50 }, (_, i) => i * 19);

    const before = await measureRestart(dir, plan, config);
    assert.deepEqual(await checkCommitted(before.started.bootstrap, plan, sample), []);
    await before.started.broker.close();
    assert.ok(
      before.measurement.loadedRecords >= plan.commits,
      `loaded ${before.measurement.loadedRecords} before compaction`,
    );

    const cleaned = await compactOffsets(dir, plan);
    assert.ok(cleaned.bytesAfter < cleaned.bytesBefore / 5, JSON.stringify(cleaned));

    const after = await measureRestart(dir, plan, config);
    assert.deepEqual(await checkCommitted(after.started.bootstrap, plan, sample), []);
    await after.started.broker.close();
    // Live keys (groups x partitions) plus what the active segments hold, never cleaned.
    const liveKeys = plan.groups * plan.partitionsPerGroup;
    const activeBound = (plan.offsetsPartitions * plan.segmentBytes) / 30;
    assert.ok(
      after.measurement.loadedRecords <= liveKeys + activeBound,
      `loaded ${after.measurement.loadedRecords} after compaction`,
    );
    console.log(
      `# __consumer_offsets restart, ${plan.commits} commits: before ${before.measurement.loadedSeconds.toFixed(2)} s (started ${before.measurement.startSeconds.toFixed(2)}) ` +
        `(${before.measurement.loadedRecords} records), after ${after.measurement.loadedSeconds.toFixed(2)} s (started ${after.measurement.startSeconds.toFixed(2)}) ` +
        `(${after.measurement.loadedRecords} records); cleaned ${cleaned.bytesBefore} -> ${cleaned.bytesAfter} bytes in ${cleaned.seconds.toFixed(2)} s`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
