// DescribeTransactions (key 65, KIP-664): a transaction coordinator describes
// the transactional ids it owns: state, producer id and epoch, timeout, start
// time and the partitions still in the transaction. Flexible from v0.

import type { ApiDef, MessageDef } from '../schema.ts';

export const DescribeTransactionsRequest = {
  apiKey: 65,
  name: 'DescribeTransactionsRequest',
  type: 'request',
  validVersions: '0',
  flexibleVersions: '0+',
  fields: [{ name: 'transactionalIds', type: '[]string', versions: '0+' }],
} as const satisfies MessageDef;

export const DescribeTransactionsResponse = {
  apiKey: 65,
  name: 'DescribeTransactionsResponse',
  type: 'response',
  validVersions: '0',
  flexibleVersions: '0+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+', ignorable: true },
    {
      name: 'transactionStates',
      type: '[]',
      versions: '0+',
      fields: [
        { name: 'errorCode', type: 'int16', versions: '0+' },
        { name: 'transactionalId', type: 'string', versions: '0+' },
        { name: 'transactionState', type: 'string', versions: '0+' },
        { name: 'transactionTimeoutMs', type: 'int32', versions: '0+' },
        { name: 'transactionStartTimeMs', type: 'int64', versions: '0+' },
        { name: 'producerId', type: 'int64', versions: '0+' },
        { name: 'producerEpoch', type: 'int32', versions: '0+' },
        {
          name: 'topics',
          type: '[]',
          versions: '0+',
          fields: [
            { name: 'topic', type: 'string', versions: '0+' },
            { name: 'partitions', type: '[]int32', versions: '0+' },
          ],
        },
      ],
    },
  ],
} as const satisfies MessageDef;

export const DescribeTransactions = {
  apiKey: 65,
  name: 'DescribeTransactions',
  request: DescribeTransactionsRequest,
  response: DescribeTransactionsResponse,
} as const satisfies ApiDef;
