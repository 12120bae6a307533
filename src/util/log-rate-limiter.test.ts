import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LogRateLimiter } from './log-rate-limiter.ts';

test('allows linesMax lines per window and reports the suppressed count when the window closes', () => {
  let now = 1000;
  const limiter = new LogRateLimiter(3, 1000, () => now);
  const reports: number[] = [];
  const allowed = Array.from({ length: 10 }, () => limiter.allow((n) => reports.push(n)));
  assert.deepEqual(allowed, [true, true, true, false, false, false, false, false, false, false]);
  assert.equal(reports.length, 0);
  now += 1000;
  assert.equal(
    limiter.allow((n) => reports.push(n)),
    true,
  );
  assert.deepEqual(reports, [7]);
});
