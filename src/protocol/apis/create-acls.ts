// CreateAcls (key 30): adds ACL bindings, one result per binding. v1 adds the
// pattern type (KIP-290); v2 flexible; v3 allows USER resources (KIP-373).

import type { ApiDef, MessageDef } from '../schema.ts';

export const CreateAclsRequest = {
  apiKey: 30,
  name: 'CreateAclsRequest',
  type: 'request',
  validVersions: '0-3',
  flexibleVersions: '2+',
  fields: [
    {
      name: 'creations',
      type: '[]',
      versions: '0+',
      fields: [
        { name: 'resourceType', type: 'int8', versions: '0+' },
        { name: 'resourceName', type: 'string', versions: '0+' },
        {
          name: 'resourcePatternType',
          type: 'int8',
          versions: '1+',
          default: 3,
          about: 'LITERAL (3) before v1.',
        },
        { name: 'principal', type: 'string', versions: '0+' },
        { name: 'host', type: 'string', versions: '0+' },
        { name: 'operation', type: 'int8', versions: '0+' },
        { name: 'permissionType', type: 'int8', versions: '0+' },
      ],
    },
  ],
} as const satisfies MessageDef;

export const CreateAclsResponse = {
  apiKey: 30,
  name: 'CreateAclsResponse',
  type: 'response',
  validVersions: '0-3',
  flexibleVersions: '2+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    {
      name: 'results',
      type: '[]',
      versions: '0+',
      fields: [
        {
          name: 'errorCode',
          type: 'int16',
          versions: '0+',
          about:
            'INVALID_REQUEST for a binding that cannot exist; SECURITY_DISABLED; CLUSTER_AUTHORIZATION_FAILED.',
        },
        {
          name: 'errorMessage',
          type: 'string',
          versions: '0+',
          nullableVersions: '0+',
          default: null,
        },
      ],
    },
  ],
} as const satisfies MessageDef;

export const CreateAcls = {
  apiKey: 30,
  name: 'CreateAcls',
  request: CreateAclsRequest,
  response: CreateAclsResponse,
} as const satisfies ApiDef;
