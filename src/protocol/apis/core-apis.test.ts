// Tests for the core (non-group) API definitions: every version of every API
// round-trips a representative value through the compiled codec, and golden
// byte strings worked out by hand from Kafka's wire format pin the facts a
// definition could get wrong (field order, versions, compact encodings, tags).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { codecFor, type MessageValue } from '../codec.ts';
import type { ApiDef, FieldDef, MessageDef, PrimitiveType } from '../schema.ts';
import { parseVersions, versionIn } from '../schema.ts';
import { assertBytes, decodeAll, hex } from '../testing/wire-assertions.ts';
import { AlterConfigs, AlterConfigsRequest } from './alter-configs.ts';
import { CreatePartitions, CreatePartitionsRequest } from './create-partitions.ts';
import { CreateTopics, CreateTopicsRequest, CreateTopicsResponse } from './create-topics.ts';
import { DeleteRecords, DeleteRecordsRequest } from './delete-records.ts';
import { DeleteTopics, DeleteTopicsRequest } from './delete-topics.ts';
import {
  DescribeCluster,
  DescribeClusterRequest,
  DescribeClusterResponse,
} from './describe-cluster.ts';
import {
  DescribeConfigs,
  DescribeConfigsRequest,
  DescribeConfigsResponse,
} from './describe-configs.ts';
import {
  DescribeLogDirs,
  DescribeLogDirsRequest,
  DescribeLogDirsResponse,
} from './describe-log-dirs.ts';
import { Fetch, FetchRequest, FetchResponse } from './fetch.ts';
import {
  IncrementalAlterConfigs,
  IncrementalAlterConfigsRequest,
} from './incremental-alter-configs.ts';
import {
  InitProducerId,
  InitProducerIdRequest,
  InitProducerIdResponse,
} from './init-producer-id.ts';
import { ListOffsets, ListOffsetsRequest, ListOffsetsResponse } from './list-offsets.ts';
import { Metadata, MetadataRequest, MetadataResponse } from './metadata.ts';
import {
  OffsetForLeaderEpoch,
  OffsetForLeaderEpochRequest,
  OffsetForLeaderEpochResponse,
} from './offset-for-leader-epoch.ts';
import { Produce, ProduceRequest, ProduceResponse } from './produce.ts';
import {
  SaslAuthenticate,
  SaslAuthenticateRequest,
  SaslAuthenticateResponse,
} from './sasl-authenticate.ts';
import { SaslHandshake, SaslHandshakeRequest, SaslHandshakeResponse } from './sasl-handshake.ts';

// The ranges Gregor serves, and Kafka's flexible versions, stated independently
// of the definitions so a typo in either place fails.
const EXPECTED: readonly [ApiDef, number, string, string][] = [
  [Produce, 0, '0-11', '9+'],
  [Fetch, 1, '0-17', '12+'],
  [ListOffsets, 2, '0-9', '6+'],
  [Metadata, 3, '0-12', '9+'],
  [SaslHandshake, 17, '0-1', 'none'],
  [CreateTopics, 19, '0-7', '5+'],
  [DeleteTopics, 20, '0-6', '4+'],
  [DeleteRecords, 21, '0-2', '2+'],
  [InitProducerId, 22, '0-5', '2+'],
  [OffsetForLeaderEpoch, 23, '0-4', '4+'],
  [DescribeConfigs, 32, '0-4', '4+'],
  [AlterConfigs, 33, '0-2', '2+'],
  [DescribeLogDirs, 35, '0-4', '2+'],
  [SaslAuthenticate, 36, '0-2', '2+'],
  [CreatePartitions, 37, '0-3', '2+'],
  [IncrementalAlterConfigs, 44, '0-1', '1+'],
  [DescribeCluster, 60, '0-1', '0+'],
];

const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';
const TOPIC_ID_HEX = '00112233445566778899aabbccddeeff';
const TOPIC_ID = Buffer.from(TOPIC_ID_HEX, 'hex').toString('base64url');

function encode<M extends MessageDef>(def: M, value: MessageValue<M>, version: number): Buffer {
  return codecFor(def).encode(value, version);
}

// ---------------------------------------------------------------------------
// Representative values built from a definition, for the round-trip sweep.

type Mode = 'full' | 'minimal';

/** The value the codec reports for a field a version lacks (or a tag not sent). */
function absentValue(f: FieldDef): unknown {
  if (f.default !== undefined) return f.default;
  if (f.type === '{}') return null;
  if (f.type.startsWith('[]')) return [];
  switch (f.type) {
    case 'bool':
      return false;
    case 'string':
      return '';
    case 'uuid':
      return ZERO_UUID;
    case 'bytes':
      return Buffer.alloc(0);
    case 'records':
      return null;
    default:
      return 0;
  }
}

class Sampler {
  private n = 0;

  constructor(
    private readonly version: number,
    private readonly mode: Mode,
  ) {}

  struct(fields: readonly FieldDef[]): Record<string, unknown> {
    const o: Record<string, unknown> = {};
    for (const f of fields) o[f.name] = this.field(f);
    return o;
  }

