// AlterPartitionReassignments (key 45, KIP-455): moves partitions to new
// replicas, or with null replicas cancels the reassignment in progress.
// Flexible from v0. v1 (KIP-860) adds allowReplicationFactorChange to the
// request and echoes it in the response, right after the throttle time.

import type { ApiDef, MessageDef } from '../schema.ts';

export const AlterPartitionReassignmentsRequest = {
  apiKey: 45,
  name: 'AlterPartitionReassignmentsRequest',
  type: 'request',
  validVersions: '0-1',
  flexibleVersions: '0+',
  fields: [
    { name: 'timeoutMs', type: 'int32', versions: '0+', default: 60000 },
    {
      name: 'allowReplicationFactorChange',
      type: 'bool',
      versions: '1+',
      default: true,
      about: 'False: a target with another number of replicas is refused.',
    },
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
            {
              name: 'replicas',
              type: '[]int32',
              versions: '0+',
              nullableVersions: '0+',
              default: null,
              about: 'The target replicas, or null to cancel the reassignment in progress.',
            },
          ],
        },
      ],
    },
  ],
} as const satisfies MessageDef;

export const AlterPartitionReassignmentsResponse = {
  apiKey: 45,
  name: 'AlterPartitionReassignmentsResponse',
  type: 'response',
  validVersions: '0-1',
  flexibleVersions: '0+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    {
      name: 'allowReplicationFactorChange',
      type: 'bool',
      versions: '1+',
      default: true,
      ignorable: true,
      about: "The request's option, as the broker applied it.",
    },
    { name: 'errorCode', type: 'int16', versions: '0+' },
    { name: 'errorMessage', type: 'string', versions: '0+', nullableVersions: '0+', default: null },
    {
      name: 'responses',
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
    },
  ],
} as const satisfies MessageDef;

export const AlterPartitionReassignments = {
  apiKey: 45,
  name: 'AlterPartitionReassignments',
  request: AlterPartitionReassignmentsRequest,
  response: AlterPartitionReassignmentsResponse,
} as const satisfies ApiDef;
