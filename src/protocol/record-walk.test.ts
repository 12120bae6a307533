// The two record walkers: what each refuses, and that the streaming walker,
// fed the same bytes in chunks of any size, reaches the same verdict as the
// contiguous one on valid and mutated records sections.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type RecordChecks,
  RecordStreamWalker,
  type WalkResult,
  walkRecords,
} from './record-walk.ts';
import { type BatchRecord, encodeRecords } from './records.ts';
import { SeededRandom } from './testing/sample-values.ts';

const NOW = 1_700_000_000_000;

function checks(overrides: Partial<RecordChecks> = {}): RecordChecks {
  return {
    recordCount: 3,
    baseTimestampMs: NOW,
    logAppendTimeMs: null,
    keysRequired: false,
    timestampBounds: { minMs: NOW - 1000, maxMs: NOW + 1000 },
    ...overrides,
  };
}

function records(n: number, make: (i: number) => Partial<BatchRecord> = () => ({})): Buffer {
  const list: BatchRecord[] = [];
  for (let i = 0; i < n; i++) {
    list.push({
      offsetDelta: i,
      timestampDelta: 0,
      key: Buffer.from(`k${i}`),
      value: Buffer.from(`value-${i}`),
      headers: [{ key: 'h', value: Buffer.from('x') }],
      ...make(i),
    });
  }
  return encodeRecords(list);
}

function streamed(section: Buffer, c: RecordChecks, chunkBytes: number): WalkResult {
  const w = new RecordStreamWalker(c);
  for (let at = 0; at < section.length; at += chunkBytes) {
    if (!w.push(section.subarray(at, at + chunkBytes))) break;
  }
  return w.finish();
}

function both(section: Buffer, c: RecordChecks): WalkResult {
  const whole = walkRecords(section, 0, section.length, c);
  for (const chunk of [1, 2, 3, 7, 64, section.length + 1]) {
    const s = streamed(section, c, chunk);
    assert.equal(s.problem, whole.problem, `chunks of ${chunk}: ${s.detail} vs ${whole.detail}`);
    assert.equal(s.count, whole.count, `chunks of ${chunk}`);
    assert.equal(s.maxTimestampMs, whole.maxTimestampMs, `chunks of ${chunk}`);
    assert.equal(s.recordErrorCount, whole.recordErrorCount, `chunks of ${chunk}`);
  }
  return whole;
}

test('a valid records section passes and reports its largest timestamp', () => {
  const section = records(3, (i) => ({ timestampDelta: [5, 9, -3][i]! }));
  const r = both(section, checks());
  assert.equal(r.problem, null);
  assert.equal(r.count, 3);
  assert.equal(r.maxTimestampMs, NOW + 9);
  assert.equal(r.recordErrorCount, 0);
});

test('a batch that claims more records than it holds is refused', () => {
  const r = both(records(1), checks({ recordCount: 2 }));
  assert.equal(r.problem, 'record-count-mismatch');
});

test('bytes after the declared records are refused', () => {
  const r = both(records(3), checks({ recordCount: 2 }));
  assert.equal(r.problem, 'record-count-mismatch');
});

test('a record length of 2^31-1 is refused without reading past the section', () => {
  const section = records(1);
  // zigzag(2^31-1) as a 5-byte varint: 0xfe 0xff 0xff 0xff 0x0f
  const bad = Buffer.concat([Buffer.from([0xfe, 0xff, 0xff, 0xff, 0x0f]), section.subarray(1)]);
  assert.equal(both(bad, checks({ recordCount: 1 })).problem, 'bad-record');
});

test('a header count of 2^31-1 is refused', () => {
  const section = records(1, () => ({ headers: [] }));
  // The header count is the record's last byte (0 headers); make it 2^31-1 and fix the length.
  const body = Buffer.concat([
    section.subarray(1, section.length - 1),
    Buffer.from([0xfe, 0xff, 0xff, 0xff, 0x0f]),
  ]);
  const bad = Buffer.concat([Buffer.from([body.length * 2]), body]);
  assert.equal(both(bad, checks({ recordCount: 1 })).problem, 'bad-record');
});

test('offset deltas must run 0, 1, 2', () => {
  const section = records(3, (i) => ({ offsetDelta: [0, 2, 3][i]! }));
  assert.equal(both(section, checks()).problem, 'bad-offset-delta');
});

test('garbage is refused', () => {
  const rnd = new SeededRandom(7);
  for (let i = 0; i < 200; i++) {
    const r = both(rnd.bytes(1 + rnd.int(200)), checks());
    assert.notEqual(r.problem, null);
  }
});

test('timestamps outside the bounds are record errors, NO_TIMESTAMP is not', () => {
  const section = records(3, (i) => ({ timestampDelta: [0, 5000, -1 - NOW][i]! }));
  const r = both(section, checks());
  assert.equal(r.problem, null);
  assert.equal(r.recordErrorCount, 1);
  assert.equal(r.recordErrors[0]?.batchIndex, 1);
  assert.equal(r.recordErrors[0]?.timestamp, true);
});

test('timestamps a number cannot hold exactly are refused even with unbounded limits', () => {
  const section = records(1, () => ({ timestampDelta: 2 ** 50 }));
  const unbounded = { minMs: -(2 ** 60), maxMs: 2 ** 60 };
  const r = both(
    section,
    checks({ recordCount: 1, baseTimestampMs: 2 ** 53, timestampBounds: unbounded }),
  );
  assert.equal(r.recordErrorCount, 1);
});

test('a LogAppendTime topic ignores record timestamps; a producer claiming LogAppendTime is refused', () => {
  const far = records(1, () => ({ timestampDelta: 10 ** 12 }));
  const onLogAppendTopic = checks({ recordCount: 1, timestampBounds: null });
  assert.equal(both(far, onLogAppendTopic).recordErrorCount, 0);
  const claimed = checks({ recordCount: 1, timestampBounds: null, logAppendTimeMs: NOW });
  assert.equal(both(far, claimed).recordErrors[0]?.timestamp, true);
});

test('records without a key are refused on a compacted topic', () => {
  const section = records(3, (i) => ({ key: i === 1 ? null : Buffer.from('k') }));
  const r = both(section, checks({ keysRequired: true }));
  assert.equal(r.recordErrorCount, 1);
  assert.equal(r.recordErrors[0]?.batchIndex, 1);
  assert.equal(r.recordErrors[0]?.timestamp, false);
  assert.equal(both(section, checks()).recordErrorCount, 0);
});

test('both walkers agree on mutated sections (seeded)', () => {
  const rnd = new SeededRandom(20261122);
  for (let i = 0; i < 2000; i++) {
    const n = 1 + rnd.int(5);
    const section = Buffer.from(
      records(n, (j) => ({
        timestampDelta: rnd.int(3000) - 1500,
        key: rnd.next() < 0.2 ? null : rnd.bytes(rnd.int(4)),
        value: rnd.next() < 0.1 ? null : rnd.bytes(rnd.int(40)),
        headers: rnd.next() < 0.5 ? [] : [{ key: 'a', value: j % 2 ? null : rnd.bytes(3) }],
      })),
    );
    const flips = rnd.int(3);
    for (let f = 0; f < flips; f++) section[rnd.int(section.length)] = rnd.int(256);
    const cut = rnd.next() < 0.1 ? section.subarray(0, rnd.int(section.length)) : section;
    both(cut, checks({ recordCount: n, keysRequired: rnd.next() < 0.3 }));
  }
});