  private field(f: FieldDef): unknown {
    if (!versionIn(f.versions, this.version)) return absentValue(f);
    const isTagged = versionIn(f.taggedVersions, this.version);
    if (this.mode === 'minimal') {
      if (isTagged || versionIn(f.nullableVersions, this.version)) return absentValue(f);
      if (f.type === '{}') return this.struct(f.fields ?? []);
      if (f.type.startsWith('[]')) return [];
    }
    if (f.type === '{}') return this.struct(f.fields ?? []);
    if (f.type === '[]') return [this.struct(f.fields ?? []), this.struct(f.fields ?? [])];
    if (f.type.startsWith('[]')) {
      const elem = f.type.slice(2) as PrimitiveType;
      return [this.primitive(elem, undefined), this.primitive(elem, undefined)];
    }
    return this.primitive(f.type as PrimitiveType, f.default);
  }

  private primitive(type: PrimitiveType, dflt: FieldDef['default']): unknown {
    const n = ++this.n;
    const sign = n % 2 === 0 ? 1 : -1;
    const avoid = (v: number): number => (v === dflt ? v + 1 : v);
    switch (type) {
      case 'bool':
        return dflt !== true;
      case 'int8':
        return avoid(sign * (n % 100) + 2);
      case 'int16':
        return avoid(sign * (300 + n));
      case 'int32':
        return avoid(sign * (70_000 + n));
      case 'int64':
        return avoid(sign * (2 ** 40 + n));
      case 'string':
        return this.mode === 'minimal' ? '' : `s${n}é`;
      case 'uuid':
        return Buffer.from(Array.from({ length: 16 }, (_, i) => (n * 16 + i) & 0xff)).toString(
          'base64url',
        );
      case 'bytes':
      case 'records':
        return Buffer.from([n & 0xff, 0, 0xff]);
      default:
        throw new Error(`no sample for ${type}`);
    }
  }
}

function versionsOf(def: MessageDef): number[] {
  const { min, max } = parseVersions(def.validVersions);
  return Array.from({ length: max - min + 1 }, (_, i) => min + i);
}

function roundTrip(def: MessageDef, version: number, mode: Mode): void {
  const value = new Sampler(version, mode).struct(def.fields);
  const codec = codecFor(def);
  const bytes = codec.encode(value as MessageValue<typeof def>, version);
  const decoded = decodeAll(def, bytes, version);
  assert.deepEqual(decoded, value, `${def.name} v${version} (${mode})`);
  assert.deepEqual(codec.encode(decoded, version), bytes, 're-encoding is stable');
}

describe('core API definitions: shape', () => {
  for (const [api, key, valid, flexible] of EXPECTED) {
    it(`${api.name} is key ${key}, versions ${valid}, flexible ${flexible}`, () => {
      assert.equal(api.apiKey, key);
      for (const m of [api.request, api.response]) {
        assert.equal(m.apiKey, key);
        assert.equal(m.validVersions, valid);
        assert.equal(m.flexibleVersions, flexible);
      }
      assert.equal(api.request.name, `${api.name}Request`);
      assert.equal(api.request.type, 'request');
      assert.equal(api.response.name, `${api.name}Response`);
      assert.equal(api.response.type, 'response');
    });

    it(`${api.name} fields are well formed`, () => {
      for (const m of [api.request, api.response]) checkFields(m, m.fields);
    });
  }
});

function checkFields(m: MessageDef, fields: readonly FieldDef[]): void {
  const valid = parseVersions(m.validVersions);
  const flexibleMin = parseVersions(m.flexibleVersions).min;
  const tags = new Set<number>();
  for (const f of fields) {
    const where = `${m.name}.${f.name}`;
    assert.match(f.name, /^[a-z][A-Za-z0-9]*$/, `${where} is camelCase`);
    const r = parseVersions(f.versions);
    assert.ok(r.min <= valid.max && r.max >= valid.min, `${where} exists in some served version`);
    if (f.taggedVersions !== undefined) {
      assert.ok(
        parseVersions(f.taggedVersions).min >= flexibleMin,
        `${where} tagged only when flexible`,
      );
      assert.equal(typeof f.tag, 'number', `${where} has a tag`);
      assert.ok(!tags.has(f.tag ?? -1), `${where} tag is unique`);
      tags.add(f.tag ?? -1);
    }
    if (f.nullableVersions !== undefined) {
      assert.ok(!/^(bool|int|uint|float|uuid)/.test(f.type), `${where} can be null`);
    }
    const isStruct = f.type === '[]' || f.type === '{}';
    assert.equal(isStruct, f.fields !== undefined, `${where} has fields iff it is a struct`);
    if (f.fields !== undefined) checkFields(m, f.fields);
  }
}

