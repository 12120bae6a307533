// ListTransactions (key 66, KIP-664): each broker lists the transactional ids
// of the __transaction_state partitions it coordinates, filtered by state and
// producer id; v1 (KIP-994) adds a filter on how long a transaction has been
// running. Flexible from v0.

import type { ApiDef, MessageDef } from '../schema.ts';

export const ListTransactionsRequest = {
  apiKey: 66,
  name: 'ListTransactionsRequest',
  type: 'request',
  validVersions: '0-1',
  flexibleVersions: '0+',
  fields: [
    { name: 'stateFilters', type: '[]string', versions: '0+' },
    { name: 'producerIdFilters', type: '[]int64', versions: '0+' },
    {
      name: 'durationFilter',
      type: 'int64',
      versions: '1+',
      default: -1,
      about: 'Only transactions running longer than this many ms; -1 for all.',
    },
  ],
} as const satisfies MessageDef;

export const ListTransactionsResponse = {
  apiKey: 66,
  name: 'ListTransactionsResponse',
  type: 'response',
  validVersions: '0-1',
  flexibleVersions: '0+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    { name: 'errorCode', type: 'int16', versions: '0+' },
    {
      name: 'unknownStateFilters',
      type: '[]string',
      versions: '0+',
      about: 'State filters that name no state.',
    },
    {
      name: 'transactionStates',
      type: '[]',
      versions: '0+',
      fields: [
        { name: 'transactionalId', type: 'string', versions: '0+' },
        { name: 'producerId', type: 'int64', versions: '0+' },
        { name: 'transactionState', type: 'string', versions: '0+' },
      ],
    },
  ],
} as const satisfies MessageDef;

export const ListTransactions = {
  apiKey: 66,
  name: 'ListTransactions',
  request: ListTransactionsRequest,
  response: ListTransactionsResponse,
} as const satisfies ApiDef;
