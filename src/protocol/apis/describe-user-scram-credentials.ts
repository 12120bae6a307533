// DescribeUserScramCredentials (key 50): which SCRAM mechanisms each user has a credential
// for, with the iteration count (never the salt or keys). A null or empty user list means
// every user (KIP-554). Flexible from v0.

import type { ApiDef, MessageDef } from '../schema.ts';

export const DescribeUserScramCredentialsRequest = {
  apiKey: 50,
  name: 'DescribeUserScramCredentialsRequest',
  type: 'request',
  validVersions: '0',
  flexibleVersions: '0+',
  fields: [
    {
      name: 'users',
      type: '[]',
      versions: '0+',
      nullableVersions: '0+',
      about: 'The users to describe; null or empty: all users.',
      fields: [{ name: 'name', type: 'string', versions: '0+' }],
    },
  ],
} as const satisfies MessageDef;

export const DescribeUserScramCredentialsResponse = {
  apiKey: 50,
  name: 'DescribeUserScramCredentialsResponse',
  type: 'response',
  validVersions: '0',
  flexibleVersions: '0+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    { name: 'errorCode', type: 'int16', versions: '0+' },
    { name: 'errorMessage', type: 'string', versions: '0+', nullableVersions: '0+' },
    {
      name: 'results',
      type: '[]',
      versions: '0+',
      fields: [
        { name: 'user', type: 'string', versions: '0+' },
        {
          name: 'errorCode',
          type: 'int16',
          versions: '0+',
          about:
            'RESOURCE_NOT_FOUND for a user without credentials; DUPLICATE_RESOURCE if named twice.',
        },
        { name: 'errorMessage', type: 'string', versions: '0+', nullableVersions: '0+' },
        {
          name: 'credentialInfos',
          type: '[]',
          versions: '0+',
          fields: [
            {
              name: 'mechanism',
              type: 'int8',
              versions: '0+',
              about: '1 SCRAM-SHA-256, 2 SCRAM-SHA-512.',
            },
            { name: 'iterations', type: 'int32', versions: '0+' },
          ],
        },
      ],
    },
  ],
} as const satisfies MessageDef;

export const DescribeUserScramCredentials = {
  apiKey: 50,
  name: 'DescribeUserScramCredentials',
  request: DescribeUserScramCredentialsRequest,
  response: DescribeUserScramCredentialsResponse,
} as const satisfies ApiDef;
