// DescribeGroups (key 15): state, protocol and members of classic groups, for
// admin tools. v1 adds throttle time, v3 the authorized-operations bitfield,
// v4 each member's groupInstanceId; v5 is the first flexible version.

import type { ApiDef, MessageDef } from '../schema.ts';

export const DescribeGroupsRequest = {
  apiKey: 15,
  name: 'DescribeGroupsRequest',
  type: 'request',
  validVersions: '0-5',
  flexibleVersions: '5+',
  fields: [
    { name: 'groups', type: '[]string', versions: '0+', about: 'The group ids to describe.' },
    {
      name: 'includeAuthorizedOperations',
      type: 'bool',
      versions: '3+',
      about: "Whether to fill in the caller's authorized operations per group.",
    },
  ],
} as const satisfies MessageDef;

export const DescribeGroupsResponse = {
  apiKey: 15,
  name: 'DescribeGroupsResponse',
  type: 'response',
  validVersions: '0-5',
  flexibleVersions: '5+',
  fields: [
    {
      name: 'throttleTimeMs',
      type: 'int32',
      versions: '1+',
      ignorable: true,
      about: 'How long the client should back off because of a quota, or 0.',
    },
    {
      name: 'groups',
      type: '[]',
      versions: '0+',
      about: 'One entry per requested group.',
      fields: [
        { name: 'errorCode', type: 'int16', versions: '0+', about: 'The error, or 0.' },
        { name: 'groupId', type: 'string', versions: '0+', about: 'The group id.' },
        {
          name: 'groupState',
          type: 'string',
          versions: '0+',
          about: 'The state name (e.g. Stable, Empty), or empty.',
        },
        {
          name: 'protocolType',
          type: 'string',
          versions: '0+',
          about: 'The protocol family, or empty.',
        },
        {
          name: 'protocolData',
          type: 'string',
          versions: '0+',
          about: 'The chosen protocol (assignor) name, or empty.',
        },
        {
          name: 'members',
          type: '[]',
          versions: '0+',
          about: 'The current members.',
          fields: [
            { name: 'memberId', type: 'string', versions: '0+', about: 'The member id.' },
            {
              name: 'groupInstanceId',
              type: 'string',
              versions: '4+',
              nullableVersions: '4+',
              default: null,
              ignorable: true,
              about: 'The static instance id, or null.',
            },
            {
              name: 'clientId',
              type: 'string',
              versions: '0+',
              about: "The client id of the member's last JoinGroup.",
            },
            { name: 'clientHost', type: 'string', versions: '0+', about: "The member's host." },
            {
              name: 'memberMetadata',
              type: 'bytes',
              versions: '0+',
              about: "The member's metadata for the chosen protocol.",
            },
            {
              name: 'memberAssignment',
              type: 'bytes',
              versions: '0+',
              about: 'The assignment the leader gave the member.',
            },
          ],
        },
        {
          name: 'authorizedOperations',
          type: 'int32',
          versions: '3+',
          default: -2147483648,
          about: 'Bitfield of operations the caller may perform; INT32_MIN when not requested.',
        },
      ],
    },
  ],
} as const satisfies MessageDef;

export const DescribeGroups = {
  apiKey: 15,
  name: 'DescribeGroups',
  request: DescribeGroupsRequest,
  response: DescribeGroupsResponse,
} as const satisfies ApiDef;
