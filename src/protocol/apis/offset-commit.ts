// OffsetCommit (key 8): a consumer stores its position per partition in the
// group coordinator. v1 adds generation/member (and, only in v1, a commit
// timestamp); v2-4 carry a retention time that v5 drops; v6 adds the leader
// epoch, v7 groupInstanceId; v8 is the first flexible version and v9 accepts
// KIP-848 member epochs in place of the classic generation.

import type { ApiDef, MessageDef } from '../schema.ts';

export const OffsetCommitRequest = {
  apiKey: 8,
  name: 'OffsetCommitRequest',
  type: 'request',
  validVersions: '0-9',
  flexibleVersions: '8+',
  fields: [
    { name: 'groupId', type: 'string', versions: '0+', about: 'The group committing offsets.' },
    {
      name: 'generationIdOrMemberEpoch',
      type: 'int32',
      versions: '1+',
      default: -1,
      ignorable: true,
      about: 'The classic generation id, or the member epoch under the consumer protocol.',
    },
    {
      name: 'memberId',
      type: 'string',
      versions: '1+',
      ignorable: true,
      about: 'The member committing; empty for a simple (group-less) commit.',
    },
    {
      name: 'groupInstanceId',
      type: 'string',
      versions: '7+',
      nullableVersions: '7+',
      default: null,
      about: 'The static instance id configured by the user, or null.',
    },
    {
      name: 'retentionTimeMs',
      type: 'int64',
      versions: '2-4',
      default: -1,
      ignorable: true,
      about: 'How long to keep the offsets, or -1 for the broker default.',
    },
    {
      name: 'topics',
      type: '[]',
      versions: '0+',
      about: 'The topics whose offsets are committed.',
      fields: [
        { name: 'name', type: 'string', versions: '0+', about: 'The topic name.' },
        {
          name: 'partitions',
          type: '[]',
          versions: '0+',
          about: 'The partitions whose offsets are committed.',
          fields: [
            { name: 'partitionIndex', type: 'int32', versions: '0+', about: 'The partition.' },
            {
              name: 'committedOffset',
              type: 'int64',
              versions: '0+',
              about: 'The next offset the consumer will read.',
            },
            {
              name: 'committedLeaderEpoch',
              type: 'int32',
              versions: '6+',
              default: -1,
              ignorable: true,
              about: 'The leader epoch of the last consumed record, or -1.',
            },
            {
              name: 'commitTimestamp',
              type: 'int64',
              versions: '1',
              default: -1,
              about: 'The commit time in ms; exists only in v1.',
            },
            {
              name: 'committedMetadata',
              type: 'string',
              versions: '0+',
              nullableVersions: '0+',
              about: 'Free-form client metadata stored with the offset.',
            },
          ],
        },
      ],
    },
  ],
} as const satisfies MessageDef;

export const OffsetCommitResponse = {
  apiKey: 8,
  name: 'OffsetCommitResponse',
  type: 'response',
  validVersions: '0-9',
  flexibleVersions: '8+',
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

export const OffsetCommit = {
  apiKey: 8,
  name: 'OffsetCommit',
  request: OffsetCommitRequest,
  response: OffsetCommitResponse,
} as const satisfies ApiDef;
