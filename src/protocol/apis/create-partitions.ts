// CreatePartitions (key 37): raises a topic's partition count, optionally with
// an explicit replica placement for the new partitions. v2 is the first
// flexible version; v3 may answer THROTTLING_QUOTA_EXCEEDED (KIP-599).

import type { ApiDef, MessageDef } from '../schema.ts';

export const CreatePartitionsRequest = {
  apiKey: 37,
  name: 'CreatePartitionsRequest',
  type: 'request',
  validVersions: '0-3',
  flexibleVersions: '2+',
  fields: [
    {
      name: 'topics',
      type: '[]',
      versions: '0+',
      fields: [
        { name: 'name', type: 'string', versions: '0+' },
        { name: 'count', type: 'int32', versions: '0+', about: 'The new total partition count.' },
        {
          name: 'assignments',
          type: '[]',
          versions: '0+',
          nullableVersions: '0+',
          about: 'Replicas for each new partition, or null for automatic placement.',
          fields: [{ name: 'brokerIds', type: '[]int32', versions: '0+' }],
        },
      ],
    },
    { name: 'timeoutMs', type: 'int32', versions: '0+' },
    { name: 'validateOnly', type: 'bool', versions: '0+', about: 'Check without applying.' },
  ],
} as const satisfies MessageDef;

export const CreatePartitionsResponse = {
  apiKey: 37,
  name: 'CreatePartitionsResponse',
  type: 'response',
  validVersions: '0-3',
  flexibleVersions: '2+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    {
      name: 'results',
      type: '[]',
      versions: '0+',
      fields: [
        { name: 'name', type: 'string', versions: '0+' },
        { name: 'errorCode', type: 'int16', versions: '0+' },
        {
          name: 'errorMessage',
          type: 'string',
          versions: '0+',
          nullableVersions: '0+',
          default: null,
        },
      ],
    },
  ],
} as const satisfies MessageDef;

export const CreatePartitions = {
  apiKey: 37,
  name: 'CreatePartitions',
  request: CreatePartitionsRequest,
  response: CreatePartitionsResponse,
} as const satisfies ApiDef;
