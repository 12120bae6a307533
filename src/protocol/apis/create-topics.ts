// CreateTopics (key 19): creates topics with a partition count and replication
// factor, or an explicit replica assignment, plus topic configs. v5 is the
// first flexible version and returns the resulting configs (KIP-525); v7
// returns the new topic's id.

import type { ApiDef, MessageDef } from '../schema.ts';

export const CreateTopicsRequest = {
  apiKey: 19,
  name: 'CreateTopicsRequest',
  type: 'request',
  validVersions: '0-7',
  flexibleVersions: '5+',
  fields: [
    {
      name: 'topics',
      type: '[]',
      versions: '0+',
      fields: [
        { name: 'name', type: 'string', versions: '0+' },
        {
          name: 'numPartitions',
          type: 'int32',
          versions: '0+',
          about: '-1 = broker default (v4+) or use the assignments.',
        },
        {
          name: 'replicationFactor',
          type: 'int16',
          versions: '0+',
          about: '-1 = broker default (v4+) or use the assignments.',
        },
        {
          name: 'assignments',
          type: '[]',
          versions: '0+',
          about: 'Explicit replica placement per partition; empty for automatic placement.',
          fields: [
            { name: 'partitionIndex', type: 'int32', versions: '0+' },
            { name: 'brokerIds', type: '[]int32', versions: '0+' },
          ],
        },
        {
          name: 'configs',
          type: '[]',
          versions: '0+',
          fields: [
            { name: 'name', type: 'string', versions: '0+' },
            { name: 'value', type: 'string', versions: '0+', nullableVersions: '0+' },
          ],
        },
      ],
    },
    { name: 'timeoutMs', type: 'int32', versions: '0+', default: 60000 },
    {
      name: 'validateOnly',
      type: 'bool',
      versions: '1+',
      default: false,
      about: 'Check the request without creating anything.',
    },
  ],
} as const satisfies MessageDef;

export const CreateTopicsResponse = {
  apiKey: 19,
  name: 'CreateTopicsResponse',
  type: 'response',
  validVersions: '0-7',
  flexibleVersions: '5+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '2+', ignorable: true },
    {
      name: 'topics',
      type: '[]',
      versions: '0+',
      fields: [
        { name: 'name', type: 'string', versions: '0+' },
        { name: 'topicId', type: 'uuid', versions: '7+', ignorable: true },
        { name: 'errorCode', type: 'int16', versions: '0+' },
        {
          name: 'errorMessage',
          type: 'string',
          versions: '1+',
          nullableVersions: '0+',
          ignorable: true,
        },
        {
          name: 'topicConfigErrorCode',
          type: 'int16',
          versions: '5+',
          taggedVersions: '5+',
          tag: 0,
          ignorable: true,
          about: 'Why configs are missing from the result, e.g. no DescribeConfigs permission.',
        },
        { name: 'numPartitions', type: 'int32', versions: '5+', default: -1, ignorable: true },
        { name: 'replicationFactor', type: 'int16', versions: '5+', default: -1, ignorable: true },
        {
          name: 'configs',
          type: '[]',
          versions: '5+',
          nullableVersions: '5+',
          ignorable: true,
          about: "The topic's resulting configuration.",
          fields: [
            { name: 'name', type: 'string', versions: '5+' },
            { name: 'value', type: 'string', versions: '5+', nullableVersions: '5+' },
            { name: 'readOnly', type: 'bool', versions: '5+' },
            { name: 'configSource', type: 'int8', versions: '5+', default: -1, ignorable: true },
            { name: 'isSensitive', type: 'bool', versions: '5+' },
          ],
        },
      ],
    },
  ],
} as const satisfies MessageDef;

export const CreateTopics = {
  apiKey: 19,
  name: 'CreateTopics',
  request: CreateTopicsRequest,
  response: CreateTopicsResponse,
} as const satisfies ApiDef;
