import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runConcurrently } from './run-concurrently.ts';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('runConcurrently', () => {
  it('keeps at most `limit` tasks in flight and starts them in order', async () => {
    const gates = Array.from({ length: 7 }, deferred);
    const started: number[] = [];
    let inFlight = 0;
    let most = 0;
    const done = runConcurrently([0, 1, 2, 3, 4, 5, 6], 3, async (i) => {
      started.push(i);
      inFlight += 1;
      most = Math.max(most, inFlight);
      await gates[i]!.promise;
      inFlight -= 1;
    });
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(started, [0, 1, 2]);
    gates[1]!.resolve();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(started, [0, 1, 2, 3]);
    for (const g of gates) g.resolve();
    await done;
    assert.deepEqual(started, [0, 1, 2, 3, 4, 5, 6]);
    assert.equal(most, 3);
  });

  it('runs every task even when one fails, then rejects with the first failure', async () => {
    const ran: number[] = [];
    await assert.rejects(
      runConcurrently([0, 1, 2, 3], 2, async (i) => {
        ran.push(i);
        if (i === 1) throw new Error('one');
        if (i === 2) throw new Error('two');
      }),
      /one/,
    );
    assert.deepEqual(ran, [0, 1, 2, 3]);
  });

  it('does nothing for no items and refuses a limit below one', async () => {
    await runConcurrently([], 4, async () => assert.fail('no task'));
    await assert.rejects(
      runConcurrently([1], 0, async () => {}),
      RangeError,
    );
  });
});
