// SyncGroup (key 14): the second step of a classic-protocol rebalance; the
// leader sends every member's assignment and each member receives its own.
// v3 adds groupInstanceId, v4 is the first flexible version, and v5 adds the
// protocol type and name, which the coordinator checks against the group's.

import type { ApiDef, MessageDef } from '../schema.ts';

export const SyncGroupRequest = {
  apiKey: 14,
  name: 'SyncGroupRequest',
  type: 'request',
  validVersions: '0-5',
  flexibleVersions: '4+',
  fields: [
    { name: 'groupId', type: 'string', versions: '0+', about: 'The group to synchronise.' },
    {
      name: 'generationId',
      type: 'int32',
      versions: '0+',
      about: 'The generation returned by JoinGroup.',
    },
    { name: 'memberId', type: 'string', versions: '0+', about: 'The member sending the request.' },
    {
      name: 'groupInstanceId',
      type: 'string',
      versions: '3+',
      nullableVersions: '3+',
      default: null,
      about: 'The static instance id configured by the user, or null for a dynamic member.',
    },
    {
      name: 'protocolType',
      type: 'string',
      versions: '5+',
      nullableVersions: '5+',
      default: null,
      ignorable: true,
      about: 'The protocol family the member expects (KIP-559).',
    },
    {
      name: 'protocolName',
      type: 'string',
      versions: '5+',
      nullableVersions: '5+',
      default: null,
      ignorable: true,
      about: 'The protocol the member expects the group to use (KIP-559).',
    },
    {
      name: 'assignments',
      type: '[]',
      versions: '0+',
      about: 'Per-member assignments; only the leader sends a non-empty list.',
      fields: [
        { name: 'memberId', type: 'string', versions: '0+', about: 'The member being assigned.' },
        {
          name: 'assignment',
          type: 'bytes',
          versions: '0+',
          about: 'The protocol-specific assignment.',
        },
      ],
    },
  ],
} as const satisfies MessageDef;

export const SyncGroupResponse = {
  apiKey: 14,
  name: 'SyncGroupResponse',
  type: 'response',
  validVersions: '0-5',
  flexibleVersions: '4+',
  fields: [
    {
      name: 'throttleTimeMs',
      type: 'int32',
      versions: '1+',
      ignorable: true,
      about: 'How long the client should back off because of a quota, or 0.',
    },
    { name: 'errorCode', type: 'int16', versions: '0+', about: 'The error, or 0.' },
    {
      name: 'protocolType',
      type: 'string',
      versions: '5+',
      nullableVersions: '5+',
      default: null,
      ignorable: true,
      about: 'The protocol family of the group.',
    },
    {
      name: 'protocolName',
      type: 'string',
      versions: '5+',
      nullableVersions: '5+',
      default: null,
      ignorable: true,
      about: 'The protocol the group uses.',
    },
    {
      name: 'assignment',
      type: 'bytes',
      versions: '0+',
      about: "The caller's own assignment.",
    },
  ],
} as const satisfies MessageDef;

export const SyncGroup = {
  apiKey: 14,
  name: 'SyncGroup',
  request: SyncGroupRequest,
  response: SyncGroupResponse,
} as const satisfies ApiDef;
