// DeleteTopics (key 20): deletes topics. Up to v5 the request is a plain list
// of names; v6 replaces it with (name, topicId) pairs where either may be
// given. v4 is the first flexible version; v5 adds a per-topic error message.

import type { ApiDef, MessageDef } from '../schema.ts';

export const DeleteTopicsRequest = {
  apiKey: 20,
  name: 'DeleteTopicsRequest',
  type: 'request',
  validVersions: '0-6',
  flexibleVersions: '4+',
  fields: [
    {
      name: 'topics',
      type: '[]',
      versions: '6+',
      about: 'Topics by name or by id (a null name means look up by id).',
      fields: [
        { name: 'name', type: 'string', versions: '6+', nullableVersions: '6+', default: null },
        { name: 'topicId', type: 'uuid', versions: '6+' },
      ],
    },
    { name: 'topicNames', type: '[]string', versions: '0-5', ignorable: true },
    { name: 'timeoutMs', type: 'int32', versions: '0+' },
  ],
} as const satisfies MessageDef;

export const DeleteTopicsResponse = {
  apiKey: 20,
  name: 'DeleteTopicsResponse',
  type: 'response',
  validVersions: '0-6',
  flexibleVersions: '4+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '1+', ignorable: true },
    {
      name: 'responses',
      type: '[]',
      versions: '0+',
      fields: [
        { name: 'name', type: 'string', versions: '0+', nullableVersions: '6+' },
        { name: 'topicId', type: 'uuid', versions: '6+', ignorable: true },
        { name: 'errorCode', type: 'int16', versions: '0+' },
        {
          name: 'errorMessage',
          type: 'string',
          versions: '5+',
          nullableVersions: '5+',
          default: null,
          ignorable: true,
        },
      ],
    },
  ],
} as const satisfies MessageDef;

export const DeleteTopics = {
  apiKey: 20,
  name: 'DeleteTopics',
  request: DeleteTopicsRequest,
  response: DeleteTopicsResponse,
} as const satisfies ApiDef;
