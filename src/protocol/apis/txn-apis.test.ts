// The transaction API definitions: each is the key and version range Gregor
// serves with Kafka's flexible versions, every version round-trips random
// values, and golden bytes worked out by hand from Kafka's wire format pin
// field order and the v4 split of AddPartitionsToTxn into a batched form.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { codecFor } from '../codec.ts';
import type { ApiDef, MessageDef } from '../schema.ts';
import { parseVersions } from '../schema.ts';
import { SeededRandom, sampleMessage } from '../testing/sample-values.ts';
import { assertBytes, decodeAll, hex } from '../testing/wire-assertions.ts';
import { AddOffsetsToTxn } from './add-offsets-to-txn.ts';
import { AddPartitionsToTxn, AddPartitionsToTxnRequest } from './add-partitions-to-txn.ts';
import { DescribeProducers } from './describe-producers.ts';
import { DescribeTransactions } from './describe-transactions.ts';
import { EndTxn, EndTxnRequest } from './end-txn.ts';
import { ALL_APIS } from './index.ts';
import { ListTransactions } from './list-transactions.ts';
import { TxnOffsetCommit } from './txn-offset-commit.ts';
import { WriteTxnMarkers, WriteTxnMarkersRequest } from './write-txn-markers.ts';

const EXPECTED: readonly [ApiDef, number, string, string][] = [
  [AddPartitionsToTxn, 24, '0-5', '3+'],
  [AddOffsetsToTxn, 25, '0-4', '3+'],
  [EndTxn, 26, '0-4', '3+'],
  [WriteTxnMarkers, 27, '0-1', '1+'],
  [TxnOffsetCommit, 28, '0-4', '3+'],
  [DescribeProducers, 61, '0', '0+'],
  [DescribeTransactions, 65, '0', '0+'],
  [ListTransactions, 66, '0-1', '0+'],
];

function versionsOf(def: MessageDef): number[] {
  const { min, max } = parseVersions(def.validVersions);
  return Array.from({ length: max - min + 1 }, (_, i) => min + i);
}

describe('transaction API definitions', () => {
  for (const [api, key, valid, flexible] of EXPECTED) {
    it(`${api.name} is key ${key}, versions ${valid}, flexible ${flexible}, in ALL_APIS`, () => {
      assert.equal(api.apiKey, key);
      for (const m of [api.request, api.response]) {
        assert.equal(m.apiKey, key);
        assert.equal(m.validVersions, valid);
        assert.equal(m.flexibleVersions, flexible);
      }
      assert.ok(ALL_APIS.includes(api));
    });

    it(`${api.name} round-trips random values at every version`, () => {
      const rnd = new SeededRandom(key);
      for (const def of [api.request, api.response]) {
        for (const v of versionsOf(def)) {
          for (let i = 0; i < 5; i++) {
            const codec = codecFor(def);
            const bytes = codec.encode(sampleMessage(def, v, rnd) as never, v);
            const decoded = decodeAll(def, bytes, v);
            assert.deepEqual(codec.encode(decoded, v), bytes, `${def.name} v${v}`);
          }
        }
      }
    });
  }

  it('EndTxn v0 and v3 requests: classic then compact string, tagged fields last', () => {
    const value = { transactionalId: 't', producerId: 5, producerEpoch: 2, committed: true };
    assertBytes(EndTxnRequest, value, 0, hex('0001 74', '0000000000000005', '0002', '01'));
    assertBytes(EndTxnRequest, value, 3, hex('02 74', '0000000000000005', '0002', '01', '00'));
  });

  it('AddPartitionsToTxn v4 is the batched broker form with VerifyOnly', () => {
    const value = {
      transactions: [
        {
          transactionalId: 't',
          producerId: 9,
          producerEpoch: 1,
          verifyOnly: true,
          topics: [{ name: 'a', partitions: [0] }],
        },
      ],
      v3AndBelowTransactionalId: '',
      v3AndBelowProducerId: -1,
      v3AndBelowProducerEpoch: -1,
      v3AndBelowTopics: [],
    };
    const bytes = hex(
      '02',
      '02 74',
      '0000000000000009',
      '0001',
      '01',
      '02 02 61 02 00000000 00',
      '00',
      '00',
    );
    assertBytes(AddPartitionsToTxnRequest, value, 4, bytes);
  });

  it('WriteTxnMarkers v0: producer, epoch, result, topics, then coordinator epoch', () => {
    const value = {
      markers: [
        {
          producerId: 3,
          producerEpoch: 4,
          transactionResult: false,
          topics: [{ name: 'x', partitionIndexes: [1, 2] }],
          coordinatorEpoch: 7,
        },
      ],
    };
    const bytes = hex(
      '00000001',
      '0000000000000003',
      '0004',
      '00',
      '00000001 0001 78 00000002 00000001 00000002',
      '00000007',
    );
    assertBytes(WriteTxnMarkersRequest, value, 0, bytes);
  });
});