describe('core API definitions: every version round-trips', () => {
  for (const [api] of EXPECTED) {
    for (const def of [api.request, api.response]) {
      it(`${def.name} v${def.validVersions}`, () => {
        for (const v of versionsOf(def)) {
          roundTrip(def, v, 'full');
          roundTrip(def, v, 'minimal');
        }
      });
    }
  }

  it('rejects versions outside the served range', () => {
    assert.throws(() => codecFor(ProduceRequest).at(12), RangeError);
    assert.throws(() => codecFor(FetchRequest).at(18), RangeError);
    assert.throws(() => codecFor(ListOffsetsRequest).at(10), RangeError);
    assert.throws(() => codecFor(MetadataRequest).at(13), RangeError);
  });
});

// ---------------------------------------------------------------------------
// Golden bytes, worked out by hand from the protocol specification.

describe('Produce golden facts', () => {
  const request = (transactionalId: string | null): MessageValue<typeof ProduceRequest> => ({
    transactionalId,
    acks: -1,
    timeoutMs: 1000,
    topicData: [{ name: 'a', partitionData: [{ index: 0, records: hex('010203') }] }],
  });

  it('v3 request: nullable int16 string, int32 arrays and records', () => {
    const bytes = hex(
      'ffff',
      'ffff',
      '000003e8',
      '00000001 0001 61',
      '00000001 00000000 00000003 010203',
    );
    assertBytes(ProduceRequest, request(null), 3, bytes);
  });

  it('v9+ request uses compact strings, arrays and records, with tag sections', () => {
    const bytes = hex(
      '03 7478',
      'ffff',
      '000003e8',
      '02 0261',
      '02 00000000 04 010203 00',
      '00',
      '00',
    );
    assertBytes(ProduceRequest, request('tx'), 9, bytes);
    assertBytes(ProduceRequest, request('tx'), 11, bytes);
  });

  it('v10 response carries currentLeader (partition tag 0) and nodeEndpoints (top tag 0)', () => {
    const value: MessageValue<typeof ProduceResponse> = {
      responses: [
        {
          name: 'a',
          partitionResponses: [
            {
              index: 0,
              errorCode: 6,
              baseOffset: -1,
              logAppendTimeMs: -1,
              logStartOffset: -1,
              recordErrors: [],
              errorMessage: null,
              currentLeader: { leaderId: 2, leaderEpoch: 5 },
            },
          ],
        },
      ],
      throttleTimeMs: 0,
      nodeEndpoints: [{ nodeId: 2, host: 'h', port: 9092, rack: null }],
    };
    const partition = hex('00000000 0006', 'ff'.repeat(24), '01', '00');
    const bytes = hex(
      '02 0261 02',
      partition.toString('hex'),
      '01 00 09 00000002 00000005 00',
      '00',
      '00000000',
      '01 00 0d 02 00000002 0268 00002384 00 00',
    );
    assertBytes(ProduceResponse, value, 10, bytes);
  });

  it('v8 response has recordErrors and errorMessage but no tags', () => {
    const bytes = encode(
      ProduceResponse,
      {
        responses: [
          {
            name: 'a',
            partitionResponses: [
              {
                index: 1,
                errorCode: 87,
                baseOffset: 0,
                logAppendTimeMs: -1,
                logStartOffset: 0,
                recordErrors: [{ batchIndex: 3, batchIndexErrorMessage: null }],
                errorMessage: 'bad',
                currentLeader: { leaderId: 1, leaderEpoch: 1 },
              },
            ],
          },
        ],
        throttleTimeMs: 0,
        nodeEndpoints: [],
      },
      8,
    );
    const tail = hex('00000001 00000003 ffff', '0003 626164', '00000000');
    assert.equal(bytes.subarray(bytes.length - tail.length).toString('hex'), tail.toString('hex'));
  });
});

type FetchReq = MessageValue<typeof FetchRequest>;

function fetchRequest(overrides: Partial<FetchReq>): FetchReq {
  return {
    clusterId: null,
    replicaId: -1,
    // Absent tagged structs decode as null, which the derived type does not admit.
    replicaState: null,
    maxWaitMs: 500,
    minBytes: 1,
    maxBytes: 0x100000,
    isolationLevel: 1,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [
      {
        topic: 'a',
        topicId: TOPIC_ID,
        partitions: [
          {
            partition: 0,
            currentLeaderEpoch: 3,
            fetchOffset: 10,
            lastFetchedEpoch: 2,
            logStartOffset: -1,
            partitionMaxBytes: 65536,
            replicaDirectoryId: ZERO_UUID,
          },
        ],
      },
    ],
    forgottenTopicsData: [],
    rackId: '',
    ...overrides,
  };
}

