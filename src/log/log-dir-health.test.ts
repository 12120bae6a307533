import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { LogDirHealth } from './log-dir-health.ts';

test('reports a refused write as a problem for noSpaceHoldMs, and a sample of 0 bytes as full', async () => {
  let now = 1000;
  let available = 5000;
  const health = new LogDirHealth({
    dir: '/data',
    now: () => now,
    noSpaceHoldMs: 10_000,
    readSpace: async () => ({ availableBytes: available, capacityBytes: 20_000 }),
  });
  assert.deepEqual(health.problems(), []);
  await health.refresh();
  health.noteNoSpace();
  assert.equal(health.noSpaceWrites, 1);
  assert.match(health.problems()[0] ?? '', /log dir \/data is full: .* 0 ms ago \(5000 bytes/);
  now += 10_000;
  assert.deepEqual(health.problems(), [], 'space came back: nobody was refused since');
  available = 0;
  await health.refresh();
  assert.deepEqual(health.problems(), ['log dir /data is full: 0 bytes available']);
});

test('samples the real file system with statfs', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gregor-health-'));
  try {
    const sample = await new LogDirHealth({ dir }).refresh();
    assert.ok(sample !== null && sample.capacityBytes > 0 && sample.availableBytes >= 0);
    assert.ok(sample.availableBytes <= sample.capacityBytes);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
