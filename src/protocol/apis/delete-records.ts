// DeleteRecords (key 21): moves partitions' log start offsets forward, making
// older records unreadable (kafka-delete-records.sh). v2 is the first flexible
// version; the response reports each partition's new low watermark.

import type { ApiDef, MessageDef } from '../schema.ts';

export const DeleteRecordsRequest = {
  apiKey: 21,
  name: 'DeleteRecordsRequest',
  type: 'request',
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [
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
              name: 'offset',
              type: 'int64',
              versions: '0+',
              about: 'Delete records before this offset; -1 means up to the high watermark.',
            },
          ],
        },
      ],
    },
    { name: 'timeoutMs', type: 'int32', versions: '0+' },
  ],
} as const satisfies MessageDef;

export const DeleteRecordsResponse = {
  apiKey: 21,
  name: 'DeleteRecordsResponse',
  type: 'response',
  validVersions: '0-2',
  flexibleVersions: '2+',
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
            { name: 'lowWatermark', type: 'int64', versions: '0+' },
            { name: 'errorCode', type: 'int16', versions: '0+' },
          ],
        },
      ],
    },
  ],
} as const satisfies MessageDef;

export const DeleteRecords = {
  apiKey: 21,
  name: 'DeleteRecords',
  request: DeleteRecordsRequest,
  response: DeleteRecordsResponse,
} as const satisfies ApiDef;
