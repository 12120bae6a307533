// The replica manager against data the metadata no longer accounts for: a
// topic deleted and created again between two syncs, a directory left by a
// deleted topic, and a directory of an earlier topic of the same name; and
// which partitions a lost session fences.

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { MetadataImage } from '../cluster/metadata-image.ts';
import { nodeFileSystem } from '../log/file-system.ts';
import { defaultLogConfig } from '../log/log-config.ts';
import { writePartitionMetadata } from '../log/partition-metadata-file.ts';
import { buildValueBatch } from '../log/testing/test-batch.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import { silentLogger } from '../util/logger.ts';
import { ReplicaManager } from './replica-manager.ts';

const OLD_ID = 'AAAAAAAAAAAAAAAAAAAAAQ';
const NEW_ID = 'AAAAAAAAAAAAAAAAAAAAAg';

function topic(image: MetadataImage, name: string, topicId: string | null): void {
  image.apply({
    kind: 'topic',
    name,
    record: topicId === null ? null : { topicId, internal: false, replicas: [[0]] },
  });
  if (topicId === null) return;
  image.apply({
    kind: 'partition',
    topic: name,
    partition: 0,
    record: { leader: 0, leaderEpoch: 0, isr: [0], partitionEpoch: 0 },
    modRevision: 1,
  });
}

async function withManager(
  use: (m: ReplicaManager, image: MetadataImage, dir: string) => Promise<void>,
): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'gregor-rm-'));
  const image = new MetadataImage('cluster');
  image.apply({
    kind: 'broker',
    nodeId: 0,
    endpoint: { nodeId: 0, host: 'h', port: 1, rack: null },
  });
  const m = new ReplicaManager({
    nodeId: 0,
    logDir: dir,
    image,
    logConfigFor: () => defaultLogConfig,
    now: () => Date.now(),
    logger: silentLogger(),
  });
  try {
    await use(m, image, dir);
  } finally {
    await m.close();
    await rm(dir, { recursive: true, force: true });
  }
}

describe('ReplicaManager and leftover data', () => {
  test('a topic deleted and created again between two syncs starts with an empty log', async () => {
    await withManager(async (m, image) => {
      topic(image, 't', OLD_ID);
      await m.sync();
      const old = m.partition('t', 0)!;
      assert.equal((await old.appendAsLeader(buildValueBatch('old', 3), 1 << 20)).errorCode, 0);
      assert.equal(old.log.logEndOffset, 3);

      topic(image, 't', null);
      topic(image, 't', NEW_ID);
      assert.equal(
        await m.acquire('t', 0),
        undefined,
        'the old log is not handed out for the new topic',
      );
      await m.sync();
      const fresh = m.partition('t', 0)!;
      assert.notEqual(fresh, old);
      assert.equal(fresh.log.logEndOffset, 0);
      assert.equal(await m.acquire('t', 0), fresh);
    });
  });

  test('at start-up, directories of partitions not hosted here go; others and non-partition ones stay', async () => {
    await withManager(async (m, image, dir) => {
      topic(image, 'kept', OLD_ID);
      await m.sync();
      for (const name of ['gone-0', 'notes-1']) await mkdir(join(dir, name));
      await writeFile(join(dir, 'gone-0', '00000000000000000000.log'), '');
      await writeFile(join(dir, 'notes-1', 'readme.txt'), 'not a partition');
      assert.deepEqual(await m.deleteStrayLogs(), ['gone-0']);
      assert.deepEqual((await readdir(dir)).sort(), ['kept-0', 'notes-1']);
    });
  });

  test('a directory recording another topic id is deleted before the log opens', async () => {
    await withManager(async (m, image, dir) => {
      const partitionDir = join(dir, 't-0');
      await mkdir(partitionDir);
      await writeFile(join(partitionDir, '00000000000000000000.log'), Buffer.alloc(0));
      await writePartitionMetadata(nodeFileSystem, partitionDir, OLD_ID);
      await writeFile(join(partitionDir, 'marker'), 'from the earlier topic');
      topic(image, 't', NEW_ID);
      await m.sync();
      assert.ok(!(await readdir(partitionDir)).includes('marker'));
      assert.ok((await readdir(partitionDir)).includes('partition.metadata'));
    });
  });
});

test('a lost session fences partitions another broker could lead, not sole-replica ones', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gregor-rm-'));
  const image = new MetadataImage('cluster');
  for (const [name, replicas] of [
    ['solo', [0]],
    ['shared', [0, 1]],
  ] as const) {
    image.apply({
      kind: 'topic',
      name,
      record: { topicId: name === 'solo' ? OLD_ID : NEW_ID, internal: false, replicas: [replicas] },
    });
    image.apply({
      kind: 'partition',
      topic: name,
      partition: 0,
      record: { leader: 0, leaderEpoch: 0, isr: [...replicas], partitionEpoch: 0 },
      modRevision: 1,
    });
  }
  let sessionLost = false;
  const m = new ReplicaManager({
    nodeId: 0,
    logDir: dir,
    image,
    logConfigFor: () => defaultLogConfig,
    now: () => Date.now(),
    logger: silentLogger(),
    fenced: (othersMayLead) => othersMayLead && sessionLost,
  });
  try {
    await m.sync();
    const led = async (t: string) => {
      const r = await m.leaderPartition(t, 0, -1);
      return 'errorCode' in r ? r.errorCode : 0;
    };
    assert.equal(await led('shared'), 0);
    assert.equal(await led('solo'), 0);
    sessionLost = true;
    assert.equal(await led('shared'), ErrorCode.NOT_LEADER_OR_FOLLOWER);
    assert.equal(await led('solo'), 0, 'nobody else can have been made its leader');
    sessionLost = false;
    assert.equal(await led('shared'), 0);
  } finally {
    await m.close();
    await rm(dir, { recursive: true, force: true });
  }
});
