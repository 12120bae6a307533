// SaslHandshake (key 17): the client names a SASL mechanism; the broker says
// whether it is enabled and lists those that are. From v1 the SASL tokens then
// travel in SaslAuthenticate requests; v0 sent them as raw size-prefixed
// frames. Never flexible: old clients break if the version is raised.

import type { ApiDef, MessageDef } from '../schema.ts';

export const SaslHandshakeRequest = {
  apiKey: 17,
  name: 'SaslHandshakeRequest',
  type: 'request',
  validVersions: '0-1',
  flexibleVersions: 'none',
  fields: [
    { name: 'mechanism', type: 'string', versions: '0+', about: 'e.g. PLAIN, SCRAM-SHA-256.' },
  ],
} as const satisfies MessageDef;

export const SaslHandshakeResponse = {
  apiKey: 17,
  name: 'SaslHandshakeResponse',
  type: 'response',
  validVersions: '0-1',
  flexibleVersions: 'none',
  fields: [
    { name: 'errorCode', type: 'int16', versions: '0+' },
    { name: 'mechanisms', type: '[]string', versions: '0+', about: 'The enabled mechanisms.' },
  ],
} as const satisfies MessageDef;

export const SaslHandshake = {
  apiKey: 17,
  name: 'SaslHandshake',
  request: SaslHandshakeRequest,
  response: SaslHandshakeResponse,
} as const satisfies ApiDef;
