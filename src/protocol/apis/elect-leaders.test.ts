// ElectLeaders on the wire: golden bytes worked out by hand from Kafka's
// message definitions for each version (the election type from v1, the
// top-level error code from v1, compact forms and tag sections from v2, a
// null partition list), and seeded round-trips of random values.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { codecFor, type MessageValue } from '../codec.ts';
import type { MessageDef } from '../schema.ts';
import { SeededRandom, sampleMessage } from '../testing/sample-values.ts';
import { assertBytes, decodeAll, hex } from '../testing/wire-assertions.ts';
import { ElectLeaders, ElectLeadersRequest, ElectLeadersResponse } from './elect-leaders.ts';

describe('ElectLeaders definition', () => {
  it('is key 43, versions 0-2, flexible from 2', () => {
    assert.equal(ElectLeaders.apiKey, 43);
    for (const m of [ElectLeadersRequest, ElectLeadersResponse]) {
      assert.equal(m.apiKey, 43);
      assert.equal(m.validVersions, '0-2');
      assert.equal(m.flexibleVersions, '2+');
    }
  });

  const named = (electionType: number): MessageValue<typeof ElectLeadersRequest> => ({
    electionType,
    topicPartitions: [{ topic: 'a', partitions: [0, 2] }],
    timeoutMs: 1000,
  });

  it('v0 request: no election type (always preferred), int32 arrays, int16 strings', () => {
    assertBytes(
      ElectLeadersRequest,
      named(0),
      0,
      hex('00000001', '0001 61', '00000002 00000000 00000002', '000003e8'),
    );
  });

  it('v1 request starts with the int8 election type', () => {
    assertBytes(
      ElectLeadersRequest,
      named(1),
      1,
      hex('01', '00000001', '0001 61', '00000002 00000000 00000002', '000003e8'),
    );
  });

  it('v2 request: compact arrays and strings, tag sections', () => {
    const bytes = hex('01', '02', '02 61', '03 00000000 00000002', '00', '000003e8', '00');
    assertBytes(ElectLeadersRequest, named(1), 2, bytes);
  });

  it('a null partition list (every partition) in v0 and v2', () => {
    const all = { electionType: 0, topicPartitions: null, timeoutMs: 1000 };
    assertBytes(ElectLeadersRequest, all, 0, hex('ffffffff', '000003e8'));
    assertBytes(ElectLeadersRequest, all, 2, hex('00', '00', '000003e8', '00'));
  });

  const response = (errorCode: number): MessageValue<typeof ElectLeadersResponse> => ({
    throttleTimeMs: 0,
    errorCode,
    replicaElectionResults: [
      { topic: 'a', partitionResult: [{ partitionId: 1, errorCode: 84, errorMessage: null }] },
    ],
  });

  it('v0 response has no top-level error code', () => {
    const bytes = hex('00000000', '00000001', '0001 61', '00000001', '00000001 0054 ffff');
    assertBytes(ElectLeadersResponse, response(0), 0, bytes);
  });

  it('v1 and v2 responses carry the top-level error code', () => {
    const v1 = hex('00000000', '002a', '00000001', '0001 61', '00000001', '00000001 0054 ffff');
    assertBytes(ElectLeadersResponse, response(42), 1, v1);
    const v2 = hex('00000000', '002a', '02', '02 61', '02', '00000001 0054 00', '00', '00', '00');
    assertBytes(ElectLeadersResponse, response(42), 2, v2);
  });

  it('random values of every version round-trip', () => {
    const rnd = new SeededRandom(43);
    for (const def of [ElectLeadersRequest, ElectLeadersResponse]) {
      for (let v = 0; v <= 2; v++) {
        for (let i = 0; i < 20; i++) {
          const codec = codecFor(def as MessageDef);
          const bytes = codec.encode(sampleMessage(def, v, rnd) as never, v);
          const decoded = decodeAll(def as MessageDef, bytes, v);
          assert.deepEqual(
            codec.encode(decoded, v),
            bytes,
            `${def.name} v${v} re-encodes the same`,
          );
        }
      }
    }
  });
});
