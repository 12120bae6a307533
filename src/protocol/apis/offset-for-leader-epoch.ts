// OffsetForLeaderEpoch (key 23): returns the end offset of a leader epoch, so
// a follower or consumer can find where its log diverged after a leader change
// (KIP-101, KIP-320). v2 adds fencing by current leader epoch; v3 the replica
// id (default -2, a debugging consumer); v4 is the first flexible version.

import type { ApiDef, MessageDef } from '../schema.ts';

export const OffsetForLeaderEpochRequest = {
  apiKey: 23,
  name: 'OffsetForLeaderEpochRequest',
  type: 'request',
  validVersions: '0-4',
  flexibleVersions: '4+',
  fields: [
    {
      name: 'replicaId',
      type: 'int32',
      versions: '3+',
      default: -2,
      ignorable: true,
      about: 'The follower asking, -1 for a consumer.',
    },
    {
      name: 'topics',
      type: '[]',
      versions: '0+',
      fields: [
        { name: 'topic', type: 'string', versions: '0+' },
        {
          name: 'partitions',
          type: '[]',
          versions: '0+',
          fields: [
            { name: 'partition', type: 'int32', versions: '0+' },
            {
              name: 'currentLeaderEpoch',
              type: 'int32',
              versions: '2+',
              default: -1,
              ignorable: true,
              about: "The caller's view of the leader epoch, for fencing.",
            },
            { name: 'leaderEpoch', type: 'int32', versions: '0+', about: 'The epoch to look up.' },
          ],
        },
      ],
    },
  ],
} as const satisfies MessageDef;

export const OffsetForLeaderEpochResponse = {
  apiKey: 23,
  name: 'OffsetForLeaderEpochResponse',
  type: 'response',
  validVersions: '0-4',
  flexibleVersions: '4+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '2+', ignorable: true },
    {
      name: 'topics',
      type: '[]',
      versions: '0+',
      fields: [
        { name: 'topic', type: 'string', versions: '0+' },
        {
          name: 'partitions',
          type: '[]',
          versions: '0+',
          fields: [
            { name: 'errorCode', type: 'int16', versions: '0+' },
            { name: 'partition', type: 'int32', versions: '0+' },
            {
              name: 'leaderEpoch',
              type: 'int32',
              versions: '1+',
              default: -1,
              ignorable: true,
              about: 'The largest epoch not above the requested one.',
            },
            { name: 'endOffset', type: 'int64', versions: '0+', default: -1 },
          ],
        },
      ],
    },
  ],
} as const satisfies MessageDef;

export const OffsetForLeaderEpoch = {
  apiKey: 23,
  name: 'OffsetForLeaderEpoch',
  request: OffsetForLeaderEpochRequest,
  response: OffsetForLeaderEpochResponse,
} as const satisfies ApiDef;
