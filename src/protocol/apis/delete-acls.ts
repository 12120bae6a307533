// DeleteAcls (key 31): deletes the ACL bindings each filter matches and lists
// them per filter. v1 adds pattern types (KIP-290); v2 flexible; v3 allows
// USER resources (KIP-373).

import type { ApiDef, MessageDef } from '../schema.ts';

export const DeleteAclsRequest = {
  apiKey: 31,
  name: 'DeleteAclsRequest',
  type: 'request',
  validVersions: '0-3',
  flexibleVersions: '2+',
  fields: [
    {
      name: 'filters',
      type: '[]',
      versions: '0+',
      fields: [
        { name: 'resourceTypeFilter', type: 'int8', versions: '0+' },
        { name: 'resourceNameFilter', type: 'string', versions: '0+', nullableVersions: '0+' },
        { name: 'patternTypeFilter', type: 'int8', versions: '1+', default: 3 },
        { name: 'principalFilter', type: 'string', versions: '0+', nullableVersions: '0+' },
        { name: 'hostFilter', type: 'string', versions: '0+', nullableVersions: '0+' },
        { name: 'operation', type: 'int8', versions: '0+' },
        { name: 'permissionType', type: 'int8', versions: '0+' },
      ],
    },
  ],
} as const satisfies MessageDef;

export const DeleteAclsResponse = {
  apiKey: 31,
  name: 'DeleteAclsResponse',
  type: 'response',
  validVersions: '0-3',
  flexibleVersions: '2+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    {
      name: 'filterResults',
      type: '[]',
      versions: '0+',
      fields: [
        { name: 'errorCode', type: 'int16', versions: '0+' },
        {
          name: 'errorMessage',
          type: 'string',
          versions: '0+',
          nullableVersions: '0+',
          default: null,
        },
        {
          name: 'matchingAcls',
          type: '[]',
          versions: '0+',
          fields: [
            { name: 'errorCode', type: 'int16', versions: '0+' },
            {
              name: 'errorMessage',
              type: 'string',
              versions: '0+',
              nullableVersions: '0+',
              default: null,
            },
            { name: 'resourceType', type: 'int8', versions: '0+' },
            { name: 'resourceName', type: 'string', versions: '0+' },
            { name: 'patternType', type: 'int8', versions: '1+', default: 3 },
            { name: 'principal', type: 'string', versions: '0+' },
            { name: 'host', type: 'string', versions: '0+' },
            { name: 'operation', type: 'int8', versions: '0+' },
            { name: 'permissionType', type: 'int8', versions: '0+' },
          ],
        },
      ],
    },
  ],
} as const satisfies MessageDef;

export const DeleteAcls = {
  apiKey: 31,
  name: 'DeleteAcls',
  request: DeleteAclsRequest,
  response: DeleteAclsResponse,
} as const satisfies ApiDef;
