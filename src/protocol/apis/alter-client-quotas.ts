// AlterClientQuotas (key 49, KIP-546): sets or removes quota values of client
// entities (user, client-id, or both; a null name is the default entity). One
// result per entity. v1 flexible.

import type { ApiDef, MessageDef } from '../schema.ts';

const ENTITY = {
  name: 'entity',
  type: '[]',
  versions: '0+',
  fields: [
    { name: 'entityType', type: 'string', versions: '0+' },
    { name: 'entityName', type: 'string', versions: '0+', nullableVersions: '0+' },
  ],
} as const;

export const AlterClientQuotasRequest = {
  apiKey: 49,
  name: 'AlterClientQuotasRequest',
  type: 'request',
  validVersions: '0-1',
  flexibleVersions: '1+',
  fields: [
    {
      name: 'entries',
      type: '[]',
      versions: '0+',
      fields: [
        ENTITY,
        {
          name: 'ops',
          type: '[]',
          versions: '0+',
          fields: [
            { name: 'key', type: 'string', versions: '0+' },
            { name: 'value', type: 'float64', versions: '0+' },
            { name: 'remove', type: 'bool', versions: '0+' },
          ],
        },
      ],
    },
    { name: 'validateOnly', type: 'bool', versions: '0+' },
  ],
} as const satisfies MessageDef;

export const AlterClientQuotasResponse = {
  apiKey: 49,
  name: 'AlterClientQuotasResponse',
  type: 'response',
  validVersions: '0-1',
  flexibleVersions: '1+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    {
      name: 'entries',
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
        ENTITY,
      ],
    },
  ],
} as const satisfies MessageDef;

export const AlterClientQuotas = {
  apiKey: 49,
  name: 'AlterClientQuotas',
  request: AlterClientQuotasRequest,
  response: AlterClientQuotasResponse,
} as const satisfies ApiDef;