describe('Fetch golden facts', () => {
  const head = 'ffffffff 000001f4 00000001 00100000 01 00000000 ffffffff';
  const partition = '02 00000000 00000003 000000000000000a 00000002 ffffffffffffffff 00010000';

  it('v4 request: names, no session fields, no leader epoch', () => {
    const bytes = hex(
      'ffffffff 000001f4 00000001 00100000 01',
      '00000001 0001 61 00000001 00000000 000000000000000a 00010000',
    );
    const value = fetchRequest({ topics: [] });
    const encoded = encode(FetchRequest, { ...value, topics: fetchRequest({}).topics }, 4);
    assert.equal(encoded.toString('hex'), bytes.toString('hex'));
  });

  it('v12 request: topic name, clusterId in top-level tag 0', () => {
    const bytes = hex(head, '02 0261', partition, '00', '00', '01', '01', '01 00 02 0263');
    const value = fetchRequest({ clusterId: 'c' });
    const encoded = encode(FetchRequest, value, 12);
    assert.equal(encoded.toString('hex'), bytes.toString('hex'));
    assert.equal(decodeAll(FetchRequest, encoded, 12).clusterId, 'c');
  });

  it('v13 request carries a 16-byte topic id instead of the name', () => {
    const bytes = hex(head, '02', TOPIC_ID_HEX, partition, '00', '00', '01', '01', '00');
    const encoded = encode(FetchRequest, fetchRequest({}), 13);
    assert.equal(encoded.toString('hex'), bytes.toString('hex'));
    const decoded = decodeAll(FetchRequest, encoded, 13);
    assert.equal(decoded.topics[0]?.topicId, TOPIC_ID);
    assert.equal(decoded.topics[0]?.topic, '', 'the name is absent at v13');
  });

  it('v15 request drops replicaId; replicaState travels in tag 1 after clusterId', () => {
    const value = fetchRequest({ clusterId: 'c', replicaState: { replicaId: 1, replicaEpoch: 7 } });
    const headV15 = head.slice('ffffffff '.length);
    const tags = '02 00 02 0263 01 0d 00000001 0000000000000007 00';
    const bytes = hex(headV15, '02', TOPIC_ID_HEX, partition, '00', '00', '01', '01', tags);
    const encoded = encode(FetchRequest, value, 15);
    assert.equal(encoded.toString('hex'), bytes.toString('hex'));
    const decoded = decodeAll(FetchRequest, encoded, 15);
    assert.deepEqual(decoded.replicaState, { replicaId: 1, replicaEpoch: 7 });
    assert.equal(decoded.replicaId, -1, 'absent field reads as its default');
  });

  it('v17 request: replicaDirectoryId is partition tag 0', () => {
    const value = fetchRequest({});
    const p = value.topics[0]?.partitions[0];
    assert.ok(p);
    p.replicaDirectoryId = TOPIC_ID;
    const encoded = encode(FetchRequest, value, 17);
    assert.ok(encoded.includes(hex('00010000 01 00 10', TOPIC_ID_HEX)));
    assert.equal(
      decodeAll(FetchRequest, encoded, 17).topics[0]?.partitions[0]?.replicaDirectoryId,
      TOPIC_ID,
    );
    assert.ok(!encode(FetchRequest, value, 16).includes(hex('01 00 10', TOPIC_ID_HEX)));
  });

  const response = (): MessageValue<typeof FetchResponse> => ({
    throttleTimeMs: 0,
    errorCode: 0,
    sessionId: 0,
    responses: [
      {
        topic: 'a',
        topicId: ZERO_UUID,
        partitions: [
          {
            partitionIndex: 0,
            errorCode: 0,
            highWatermark: 10,
            lastStableOffset: 10,
            logStartOffset: 0,
            divergingEpoch: { epoch: 4, endOffset: 100 },
            currentLeader: { leaderId: 1, leaderEpoch: 5 },
            snapshotId: { endOffset: 50, epoch: 3 },
            abortedTransactions: null,
            preferredReadReplica: -1,
            records: null,
          },
        ],
      },
    ],
    nodeEndpoints: [{ nodeId: 1, host: 'h', port: 9092, rack: 'r' }],
  });

  it('v12 response: divergingEpoch, currentLeader, snapshotId are partition tags 0, 1, 2', () => {
    const tags =
      '03 00 0d 00000004 0000000000000064 00 01 09 00000001 00000005 00' +
      '02 0d 0000000000000032 00000003 00';
    const bytes = hex(
      '00000000 0000 00000000',
      '02 0261 02',
      '00000000 0000 000000000000000a 000000000000000a 0000000000000000',
      '00 ffffffff 00',
      tags,
      '00',
      '00',
    );
    const value = response();
    value.nodeEndpoints = [];
    assertBytes(FetchResponse, value, 12, bytes);
  });

  it('v16 response: nodeEndpoints is top-level tag 0', () => {
    const encoded = encode(FetchResponse, response(), 16);
    const tail = hex('01 00 0e 02 00000001 0268 00002384 0272 00');
    assert.equal(
      encoded.subarray(encoded.length - tail.length).toString('hex'),
      tail.toString('hex'),
    );
    assert.deepEqual(decodeAll(FetchResponse, encoded, 16).nodeEndpoints, response().nodeEndpoints);
  });

  it('v4 response: abortedTransactions and lastStableOffset, no session fields', () => {
    const value = response();
    const p = value.responses[0]?.partitions[0];
    assert.ok(p);
    p.abortedTransactions = [{ producerId: 9, firstOffset: 3 }];
    p.records = hex('aa');
    const bytes = hex(
      '00000000',
      '00000001 0001 61 00000001',
      '00000000 0000 000000000000000a 000000000000000a',
      '00000001 0000000000000009 0000000000000003',
      '00000001 aa',
    );
    assert.equal(encode(FetchResponse, value, 4).toString('hex'), bytes.toString('hex'));
  });
});

