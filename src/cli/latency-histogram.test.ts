// The histogram's percentiles stay within its stated relative error of the
// exact order statistics, never below them, and its bucket bounds tile the range.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bucketOf, LatencyHistogram, upperBoundOf } from './latency-histogram.ts';

describe('LatencyHistogram', () => {
  test('percentiles of a skewed sample are within 1.6% above the exact values', () => {
    const h = new LatencyHistogram();
    const values: number[] = [];
    let seed = 7;
    for (let i = 0; i < 20_000; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const ms = (seed / 2 ** 31) ** 4 * 500; // mostly small, a long tail
      values.push(Math.round(ms * 1000) / 1000);
      h.recordMs(ms);
    }
    values.sort((a, b) => a - b);
    for (const p of [50, 95, 99, 99.9]) {
      const exact = values[Math.ceil((p / 100) * values.length) - 1]!;
      const got = h.percentileMs(p);
      assert.ok(got >= exact - 0.001, `p${p}: ${got} below ${exact}`);
      assert.ok(got <= exact * 1.016 + 0.002, `p${p}: ${got} too far above ${exact}`);
    }
    assert.equal(h.maxMs(), values.at(-1));
    assert.equal(h.count, 20_000);
  });

  test('bucket bounds are contiguous and contain their values', () => {
    let previousUpper = -1;
    for (let i = 0; i < 600; i++) {
      const upper = upperBoundOf(i);
      assert.ok(upper > previousUpper);
      assert.equal(bucketOf(previousUpper + 1), i);
      assert.equal(bucketOf(upper), i);
      previousUpper = upper;
    }
  });

  test('an empty histogram reports zeros', () => {
    const h = new LatencyHistogram();
    assert.equal(h.percentileMs(99), 0);
    assert.equal(h.meanMs(), 0);
  });
});
