// The two classic client-side partition assignors, as Kafka's consumer runs
// them on the group leader: "range" (per topic, consecutive partitions to
// members in member-id order, the first members taking one extra) and
// "roundrobin" (all partitions in topic-then-partition order dealt to members
// in turn, skipping members not subscribed to that topic). Pure functions.

import type { TopicPartition } from './fetcher.ts';

export interface AssignorMember {
  readonly memberId: string;
  readonly topics: readonly string[];
}

export type Assignment = Map<string, TopicPartition[]>;
export type AssignorName = 'range' | 'roundrobin';
export const ASSIGNOR_NAMES: readonly AssignorName[] = ['range', 'roundrobin'];

function emptyAssignment(members: readonly AssignorMember[]): Assignment {
  return new Map(members.map((m) => [m.memberId, []]));
}

const byMemberId = (a: AssignorMember, b: AssignorMember): number =>
  a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0;

/** partitionCounts: partitions per topic; topics missing from it are skipped. */
export function rangeAssign(
  members: readonly AssignorMember[],
  partitionCounts: ReadonlyMap<string, number>,
): Assignment {
  const out = emptyAssignment(members);
  const topics = [...new Set(members.flatMap((m) => m.topics))].sort();
  for (const topic of topics) {
    const count = partitionCounts.get(topic);
    if (count === undefined) continue;
    const consumers = members.filter((m) => m.topics.includes(topic)).sort(byMemberId);
    const each = Math.floor(count / consumers.length);
    const extra = count % consumers.length;
    consumers.forEach((m, i) => {
      const start = each * i + Math.min(i, extra);
      const length = each + (i < extra ? 1 : 0);
      for (let p = start; p < start + length; p++)
        out.get(m.memberId)!.push({ topic, partition: p });
    });
  }
  return out;
}

export function roundRobinAssign(
  members: readonly AssignorMember[],
  partitionCounts: ReadonlyMap<string, number>,
): Assignment {
  const out = emptyAssignment(members);
  const sorted = [...members].sort(byMemberId);
  const topics = [...new Set(members.flatMap((m) => m.topics))].sort();
  let next = 0;
  for (const topic of topics) {
    const count = partitionCounts.get(topic) ?? 0;
    for (let partition = 0; partition < count; partition++) {
      // Deal to the next member in the circle that subscribes to this topic.
      for (let tries = 0; tries < sorted.length; tries++) {
        const m = sorted[next % sorted.length]!;
        next++;
        if (m.topics.includes(topic)) {
          out.get(m.memberId)!.push({ topic, partition });
          break;
        }
      }
    }
  }
  return out;
}

export function assign(
  name: AssignorName,
  members: readonly AssignorMember[],
  partitionCounts: ReadonlyMap<string, number>,
): Assignment {
  return name === 'range'
    ? rangeAssign(members, partitionCounts)
    : roundRobinAssign(members, partitionCounts);
}
