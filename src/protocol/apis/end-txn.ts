// EndTxn (key 26): a transactional producer commits or aborts its
// transaction; the coordinator records the decision, answers, then writes
// markers to every partition of the transaction. v3 is the first flexible
// version; v2 and v4 only widen the errors (PRODUCER_FENCED,
// TRANSACTION_ABORTABLE). v5 (KIP-890 part 2, epoch bump per transaction) is
// not served.

import type { ApiDef, MessageDef } from '../schema.ts';

export const EndTxnRequest = {
  apiKey: 26,
  name: 'EndTxnRequest',
  type: 'request',
  validVersions: '0-4',
  flexibleVersions: '3+',
  fields: [
    { name: 'transactionalId', type: 'string', versions: '0+' },
    { name: 'producerId', type: 'int64', versions: '0+' },
    { name: 'producerEpoch', type: 'int16', versions: '0+' },
    { name: 'committed', type: 'bool', versions: '0+', about: 'True to commit, false to abort.' },
  ],
} as const satisfies MessageDef;

export const EndTxnResponse = {
  apiKey: 26,
  name: 'EndTxnResponse',
  type: 'response',
  validVersions: '0-4',
  flexibleVersions: '3+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    { name: 'errorCode', type: 'int16', versions: '0+' },
  ],
} as const satisfies MessageDef;

export const EndTxn = {
  apiKey: 26,
  name: 'EndTxn',
  request: EndTxnRequest,
  response: EndTxnResponse,
} as const satisfies ApiDef;
