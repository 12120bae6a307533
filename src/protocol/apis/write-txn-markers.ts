// WriteTxnMarkers (key 27): a transaction coordinator asks a partition's
// leader to append the commit or abort marker (a control batch) of a
// producer's transaction; also sent by admin tools to abort a hanging
// transaction. v1 is the first flexible version.

import type { ApiDef, MessageDef } from '../schema.ts';

export const WriteTxnMarkersRequest = {
  apiKey: 27,
  name: 'WriteTxnMarkersRequest',
  type: 'request',
  validVersions: '0-1',
  flexibleVersions: '1+',
  fields: [
    {
      name: 'markers',
      type: '[]',
      versions: '0+',
      fields: [
        { name: 'producerId', type: 'int64', versions: '0+' },
        { name: 'producerEpoch', type: 'int16', versions: '0+' },
        {
          name: 'transactionResult',
          type: 'bool',
          versions: '0+',
          about: 'false = ABORT, true = COMMIT.',
        },
        {
          name: 'topics',
          type: '[]',
          versions: '0+',
          fields: [
            { name: 'name', type: 'string', versions: '0+' },
            { name: 'partitionIndexes', type: '[]int32', versions: '0+' },
          ],
        },
        {
          name: 'coordinatorEpoch',
          type: 'int32',
          versions: '0+',
          about: 'Leader epoch of the coordinator’s __transaction_state partition.',
        },
      ],
    },
  ],
} as const satisfies MessageDef;

export const WriteTxnMarkersResponse = {
  apiKey: 27,
  name: 'WriteTxnMarkersResponse',
  type: 'response',
  validVersions: '0-1',
  flexibleVersions: '1+',
  fields: [
    {
      name: 'markers',
      type: '[]',
      versions: '0+',
      fields: [
        { name: 'producerId', type: 'int64', versions: '0+' },
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
                { name: 'errorCode', type: 'int16', versions: '0+' },
              ],
            },
          ],
        },
      ],
    },
  ],
} as const satisfies MessageDef;

export const WriteTxnMarkers = {
  apiKey: 27,
  name: 'WriteTxnMarkers',
  request: WriteTxnMarkersRequest,
  response: WriteTxnMarkersResponse,
} as const satisfies ApiDef;
