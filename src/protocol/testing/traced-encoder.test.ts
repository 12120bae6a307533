// The traced encoder must write exactly what the compiled codec writes, for every
// API, version and both directions, or the fuzzer's field spans would point at the
// wrong bytes; and its spans must lie inside the message and cover every length prefix.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ALL_APIS } from '../apis/index.ts';
import { codecFor } from '../codec.ts';
import { parseVersions } from '../schema.ts';
import { hostileMessage } from './request-mutator.ts';
import { SeededRandom, sampleMessage } from './sample-values.ts';
import { encodeTraced } from './traced-encoder.ts';

test('traced encoding equals the codec byte for byte at every API and version', () => {
  const rnd = new SeededRandom(42);
  let checked = 0;
  for (const api of ALL_APIS) {
    for (const def of [api.request, api.response]) {
      const codec = codecFor(def);
      const range = parseVersions(def.validVersions);
      for (let v = range.min; v <= range.max; v++) {
        for (let copy = 0; copy < 6; copy++) {
          const value =
            copy % 2 === 0
              ? sampleMessage(def, v, rnd)
              : hostileMessage(def, v, rnd, ['orders', 'g']);
          const expected = codec.encode(value as never, v);
          const traced = encodeTraced(def, v, codec.isFlexible(v), value);
          assert.deepEqual(traced.bytes, expected, `${def.name} v${v}`);
          for (const s of traced.spans) {
            assert.ok(s.start >= 0 && s.start <= s.end && s.end <= expected.length, s.path);
          }
          checked++;
        }
      }
    }
  }
  assert.ok(checked > 600, `checked ${checked}`);
});

test('every length prefix of a request is a span', () => {
  const def = ALL_APIS.find((a) => a.name === 'Produce')!.request;
  const rnd = new SeededRandom(7);
  const value = hostileMessage(def, 9, rnd, ['orders']);
  value['topicData'] = [
    { name: 'orders', partitionData: [{ index: 0, records: Buffer.from('xy') }] },
  ];
  const traced = encodeTraced(def, 9, true, value);
  const lengths = traced.spans.filter((s) => s.kind === 'length').map((s) => s.path);
  assert.deepEqual(lengths, [
    'transactionalId',
    'topicData',
    'topicData[0].name',
    'topicData[0].partitionData',
    'topicData[0].partitionData[0].records',
  ]);
  const records = traced.spans.find((s) => s.kind === 'records')!;
  assert.equal(traced.bytes.subarray(records.start, records.end).toString(), 'xy');
});
