// Heartbeat (key 12): a classic-protocol group member proves it is alive and
// learns whether a rebalance has started (REBALANCE_IN_PROGRESS in the reply).
// v3 adds the static member id (groupInstanceId); v4 is the first flexible version.

import type { ApiDef, MessageDef } from '../schema.ts';

export const HeartbeatRequest = {
  apiKey: 12,
  name: 'HeartbeatRequest',
  type: 'request',
  validVersions: '0-4',
  flexibleVersions: '4+',
  fields: [
    { name: 'groupId', type: 'string', versions: '0+', about: 'The group the member belongs to.' },
    {
      name: 'generationId',
      type: 'int32',
      versions: '0+',
      about: 'The group generation the member believes is current.',
    },
    {
      name: 'memberId',
      type: 'string',
      versions: '0+',
      about: 'The member sending the heartbeat.',
    },
    {
      name: 'groupInstanceId',
      type: 'string',
      versions: '3+',
      nullableVersions: '3+',
      default: null,
      about: 'The static instance id configured by the user, or null for a dynamic member.',
    },
  ],
} as const satisfies MessageDef;

export const HeartbeatResponse = {
  apiKey: 12,
  name: 'HeartbeatResponse',
  type: 'response',
  validVersions: '0-4',
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
  ],
} as const satisfies MessageDef;

export const Heartbeat = {
  apiKey: 12,
  name: 'Heartbeat',
  request: HeartbeatRequest,
  response: HeartbeatResponse,
} as const satisfies ApiDef;
