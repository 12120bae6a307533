// Produce (key 0): a producer appends record batches to partition logs. We
// store v3+ only, the versions that carry magic-v2 batches and a
// transactional id; v0-2 (message sets v0/v1) are defined so they can be
// advertised and answered with UNSUPPORTED_VERSION, as Kafka 4 does
// (KAFKA-18659). v9 is the first flexible version, and v10 lets the
// response point clients at a new leader (KIP-951) through tagged fields.

import type { ApiDef, MessageDef } from '../schema.ts';

export const ProduceRequest = {
  apiKey: 0,
  name: 'ProduceRequest',
  type: 'request',
  validVersions: '0-11',
  flexibleVersions: '9+',
  fields: [
    {
      name: 'transactionalId',
      type: 'string',
      versions: '3+',
      nullableVersions: '3+',
      default: null,
      about: 'Null unless the producer is transactional; checked against transactional ACLs.',
    },
    {
      name: 'acks',
      type: 'int16',
      versions: '0+',
      about: '0 = no ack, 1 = leader only, -1 = full ISR.',
    },
    { name: 'timeoutMs', type: 'int32', versions: '0+', about: 'How long to wait for the acks.' },
    {
      name: 'topicData',
      type: '[]',
      versions: '0+',
      fields: [
        { name: 'name', type: 'string', versions: '0+' },
        {
          name: 'partitionData',
          type: '[]',
          versions: '0+',
          fields: [
            { name: 'index', type: 'int32', versions: '0+', about: 'Partition index.' },
            {
              name: 'records',
              type: 'records',
              versions: '0+',
              nullableVersions: '0+',
              about: 'The record batches to append, as sent.',
            },
          ],
        },
      ],
    },
  ],
} as const satisfies MessageDef;

export const ProduceResponse = {
  apiKey: 0,
  name: 'ProduceResponse',
  type: 'response',
  validVersions: '0-11',
  flexibleVersions: '9+',
  fields: [
    {
      name: 'responses',
      type: '[]',
      versions: '0+',
      fields: [
        { name: 'name', type: 'string', versions: '0+' },
        {
          name: 'partitionResponses',
          type: '[]',
          versions: '0+',
          fields: [
            { name: 'index', type: 'int32', versions: '0+' },
            { name: 'errorCode', type: 'int16', versions: '0+' },
            {
              name: 'baseOffset',
              type: 'int64',
              versions: '0+',
              about: 'Offset of the first appended record.',
            },
            {
              name: 'logAppendTimeMs',
              type: 'int64',
              versions: '2+',
              default: -1,
              ignorable: true,
              about: 'Broker time of the append for LogAppendTime topics, else -1.',
            },
            { name: 'logStartOffset', type: 'int64', versions: '5+', default: -1, ignorable: true },
            {
              name: 'recordErrors',
              type: '[]',
              versions: '8+',
              ignorable: true,
              about: 'Records that made the whole batch be rejected (KIP-467).',
              fields: [
                { name: 'batchIndex', type: 'int32', versions: '8+' },
                {
                  name: 'batchIndexErrorMessage',
                  type: 'string',
                  versions: '8+',
                  nullableVersions: '8+',
                  default: null,
                },
              ],
            },
            {
              name: 'errorMessage',
              type: 'string',
              versions: '8+',
              nullableVersions: '8+',
              default: null,
              ignorable: true,
            },
            {
              name: 'currentLeader',
              type: '{}',
              versions: '10+',
              taggedVersions: '10+',
              tag: 0,
              about: 'The leader to retry with after NOT_LEADER_OR_FOLLOWER (KIP-951).',
              fields: [
                { name: 'leaderId', type: 'int32', versions: '10+', default: -1 },
                { name: 'leaderEpoch', type: 'int32', versions: '10+', default: -1 },
              ],
            },
          ],
        },
      ],
    },
    { name: 'throttleTimeMs', type: 'int32', versions: '1+', default: 0, ignorable: true },
    {
      name: 'nodeEndpoints',
      type: '[]',
      versions: '10+',
      taggedVersions: '10+',
      tag: 0,
      about: 'Addresses of the leaders named in currentLeader.',
      fields: [
        { name: 'nodeId', type: 'int32', versions: '10+' },
        { name: 'host', type: 'string', versions: '10+' },
        { name: 'port', type: 'int32', versions: '10+' },
        { name: 'rack', type: 'string', versions: '10+', nullableVersions: '10+', default: null },
      ],
    },
  ],
} as const satisfies MessageDef;

export const Produce = {
  apiKey: 0,
  name: 'Produce',
  request: ProduceRequest,
  response: ProduceResponse,
} as const satisfies ApiDef;
