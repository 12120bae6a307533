// LeaveGroup (key 13): members leave a classic-protocol group without waiting
// for their session to time out. v0-2 name one member; v3+ carry a batch of
// member identities (static members by instance id) with per-member errors.
// v4 is the first flexible version; v5 adds a per-member reason.

import type { ApiDef, MessageDef } from '../schema.ts';

export const LeaveGroupRequest = {
  apiKey: 13,
  name: 'LeaveGroupRequest',
  type: 'request',
  validVersions: '0-5',
  flexibleVersions: '4+',
  fields: [
    { name: 'groupId', type: 'string', versions: '0+', about: 'The group to leave.' },
    { name: 'memberId', type: 'string', versions: '0-2', about: 'The single member leaving.' },
    {
      name: 'members',
      type: '[]',
      versions: '3+',
      about: 'The members leaving.',
      fields: [
        {
          name: 'memberId',
          type: 'string',
          versions: '3+',
          about: 'The member id, or empty to match by instance id.',
        },
        {
          name: 'groupInstanceId',
          type: 'string',
          versions: '3+',
          nullableVersions: '3+',
          default: null,
          about: 'The static instance id, or null.',
        },
        {
          name: 'reason',
          type: 'string',
          versions: '5+',
          nullableVersions: '5+',
          default: null,
          ignorable: true,
          about: 'Why the member is leaving (KIP-800).',
        },
      ],
    },
  ],
} as const satisfies MessageDef;

export const LeaveGroupResponse = {
  apiKey: 13,
  name: 'LeaveGroupResponse',
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
    { name: 'errorCode', type: 'int16', versions: '0+', about: 'The group-level error, or 0.' },
    {
      name: 'members',
      type: '[]',
      versions: '3+',
      about: 'The outcome for each leaving member.',
      fields: [
        { name: 'memberId', type: 'string', versions: '3+', about: 'The member id.' },
        {
          name: 'groupInstanceId',
          type: 'string',
          versions: '3+',
          nullableVersions: '3+',
          about: 'The static instance id, or null.',
        },
        { name: 'errorCode', type: 'int16', versions: '3+', about: "The member's error, or 0." },
      ],
    },
  ],
} as const satisfies MessageDef;

export const LeaveGroup = {
  apiKey: 13,
  name: 'LeaveGroup',
  request: LeaveGroupRequest,
  response: LeaveGroupResponse,
} as const satisfies ApiDef;
