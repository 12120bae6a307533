// A marker for a partition whose log was closed under it (its topic deleted a
// moment before, as the 10M-request fuzz run did 7 times) is the world's doing:
// that partition answers KAFKA_STORAGE_ERROR and the broker logs a warning, not
// an error naming a bug of ours.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { PartitionLog } from '../log/partition-log.ts';
import { TestClock, testConfig } from '../log/testing/log-fixture.ts';
import { MemoryFileSystem } from '../log/testing/memory-file-system.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import { Partition } from '../replication/partition.ts';
import type { BrokerServices } from './broker-services.ts';
import { writeMarkersHere } from './write-txn-markers.ts';

test('a marker for a closed log: KAFKA_STORAGE_ERROR for that partition, logged as a warning', async () => {
  const clock = new TestClock();
  const log = await PartitionLog.open({
    dir: '/data/orders-0',
    topic: 'orders',
    partition: 0,
    config: testConfig(),
    now: clock.now,
    fs: new MemoryFileSystem(),
  });
  const state = { leader: 1, leaderEpoch: 3, isr: [1], replicas: [1] };
  const view = { nodeId: 1, state: () => state, fenced: () => false };
  const partition = new Partition('orders', 0, log, 3, view, clock.now, {
    warn() {},
    error() {},
  });
  await partition.loadState();
  partition.becomeLeader(3);
  await log.close();

  const lines: Array<{ level: number; msg: string }> = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => lines.push(JSON.parse(s)) });
  // Only what writeMarkersHere reads of the broker's services.
  const services = {
    replicas: { leaderPartition: async () => ({ partition, leaderEpoch: 3 }) },
    image: { partition: () => state },
    settings: { minInsyncReplicas: () => 1 },
    logger,
  } as unknown as BrokerServices;
  const results = await writeMarkersHere(
    services,
    { completeTransaction() {} },
    {
      producerId: 9,
      producerEpoch: 0,
      transactionResult: true,
      coordinatorEpoch: 0,
      topics: [{ name: 'orders', partitionIndexes: [0] }],
    },
  );
  assert.deepEqual(results, [
    { topic: 'orders', partition: 0, errorCode: ErrorCode.KAFKA_STORAGE_ERROR },
  ]);
  assert.ok(lines.length > 0, 'the failure is logged');
  assert.deepEqual(
    lines.filter((l) => l.level >= 50).map((l) => l.msg),
    [],
    'no error-level line',
  );
  assert.ok(
    lines.some((l) => l.level === 40),
    'a warning',
  );
});
