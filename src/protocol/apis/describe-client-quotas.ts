// DescribeClientQuotas (key 48, KIP-546): the quotas of the entities a list
// of component filters matches. Match type 0 = exactly this name (null: the
// default entity), 1 = the default entity, 2 = any entity with this component.
// Strict: only entities with no other components. v1 flexible.

import type { ApiDef, MessageDef } from '../schema.ts';

export const DescribeClientQuotasRequest = {
  apiKey: 48,
  name: 'DescribeClientQuotasRequest',
  type: 'request',
  validVersions: '0-1',
  flexibleVersions: '1+',
  fields: [
    {
      name: 'components',
      type: '[]',
      versions: '0+',
      fields: [
        { name: 'entityType', type: 'string', versions: '0+', about: 'user, client-id or ip.' },
        { name: 'matchType', type: 'int8', versions: '0+', about: '0 exact, 1 default, 2 any.' },
        { name: 'match', type: 'string', versions: '0+', nullableVersions: '0+' },
      ],
    },
    { name: 'strict', type: 'bool', versions: '0+' },
  ],
} as const satisfies MessageDef;

export const DescribeClientQuotasResponse = {
  apiKey: 48,
  name: 'DescribeClientQuotasResponse',
  type: 'response',
  validVersions: '0-1',
  flexibleVersions: '1+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    { name: 'errorCode', type: 'int16', versions: '0+' },
    { name: 'errorMessage', type: 'string', versions: '0+', nullableVersions: '0+', default: null },
    {
      name: 'entries',
      type: '[]',
      versions: '0+',
      nullableVersions: '0+',
      fields: [
        {
          name: 'entity',
          type: '[]',
          versions: '0+',
          fields: [
            { name: 'entityType', type: 'string', versions: '0+' },
            {
              name: 'entityName',
              type: 'string',
              versions: '0+',
              nullableVersions: '0+',
              about: 'Null: the default entity of the type.',
            },
          ],
        },
        {
          name: 'values',
          type: '[]',
          versions: '0+',
          fields: [
            { name: 'key', type: 'string', versions: '0+' },
            { name: 'value', type: 'float64', versions: '0+' },
          ],
        },
      ],
    },
  ],
} as const satisfies MessageDef;

export const DescribeClientQuotas = {
  apiKey: 48,
  name: 'DescribeClientQuotas',
  request: DescribeClientQuotasRequest,
  response: DescribeClientQuotasResponse,
} as const satisfies ApiDef;
