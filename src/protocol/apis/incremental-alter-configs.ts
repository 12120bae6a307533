// IncrementalAlterConfigs (key 44): changes individual config keys with an
// operation each (0 set, 1 delete, 2 append, 3 subtract), leaving the other
// keys alone; this is what kafka-configs.sh uses. v1 is flexible.

import type { ApiDef, MessageDef } from '../schema.ts';

export const IncrementalAlterConfigsRequest = {
  apiKey: 44,
  name: 'IncrementalAlterConfigsRequest',
  type: 'request',
  validVersions: '0-1',
  flexibleVersions: '1+',
  fields: [
    {
      name: 'resources',
      type: '[]',
      versions: '0+',
      fields: [
        { name: 'resourceType', type: 'int8', versions: '0+' },
        { name: 'resourceName', type: 'string', versions: '0+' },
        {
          name: 'configs',
          type: '[]',
          versions: '0+',
          fields: [
            { name: 'name', type: 'string', versions: '0+' },
            {
              name: 'configOperation',
              type: 'int8',
              versions: '0+',
              about: '0 = set, 1 = delete, 2 = append (lists), 3 = subtract (lists).',
            },
            { name: 'value', type: 'string', versions: '0+', nullableVersions: '0+' },
          ],
        },
      ],
    },
    { name: 'validateOnly', type: 'bool', versions: '0+', about: 'Check without applying.' },
  ],
} as const satisfies MessageDef;

export const IncrementalAlterConfigsResponse = {
  apiKey: 44,
  name: 'IncrementalAlterConfigsResponse',
  type: 'response',
  validVersions: '0-1',
  flexibleVersions: '1+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    {
      name: 'responses',
      type: '[]',
      versions: '0+',
      fields: [
        { name: 'errorCode', type: 'int16', versions: '0+' },
        { name: 'errorMessage', type: 'string', versions: '0+', nullableVersions: '0+' },
        { name: 'resourceType', type: 'int8', versions: '0+' },
        { name: 'resourceName', type: 'string', versions: '0+' },
      ],
    },
  ],
} as const satisfies MessageDef;

export const IncrementalAlterConfigs = {
  apiKey: 44,
  name: 'IncrementalAlterConfigs',
  request: IncrementalAlterConfigsRequest,
  response: IncrementalAlterConfigsResponse,
} as const satisfies ApiDef;
