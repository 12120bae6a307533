// ListOffsets (key 2): finds the offset for a timestamp, or one of the special
// timestamps (-1 latest, -2 earliest, -3 max timestamp, -4 local log start,
// -5 last tiered). v1+ return one offset per partition; v0 (older Sarama, so
// lag monitors such as Burrow 1.x) asks for up to maxNumOffsets offsets and gets
// a descending list of them (oldStyleOffsets).

import type { ApiDef, MessageDef } from '../schema.ts';

export const ListOffsetsRequest = {
  apiKey: 2,
  name: 'ListOffsetsRequest',
  type: 'request',
  validVersions: '0-9',
  flexibleVersions: '6+',
  fields: [
    {
      name: 'replicaId',
      type: 'int32',
      versions: '0+',
      about: 'Requesting broker, or -1 for a consumer.',
    },
    {
      name: 'isolationLevel',
      type: 'int8',
      versions: '2+',
      about: '0 = read uncommitted; 1 = read committed (latest means the last stable offset).',
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
            {
              name: 'currentLeaderEpoch',
              type: 'int32',
              versions: '4+',
              default: -1,
              ignorable: true,
            },
            {
              name: 'timestamp',
              type: 'int64',
              versions: '0+',
              about: 'The target timestamp in ms, or a negative special value.',
            },
            {
              name: 'maxNumOffsets',
              type: 'int32',
              versions: '0',
              default: 1,
              about: 'v0: the most offsets to return.',
            },
          ],
        },
      ],
    },
  ],
} as const satisfies MessageDef;

export const ListOffsetsResponse = {
  apiKey: 2,
  name: 'ListOffsetsResponse',
  type: 'response',
  validVersions: '0-9',
  flexibleVersions: '6+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '2+', ignorable: true },
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
              name: 'oldStyleOffsets',
              type: '[]int64',
              versions: '0',
              ignorable: true,
              about: 'v0: segment start offsets at or before the timestamp, newest first.',
            },
            {
              name: 'timestamp',
              type: 'int64',
              versions: '1+',
              default: -1,
              about: 'Timestamp of the record at the returned offset, or -1.',
            },
            { name: 'offset', type: 'int64', versions: '1+', default: -1 },
            { name: 'leaderEpoch', type: 'int32', versions: '4+', default: -1 },
          ],
        },
      ],
    },
  ],
} as const satisfies MessageDef;

export const ListOffsets = {
  apiKey: 2,
  name: 'ListOffsets',
  request: ListOffsetsRequest,
  response: ListOffsetsResponse,
} as const satisfies ApiDef;
