// AddPartitionsToTxn (key 24): a transactional producer tells its coordinator
// which partitions it is about to write to (v0-3, one transaction per
// request). From v4 (KIP-890) brokers batch several transactions in one
// request, and VerifyOnly asks whether the partitions are already in the
// transaction without adding them: a partition leader checks this before it
// appends a transactional batch, which stops hanging transactions. v3 is the
// first flexible version; v2 and v5 only widen the errors (PRODUCER_FENCED,
// TRANSACTION_ABORTABLE).

import type { ApiDef, FieldDef, MessageDef } from '../schema.ts';

const topicFields = [
  { name: 'name', type: 'string', versions: '0+' },
  {
    name: 'partitions',
    type: '[]int32',
    versions: '0+',
    about: 'The partition indexes to add to (or check in) the transaction.',
  },
] as const satisfies readonly FieldDef[];

const partitionResultFields = [
  { name: 'partitionIndex', type: 'int32', versions: '0+' },
  { name: 'partitionErrorCode', type: 'int16', versions: '0+' },
] as const satisfies readonly FieldDef[];

const topicResultFields = [
  { name: 'name', type: 'string', versions: '0+' },
  { name: 'resultsByPartition', type: '[]', versions: '0+', fields: partitionResultFields },
] as const satisfies readonly FieldDef[];

export const AddPartitionsToTxnRequest = {
  apiKey: 24,
  name: 'AddPartitionsToTxnRequest',
  type: 'request',
  validVersions: '0-5',
  flexibleVersions: '3+',
  fields: [
    {
      name: 'transactions',
      type: '[]',
      versions: '4+',
      about: 'Broker-to-broker (v4+): several transactions at once.',
      fields: [
        { name: 'transactionalId', type: 'string', versions: '4+' },
        { name: 'producerId', type: 'int64', versions: '4+' },
        { name: 'producerEpoch', type: 'int16', versions: '4+' },
        {
          name: 'verifyOnly',
          type: 'bool',
          versions: '4+',
          default: false,
          about: 'Only check that the partitions are in the transaction; add nothing.',
        },
        { name: 'topics', type: '[]', versions: '4+', fields: topicFields },
      ],
    },
    { name: 'v3AndBelowTransactionalId', type: 'string', versions: '0-3', default: '' },
    { name: 'v3AndBelowProducerId', type: 'int64', versions: '0-3', default: -1 },
    { name: 'v3AndBelowProducerEpoch', type: 'int16', versions: '0-3', default: -1 },
    { name: 'v3AndBelowTopics', type: '[]', versions: '0-3', fields: topicFields },
  ],
} as const satisfies MessageDef;

export const AddPartitionsToTxnResponse = {
  apiKey: 24,
  name: 'AddPartitionsToTxnResponse',
  type: 'response',
  validVersions: '0-5',
  flexibleVersions: '3+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    { name: 'errorCode', type: 'int16', versions: '4+', default: 0, ignorable: true },
    {
      name: 'resultsByTransaction',
      type: '[]',
      versions: '4+',
      fields: [
        { name: 'transactionalId', type: 'string', versions: '4+' },
        { name: 'topicResults', type: '[]', versions: '4+', fields: topicResultFields },
      ],
    },
    { name: 'resultsByTopicV3AndBelow', type: '[]', versions: '0-3', fields: topicResultFields },
  ],
} as const satisfies MessageDef;

export const AddPartitionsToTxn = {
  apiKey: 24,
  name: 'AddPartitionsToTxn',
  request: AddPartitionsToTxnRequest,
  response: AddPartitionsToTxnResponse,
} as const satisfies ApiDef;
