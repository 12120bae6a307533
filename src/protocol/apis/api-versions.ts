// ApiVersions (key 18): the first request a client sends; it learns which
// versions of every API this broker speaks. Quirk (KIP-511): the response
// header is never flexible, even at v3+, and an unsupported request version
// is answered at v0 with UNSUPPORTED_VERSION and the full list of APIs.

import type { ApiDef, MessageDef } from '../schema.ts';

export const ApiVersionsRequest = {
  apiKey: 18,
  name: 'ApiVersionsRequest',
  type: 'request',
  validVersions: '0-4',
  flexibleVersions: '3+',
  fields: [
    {
      name: 'clientSoftwareName',
      type: 'string',
      versions: '3+',
      about: 'The name of the client.',
    },
    {
      name: 'clientSoftwareVersion',
      type: 'string',
      versions: '3+',
      about: 'The version of the client.',
    },
  ],
} as const satisfies MessageDef;

export const ApiVersionsResponse = {
  apiKey: 18,
  name: 'ApiVersionsResponse',
  type: 'response',
  validVersions: '0-4',
  flexibleVersions: '3+',
  fields: [
    { name: 'errorCode', type: 'int16', versions: '0+' },
    {
      name: 'apiKeys',
      type: '[]',
      versions: '0+',
      about: 'The APIs supported by the broker.',
      fields: [
        { name: 'apiKey', type: 'int16', versions: '0+' },
        { name: 'minVersion', type: 'int16', versions: '0+' },
        { name: 'maxVersion', type: 'int16', versions: '0+' },
      ],
    },
    { name: 'throttleTimeMs', type: 'int32', versions: '1+' },
    {
      name: 'supportedFeatures',
      type: '[]',
      versions: '3+',
      taggedVersions: '3+',
      tag: 0,
      fields: [
        { name: 'name', type: 'string', versions: '3+' },
        { name: 'minVersion', type: 'int16', versions: '3+' },
        { name: 'maxVersion', type: 'int16', versions: '3+' },
      ],
    },
    {
      name: 'finalizedFeaturesEpoch',
      type: 'int64',
      versions: '3+',
      taggedVersions: '3+',
      tag: 1,
      default: -1,
    },
    {
      name: 'finalizedFeatures',
      type: '[]',
      versions: '3+',
      taggedVersions: '3+',
      tag: 2,
      fields: [
        { name: 'name', type: 'string', versions: '3+' },
        { name: 'maxVersionLevel', type: 'int16', versions: '3+' },
        { name: 'minVersionLevel', type: 'int16', versions: '3+' },
      ],
    },
    {
      name: 'zkMigrationReady',
      type: 'bool',
      versions: '3+',
      taggedVersions: '3+',
      tag: 3,
      default: false,
    },
  ],
} as const satisfies MessageDef;

export const ApiVersions = {
  apiKey: 18,
  name: 'ApiVersions',
  request: ApiVersionsRequest,
  response: ApiVersionsResponse,
} as const satisfies ApiDef;
