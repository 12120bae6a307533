// DescribeAcls (key 29): the ACL bindings a filter matches, grouped by
// resource pattern. v1 adds pattern types (KIP-290: PREFIXED, and the ANY and
// MATCH filters); v2 flexible; v3 adds USER resources (KIP-373).

import type { ApiDef, MessageDef } from '../schema.ts';

export const DescribeAclsRequest = {
  apiKey: 29,
  name: 'DescribeAclsRequest',
  type: 'request',
  validVersions: '0-3',
  flexibleVersions: '2+',
  fields: [
    { name: 'resourceTypeFilter', type: 'int8', versions: '0+' },
    {
      name: 'resourceNameFilter',
      type: 'string',
      versions: '0+',
      nullableVersions: '0+',
      about: 'Null matches any name.',
    },
    {
      name: 'patternTypeFilter',
      type: 'int8',
      versions: '1+',
      default: 3,
      about: 'LITERAL (3) before v1.',
    },
    { name: 'principalFilter', type: 'string', versions: '0+', nullableVersions: '0+' },
    { name: 'hostFilter', type: 'string', versions: '0+', nullableVersions: '0+' },
    { name: 'operation', type: 'int8', versions: '0+' },
    { name: 'permissionType', type: 'int8', versions: '0+' },
  ],
} as const satisfies MessageDef;

export const DescribeAclsResponse = {
  apiKey: 29,
  name: 'DescribeAclsResponse',
  type: 'response',
  validVersions: '0-3',
  flexibleVersions: '2+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    {
      name: 'errorCode',
      type: 'int16',
      versions: '0+',
      about:
        'SECURITY_DISABLED without an authorizer; CLUSTER_AUTHORIZATION_FAILED without Describe on the cluster.',
    },
    { name: 'errorMessage', type: 'string', versions: '0+', nullableVersions: '0+', default: null },
    {
      name: 'resources',
      type: '[]',
      versions: '0+',
      fields: [
        { name: 'resourceType', type: 'int8', versions: '0+' },
        { name: 'resourceName', type: 'string', versions: '0+' },
        { name: 'patternType', type: 'int8', versions: '1+', default: 3 },
        {
          name: 'acls',
          type: '[]',
          versions: '0+',
          fields: [
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

export const DescribeAcls = {
  apiKey: 29,
  name: 'DescribeAcls',
  request: DescribeAclsRequest,
  response: DescribeAclsResponse,
} as const satisfies ApiDef;
