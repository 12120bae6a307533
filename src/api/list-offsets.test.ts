// ListOffsets v0's offsets, as Kafka's legacyFetchOffsetsBefore computes them
// for a consumer: segment starts stamped with the segment's last modification,
// plus the log end stamped now, newest first, capped by the high watermark.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, legacyOffsetsBefore } from './list-offsets.ts';

const NOW = 10_000;
/** Three segments starting at 0, 100 and 250, last written at t=1000, 2000, 3000. */
const log = {
  segments: [
    { baseOffset: 0, sizeBytes: 500, lastModifiedMs: 1000 },
    { baseOffset: 100, sizeBytes: 500, lastModifiedMs: 2000 },
    { baseOffset: 250, sizeBytes: 500, lastModifiedMs: 3000 },
  ],
  logStartOffset: 0,
  logEndOffset: 300,
  highWatermark: 300,
};

describe('legacyOffsetsBefore (ListOffsets v0)', () => {
  test('latest: the log end, then segment starts, newest first, at most maxNumOffsets', () => {
    assert.deepEqual(legacyOffsetsBefore(log, LATEST_TIMESTAMP, 1, NOW), [300]);
    assert.deepEqual(legacyOffsetsBefore(log, LATEST_TIMESTAMP, 3, NOW), [300, 250, 100]);
    assert.deepEqual(legacyOffsetsBefore(log, LATEST_TIMESTAMP, 10, NOW), [300, 250, 100, 0]);
    assert.deepEqual(legacyOffsetsBefore(log, LATEST_TIMESTAMP, 0, NOW), []);
  });

  test('earliest: the log start only, clamped into the first segment', () => {
    assert.deepEqual(legacyOffsetsBefore(log, EARLIEST_TIMESTAMP, 5, NOW), [0]);
    const trimmed = { ...log, logStartOffset: 40 };
    assert.deepEqual(legacyOffsetsBefore(trimmed, EARLIEST_TIMESTAMP, 5, NOW), [40]);
    assert.deepEqual(legacyOffsetsBefore(trimmed, LATEST_TIMESTAMP, 5, NOW), [300, 250, 100, 40]);
  });

  test('a time: the segments last modified at or before it, newest first', () => {
    assert.deepEqual(legacyOffsetsBefore(log, 2500, 5, NOW), [100, 0]);
    assert.deepEqual(legacyOffsetsBefore(log, 2000, 1, NOW), [100]);
    assert.deepEqual(legacyOffsetsBefore(log, 999, 5, NOW), []);
    assert.deepEqual(legacyOffsetsBefore(log, NOW, 2, NOW), [300, 250]);
  });

  test('offsets above the high watermark are replaced by it', () => {
    const unreplicated = { ...log, highWatermark: 270 };
    assert.deepEqual(legacyOffsetsBefore(unreplicated, LATEST_TIMESTAMP, 1, NOW), [270]);
    assert.deepEqual(legacyOffsetsBefore(unreplicated, LATEST_TIMESTAMP, 2, NOW), [270, 250]);
  });

  test('an empty active segment adds no log end entry; an empty log answers its start', () => {
    const rolled = {
      ...log,
      segments: [...log.segments, { baseOffset: 300, sizeBytes: 0, lastModifiedMs: 4000 }],
    };
    assert.deepEqual(legacyOffsetsBefore(rolled, LATEST_TIMESTAMP, 2, NOW), [300, 250]);
    const empty = {
      segments: [{ baseOffset: 0, sizeBytes: 0, lastModifiedMs: 1000 }],
      logStartOffset: 0,
      logEndOffset: 0,
      highWatermark: 0,
    };
    assert.deepEqual(legacyOffsetsBefore(empty, LATEST_TIMESTAMP, 1, NOW), [0]);
  });
});
