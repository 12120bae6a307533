// ListGroups (key 16): every group the broker coordinates, for admin tools.
// v3 is the first flexible version; v4 adds a state filter and each group's
// state, v5 (KIP-848) a type filter and each group's type.

import type { ApiDef, MessageDef } from '../schema.ts';

export const ListGroupsRequest = {
  apiKey: 16,
  name: 'ListGroupsRequest',
  type: 'request',
  validVersions: '0-5',
  flexibleVersions: '3+',
  fields: [
    {
      name: 'statesFilter',
      type: '[]string',
      versions: '4+',
      about: 'Only list groups in these states; empty lists all.',
    },
    {
      name: 'typesFilter',
      type: '[]string',
      versions: '5+',
      about: 'Only list groups of these types; empty lists all.',
    },
  ],
} as const satisfies MessageDef;

export const ListGroupsResponse = {
  apiKey: 16,
  name: 'ListGroupsResponse',
  type: 'response',
  validVersions: '0-5',
  flexibleVersions: '3+',
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
      name: 'groups',
      type: '[]',
      versions: '0+',
      about: 'The listed groups.',
      fields: [
        { name: 'groupId', type: 'string', versions: '0+', about: 'The group id.' },
        {
          name: 'protocolType',
          type: 'string',
          versions: '0+',
          about: 'The protocol family (empty for a simple offsets-only group).',
        },
        {
          name: 'groupState',
          type: 'string',
          versions: '4+',
          ignorable: true,
          about: 'The state name.',
        },
        {
          name: 'groupType',
          type: 'string',
          versions: '5+',
          ignorable: true,
          about: 'The group type, e.g. classic or consumer.',
        },
      ],
    },
  ],
} as const satisfies MessageDef;

export const ListGroups = {
  apiKey: 16,
  name: 'ListGroups',
  request: ListGroupsRequest,
  response: ListGroupsResponse,
} as const satisfies ApiDef;
