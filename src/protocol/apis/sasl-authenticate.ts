// SaslAuthenticate (key 36): carries one SASL token each way after a v1
// SaslHandshake. v1 adds the session lifetime, after which the client must
// re-authenticate (KIP-368); v2 is the first flexible version.

import type { ApiDef, MessageDef } from '../schema.ts';

export const SaslAuthenticateRequest = {
  apiKey: 36,
  name: 'SaslAuthenticateRequest',
  type: 'request',
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [{ name: 'authBytes', type: 'bytes', versions: '0+', about: 'The client SASL token.' }],
} as const satisfies MessageDef;

export const SaslAuthenticateResponse = {
  apiKey: 36,
  name: 'SaslAuthenticateResponse',
  type: 'response',
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [
    { name: 'errorCode', type: 'int16', versions: '0+' },
    { name: 'errorMessage', type: 'string', versions: '0+', nullableVersions: '0+' },
    { name: 'authBytes', type: 'bytes', versions: '0+', about: 'The server SASL token.' },
    {
      name: 'sessionLifetimeMs',
      type: 'int64',
      versions: '1+',
      default: 0,
      ignorable: true,
      about: '0 = no re-authentication required.',
    },
  ],
} as const satisfies MessageDef;

export const SaslAuthenticate = {
  apiKey: 36,
  name: 'SaslAuthenticate',
  request: SaslAuthenticateRequest,
  response: SaslAuthenticateResponse,
} as const satisfies ApiDef;
