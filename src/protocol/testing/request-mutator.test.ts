// The fuzzer's generator: seeded (the same seed makes the same frames), never
// throws on any API or version, uses every mutation, and says "malformed" for a
// good share of what it makes while keeping the unmutated requests decodable.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ALL_APIS } from '../apis/index.ts';
import { parseVersions } from '../schema.ts';
import { MUTATIONS, RequestMutator, type Served } from './request-mutator.ts';
import { SeededRandom } from './sample-values.ts';

const served: Served = new Map(
  ALL_APIS.map((a) => {
    const r = parseVersions(a.request.validVersions);
    return [a.apiKey, { min: r.min, max: r.max }];
  }),
);
const options = { names: ['orders'], frameSizeBytesMax: 1024 * 1024, arrayElementsMax: 1_000_000 };

test('the same seed makes the same requests', () => {
  const a = new RequestMutator(new SeededRandom(5), served, options);
  const b = new RequestMutator(new SeededRandom(5), served, options);
  for (let i = 0; i < 500; i++) assert.deepEqual(a.next().frame, b.next().frame);
});

test('every mutation is made, none throws, and hostile-but-valid requests decode', () => {
  const m = new RequestMutator(new SeededRandom(11), served, options);
  const seen = new Map<string, number>();
  let malformed = 0;
  const n = 20_000;
  for (let i = 0; i < n; i++) {
    const r = m.next();
    seen.set(r.mutation, (seen.get(r.mutation) ?? 0) + 1);
    if (r.malformed) malformed++;
    if (r.mutation === 'none') assert.equal(r.malformed, false, `${r.api.name} v${r.version}`);
    if (r.expect === 'close') assert.equal(r.malformed, true);
  }
  for (const k of MUTATIONS) assert.ok((seen.get(k) ?? 0) > 0, `mutation ${k} never made`);
  assert.ok(malformed > n / 3 && malformed < n, `${malformed} of ${n} malformed`);
});
