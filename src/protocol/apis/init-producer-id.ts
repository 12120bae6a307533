// InitProducerId (key 22): gives an idempotent or transactional producer its
// producer id and epoch; for a transactional id it also fences older
// instances. v2 is the first flexible version; v3 lets a producer pass its
// current id and epoch to bump the epoch instead of starting over.

import type { ApiDef, MessageDef } from '../schema.ts';

export const InitProducerIdRequest = {
  apiKey: 22,
  name: 'InitProducerIdRequest',
  type: 'request',
  validVersions: '0-5',
  flexibleVersions: '2+',
  fields: [
    {
      name: 'transactionalId',
      type: 'string',
      versions: '0+',
      nullableVersions: '0+',
      about: 'Null for a producer that is idempotent but not transactional.',
    },
    { name: 'transactionTimeoutMs', type: 'int32', versions: '0+' },
    { name: 'producerId', type: 'int64', versions: '3+', default: -1, about: '-1 when unknown.' },
    {
      name: 'producerEpoch',
      type: 'int16',
      versions: '3+',
      default: -1,
      about: '-1 when unknown.',
    },
  ],
} as const satisfies MessageDef;

export const InitProducerIdResponse = {
  apiKey: 22,
  name: 'InitProducerIdResponse',
  type: 'response',
  validVersions: '0-5',
  flexibleVersions: '2+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+', ignorable: true },
    { name: 'errorCode', type: 'int16', versions: '0+' },
    { name: 'producerId', type: 'int64', versions: '0+', default: -1 },
    { name: 'producerEpoch', type: 'int16', versions: '0+' },
  ],
} as const satisfies MessageDef;

export const InitProducerId = {
  apiKey: 22,
  name: 'InitProducerId',
  request: InitProducerIdRequest,
  response: InitProducerIdResponse,
} as const satisfies ApiDef;
