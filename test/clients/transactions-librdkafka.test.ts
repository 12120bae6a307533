// Transactions with librdkafka 2.0.2 through python3-confluent-kafka
// (InitProducerId v4, AddPartitionsToTxn v0, EndTxn v1, TxnOffsetCommit v3):
// read_committed consumers never see the aborted transaction, which
// read_uncommitted ones do; a consume-transform-produce step commits its input
// offsets in the transaction; a zombie producer is fenced by a new one.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestBroker, type TestBroker, uniqueTopic } from '../harness/broker.ts';
import { runPython } from '../harness/processes.ts';

interface TxnResult {
  committed: string[];
  aborted: string[];
  read_committed: string[];
  read_uncommitted: string[];
  ctp_consumed: number;
  ctp_positions: [number, number][];
  ctp_committed: [number, number][];
  ctp_output: string[];
  zombie_errors: string[];
  after_zombie: string[];
}

const script = readFileSync(join(import.meta.dirname, 'python', 'transactions.py'), 'utf8');
const sorted = (a: readonly string[]) => [...a].sort();

describe('python3-confluent-kafka transactions', () => {
  let b: TestBroker;
  before(async () => {
    b = await startTestBroker({
      'transaction.state.log.num.partitions': '3',
      'offsets.topic.num.partitions': '3',
      'group.initial.rebalance.delay.ms': '0',
    });
  });
  after(async () => {
    await b.stop();
  });

  test('commit, abort, offsets in a transaction and a fenced zombie', async () => {
    const r = (await runPython(
      script,
      { BOOTSTRAP: b.bootstrap, TOPIC: uniqueTopic('pytxn') },
      120_000,
    )) as TxnResult;
    assert.equal(r.committed.length, 20);
    assert.deepEqual(sorted(r.read_committed), sorted(r.committed));
    assert.deepEqual(sorted(r.read_uncommitted), sorted([...r.committed, ...r.aborted]));
    assert.equal(r.ctp_consumed, 20);
    assert.deepEqual(r.ctp_committed, r.ctp_positions, 'input offsets committed with the output');
    assert.deepEqual(sorted(r.ctp_output), sorted(r.committed.map((v) => v.toUpperCase())));
    assert.ok(r.zombie_errors.length > 0, 'the zombie was refused');
    assert.match(r.zombie_errors[0]!, /FENCED|EPOCH/);
    assert.ok(r.after_zombie.includes('fresh-1'));
    assert.ok(!r.after_zombie.some((v) => v.startsWith('zombie')), 'no zombie record is visible');
  });
});
