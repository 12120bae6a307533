// AlterReplicaLogDirs (key 34): move replicas between the log directories of
// the broker that receives it (kafka-reassign-partitions.sh with log dirs).
// v1 is v0 again; v2 is the first flexible version.

import type { ApiDef, MessageDef } from '../schema.ts';

export const AlterReplicaLogDirsRequest = {
  apiKey: 34,
  name: 'AlterReplicaLogDirsRequest',
  type: 'request',
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [
    {
      name: 'dirs',
      type: '[]',
      versions: '0+',
      about: 'The directories to move replicas to.',
      fields: [
        { name: 'path', type: 'string', versions: '0+', about: 'Absolute path of the directory.' },
        {
          name: 'topics',
          type: '[]',
          versions: '0+',
          fields: [
            { name: 'name', type: 'string', versions: '0+' },
            { name: 'partitions', type: '[]int32', versions: '0+' },
          ],
        },
      ],
    },
  ],
} as const satisfies MessageDef;

export const AlterReplicaLogDirsResponse = {
  apiKey: 34,
  name: 'AlterReplicaLogDirsResponse',
  type: 'response',
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    {
      name: 'results',
      type: '[]',
      versions: '0+',
      fields: [
        { name: 'topicName', type: 'string', versions: '0+' },
        {
          name: 'partitions',
          type: '[]',
          versions: '0+',
          fields: [
            { name: 'partitionIndex', type: 'int32', versions: '0+' },
            { name: 'errorCode', type: 'int16', versions: '0+' },
          ],
        },
      ],
    },
  ],
} as const satisfies MessageDef;

export const AlterReplicaLogDirs = {
  apiKey: 34,
  name: 'AlterReplicaLogDirs',
  request: AlterReplicaLogDirsRequest,
  response: AlterReplicaLogDirsResponse,
} as const satisfies ApiDef;
