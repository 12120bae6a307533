// TxnOffsetCommit (key 28): a transactional producer commits a consumer
// group's offsets as part of its transaction; the group coordinator keeps them
// pending until the transaction's marker reaches the group's __consumer_offsets
// partition, and shows them only on commit. v2 adds the committed leader
// epoch; v3 (flexible) the member id, group.instance.id and generation, which
// the coordinator checks like an OffsetCommit's; v4 only widens the errors
// (TRANSACTION_ABORTABLE).

import type { ApiDef, MessageDef } from '../schema.ts';

export const TxnOffsetCommitRequest = {
  apiKey: 28,
  name: 'TxnOffsetCommitRequest',
  type: 'request',
  validVersions: '0-4',
  flexibleVersions: '3+',
  fields: [
    { name: 'transactionalId', type: 'string', versions: '0+' },
    { name: 'groupId', type: 'string', versions: '0+' },
    { name: 'producerId', type: 'int64', versions: '0+' },
    { name: 'producerEpoch', type: 'int16', versions: '0+' },
    { name: 'generationId', type: 'int32', versions: '3+', default: -1 },
    { name: 'memberId', type: 'string', versions: '3+', default: '' },
    {
      name: 'groupInstanceId',
      type: 'string',
      versions: '3+',
      nullableVersions: '3+',
      default: null,
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
            { name: 'committedOffset', type: 'int64', versions: '0+' },
            {
              name: 'committedLeaderEpoch',
              type: 'int32',
              versions: '2+',
              default: -1,
              ignorable: true,
            },
            {
              name: 'committedMetadata',
              type: 'string',
              versions: '0+',
              nullableVersions: '0+',
            },
          ],
        },
      ],
    },
  ],
} as const satisfies MessageDef;

export const TxnOffsetCommitResponse = {
  apiKey: 28,
  name: 'TxnOffsetCommitResponse',
  type: 'response',
  validVersions: '0-4',
  flexibleVersions: '3+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
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
} as const satisfies MessageDef;

export const TxnOffsetCommit = {
  apiKey: 28,
  name: 'TxnOffsetCommit',
  request: TxnOffsetCommitRequest,
  response: TxnOffsetCommitResponse,
} as const satisfies ApiDef;
