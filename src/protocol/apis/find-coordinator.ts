// FindCoordinator (key 10): which broker coordinates a group, transactional id
// or share group. v0-3 ask about one key with top-level results; v4+ (KIP-699)
// batch keys and answer per key. v1 adds the key type, v3 is the first
// flexible version; v5 (TRANSACTION_ABORTABLE) and v6 (share groups) only
// widen the allowed errors and key types.

import type { ApiDef, MessageDef } from '../schema.ts';

export const FindCoordinatorRequest = {
  apiKey: 10,
  name: 'FindCoordinatorRequest',
  type: 'request',
  validVersions: '0-6',
  flexibleVersions: '3+',
  fields: [
    { name: 'key', type: 'string', versions: '0-3', about: 'The key to look up.' },
    {
      name: 'keyType',
      type: 'int8',
      versions: '1+',
      default: 0,
      about: 'What the key names: 0 group, 1 transactional id, 2 share group.',
    },
    { name: 'coordinatorKeys', type: '[]string', versions: '4+', about: 'The keys to look up.' },
  ],
} as const satisfies MessageDef;

export const FindCoordinatorResponse = {
  apiKey: 10,
  name: 'FindCoordinatorResponse',
  type: 'response',
  validVersions: '0-6',
  flexibleVersions: '3+',
  fields: [
    {
      name: 'throttleTimeMs',
      type: 'int32',
      versions: '1+',
      ignorable: true,
      about: 'How long the client should back off because of a quota, or 0.',
    },
    { name: 'errorCode', type: 'int16', versions: '0-3', about: 'The error, or 0.' },
    {
      name: 'errorMessage',
      type: 'string',
      versions: '1-3',
      nullableVersions: '1-3',
      ignorable: true,
      about: 'A description of the error, or null.',
    },
    { name: 'nodeId', type: 'int32', versions: '0-3', about: "The coordinator's broker id." },
    { name: 'host', type: 'string', versions: '0-3', about: "The coordinator's host." },
    { name: 'port', type: 'int32', versions: '0-3', about: "The coordinator's port." },
    {
      name: 'coordinators',
      type: '[]',
      versions: '4+',
      about: 'One result per requested key.',
      fields: [
        { name: 'key', type: 'string', versions: '4+', about: 'The key looked up.' },
        { name: 'nodeId', type: 'int32', versions: '4+', about: "The coordinator's broker id." },
        { name: 'host', type: 'string', versions: '4+', about: "The coordinator's host." },
        { name: 'port', type: 'int32', versions: '4+', about: "The coordinator's port." },
        { name: 'errorCode', type: 'int16', versions: '4+', about: 'The error, or 0.' },
        {
          name: 'errorMessage',
          type: 'string',
          versions: '4+',
          nullableVersions: '4+',
          ignorable: true,
          about: 'A description of the error, or null.',
        },
      ],
    },
  ],
} as const satisfies MessageDef;

export const FindCoordinator = {
  apiKey: 10,
  name: 'FindCoordinator',
  request: FindCoordinatorRequest,
  response: FindCoordinatorResponse,
} as const satisfies ApiDef;
