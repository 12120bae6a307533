// OffsetFetch (key 9): a consumer reads the committed positions of a group.
// v0-7 ask about one group (v2+: a null topic list means every topic, and a
// top-level error appears); v6 is the first flexible version, v7 adds
// requireStable; v8+ batch several groups, so the single-group fields vanish.
// v9 adds the KIP-848 member id and epoch per group.

import type { ApiDef, MessageDef } from '../schema.ts';

export const OffsetFetchRequest = {
  apiKey: 9,
  name: 'OffsetFetchRequest',
  type: 'request',
  validVersions: '0-9',
  flexibleVersions: '6+',
  fields: [
    { name: 'groupId', type: 'string', versions: '0-7', about: 'The group to read offsets of.' },
    {
      name: 'topics',
      type: '[]',
      versions: '0-7',
      nullableVersions: '2-7',
      about: 'The topics to read, or null (v2+) for all topics.',
      fields: [
        { name: 'name', type: 'string', versions: '0-7', about: 'The topic name.' },
        {
          name: 'partitionIndexes',
          type: '[]int32',
          versions: '0-7',
          about: 'The partitions to read.',
        },
      ],
    },
    {
      name: 'groups',
      type: '[]',
      versions: '8+',
      about: 'The groups to read offsets of.',
      fields: [
        { name: 'groupId', type: 'string', versions: '8+', about: 'The group id.' },
        {
          name: 'memberId',
          type: 'string',
          versions: '9+',
          nullableVersions: '9+',
          default: null,
          ignorable: true,
          about: 'The member id under the consumer protocol (KIP-848), or null.',
        },
        {
          name: 'memberEpoch',
          type: 'int32',
          versions: '9+',
          default: -1,
          ignorable: true,
          about: 'The member epoch under the consumer protocol (KIP-848), or -1.',
        },
        {
          name: 'topics',
          type: '[]',
          versions: '8+',
          nullableVersions: '8+',
          about: 'The topics to read, or null for all topics.',
          fields: [
            { name: 'name', type: 'string', versions: '8+', about: 'The topic name.' },
            {
              name: 'partitionIndexes',
              type: '[]int32',
              versions: '8+',
              about: 'The partitions to read.',
            },
          ],
        },
      ],
    },
    {
      name: 'requireStable',
      type: 'bool',
      versions: '7+',
      default: false,
      about: 'Ask for UNSTABLE_OFFSET_COMMIT instead of offsets with pending transactions.',
    },
  ],
} as const satisfies MessageDef;

export const OffsetFetchResponse = {
  apiKey: 9,
  name: 'OffsetFetchResponse',
  type: 'response',
  validVersions: '0-9',
  flexibleVersions: '6+',
  fields: [
    {
      name: 'throttleTimeMs',
      type: 'int32',
      versions: '3+',
      ignorable: true,
      about: 'How long the client should back off because of a quota, or 0.',
    },
    {
      name: 'topics',
      type: '[]',
      versions: '0-7',
      about: 'The offsets per topic (single-group versions).',
      fields: [
        { name: 'name', type: 'string', versions: '0-7', about: 'The topic name.' },
        {
          name: 'partitions',
          type: '[]',
          versions: '0-7',
          about: 'The offsets per partition.',
          fields: [
            { name: 'partitionIndex', type: 'int32', versions: '0-7', about: 'The partition.' },
            {
              name: 'committedOffset',
              type: 'int64',
              versions: '0-7',
              about: 'The committed offset, or -1 if none.',
            },
            {
              name: 'committedLeaderEpoch',
              type: 'int32',
              versions: '5-7',
              default: -1,
              ignorable: true,
              about: 'The leader epoch stored with the offset, or -1.',
            },
            {
              name: 'metadata',
              type: 'string',
              versions: '0-7',
              nullableVersions: '0-7',
              about: 'The client metadata stored with the offset.',
            },
            { name: 'errorCode', type: 'int16', versions: '0-7', about: 'The error, or 0.' },
          ],
        },
      ],
    },
    {
      name: 'errorCode',
      type: 'int16',
      versions: '2-7',
      default: 0,
      ignorable: true,
      about: 'The group-level error, or 0.',
    },
    {
      name: 'groups',
      type: '[]',
      versions: '8+',
      about: 'The offsets per group.',
      fields: [
        { name: 'groupId', type: 'string', versions: '8+', about: 'The group id.' },
        {
          name: 'topics',
          type: '[]',
          versions: '8+',
          about: 'The offsets per topic.',
          fields: [
            { name: 'name', type: 'string', versions: '8+', about: 'The topic name.' },
            {
              name: 'partitions',
              type: '[]',
              versions: '8+',
              about: 'The offsets per partition.',
              fields: [
                { name: 'partitionIndex', type: 'int32', versions: '8+', about: 'The partition.' },
                {
                  name: 'committedOffset',
                  type: 'int64',
                  versions: '8+',
                  about: 'The committed offset, or -1 if none.',
                },
                {
                  name: 'committedLeaderEpoch',
                  type: 'int32',
                  versions: '8+',
                  default: -1,
                  ignorable: true,
                  about: 'The leader epoch stored with the offset, or -1.',
                },
                {
                  name: 'metadata',
                  type: 'string',
                  versions: '8+',
                  nullableVersions: '8+',
                  about: 'The client metadata stored with the offset.',
                },
                {
                  name: 'errorCode',
                  type: 'int16',
                  versions: '8+',
                  about: 'The partition error, or 0.',
                },
              ],
            },
          ],
        },
        {
          name: 'errorCode',
          type: 'int16',
          versions: '8+',
          default: 0,
          about: 'The group-level error, or 0.',
        },
      ],
    },
  ],
} as const satisfies MessageDef;

export const OffsetFetch = {
  apiKey: 9,
  name: 'OffsetFetch',
  request: OffsetFetchRequest,
  response: OffsetFetchResponse,
} as const satisfies ApiDef;