describe('ListOffsets golden facts', () => {
  const request = (): MessageValue<typeof ListOffsetsRequest> => ({
    replicaId: -1,
    isolationLevel: 1,
    topics: [
      {
        name: 'a',
        partitions: [{ partitionIndex: 0, currentLeaderEpoch: 5, timestamp: -2, maxNumOffsets: 1 }],
      },
    ],
  });

  it('v0 request: max number of offsets per partition', () => {
    const value = request();
    const bytes = hex('ffffffff 00000001 0001 61 00000001 00000000 fffffffffffffffe 00000001');
    assert.equal(encode(ListOffsetsRequest, value, 0).toString('hex'), bytes.toString('hex'));
  });

  it('v0 response: an array of old-style offsets instead of timestamp and offset', () => {
    const value: MessageValue<typeof ListOffsetsResponse> = {
      throttleTimeMs: 0,
      topics: [
        {
          name: 'a',
          partitions: [
            {
              partitionIndex: 0,
              errorCode: 0,
              oldStyleOffsets: [42, 0],
              timestamp: -1,
              offset: -1,
              leaderEpoch: -1,
            },
          ],
        },
      ],
    };
    const bytes = hex(
      '00000001 0001 61 00000001 00000000 0000 00000002 000000000000002a 0000000000000000',
    );
    assertBytes(ListOffsetsResponse, value, 0, bytes);
  });

  it('v1 request: no isolation level, no leader epoch, no max offsets', () => {
    const bytes = hex('ffffffff 00000001 0001 61 00000001 00000000 fffffffffffffffe');
    assert.equal(encode(ListOffsetsRequest, request(), 1).toString('hex'), bytes.toString('hex'));
  });

  it('v4 request adds isolation level and the current leader epoch', () => {
    const bytes = hex('ffffffff 01 00000001 0001 61 00000001 00000000 00000005 fffffffffffffffe');
    assertBytes(ListOffsetsRequest, request(), 4, bytes);
  });

  it('v6+ request is compact with tag sections', () => {
    const bytes = hex('ffffffff 01 02 0261 02 00000000 00000005 fffffffffffffffe 00 00 00');
    assertBytes(ListOffsetsRequest, request(), 9, bytes);
  });

  it('v1 response: single offset with timestamp, no throttle time', () => {
    const value: MessageValue<typeof ListOffsetsResponse> = {
      throttleTimeMs: 0,
      topics: [
        {
          name: 'a',
          partitions: [
            {
              partitionIndex: 0,
              errorCode: 0,
              oldStyleOffsets: [],
              timestamp: -1,
              offset: 42,
              leaderEpoch: -1,
            },
          ],
        },
      ],
    };
    const bytes = hex('00000001 0001 61 00000001 00000000 0000 ffffffffffffffff 000000000000002a');
    assertBytes(ListOffsetsResponse, value, 1, bytes);
  });
});

