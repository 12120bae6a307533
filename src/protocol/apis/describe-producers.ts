// DescribeProducers (key 61, KIP-664): a partition leader lists the producers
// it has state for, with the start offset of each one's open transaction;
// kafka-transactions.sh uses it for describe-producers, abort and
// find-hanging. Flexible from v0.

import type { ApiDef, MessageDef } from '../schema.ts';

export const DescribeProducersRequest = {
  apiKey: 61,
  name: 'DescribeProducersRequest',
  type: 'request',
  validVersions: '0',
  flexibleVersions: '0+',
  fields: [
    {
      name: 'topics',
      type: '[]',
      versions: '0+',
      fields: [
        { name: 'name', type: 'string', versions: '0+' },
        { name: 'partitionIndexes', type: '[]int32', versions: '0+' },
      ],
    },
  ],
} as const satisfies MessageDef;

export const DescribeProducersResponse = {
  apiKey: 61,
  name: 'DescribeProducersResponse',
  type: 'response',
  validVersions: '0',
  flexibleVersions: '0+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+', ignorable: true },
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
            {
              name: 'errorMessage',
              type: 'string',
              versions: '0+',
              nullableVersions: '0+',
              default: null,
            },
            {
              name: 'activeProducers',
              type: '[]',
              versions: '0+',
              fields: [
                { name: 'producerId', type: 'int64', versions: '0+' },
                { name: 'producerEpoch', type: 'int32', versions: '0+' },
                { name: 'lastSequence', type: 'int32', versions: '0+', default: -1 },
                { name: 'lastTimestamp', type: 'int64', versions: '0+', default: -1 },
                { name: 'coordinatorEpoch', type: 'int32', versions: '0+' },
                {
                  name: 'currentTxnStartOffset',
                  type: 'int64',
                  versions: '0+',
                  default: -1,
                  about: 'First offset of the open transaction, or -1.',
                },
              ],
            },
          ],
        },
      ],
    },
  ],
} as const satisfies MessageDef;

export const DescribeProducers = {
  apiKey: 61,
  name: 'DescribeProducers',
  request: DescribeProducersRequest,
  response: DescribeProducersResponse,
} as const satisfies ApiDef;
