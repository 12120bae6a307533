// Issue 12 finding 1, the layers below validation. A partition whose log
// fails must answer its own error and leave the connection and every other
// partition alone (Fetch and ListOffsets closed the connection), and log
// recovery must not refuse to open a partition over one untrustworthy batch
// or index entry (a stored batch with maxTimestamp 2^56 made recovery throw
// at every start, and the partition stayed offline for good).

import assert from 'node:assert/strict';
import { mkdtemp, open, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ListOffsets } from '../../src/protocol/apis/list-offsets.ts';
import { ErrorCode } from '../../src/protocol/error-codes.ts';
import { startTestBroker, uniqueTopic } from '../harness/broker.ts';
import { freePort, spawnBroker } from '../harness/broker-process.ts';
import { validBatch, withCrc } from '../harness/hostile-batches.ts';
import { createTopic, fetchRaw, produceRaw } from '../harness/partition-wire.ts';
import { run } from '../harness/processes.ts';
import { RawClient } from '../harness/raw-client.ts';

test('a partition whose log failed answers KAFKA_STORAGE_ERROR; other partitions and the connection go on', {
  timeout: 120_000,
}, async () => {
  const b = await startTestBroker({ 'num.partitions': '1' });
  const c = await RawClient.connect(b.bootstrap);
  try {
    const failing = uniqueTopic('fail');
    const healthy = uniqueTopic('ok');
    await createTopic(c, failing, { 'segment.bytes': '2048' });
    await createTopic(c, healthy);
    assert.equal((await produceRaw(c, failing, await validBatch(3))).errorCode, ErrorCode.NONE);
    assert.equal((await produceRaw(c, healthy, await validBatch(3))).errorCode, ErrorCode.NONE);
    // The disk goes from under the log: its next segment roll cannot create files.
    await rm(join(b.dataDir, `${failing}-0`), { recursive: true, force: true });
    let code: number = ErrorCode.NONE;
    for (let i = 0; i < 20 && code === ErrorCode.NONE; i++) {
      code = (await produceRaw(c, failing, await validBatch(5, { valueBytes: 100 }))).errorCode;
    }
    assert.equal(code, ErrorCode.KAFKA_STORAGE_ERROR, 'the log went offline');
    const [bad] = await fetchRaw(c, failing, 0);
    assert.equal(bad?.errorCode, ErrorCode.KAFKA_STORAGE_ERROR);
    const [good] = await fetchRaw(c, healthy, 0);
    assert.equal(good?.errorCode, ErrorCode.NONE);
    assert.equal(good?.highWatermark, 3);
    const offsets = await c.send(ListOffsets, 7, {
      replicaId: -1,
      isolationLevel: 0,
      topics: [failing, healthy].map((name) => ({
        name,
        partitions: [
          {
            partitionIndex: 0,
            currentLeaderEpoch: -1,
            timestamp: Date.now() - 60_000,
            maxNumOffsets: 1,
          },
        ],
      })),
    });
    const codes = offsets.topics.map((t) => t.partitions[0]?.errorCode);
    assert.deepEqual(codes, [ErrorCode.KAFKA_STORAGE_ERROR, ErrorCode.NONE]);
    // Same connection, still answering.
    assert.equal((await produceRaw(c, healthy, await validBatch(1))).errorCode, ErrorCode.NONE);
  } finally {
    c.close();
    await b.stop();
  }
});

/** A CRC-valid batch of one record at `baseOffset` whose header says maxTimestamp 2^56. */
async function storedLyingBatch(baseOffset: number): Promise<Buffer> {
  const batch = Buffer.from(await validBatch(1));
  batch.writeBigInt64BE(BigInt(baseOffset), 0);
  batch.writeBigInt64BE(2n ** 56n, 35);
  return withCrc(batch);
}

async function appendToActiveSegment(dir: string, bytes: Buffer): Promise<void> {
  const logs = (await readdir(dir)).filter((n) => n.endsWith('.log')).sort();
  const file = await open(join(dir, logs[logs.length - 1]!), 'a');
  try {
    await file.write(bytes);
  } finally {
    await file.close();
  }
}