describe('Metadata golden facts', () => {
  const request = (
    topics: MessageValue<typeof MetadataRequest>['topics'],
  ): MessageValue<typeof MetadataRequest> => ({
    topics,
    allowAutoTopicCreation: true,
    includeClusterAuthorizedOperations: false,
    includeTopicAuthorizedOperations: false,
  });

  it("v0 request of ['a'] is 00000001 0001 61", () => {
    assertBytes(
      MetadataRequest,
      request([{ topicId: ZERO_UUID, name: 'a' }]),
      0,
      hex('00000001 0001 61'),
    );
  });

  it('v1 request: null topics (all topics) is ffffffff', () => {
    assertBytes(MetadataRequest, request(null), 1, hex('ffffffff'));
  });

  it('only v1+ topic lists are nullable', () => {
    assert.equal(decodeAll(MetadataRequest, hex('ffffffff'), 1).topics, null);
    assert.notEqual(decodeAll(MetadataRequest, hex('ffffffff'), 0).topics, null);
  });

  it('v4 request adds allowAutoTopicCreation', () => {
    assertBytes(
      MetadataRequest,
      { ...request([]), allowAutoTopicCreation: false },
      4,
      hex('00000000 00'),
    );
  });

  it('v9 request: compact null array and three booleans', () => {
    const value = { ...request(null), includeTopicAuthorizedOperations: true };
    assertBytes(MetadataRequest, value, 9, hex('00 01 00 01 00'));
  });

  it('v10 adds topic ids before names; v11 drops includeClusterAuthorizedOperations', () => {
    const topics = [{ topicId: TOPIC_ID, name: 'a' }];
    assertBytes(
      MetadataRequest,
      request(topics),
      10,
      hex('02', TOPIC_ID_HEX, '0261 00 01 00 00 00'),
    );
    assertBytes(MetadataRequest, request(topics), 11, hex('02', TOPIC_ID_HEX, '0261 00 01 00 00'));
  });

  it('v12 request: a topic by id with a null name', () => {
    const value = request([{ topicId: TOPIC_ID, name: null }]);
    assertBytes(MetadataRequest, value, 12, hex('02', TOPIC_ID_HEX, '00 00 01 00 00'));
  });

  const response = (): MessageValue<typeof MetadataResponse> => ({
    throttleTimeMs: 0,
    brokers: [{ nodeId: 1, host: 'h', port: 9092, rack: null }],
    clusterId: null,
    controllerId: -1,
    topics: [
      {
        errorCode: 0,
        name: 't',
        topicId: ZERO_UUID,
        isInternal: false,
        partitions: [
          {
            errorCode: 0,
            partitionIndex: 0,
            leaderId: 1,
            leaderEpoch: -1,
            replicaNodes: [1],
            isrNodes: [1],
            offlineReplicas: [],
          },
        ],
        topicAuthorizedOperations: -2147483648,
      },
    ],
    clusterAuthorizedOperations: -2147483648,
  });

  it('v0 response: brokers without rack, topics without isInternal', () => {
    const bytes = hex(
      '00000001 00000001 0001 68 00002384',
      '00000001 0000 0001 74 00000001',
      '0000 00000000 00000001 00000001 00000001 00000001 00000001',
    );
    assertBytes(MetadataResponse, response(), 0, bytes);
  });

  it('v12 response: rack, clusterId, controller, topic id, epochs, authorized operations', () => {
    const value = response();
    value.clusterId = 'c';
    value.controllerId = 1;
    const t = value.topics[0];
    assert.ok(t);
    t.topicId = TOPIC_ID;
    const bytes = hex(
      '00000000',
      '02 00000001 0268 00002384 00 00',
      '0263 00000001',
      '02 0000 0274',
      TOPIC_ID_HEX,
      '00 02 0000 00000000 00000001 ffffffff 02 00000001 02 00000001 01 00',
      '80000000 00',
      '00',
    );
    assertBytes(MetadataResponse, value, 12, bytes);
  });
});

