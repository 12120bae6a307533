// DescribeCluster (key 60): the cluster id, controller and brokers, as the
// Java AdminClient asks for them (KIP-700). Flexible from v0; v1 adds the
// endpoint type (1 = brokers, 2 = controllers, KIP-919).

import type { ApiDef, MessageDef } from '../schema.ts';

export const DescribeClusterRequest = {
  apiKey: 60,
  name: 'DescribeClusterRequest',
  type: 'request',
  validVersions: '0-1',
  flexibleVersions: '0+',
  fields: [
    { name: 'includeClusterAuthorizedOperations', type: 'bool', versions: '0+' },
    {
      name: 'endpointType',
      type: 'int8',
      versions: '1+',
      default: 1,
      about: '1 = brokers, 2 = controllers.',
    },
  ],
} as const satisfies MessageDef;

export const DescribeClusterResponse = {
  apiKey: 60,
  name: 'DescribeClusterResponse',
  type: 'response',
  validVersions: '0-1',
  flexibleVersions: '0+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    { name: 'errorCode', type: 'int16', versions: '0+' },
    {
      name: 'errorMessage',
      type: 'string',
      versions: '0+',
      nullableVersions: '0+',
      default: null,
    },
    { name: 'endpointType', type: 'int8', versions: '1+', default: 1 },
    { name: 'clusterId', type: 'string', versions: '0+' },
    { name: 'controllerId', type: 'int32', versions: '0+', default: -1 },
    {
      name: 'brokers',
      type: '[]',
      versions: '0+',
      fields: [
        { name: 'brokerId', type: 'int32', versions: '0+' },
        { name: 'host', type: 'string', versions: '0+' },
        { name: 'port', type: 'int32', versions: '0+' },
        { name: 'rack', type: 'string', versions: '0+', nullableVersions: '0+', default: null },
      ],
    },
    {
      name: 'clusterAuthorizedOperations',
      type: 'int32',
      versions: '0+',
      default: -2147483648,
      about: 'Bit field of allowed ACL operations; INT32_MIN when not requested.',
    },
  ],
} as const satisfies MessageDef;

export const DescribeCluster = {
  apiKey: 60,
  name: 'DescribeCluster',
  request: DescribeClusterRequest,
  response: DescribeClusterResponse,
} as const satisfies ApiDef;