test('recovery opens a partition holding a batch with maxTimestamp 2^56, says so, and serves it', {
  timeout: 180_000,
}, async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'gregor-recovery-'));
  const topic = uniqueTopic('rec');
  const overrides = { 'num.partitions': '1', 'log.index.interval.bytes': '256' };
  let broker = await spawnBroker({ dataDir, port: await freePort(), overrides });
  try {
    let c = await RawClient.connect(broker.bootstrap);
    await createTopic(c, topic);
    for (let i = 0; i < 5; i++) {
      const r = await produceRaw(c, topic, await validBatch(4, { valueBytes: 100 }));
      assert.equal(r.errorCode, ErrorCode.NONE);
    }
    c.close();
    broker.child.kill('SIGTERM');
    await broker.exited;
    // What an unvalidating broker stored: the lying batch at the log end (offset 20).
    await appendToActiveSegment(join(dataDir, `${topic}-0`), await storedLyingBatch(20));
    broker = await spawnBroker({ dataDir, port: await freePort(), overrides });
    c = await RawClient.connect(broker.bootstrap);
    // Enough ordinary produce for several index entries after the bad batch.
    for (let i = 0; i < 10; i++) {
      const r = await produceRaw(c, topic, await validBatch(4, { valueBytes: 100 }));
      assert.equal(r.errorCode, ErrorCode.NONE, r.errorMessage ?? '');
      assert.equal(r.baseOffset, 21 + i * 4);
    }
    const [f] = await fetchRaw(c, topic, 0);
    assert.equal(f?.errorCode, ErrorCode.NONE);
    assert.equal(f?.highWatermark, 61);
    // A real consumer reads every record, the lying batch's included (its records are sound).
    const k = await run(
      'kcat',
      ['-b', broker.bootstrap, '-C', '-t', topic, '-o', 'beginning', '-e', '-f', '%o\n'],
      { timeoutMs: 30_000 },
    );
    assert.equal(k.code, 0, k.stderr);
    const offsets = k.stdout.trim().split('\n').map(Number);
    assert.deepEqual(
      offsets,
      Array.from({ length: 61 }, (_, i) => i),
    );
    c.close();
    assert.match(broker.output(), /maxTimestamp beyond 2\^53/);
    assert.match(broker.output(), /"firstOffset":20/);
    // And once more: the indexes written since are sane, the partition opens cleanly.
    broker.child.kill('SIGTERM');
    await broker.exited;
    broker = await spawnBroker({ dataDir, port: await freePort(), overrides });
    c = await RawClient.connect(broker.bootstrap);
    const again = await produceRaw(c, topic, await validBatch(1));
    assert.equal(again.errorCode, ErrorCode.NONE, again.errorMessage ?? '');
    assert.equal(again.baseOffset, 61);
    c.close();
  } finally {
    broker.child.kill('SIGKILL');
    await broker.exited;
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('recovery rebuilds a sealed segment whose time index ends in a timestamp beyond 2^53', {
  timeout: 180_000,
}, async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'gregor-recovery-'));
  const topic = uniqueTopic('tix');
  const overrides = { 'num.partitions': '1', 'log.segment.bytes': '1024' };
  let broker = await spawnBroker({ dataDir, port: await freePort(), overrides });
  try {
    let c = await RawClient.connect(broker.bootstrap);
    await createTopic(c, topic);
    for (let i = 0; i < 8; i++) {
      assert.equal(
        (await produceRaw(c, topic, await validBatch(3, { valueBytes: 100 }))).errorCode,
        0,
      );
    }
    c.close();
    broker.child.kill('SIGTERM');
    await broker.exited;
    const dir = join(dataDir, `${topic}-0`);
    const first = (await readdir(dir)).filter((n) => n.endsWith('.timeindex')).sort()[0]!;
    const file = await open(join(dir, first), 'r+');
    try {
      const { size } = await file.stat();
      assert.ok(size >= 12, 'the first, sealed segment has a time index entry');
      const entry = Buffer.alloc(12);
      entry.writeBigInt64BE(2n ** 56n, 0);
      await file.write(entry, 0, 12, size - 12);
    } finally {
      await file.close();
    }
    broker = await spawnBroker({ dataDir, port: await freePort(), overrides });
    c = await RawClient.connect(broker.bootstrap);
    const r = await produceRaw(c, topic, await validBatch(1));
    assert.equal(r.errorCode, ErrorCode.NONE, r.errorMessage ?? '');
    assert.equal(r.baseOffset, 24);
    const [f] = await fetchRaw(c, topic, 0);
    assert.equal(f?.errorCode, ErrorCode.NONE);
    c.close();
    assert.match(broker.output(), /rebuilding the indexes of a log segment/);
  } finally {
    broker.child.kill('SIGKILL');
    await broker.exited;
    await rm(dataDir, { recursive: true, force: true });
  }
});