describe('admin API golden facts', () => {
  it('CreateTopics v0 request: no validateOnly; nullable config value', () => {
    const value: MessageValue<typeof CreateTopicsRequest> = {
      topics: [
        {
          name: 'a',
          numPartitions: 3,
          replicationFactor: 1,
          assignments: [],
          configs: [{ name: 'k', value: null }],
        },
      ],
      timeoutMs: 5000,
      validateOnly: false,
    };
    const bytes = hex('00000001 0001 61 00000003 0001 00000000 00000001 0001 6b ffff 00001388');
    assertBytes(CreateTopicsRequest, value, 0, bytes);
    assert.equal(encode(CreateTopicsRequest, value, 1).at(-1), 0, 'v1 appends validateOnly');
  });

  it('CreateTopics v5 response: topicConfigErrorCode is tag 0; v7 adds the topic id', () => {
    const value: MessageValue<typeof CreateTopicsResponse> = {
      throttleTimeMs: 0,
      topics: [
        {
          name: 'a',
          topicId: TOPIC_ID,
          errorCode: 0,
          errorMessage: null,
          topicConfigErrorCode: 29,
          numPartitions: 3,
          replicationFactor: 1,
          configs: null,
        },
      ],
    };
    const rest = '0000 00 00000003 0001 00 01 00 02 001d 00';
    assert.equal(
      encode(CreateTopicsResponse, value, 5).toString('hex'),
      hex('00000000 02 0261', rest).toString('hex'),
    );
    assertBytes(CreateTopicsResponse, value, 7, hex('00000000 02 0261', TOPIC_ID_HEX, rest));
  });

  it('DeleteTopics: names up to v5 (compact from v4), (name, id) pairs from v6', () => {
    const value: MessageValue<typeof DeleteTopicsRequest> = {
      topics: [{ name: null, topicId: TOPIC_ID }],
      topicNames: ['a', 'b'],
      timeoutMs: 1000,
    };
    assert.equal(
      encode(DeleteTopicsRequest, value, 0).toString('hex'),
      hex('00000002 0001 61 0001 62 000003e8').toString('hex'),
    );
    assert.equal(
      encode(DeleteTopicsRequest, value, 5).toString('hex'),
      hex('03 0261 0262 000003e8 00').toString('hex'),
    );
    assert.equal(
      encode(DeleteTopicsRequest, value, 6).toString('hex'),
      hex('02 00', TOPIC_ID_HEX, '00 000003e8 00').toString('hex'),
    );
  });

  it('DeleteRecords v0 and v2 requests', () => {
    const value: MessageValue<typeof DeleteRecordsRequest> = {
      topics: [{ name: 'a', partitions: [{ partitionIndex: 1, offset: -1 }] }],
      timeoutMs: 100,
    };
    const partition = '00000001 ffffffffffffffff';
    assertBytes(
      DeleteRecordsRequest,
      value,
      0,
      hex('00000001 0001 61 00000001', partition, '00000064'),
    );
    assertBytes(DeleteRecordsRequest, value, 2, hex('02 0261 02', partition, '00 00 00000064 00'));
  });

  it('InitProducerId: v3 adds producerId and epoch; response producerId is int64', () => {
    const value: MessageValue<typeof InitProducerIdRequest> = {
      transactionalId: null,
      transactionTimeoutMs: 60000,
      producerId: -1,
      producerEpoch: -1,
    };
    assertBytes(InitProducerIdRequest, value, 0, hex('ffff 0000ea60'));
    assertBytes(InitProducerIdRequest, value, 2, hex('00 0000ea60 00'));
    assertBytes(InitProducerIdRequest, value, 3, hex('00 0000ea60 ffffffffffffffff ffff 00'));
    const response: MessageValue<typeof InitProducerIdResponse> = {
      throttleTimeMs: 0,
      errorCode: 0,
      producerId: 1000,
      producerEpoch: 0,
    };
    assertBytes(InitProducerIdResponse, response, 0, hex('00000000 0000 00000000000003e8 0000'));
  });

  it('OffsetForLeaderEpoch: v2 adds currentLeaderEpoch, v3 puts replicaId first', () => {
    const value: MessageValue<typeof OffsetForLeaderEpochRequest> = {
      replicaId: -1,
      topics: [
        { topic: 'a', partitions: [{ partition: 0, currentLeaderEpoch: 5, leaderEpoch: 4 }] },
      ],
    };
    const topics = '00000001 0001 61 00000001 00000000';
    assert.equal(
      encode(OffsetForLeaderEpochRequest, value, 0).toString('hex'),
      hex(topics, '00000004').toString('hex'),
    );
    assert.equal(
      encode(OffsetForLeaderEpochRequest, value, 2).toString('hex'),
      hex(topics, '00000005 00000004').toString('hex'),
    );
    assertBytes(
      OffsetForLeaderEpochRequest,
      value,
      3,
      hex('ffffffff', topics, '00000005 00000004'),
    );
    const decodedV2 = decodeAll(OffsetForLeaderEpochRequest, hex(topics, '00000005 00000004'), 2);
    assert.equal(decodedV2.replicaId, -2, 'absent replicaId reads as -2 (debug consumer)');
    const response: MessageValue<typeof OffsetForLeaderEpochResponse> = {
      throttleTimeMs: 0,
      topics: [
        {
          topic: 'a',
          partitions: [{ errorCode: 0, partition: 0, leaderEpoch: -1, endOffset: 100 }],
        },
      ],
    };
    const bytes = hex('00000001 0001 61 00000001 0000 00000000 0000000000000064');
    assertBytes(OffsetForLeaderEpochResponse, response, 0, bytes);
  });

  it('DescribeConfigs: null keys; isDefault only in v0, configSource and synonyms from v1', () => {
    const request: MessageValue<typeof DescribeConfigsRequest> = {
      resources: [{ resourceType: 2, resourceName: 'a', configurationKeys: null }],
      includeSynonyms: false,
      includeDocumentation: false,
    };
    assertBytes(DescribeConfigsRequest, request, 0, hex('00000001 02 0001 61 ffffffff'));
    assertBytes(DescribeConfigsRequest, request, 3, hex('00000001 02 0001 61 ffffffff 00 00'));
    const response = (isDefault: boolean): MessageValue<typeof DescribeConfigsResponse> => ({
      throttleTimeMs: 0,
      results: [
        {
          errorCode: 0,
          errorMessage: null,
          resourceType: 2,
          resourceName: 'a',
          configs: [
            {
              name: 'k',
              value: 'v',
              readOnly: false,
              isDefault,
              configSource: isDefault ? -1 : 5,
              isSensitive: false,
              synonyms: [],
              configType: 0,
              documentation: '',
            },
          ],
        },
      ],
    });
    const head = '00000000 00000001 0000 ffff 02 0001 61 00000001 0001 6b 0001 76 00';
    assertBytes(DescribeConfigsResponse, response(true), 0, hex(head, '01 00'));
    assertBytes(DescribeConfigsResponse, response(false), 1, hex(head, '05 00 00000000'));
  });

  it('AlterConfigs v0 and v2 requests', () => {
    const value: MessageValue<typeof AlterConfigsRequest> = {
      resources: [{ resourceType: 2, resourceName: 'a', configs: [{ name: 'k', value: 'v' }] }],
      validateOnly: true,
    };
    assertBytes(
      AlterConfigsRequest,
      value,
      0,
      hex('00000001 02 0001 61 00000001 0001 6b 0001 76 01'),
    );
    assertBytes(AlterConfigsRequest, value, 2, hex('02 02 0261 02 026b 0276 00 00 01 00'));
  });

  it('IncrementalAlterConfigs: the operation sits between name and value', () => {
    const value: MessageValue<typeof IncrementalAlterConfigsRequest> = {
      resources: [
        {
          resourceType: 2,
          resourceName: 'a',
          configs: [{ name: 'k', configOperation: 1, value: null }],
        },
      ],
      validateOnly: false,
    };
    const v0 = hex('00000001 02 0001 61 00000001 0001 6b 01 ffff 00');
    assertBytes(IncrementalAlterConfigsRequest, value, 0, v0);
    assertBytes(
      IncrementalAlterConfigsRequest,
      value,
      1,
      hex('02 02 0261 02 026b 01 00 00 00 00 00'),
    );
  });

  it('DescribeLogDirs: null topics; v3 error code; v4 volume sizes', () => {
    assertBytes(DescribeLogDirsRequest, { topics: null }, 0, hex('ffffffff'));
    assertBytes(DescribeLogDirsRequest, { topics: null }, 2, hex('00 00'));
    const response: MessageValue<typeof DescribeLogDirsResponse> = {
      throttleTimeMs: 0,
      errorCode: 0,
      results: [{ errorCode: 0, logDir: '/d', topics: [], totalBytes: 4096, usableBytes: 1024 }],
    };
    const v0 = hex('00000000 00000001 0000 0002 2f64 00000000');
    assert.equal(encode(DescribeLogDirsResponse, response, 0).toString('hex'), v0.toString('hex'));
    const v3 = hex('00000000 0000 02 0000 03 2f64 01 00 00');
    assert.equal(encode(DescribeLogDirsResponse, response, 3).toString('hex'), v3.toString('hex'));
    const v4 = hex('00000000 0000 02 0000 03 2f64 01 0000000000001000 0000000000000400 00 00');
    assertBytes(DescribeLogDirsResponse, response, 4, v4);
  });

  it('CreatePartitions: null assignments', () => {
    const value: MessageValue<typeof CreatePartitionsRequest> = {
      topics: [{ name: 'a', count: 4, assignments: null }],
      timeoutMs: 1000,
      validateOnly: false,
    };
    assertBytes(
      CreatePartitionsRequest,
      value,
      0,
      hex('00000001 0001 61 00000004 ffffffff 000003e8 00'),
    );
    assertBytes(CreatePartitionsRequest, value, 2, hex('02 0261 00000004 00 00 000003e8 00 00'));
  });

  it('DescribeCluster: flexible from v0; v1 adds endpointType', () => {
    const request: MessageValue<typeof DescribeClusterRequest> = {
      includeClusterAuthorizedOperations: true,
      endpointType: 2,
    };
    assert.equal(encode(DescribeClusterRequest, request, 0).toString('hex'), '0100');
    assertBytes(DescribeClusterRequest, request, 1, hex('01 02 00'));
    const response: MessageValue<typeof DescribeClusterResponse> = {
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      endpointType: 1,
      clusterId: 'c',
      controllerId: 1,
      brokers: [{ brokerId: 1, host: 'h', port: 9092, rack: null }],
      clusterAuthorizedOperations: -2147483648,
    };
    const bytes = hex('00000000 0000 00 0263 00000001 02 00000001 0268 00002384 00 00 80000000 00');
    assertBytes(DescribeClusterResponse, response, 0, bytes);
  });
});

