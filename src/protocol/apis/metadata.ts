// Metadata (key 3): brokers, partition leaders and replicas for the topics a
// client asks about. Quirk: in v0 an empty topic list means "all topics"; from
// v1 all topics is a null list and an empty list means none. v9 is the first
// flexible version; v10 adds topic ids, usable in requests from v12.

import type { ApiDef, MessageDef } from '../schema.ts';

export const MetadataRequest = {
  apiKey: 3,
  name: 'MetadataRequest',
  type: 'request',
  validVersions: '0-12',
  flexibleVersions: '9+',
  fields: [
    {
      name: 'topics',
      type: '[]',
      versions: '0+',
      nullableVersions: '1+',
      about: 'Topics to describe; null (v1+) or empty (v0) for all topics.',
      fields: [
        {
          name: 'topicId',
          type: 'uuid',
          versions: '10+',
          ignorable: true,
          about: 'Lookup by id is honoured only from v12.',
        },
        { name: 'name', type: 'string', versions: '0+', nullableVersions: '10+' },
      ],
    },
    {
      name: 'allowAutoTopicCreation',
      type: 'bool',
      versions: '4+',
      default: true,
      about: 'Create missing topics if the broker is configured to.',
    },
    {
      name: 'includeClusterAuthorizedOperations',
      type: 'bool',
      versions: '8-10',
      about: 'Moved to DescribeCluster in v11 (KIP-700).',
    },
    { name: 'includeTopicAuthorizedOperations', type: 'bool', versions: '8+' },
  ],
} as const satisfies MessageDef;

export const MetadataResponse = {
  apiKey: 3,
  name: 'MetadataResponse',
  type: 'response',
  validVersions: '0-12',
  flexibleVersions: '9+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '3+', ignorable: true },
    {
      name: 'brokers',
      type: '[]',
      versions: '0+',
      fields: [
        { name: 'nodeId', type: 'int32', versions: '0+' },
        { name: 'host', type: 'string', versions: '0+' },
        { name: 'port', type: 'int32', versions: '0+' },
        {
          name: 'rack',
          type: 'string',
          versions: '1+',
          nullableVersions: '1+',
          default: null,
          ignorable: true,
        },
      ],
    },
    {
      name: 'clusterId',
      type: 'string',
      versions: '2+',
      nullableVersions: '2+',
      default: null,
      ignorable: true,
    },
    { name: 'controllerId', type: 'int32', versions: '1+', default: -1, ignorable: true },
    {
      name: 'topics',
      type: '[]',
      versions: '0+',
      fields: [
        { name: 'errorCode', type: 'int16', versions: '0+' },
        {
          name: 'name',
          type: 'string',
          versions: '0+',
          nullableVersions: '12+',
          about: 'Null only for an unknown topic asked for by id.',
        },
        {
          name: 'topicId',
          type: 'uuid',
          versions: '10+',
          ignorable: true,
          about: 'All zeros for an unknown topic asked for by name.',
        },
        { name: 'isInternal', type: 'bool', versions: '1+', default: false, ignorable: true },
        {
          name: 'partitions',
          type: '[]',
          versions: '0+',
          fields: [
            { name: 'errorCode', type: 'int16', versions: '0+' },
            { name: 'partitionIndex', type: 'int32', versions: '0+' },
            { name: 'leaderId', type: 'int32', versions: '0+' },
            { name: 'leaderEpoch', type: 'int32', versions: '7+', default: -1, ignorable: true },
            { name: 'replicaNodes', type: '[]int32', versions: '0+' },
            { name: 'isrNodes', type: '[]int32', versions: '0+' },
            { name: 'offlineReplicas', type: '[]int32', versions: '5+', ignorable: true },
          ],
        },
        {
          name: 'topicAuthorizedOperations',
          type: 'int32',
          versions: '8+',
          default: -2147483648,
          about: 'Bit field of allowed ACL operations; INT32_MIN when not requested.',
        },
      ],
    },
    {
      name: 'clusterAuthorizedOperations',
      type: 'int32',
      versions: '8-10',
      default: -2147483648,
      about: 'Bit field of allowed ACL operations; INT32_MIN when not requested.',
    },
  ],
} as const satisfies MessageDef;

export const Metadata = {
  apiKey: 3,
  name: 'Metadata',
  request: MetadataRequest,
  response: MetadataResponse,
} as const satisfies ApiDef;
