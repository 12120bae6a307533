// ListPartitionReassignments (key 46, KIP-455): the reassignments in
// progress, for the named partitions or (null topics) for all. A partition
// with nothing in progress is left out. Flexible from v0.

import type { ApiDef, MessageDef } from '../schema.ts';

export const ListPartitionReassignmentsRequest = {
  apiKey: 46,
  name: 'ListPartitionReassignmentsRequest',
  type: 'request',
  validVersions: '0',
  flexibleVersions: '0+',
  fields: [
    { name: 'timeoutMs', type: 'int32', versions: '0+', default: 60000 },
    {
      name: 'topics',
      type: '[]',
      versions: '0+',
      nullableVersions: '0+',
      default: null,
      about: 'The partitions to list, or null for every reassignment in progress.',
      fields: [
        { name: 'name', type: 'string', versions: '0+' },
        { name: 'partitionIndexes', type: '[]int32', versions: '0+' },
      ],
    },
  ],
} as const satisfies MessageDef;

export const ListPartitionReassignmentsResponse = {
  apiKey: 46,
  name: 'ListPartitionReassignmentsResponse',
  type: 'response',
  validVersions: '0',
  flexibleVersions: '0+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    { name: 'errorCode', type: 'int16', versions: '0+' },
    { name: 'errorMessage', type: 'string', versions: '0+', nullableVersions: '0+', default: null },
    {
      name: 'topics',
      type: '[]',
      versions: '0+',
      fields: [
        { name: 'name', type: 'string', versions: '0+' },
        {
          name: 'partitions',
          type: '[]',
          versions: '0+',
          fields: [
            { name: 'partitionIndex', type: 'int32', versions: '0+' },
            { name: 'replicas', type: '[]int32', versions: '0+', about: 'The current replicas.' },
            { name: 'addingReplicas', type: '[]int32', versions: '0+' },
            { name: 'removingReplicas', type: '[]int32', versions: '0+' },
          ],
        },
      ],
    },
  ],
} as const satisfies MessageDef;

export const ListPartitionReassignments = {
  apiKey: 46,
  name: 'ListPartitionReassignments',
  request: ListPartitionReassignmentsRequest,
  response: ListPartitionReassignmentsResponse,
} as const satisfies ApiDef;
