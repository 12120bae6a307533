// DeleteGroups (key 42): remove empty groups and their committed offsets.
// v1 only changes throttling behaviour; v2 is the first flexible version.
// Note Kafka's field name "GroupsNames" (sic), kept as groupsNames.

import type { ApiDef, MessageDef } from '../schema.ts';

export const DeleteGroupsRequest = {
  apiKey: 42,
  name: 'DeleteGroupsRequest',
  type: 'request',
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [
    { name: 'groupsNames', type: '[]string', versions: '0+', about: 'The group ids to delete.' },
  ],
} as const satisfies MessageDef;

export const DeleteGroupsResponse = {
  apiKey: 42,
  name: 'DeleteGroupsResponse',
  type: 'response',
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [
    {
      name: 'throttleTimeMs',
      type: 'int32',
      versions: '0+',
      about: 'How long the client should back off because of a quota, or 0.',
    },
    {
      name: 'results',
      type: '[]',
      versions: '0+',
      about: 'One result per requested group.',
      fields: [
        { name: 'groupId', type: 'string', versions: '0+', about: 'The group id.' },
        {
          name: 'errorCode',
          type: 'int16',
          versions: '0+',
          about: 'The error, e.g. NON_EMPTY_GROUP, or 0.',
        },
      ],
    },
  ],
} as const satisfies MessageDef;

export const DeleteGroups = {
  apiKey: 42,
  name: 'DeleteGroups',
  request: DeleteGroupsRequest,
  response: DeleteGroupsResponse,
} as const satisfies ApiDef;
