// The standard "consumer" embedded protocol: what a member puts in JoinGroup's
// metadata (its subscription) and what the leader hands out in SyncGroup (an
// assignment), in Kafka's ConsumerProtocolSubscription/Assignment layouts
// (versions 0-3, never flexible; a reader of an older version ignores the
// trailing fields of a newer one). Defined as data and encoded by the codec.

import { codecFor, type MessageValue } from '../protocol/codec.ts';
import type { MessageDef } from '../protocol/schema.ts';
import type { TopicPartition } from './fetcher.ts';

const TopicPartitionsField = {
  name: 'partitions',
  type: '[]',
  versions: '0+',
  fields: [
    { name: 'topic', type: 'string', versions: '0+' },
    { name: 'partitions', type: '[]int32', versions: '0+' },
  ],
} as const;

export const ConsumerProtocolSubscription = {
  apiKey: -1,
  name: 'ConsumerProtocolSubscription',
  type: 'data',
  validVersions: '0-3',
  flexibleVersions: 'none',
  fields: [
    { name: 'topics', type: '[]string', versions: '0+', about: 'Subscribed topics.' },
    { name: 'userData', type: 'bytes', versions: '0+', nullableVersions: '0+', default: null },
    {
      ...TopicPartitionsField,
      name: 'ownedPartitions',
      versions: '1+',
      about: 'Held before this rebalance.',
    },
    { name: 'generationId', type: 'int32', versions: '2+', default: -1 },
    { name: 'rackId', type: 'string', versions: '3+', nullableVersions: '3+', default: null },
  ],
} as const satisfies MessageDef;

export const ConsumerProtocolAssignment = {
  apiKey: -1,
  name: 'ConsumerProtocolAssignment',
  type: 'data',
  validVersions: '0-3',
  flexibleVersions: 'none',
  fields: [
    {
      ...TopicPartitionsField,
      name: 'assignedPartitions',
      about: 'Partitions given to the member.',
    },
    { name: 'userData', type: 'bytes', versions: '0+', nullableVersions: '0+', default: null },
  ],
} as const satisfies MessageDef;

type SubscriptionValue = MessageValue<typeof ConsumerProtocolSubscription>;
type AssignmentValue = MessageValue<typeof ConsumerProtocolAssignment>;

const subscriptionCodec = codecFor(ConsumerProtocolSubscription);
const assignmentCodec = codecFor(ConsumerProtocolAssignment);
const HIGHEST_VERSION = 3;
/** The version we write: 1 carries owned partitions, which eager assignors ignore. */
const WRITTEN_VERSION = 1;

export interface Subscription {
  readonly topics: readonly string[];
  readonly ownedPartitions: readonly TopicPartition[];
}

function grouped(tps: readonly TopicPartition[]): { topic: string; partitions: number[] }[] {
  const byTopic = new Map<string, number[]>();
  for (const tp of tps) byTopic.set(tp.topic, [...(byTopic.get(tp.topic) ?? []), tp.partition]);
  return [...byTopic].map(([topic, partitions]) => ({
    topic,
    partitions: partitions.sort((a, b) => a - b),
  }));
}

function flattened(list: readonly { topic: string; partitions: number[] }[]): TopicPartition[] {
  return list.flatMap((e) => e.partitions.map((partition) => ({ topic: e.topic, partition })));
}

/** Reads the version prefix, decoding a newer version's known prefix as our highest. */
function versionOf(bytes: Buffer): number {
  if (bytes.length < 2) throw new Error('consumer protocol data shorter than its version');
  return Math.min(bytes.readInt16BE(0), HIGHEST_VERSION);
}

export function encodeSubscription(s: Subscription): Buffer {
  const value: SubscriptionValue = {
    topics: [...s.topics],
    userData: null,
    ownedPartitions: grouped(s.ownedPartitions),
    generationId: -1,
    rackId: null,
  };
  const version = Buffer.alloc(2);
  version.writeInt16BE(WRITTEN_VERSION);
  return Buffer.concat([version, subscriptionCodec.encode(value, WRITTEN_VERSION)]);
}

export function decodeSubscription(bytes: Buffer): Subscription {
  const v = subscriptionCodec.decode(bytes.subarray(2), versionOf(bytes));
  return { topics: v.topics, ownedPartitions: flattened(v.ownedPartitions) };
}

export function encodeAssignment(partitions: readonly TopicPartition[]): Buffer {
  const value: AssignmentValue = { assignedPartitions: grouped(partitions), userData: null };
  const version = Buffer.alloc(2);
  version.writeInt16BE(WRITTEN_VERSION);
  return Buffer.concat([version, assignmentCodec.encode(value, WRITTEN_VERSION)]);
}

/** An empty buffer is an empty assignment (a member given nothing, or a group mid-rebalance). */
export function decodeAssignment(bytes: Buffer): TopicPartition[] {
  if (bytes.length === 0) return [];
  return flattened(assignmentCodec.decode(bytes.subarray(2), versionOf(bytes)).assignedPartitions);
}
