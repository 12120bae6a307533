// AlterUserScramCredentials (key 51): deletes and upserts SCRAM credentials (KIP-554). The
// client salts the password itself and sends the salt, the iteration count and the salted
// password; the broker derives StoredKey and ServerKey and stores those. One result per
// user named. Flexible from v0.

import type { ApiDef, MessageDef } from '../schema.ts';

export const AlterUserScramCredentialsRequest = {
  apiKey: 51,
  name: 'AlterUserScramCredentialsRequest',
  type: 'request',
  validVersions: '0',
  flexibleVersions: '0+',
  fields: [
    {
      name: 'deletions',
      type: '[]',
      versions: '0+',
      fields: [
        { name: 'name', type: 'string', versions: '0+' },
        { name: 'mechanism', type: 'int8', versions: '0+' },
      ],
    },
    {
      name: 'upsertions',
      type: '[]',
      versions: '0+',
      fields: [
        { name: 'name', type: 'string', versions: '0+' },
        { name: 'mechanism', type: 'int8', versions: '0+' },
        { name: 'iterations', type: 'int32', versions: '0+' },
        { name: 'salt', type: 'bytes', versions: '0+' },
        { name: 'saltedPassword', type: 'bytes', versions: '0+' },
      ],
    },
  ],
} as const satisfies MessageDef;

export const AlterUserScramCredentialsResponse = {
  apiKey: 51,
  name: 'AlterUserScramCredentialsResponse',
  type: 'response',
  validVersions: '0',
  flexibleVersions: '0+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    {
      name: 'results',
      type: '[]',
      versions: '0+',
      fields: [
        { name: 'user', type: 'string', versions: '0+' },
        { name: 'errorCode', type: 'int16', versions: '0+' },
        { name: 'errorMessage', type: 'string', versions: '0+', nullableVersions: '0+' },
      ],
    },
  ],
} as const satisfies MessageDef;

export const AlterUserScramCredentials = {
  apiKey: 51,
  name: 'AlterUserScramCredentials',
  request: AlterUserScramCredentialsRequest,
  response: AlterUserScramCredentialsResponse,
} as const satisfies ApiDef;
