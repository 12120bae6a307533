// DescribeLogDirs (key 35): per log directory, the partitions stored there and
// their sizes. v2 is the first flexible version, v3 adds a top-level error
// code, v4 the volume's total and usable bytes.

import type { ApiDef, MessageDef } from '../schema.ts';

export const DescribeLogDirsRequest = {
  apiKey: 35,
  name: 'DescribeLogDirsRequest',
  type: 'request',
  validVersions: '0-4',
  flexibleVersions: '2+',
  fields: [
    {
      name: 'topics',
      type: '[]',
      versions: '0+',
      nullableVersions: '0+',
      about: 'Null for every topic.',
      fields: [
        { name: 'topic', type: 'string', versions: '0+' },
        { name: 'partitions', type: '[]int32', versions: '0+' },
      ],
    },
  ],
} as const satisfies MessageDef;

export const DescribeLogDirsResponse = {
  apiKey: 35,
  name: 'DescribeLogDirsResponse',
  type: 'response',
  validVersions: '0-4',
  flexibleVersions: '2+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    { name: 'errorCode', type: 'int16', versions: '3+', ignorable: true },
    {
      name: 'results',
      type: '[]',
      versions: '0+',
      fields: [
        { name: 'errorCode', type: 'int16', versions: '0+' },
        {
          name: 'logDir',
          type: 'string',
          versions: '0+',
          about: 'Absolute path of the directory.',
        },
        {
          name: 'topics',
          type: '[]',
          versions: '0+',
          fields: [
            { name: 'name', type: 'string', versions: '0+' },
            {
              name: 'partitions',
              type: '[]',
              versions: '0+',
              fields: [
                { name: 'partitionIndex', type: 'int32', versions: '0+' },
                {
                  name: 'partitionSize',
                  type: 'int64',
                  versions: '0+',
                  about: 'Bytes of segments.',
                },
                {
                  name: 'offsetLag',
                  type: 'int64',
                  versions: '0+',
                  about:
                    'Log end behind the high watermark (a future log: behind the current log).',
                },
                {
                  name: 'isFutureKey',
                  type: 'bool',
                  versions: '0+',
                  about: 'True for a log being moved here by AlterReplicaLogDirs.',
                },
              ],
            },
          ],
        },
        { name: 'totalBytes', type: 'int64', versions: '4+', default: -1, ignorable: true },
        { name: 'usableBytes', type: 'int64', versions: '4+', default: -1, ignorable: true },
      ],
    },
  ],
} as const satisfies MessageDef;

export const DescribeLogDirs = {
  apiKey: 35,
  name: 'DescribeLogDirs',
  request: DescribeLogDirsRequest,
  response: DescribeLogDirsResponse,
} as const satisfies ApiDef;
