// AlterConfigs (key 33): replaces the whole dynamic configuration of a
// resource; keys left out are reset to their defaults (unlike
// IncrementalAlterConfigs). v2 is the first flexible version.

import type { ApiDef, MessageDef } from '../schema.ts';

export const AlterConfigsRequest = {
  apiKey: 33,
  name: 'AlterConfigsRequest',
  type: 'request',
  validVersions: '0-2',
  flexibleVersions: '2+',
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
          about: 'The complete new set of dynamic configs.',
          fields: [
            { name: 'name', type: 'string', versions: '0+' },
            { name: 'value', type: 'string', versions: '0+', nullableVersions: '0+' },
          ],
        },
      ],
    },
    { name: 'validateOnly', type: 'bool', versions: '0+', about: 'Check without applying.' },
  ],
} as const satisfies MessageDef;

export const AlterConfigsResponse = {
  apiKey: 33,
  name: 'AlterConfigsResponse',
  type: 'response',
  validVersions: '0-2',
  flexibleVersions: '2+',
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

export const AlterConfigs = {
  apiKey: 33,
  name: 'AlterConfigs',
  request: AlterConfigsRequest,
  response: AlterConfigsResponse,
} as const satisfies ApiDef;
