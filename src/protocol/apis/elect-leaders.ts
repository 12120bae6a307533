// ElectLeaders (key 43): asks for leader elections on named partitions, or on
// every partition when the list is null (kafka-leader-election.sh). v1 adds the
// election type (preferred or unclean, KIP-460) and a top-level error code;
// v2 is the first flexible version.

import type { ApiDef, MessageDef } from '../schema.ts';

export const ElectLeadersRequest = {
  apiKey: 43,
  name: 'ElectLeadersRequest',
  type: 'request',
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [
    {
      name: 'electionType',
      type: 'int8',
      versions: '1+',
      default: 0,
      about: '0: elect the preferred replica; 1: elect any live replica when no in-sync one is.',
    },
    {
      name: 'topicPartitions',
      type: '[]',
      versions: '0+',
      nullableVersions: '0+',
      about: 'The partitions to elect leaders for; null means every partition.',
      fields: [
        { name: 'topic', type: 'string', versions: '0+' },
        {
          name: 'partitions',
          type: '[]int32',
          versions: '0+',
          about: 'Kafka calls this field PartitionId: the partition indexes of the topic.',
        },
      ],
    },
    {
      name: 'timeoutMs',
      type: 'int32',
      versions: '0+',
      about: 'How long to wait for the new leaders to be in place before answering.',
    },
  ],
} as const satisfies MessageDef;

export const ElectLeadersResponse = {
  apiKey: 43,
  name: 'ElectLeadersResponse',
  type: 'response',
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    {
      name: 'errorCode',
      type: 'int16',
      versions: '1+',
      about:
        'An error for the whole request, such as INVALID_REQUEST for an unknown election type.',
    },
    {
      name: 'replicaElectionResults',
      type: '[]',
      versions: '0+',
      fields: [
        { name: 'topic', type: 'string', versions: '0+' },
        {
          name: 'partitionResult',
          type: '[]',
          versions: '0+',
          about:
            'ELECTION_NOT_NEEDED when the wanted leader already leads (left out when every ' +
            'partition was asked for), PREFERRED_LEADER_NOT_AVAILABLE or ' +
            'ELIGIBLE_LEADERS_NOT_AVAILABLE when no replica may lead.',
          fields: [
            { name: 'partitionId', type: 'int32', versions: '0+' },
            { name: 'errorCode', type: 'int16', versions: '0+' },
            { name: 'errorMessage', type: 'string', versions: '0+', nullableVersions: '0+' },
          ],
        },
      ],
    },
  ],
} as const satisfies MessageDef;

export const ElectLeaders = {
  apiKey: 43,
  name: 'ElectLeaders',
  request: ElectLeadersRequest,
  response: ElectLeadersResponse,
} as const satisfies ApiDef;
