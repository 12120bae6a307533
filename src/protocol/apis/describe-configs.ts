// DescribeConfigs (key 32): reads topic, broker or logger configuration. v1
// adds config sources and synonyms, v3 the config type and documentation, and
// v4 is the first flexible version. isDefault exists only in v0 (v1+ uses
// configSource instead).

import type { ApiDef, MessageDef } from '../schema.ts';

export const DescribeConfigsRequest = {
  apiKey: 32,
  name: 'DescribeConfigsRequest',
  type: 'request',
  validVersions: '0-4',
  flexibleVersions: '4+',
  fields: [
    {
      name: 'resources',
      type: '[]',
      versions: '0+',
      fields: [
        {
          name: 'resourceType',
          type: 'int8',
          versions: '0+',
          about: '2 = topic, 4 = broker, 8 = broker logger, 16 = client metrics.',
        },
        { name: 'resourceName', type: 'string', versions: '0+' },
        {
          name: 'configurationKeys',
          type: '[]string',
          versions: '0+',
          nullableVersions: '0+',
          about: 'Null for every key.',
        },
      ],
    },
    { name: 'includeSynonyms', type: 'bool', versions: '1+', default: false },
    { name: 'includeDocumentation', type: 'bool', versions: '3+', default: false },
  ],
} as const satisfies MessageDef;

export const DescribeConfigsResponse = {
  apiKey: 32,
  name: 'DescribeConfigsResponse',
  type: 'response',
  validVersions: '0-4',
  flexibleVersions: '4+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    {
      name: 'results',
      type: '[]',
      versions: '0+',
      fields: [
        { name: 'errorCode', type: 'int16', versions: '0+' },
        { name: 'errorMessage', type: 'string', versions: '0+', nullableVersions: '0+' },
        { name: 'resourceType', type: 'int8', versions: '0+' },
        { name: 'resourceName', type: 'string', versions: '0+' },
        {
          name: 'configs',
          type: '[]',
          versions: '0+',
          fields: [
            { name: 'name', type: 'string', versions: '0+' },
            { name: 'value', type: 'string', versions: '0+', nullableVersions: '0+' },
            { name: 'readOnly', type: 'bool', versions: '0+' },
            { name: 'isDefault', type: 'bool', versions: '0', about: 'v0 only.' },
            {
              name: 'configSource',
              type: 'int8',
              versions: '1+',
              default: -1,
              ignorable: true,
              about: 'Where the value comes from (dynamic topic, static broker, default...).',
            },
            { name: 'isSensitive', type: 'bool', versions: '0+' },
            {
              name: 'synonyms',
              type: '[]',
              versions: '1+',
              ignorable: true,
              about: 'Every source that sets this key, in precedence order.',
              fields: [
                { name: 'name', type: 'string', versions: '1+' },
                { name: 'value', type: 'string', versions: '1+', nullableVersions: '0+' },
                { name: 'source', type: 'int8', versions: '1+' },
              ],
            },
            {
              name: 'configType',
              type: 'int8',
              versions: '3+',
              default: 0,
              ignorable: true,
              about: 'The value type (boolean, string, int, ...); 0 = unknown.',
            },
            {
              name: 'documentation',
              type: 'string',
              versions: '3+',
              nullableVersions: '0+',
              ignorable: true,
            },
          ],
        },
      ],
    },
  ],
} as const satisfies MessageDef;

export const DescribeConfigs = {
  apiKey: 32,
  name: 'DescribeConfigs',
  request: DescribeConfigsRequest,
  response: DescribeConfigsResponse,
} as const satisfies ApiDef;
