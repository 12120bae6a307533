// JoinGroup (key 11): the first step of a classic-protocol rebalance; every
// member sends its supported protocols and the coordinator picks a leader and a
// protocol. v4+ members join twice: the first attempt is refused with
// MEMBER_ID_REQUIRED and carries the assigned member id. v6 is the first
// flexible version; v8 adds the join reason, v9 lets the leader skip assignment.

import type { ApiDef, MessageDef } from '../schema.ts';

export const JoinGroupRequest = {
  apiKey: 11,
  name: 'JoinGroupRequest',
  type: 'request',
  validVersions: '0-9',
  flexibleVersions: '6+',
  fields: [
    { name: 'groupId', type: 'string', versions: '0+', about: 'The group to join.' },
    {
      name: 'sessionTimeoutMs',
      type: 'int32',
      versions: '0+',
      about: 'The member is considered dead after this long without a heartbeat.',
    },
    {
      name: 'rebalanceTimeoutMs',
      type: 'int32',
      versions: '1+',
      default: -1,
      ignorable: true,
      about: 'How long the coordinator waits for members to rejoin; v0 uses the session timeout.',
    },
    {
      name: 'memberId',
      type: 'string',
      versions: '0+',
      about: 'The id the coordinator assigned, or empty on the first join.',
    },
    {
      name: 'groupInstanceId',
      type: 'string',
      versions: '5+',
      nullableVersions: '5+',
      default: null,
      about: 'The static instance id configured by the user, or null for a dynamic member.',
    },
    {
      name: 'protocolType',
      type: 'string',
      versions: '0+',
      about: 'The family of protocols, e.g. "consumer".',
    },
    {
      name: 'protocols',
      type: '[]',
      versions: '0+',
      about: 'The protocols the member supports, in preference order.',
      fields: [
        { name: 'name', type: 'string', versions: '0+', about: 'The protocol (assignor) name.' },
        {
          name: 'metadata',
          type: 'bytes',
          versions: '0+',
          about: 'Protocol-specific member metadata, e.g. the subscription.',
        },
      ],
    },
    {
      name: 'reason',
      type: 'string',
      versions: '8+',
      nullableVersions: '8+',
      default: null,
      ignorable: true,
      about: 'Why the member is joining or rejoining (KIP-800).',
    },
  ],
} as const satisfies MessageDef;

export const JoinGroupResponse = {
  apiKey: 11,
  name: 'JoinGroupResponse',
  type: 'response',
  validVersions: '0-9',
  flexibleVersions: '6+',
  fields: [
    {
      name: 'throttleTimeMs',
      type: 'int32',
      versions: '2+',
      ignorable: true,
      about: 'How long the client should back off because of a quota, or 0.',
    },
    { name: 'errorCode', type: 'int16', versions: '0+', about: 'The error, or 0.' },
    {
      name: 'generationId',
      type: 'int32',
      versions: '0+',
      default: -1,
      about: 'The generation the group moved to.',
    },
    {
      name: 'protocolType',
      type: 'string',
      versions: '7+',
      nullableVersions: '7+',
      default: null,
      ignorable: true,
      about: 'The protocol family of the group (KIP-559).',
    },
    {
      name: 'protocolName',
      type: 'string',
      versions: '0+',
      nullableVersions: '7+',
      about: 'The protocol the coordinator chose.',
    },
    { name: 'leader', type: 'string', versions: '0+', about: 'The member id of the leader.' },
    {
      name: 'skipAssignment',
      type: 'bool',
      versions: '9+',
      default: false,
      about: 'True when the leader must not compute an assignment.',
    },
    {
      name: 'memberId',
      type: 'string',
      versions: '0+',
      about: 'The member id the coordinator assigned to the caller.',
    },
    {
      name: 'members',
      type: '[]',
      versions: '0+',
      about: "All members with their metadata; filled only in the leader's response.",
      fields: [
        { name: 'memberId', type: 'string', versions: '0+', about: 'The member id.' },
        {
          name: 'groupInstanceId',
          type: 'string',
          versions: '5+',
          nullableVersions: '5+',
          default: null,
          ignorable: true,
          about: "The member's static instance id, or null.",
        },
        {
          name: 'metadata',
          type: 'bytes',
          versions: '0+',
          about: "The member's metadata for the chosen protocol.",
        },
      ],
    },
  ],
} as const satisfies MessageDef;

export const JoinGroup = {
  apiKey: 11,
  name: 'JoinGroup',
  request: JoinGroupRequest,
  response: JoinGroupResponse,
} as const satisfies ApiDef;