describe('SASL golden facts', () => {
  // Kafka declares SaslHandshake flexibleVersions "none": v1 must stay non-compact.
  it('SaslHandshake is never flexible', () => {
    assertBytes(SaslHandshakeRequest, { mechanism: 'PLAIN' }, 1, hex('0005 504c41494e'));
    const response = { errorCode: 0, mechanisms: ['PLAIN', 'SCRAM-SHA-256'] };
    const bytes = hex(
      '0000 00000002 0005 504c41494e 000d',
      Buffer.from('SCRAM-SHA-256').toString('hex'),
    );
    assertBytes(SaslHandshakeResponse, response, 1, bytes);
  });

  it('SaslAuthenticate: int32-length bytes, compact from v2, session lifetime from v1', () => {
    const token = Buffer.from('\u0000u\u0000p');
    assertBytes(SaslAuthenticateRequest, { authBytes: token }, 0, hex('00000004 00750070'));
    assertBytes(SaslAuthenticateRequest, { authBytes: token }, 2, hex('05 00750070 00'));
    const response: MessageValue<typeof SaslAuthenticateResponse> = {
      errorCode: 0,
      errorMessage: null,
      authBytes: Buffer.alloc(0),
      sessionLifetimeMs: 3_600_000,
    };
    assertBytes(SaslAuthenticateResponse, response, 1, hex('0000 ffff 00000000 000000000036ee80'));
    assertBytes(SaslAuthenticateResponse, response, 2, hex('0000 00 01 000000000036ee80 00'));
    const v0 = encode(SaslAuthenticateResponse, response, 0);
    assert.equal(v0.toString('hex'), '0000ffff00000000', 'v0 has no session lifetime');
  });
});
