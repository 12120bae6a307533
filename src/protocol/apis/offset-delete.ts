// OffsetDelete (key 47): drop a group's committed offsets for some partitions
// (KIP-496). Only v0 exists and it is not flexible; the broker refuses with
// GROUP_SUBSCRIBED_TO_TOPIC while the group still consumes the topic.

import type { ApiDef, MessageDef } from '../schema.ts';

export const OffsetDeleteRequest = {
  apiKey: 47,
  name: 'OffsetDeleteRequest',
  type: 'request',
  validVersions: '0',
  flexibleVersions: 'none',
  fields: [
    { name: 'groupId', type: 'string', versions: '0+', about: 'The group whose offsets go.' },
    {
      name: 'topics',
      type: '[]',
      versions: '0+',
      about: 'The topics whose offsets are deleted.',
      fields: [
        { name: 'name', type: 'string', versions: '0+', about: 'The topic name.' },
        {
          name: 'partitions',
          type: '[]',
          versions: '0+',
          about: 'The partitions whose offsets are deleted.',
          fields: [
            { name: 'partitionIndex', type: 'int32', versions: '0+', about: 'The partition.' },
          ],
        },
      ],
    },
  ],
} as const satisfies MessageDef;

export const OffsetDeleteResponse = {
  apiKey: 47,
  name: 'OffsetDeleteResponse',
  type: 'response',
  validVersions: '0',
  flexibleVersions: 'none',
  fields: [
    { name: 'errorCode', type: 'int16', versions: '0+', about: 'The group-level error, or 0.' },
    {
      name: 'throttleTimeMs',
      type: 'int32',
      versions: '0+',
      ignorable: true,
      about: 'How long the client should back off because of a quota, or 0.',
    },
    {
      name: 'topics',
      type: '[]',
      versions: '0+',
      about: 'The outcome per topic.',
      fields: [
        { name: 'name', type: 'string', versions: '0+', about: 'The topic name.' },
        {
          name: 'partitions',
          type: '[]',
          versions: '0+',
          about: 'The outcome per partition.',
          fields: [
            { name: 'partitionIndex', type: 'int32', versions: '0+', about: 'The partition.' },
            { name: 'errorCode', type: 'int16', versions: '0+', about: 'The error, or 0.' },
          ],
        },
      ],
    },
  ],
} as const satisfies MessageDef;

export const OffsetDelete = {
  apiKey: 47,
  name: 'OffsetDelete',
  request: OffsetDeleteRequest,
  response: OffsetDeleteResponse,
} as const satisfies ApiDef;
