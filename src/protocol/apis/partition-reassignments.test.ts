// AlterPartitionReassignments (45) and ListPartitionReassignments (46) on
// the wire: golden bytes worked out by hand from Kafka's message specs
// (compact arrays and strings, null arrays as length 0, tag sections), v1's
// allowReplicationFactorChange placed right after the throttle time, and
// round trips of both versions.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertBytes, decodeAll, hex } from '../testing/wire-assertions.ts';
import {
  AlterPartitionReassignments,
  AlterPartitionReassignmentsRequest,
  AlterPartitionReassignmentsResponse,
} from './alter-partition-reassignments.ts';
import { ALL_APIS } from './index.ts';
import {
  ListPartitionReassignments,
  ListPartitionReassignmentsRequest,
  ListPartitionReassignmentsResponse,
} from './list-partition-reassignments.ts';

describe('AlterPartitionReassignments', () => {
  it('is key 45, versions 0-1, flexible from v0, and listed in ALL_APIS', () => {
    assert.equal(AlterPartitionReassignments.apiKey, 45);
    for (const m of [AlterPartitionReassignmentsRequest, AlterPartitionReassignmentsResponse]) {
      assert.equal(m.validVersions, '0-1');
      assert.equal(m.flexibleVersions, '0+');
    }
    assert.ok(ALL_APIS.includes(AlterPartitionReassignments));
  });

  const move = {
    timeoutMs: 5000,
    topics: [
      {
        name: 't',
        partitions: [
          { partitionIndex: 0, replicas: [1, 2] },
          { partitionIndex: 1, replicas: null },
        ],
      },
    ],
  };

  it('v0 request: compact arrays, a null replica list is a zero length (cancel)', () => {
    assertBytes(
      AlterPartitionReassignmentsRequest,
      { ...move, allowReplicationFactorChange: true },
      0,
      hex(
        '00001388',
        '02',
        '0274',
        '03',
        '00000000 03 00000001 00000002 00',
        '00000001 00 00',
        '00',
        '00',
      ),
    );
  });

  it('v0 decodes allowReplicationFactorChange as its default, true', () => {
    const bytes = hex('0000ea60', '01', '00');
    assert.deepEqual(decodeAll(AlterPartitionReassignmentsRequest, bytes, 0), {
      timeoutMs: 60000,
      allowReplicationFactorChange: true,
      topics: [],
    });
  });

  it('v1 request carries allowReplicationFactorChange after the timeout', () => {
    assertBytes(
      AlterPartitionReassignmentsRequest,
      { ...move, allowReplicationFactorChange: false },
      1,
      hex(
        '00001388',
        '00',
        '02',
        '0274',
        '03',
        '00000000 03 00000001 00000002 00',
        '00000001 00 00',
        '00',
        '00',
      ),
    );
  });

  const answer = {
    throttleTimeMs: 0,
    errorCode: 0,
    errorMessage: null,
    responses: [
      { name: 't', partitions: [{ partitionIndex: 1, errorCode: 85, errorMessage: 'x' }] },
    ],
  };

  it('v0 response: per-partition error code and message', () => {
    assertBytes(
      AlterPartitionReassignmentsResponse,
      { ...answer, allowReplicationFactorChange: true },
      0,
      hex('00000000', '0000', '00', '02', '0274', '02', '00000001 0055 0278 00', '00', '00'),
    );
  });

  it('v1 response echoes allowReplicationFactorChange between throttle time and error code', () => {
    assertBytes(
      AlterPartitionReassignmentsResponse,
      { ...answer, allowReplicationFactorChange: true },
      1,
      hex('00000000', '01', '0000', '00', '02', '0274', '02', '00000001 0055 0278 00', '00', '00'),
    );
  });
});

describe('ListPartitionReassignments', () => {
  it('is key 46, version 0, flexible, and listed in ALL_APIS', () => {
    assert.equal(ListPartitionReassignments.apiKey, 46);
    for (const m of [ListPartitionReassignmentsRequest, ListPartitionReassignmentsResponse]) {
      assert.equal(m.validVersions, '0');
      assert.equal(m.flexibleVersions, '0+');
    }
    assert.ok(ALL_APIS.includes(ListPartitionReassignments));
  });

  it('v0 request: null topics (everything) is a zero length', () => {
    assertBytes(
      ListPartitionReassignmentsRequest,
      { timeoutMs: 5000, topics: null },
      0,
      hex('00001388', '00', '00'),
    );
  });

  it('v0 request: named partitions', () => {
    assertBytes(
      ListPartitionReassignmentsRequest,
      { timeoutMs: 5000, topics: [{ name: 't', partitionIndexes: [0, 2] }] },
      0,
      hex('00001388', '02', '0274', '03 00000000 00000002', '00', '00'),
    );
  });

  it('v0 response: replicas, adding and removing per partition', () => {
    assertBytes(
      ListPartitionReassignmentsResponse,
      {
        throttleTimeMs: 0,
        errorCode: 0,
        errorMessage: null,
        topics: [
          {
            name: 't',
            partitions: [
              {
                partitionIndex: 0,
                replicas: [1, 2, 0],
                addingReplicas: [2],
                removingReplicas: [0],
              },
            ],
          },
        ],
      },
      0,
      hex(
        '00000000',
        '0000',
        '00',
        '02',
        '0274',
        '02',
        '00000000',
        '04 00000001 00000002 00000000',
        '02 00000002',
        '02 00000000',
        '00',
        '00',
        '00',
      ),
    );
  });
});
