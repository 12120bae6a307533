// The shared byte allowance: reservations beyond it wait, in arrival order,
// until enough is released; a release is idempotent.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ByteBudget } from './byte-budget.ts';

test('reservations past the budget wait, in order, for releases', async () => {
  const budget = new ByteBudget(100);
  const a = await budget.reserve(60);
  const order: string[] = [];
  const b = budget.reserve(50).then((release) => {
    order.push('b');
    return release;
  });
  const c = budget.reserve(10).then((release) => {
    order.push('c');
    return release;
  });
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(order, [], 'c waits behind b even though it would fit');
  a();
  a(); // a second release changes nothing
  const releaseB = await b;
  const releaseC = await c;
  assert.deepEqual(order, ['b', 'c']);
  assert.equal(budget.reservedBytes, 60);
  releaseB();
  releaseC();
  assert.equal(budget.reservedBytes, 0);
});

test('a reservation larger than the whole budget is a bug', async () => {
  await assert.rejects(new ByteBudget(10).reserve(11));
});
