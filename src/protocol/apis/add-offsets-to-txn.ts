// AddOffsetsToTxn (key 25): a transactional producer about to commit a
// group's offsets in its transaction (TxnOffsetCommit) first adds the group's
// __consumer_offsets partition to the transaction, so the coordinator writes a
// marker there too. v3 is the first flexible version; v2 and v4 only widen
// the errors (PRODUCER_FENCED, TRANSACTION_ABORTABLE).

import type { ApiDef, MessageDef } from '../schema.ts';

export const AddOffsetsToTxnRequest = {
  apiKey: 25,
  name: 'AddOffsetsToTxnRequest',
  type: 'request',
  validVersions: '0-4',
  flexibleVersions: '3+',
  fields: [
    { name: 'transactionalId', type: 'string', versions: '0+' },
    { name: 'producerId', type: 'int64', versions: '0+' },
    { name: 'producerEpoch', type: 'int16', versions: '0+' },
    { name: 'groupId', type: 'string', versions: '0+' },
  ],
} as const satisfies MessageDef;

export const AddOffsetsToTxnResponse = {
  apiKey: 25,
  name: 'AddOffsetsToTxnResponse',
  type: 'response',
  validVersions: '0-4',
  flexibleVersions: '3+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    { name: 'errorCode', type: 'int16', versions: '0+' },
  ],
} as const satisfies MessageDef;

export const AddOffsetsToTxn = {
  apiKey: 25,
  name: 'AddOffsetsToTxn',
  request: AddOffsetsToTxnRequest,
  response: AddOffsetsToTxnResponse,
} as const satisfies ApiDef;
