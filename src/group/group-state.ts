// The data of the classic group coordinator and the transitions of one group:
// members, generations, protocol selection by vote, leader choice, committed
// offsets and their expiry. Plain objects and maps, no I/O and no clock (time is
// passed in); functions that must answer parked requests live in the machine.

import { CONSUMER_PROTOCOL_TYPE, decodeSubscriptionTopics } from './consumer-protocol.ts';
import type { GroupCoordinatorConfig } from './group-config.ts';
import type { GroupMetadataValue } from './offsets-topic-format.ts';

export type GroupStateName =
  | 'Empty'
  | 'PreparingRebalance'
  | 'CompletingRebalance'
  | 'Stable'
  | 'Dead';

/** Chosen by the caller; identifies a request whose answer may come in a later step. */
export type RequestId = number;

export interface MemberProtocol {
  readonly name: string;
  readonly metadata: Uint8Array;
}

export interface GroupMember {
  memberId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  readonly protocolType: string;
  /** In the member's order of preference. */
  supportedProtocols: readonly MemberProtocol[];
  assignment: Uint8Array;
  /** The JoinGroup parked until the rebalance completes. */
  awaitingJoin: RequestId | null;
  /** The SyncGroup parked until the leader's assignment is stored. */
  awaitingSync: RequestId | null;
  /** Joined in the current rebalance and not yet given a generation. */
  isNew: boolean;
}

export interface CommittedOffset {
  readonly offset: number;
  readonly leaderEpoch: number;
  readonly metadata: string;
  readonly commitTimestamp: number;
  readonly expireTimestamp: number | null;
}

/** topic -> partition -> value. */
export type OffsetTable = Map<string, Map<number, CommittedOffset>>;

export interface ClassicGroup {
  readonly groupId: string;
  state: GroupStateName;
  currentStateTimestamp: number | null;
  protocolType: string | null;
  protocolName: string | null;
  generationId: number;
  leaderId: string | null;
  /** In join order, which is also the order of leader succession. */
  readonly members: Map<string, GroupMember>;
  /** group.instance.id -> member id. */
  readonly staticMembers: Map<string, string>;
  /** Member ids handed out with MEMBER_ID_REQUIRED and not yet used to join. */
  readonly pendingMembers: Set<string>;
  /** Members given the new generation that have not sent SyncGroup yet. */
  readonly pendingSyncMembers: Set<string>;
  /** A member joined during the initial delay, so the delay may be extended. */
  newMemberAdded: boolean;
  /** Topics the "consumer" members subscribe to; null when unknown. */
  subscribedTopics: Set<string> | null;
  readonly offsets: OffsetTable;
  /** Offset commits written to the log but not yet acknowledged. */
  readonly pendingOffsetCommits: OffsetTable;
  /** Offsets committed in transactions not yet decided, by producer id (Kafka's pendingTransactionalOffsetCommits). */
  readonly pendingTxnOffsets: Map<number, OffsetTable>;
}

export type GroupTimer =
  | {
      readonly kind: 'join';
      readonly atMs: number;
      readonly groupId: string;
      /** Set while the group waits out group.initial.rebalance.delay.ms. */
      readonly initial: { readonly delayMs: number; readonly remainingMs: number } | null;
    }
  | {
      readonly kind: 'sync';
      readonly atMs: number;
      readonly groupId: string;
      readonly generationId: number;
    }
  | {
      readonly kind: 'session';
      readonly atMs: number;
      readonly groupId: string;
      readonly memberId: string;
    }
  | {
      readonly kind: 'pending-member';
      readonly atMs: number;
      readonly groupId: string;
      readonly memberId: string;
    }
  | { readonly kind: 'offsets-retention'; readonly atMs: number };

/** A log append whose outcome decides what the coordinator does next. */
export type PendingPersist =
  | {
      readonly kind: 'sync-assignment';
      readonly groupId: string;
      readonly generationId: number;
      readonly assignment: ReadonlyMap<string, Uint8Array>;
    }
  | {
      readonly kind: 'static-rejoin';
      readonly groupId: string;
      readonly requestId: RequestId;
      readonly groupInstanceId: string;
      readonly oldMemberId: string;
      readonly newMemberId: string;
      readonly previousLeaderId: string | null;
      readonly supportSkippingAssignment: boolean;
      readonly oldProtocols: readonly MemberProtocol[];
      readonly oldRebalanceTimeoutMs: number;
      readonly oldSessionTimeoutMs: number;
    }
  | {
      readonly kind: 'offsets';
      readonly groupId: string;
      readonly requestId: RequestId;
      /** Every partition of the request, in request order, with its outcome so far. */
      readonly partitions: readonly PendingCommitPartition[];
    }
  | {
      readonly kind: 'txn-offsets';
      readonly groupId: string;
      readonly requestId: RequestId;
      readonly producerId: number;
      readonly partitions: readonly PendingCommitPartition[];
    };

export interface PendingCommitPartition {
  readonly topic: string;
  readonly partitionIndex: number;
  /** The value being written, or null when the partition already has its error. */
  readonly staged: CommittedOffset | null;
  readonly errorCode: number;
}

export interface GroupCoordinatorState {
  readonly config: GroupCoordinatorConfig;
  readonly groups: Map<string, ClassicGroup>;
  /** __consumer_offsets partitions this broker coordinates, or is loading. */
  readonly partitions: Map<number, 'loading' | 'owned'>;
  readonly timers: Map<string, GroupTimer>;
  readonly pendingPersists: Map<number, PendingPersist>;
  nextPersistId: number;
}

const EMPTY_BYTES = new Uint8Array(0);

export function emptyBytes(): Uint8Array {
  return EMPTY_BYTES;
}

/** Fails on our own bugs, never on client input. */
export function invariant(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`group coordinator invariant broken: ${message}`);
}

// ---------------------------------------------------------------------------
// Group lifecycle.

export function createGroup(groupId: string, nowMs: number): ClassicGroup {
  return {
    groupId,
    state: 'Empty',
    currentStateTimestamp: nowMs,
    protocolType: null,
    protocolName: null,
    generationId: 0,
    leaderId: null,
    members: new Map(),
    staticMembers: new Map(),
    pendingMembers: new Set(),
    pendingSyncMembers: new Set(),
    newMemberAdded: false,
    subscribedTopics: null,
    offsets: new Map(),
    pendingOffsetCommits: new Map(),
    pendingTxnOffsets: new Map(),
  };
}

const VALID_PREVIOUS_STATES: Record<GroupStateName, readonly GroupStateName[]> = {
  PreparingRebalance: ['Stable', 'CompletingRebalance', 'Empty'],
  CompletingRebalance: ['PreparingRebalance'],
  Stable: ['CompletingRebalance'],
  Dead: ['Stable', 'PreparingRebalance', 'CompletingRebalance', 'Empty', 'Dead'],
  Empty: ['PreparingRebalance'],
};

export function transitionTo(group: ClassicGroup, target: GroupStateName, nowMs: number): void {
  invariant(
    VALID_PREVIOUS_STATES[target].includes(group.state),
    `group ${group.groupId} cannot move from ${group.state} to ${target}`,
  );
  group.state = target;
  group.currentStateTimestamp = nowMs;
}

export function canRebalance(group: ClassicGroup): boolean {
  return VALID_PREVIOUS_STATES.PreparingRebalance.includes(group.state);
}

export function isConsumerGroup(group: ClassicGroup): boolean {
  return group.protocolType === CONSUMER_PROTOCOL_TYPE;
}

/** Kafka's form: `<clientId or group.instance.id>-<uuid>`. */
export function generateMemberId(
  clientId: string,
  groupInstanceId: string | null,
  uuid: string,
): string {
  return `${groupInstanceId ?? clientId}-${uuid}`;
}

// ---------------------------------------------------------------------------
// Membership.

export function addMember(group: ClassicGroup, member: GroupMember): void {
  invariant(!group.members.has(member.memberId), `member ${member.memberId} added twice`);
  if (member.groupInstanceId !== null) {
    invariant(
      !group.staticMembers.has(member.groupInstanceId),
      `static member ${member.groupInstanceId} added twice`,
    );
    group.staticMembers.set(member.groupInstanceId, member.memberId);
  }
  if (group.members.size === 0) group.protocolType = member.protocolType;
  if (group.leaderId === null) group.leaderId = member.memberId;
  group.members.set(member.memberId, member);
  group.pendingMembers.delete(member.memberId);
}

/** Removes a member (or pending member); the next member in join order leads if it led. */
export function removeMember(group: ClassicGroup, memberId: string): GroupMember | undefined {
  const member = group.members.get(memberId);
  if (member !== undefined) {
    group.members.delete(memberId);
    if (member.groupInstanceId !== null) group.staticMembers.delete(member.groupInstanceId);
  }
  if (group.leaderId === memberId) {
    const next = group.members.keys().next();
    group.leaderId = next.done === true ? null : next.value;
  }
  group.pendingMembers.delete(memberId);
  group.pendingSyncMembers.delete(memberId);
  return member;
}

/** Gives a static member a new member id, keeping everything else. */
export function replaceStaticMember(
  group: ClassicGroup,
  groupInstanceId: string,
  oldMemberId: string,
  newMemberId: string,
): GroupMember {
  const member = group.members.get(oldMemberId);
  invariant(member !== undefined, `cannot replace missing member ${oldMemberId}`);
  // Rebuild the map so the member keeps its place in join order.
  const entries = [...group.members.entries()];
  group.members.clear();
  for (const [id, m] of entries) group.members.set(id === oldMemberId ? newMemberId : id, m);
  member.memberId = newMemberId;
  if (group.leaderId === oldMemberId) group.leaderId = newMemberId;
  group.staticMembers.set(groupInstanceId, newMemberId);
  if (group.pendingSyncMembers.delete(oldMemberId)) group.pendingSyncMembers.add(newMemberId);
  return member;
}

export function updateMember(
  member: GroupMember,
  protocols: readonly MemberProtocol[],
  rebalanceTimeoutMs: number,
  sessionTimeoutMs: number,
  awaitingJoin: RequestId | null,
): void {
  member.supportedProtocols = protocols;
  member.rebalanceTimeoutMs = rebalanceTimeoutMs;
  member.sessionTimeoutMs = sessionTimeoutMs;
  member.awaitingJoin = awaitingJoin;
}

export function memberMatches(member: GroupMember, protocols: readonly MemberProtocol[]): boolean {
  if (member.supportedProtocols.length !== protocols.length) return false;
  return protocols.every((p, i) => {
    const q = member.supportedProtocols[i]!;
    return p.name === q.name && bytesEqual(p.metadata, q.metadata);
  });
}

export function memberMetadataFor(member: GroupMember, protocolName: string): Uint8Array {
  const found = member.supportedProtocols.find((p) => p.name === protocolName);
  invariant(found !== undefined, `member ${member.memberId} lacks protocol ${protocolName}`);
  return found.metadata;
}

export function numAwaitingJoin(group: ClassicGroup): number {
  let n = 0;
  for (const m of group.members.values()) if (m.awaitingJoin !== null) n++;
  return n;
}

export function hasAllMembersJoined(group: ClassicGroup): boolean {
  return numAwaitingJoin(group) === group.members.size && group.pendingMembers.size === 0;
}

/**
 * The rebalance timeout a member is held to. Kafka uses the session timeout when a
 * JoinGroup has none (v0, KAFKA-8653). A client on v1+ that leaves the field unset
 * sends 0 (or the field's default, -1), which Kafka takes literally: the group's
 * timeout becomes 0, the join phase ends at once for every member not yet back, and
 * (Kafka 3.0+, KAFKA-12890) the member's own SyncGroup deadline passes before its
 * JoinGroup answer reaches it, so it is removed and rejoins forever. We read "no
 * positive rebalance timeout" as unset, Kafka's v0 rule, as kafkajs itself does for
 * its request timeout (`rebalanceTimeout || sessionTimeout`).
 */
export function effectiveRebalanceTimeoutMs(
  rebalanceTimeoutMs: number,
  sessionTimeoutMs: number,
): number {
  return rebalanceTimeoutMs > 0 ? rebalanceTimeoutMs : sessionTimeoutMs;
}

/** The longest rebalance timeout of the members: how long a rebalance may take. */
export function groupRebalanceTimeoutMs(group: ClassicGroup): number {
  let timeoutMs = 0;
  for (const m of group.members.values()) timeoutMs = Math.max(timeoutMs, m.rebalanceTimeoutMs);
  return timeoutMs;
}

/**
 * Keeps the leader if it rejoined, else picks the first member that rejoined.
 * False when the group has no leader or no member rejoined.
 */
export function maybeElectNewJoinedLeader(group: ClassicGroup): boolean {
  if (group.leaderId === null) return false;
  const leader = group.members.get(group.leaderId);
  if (leader !== undefined && leader.awaitingJoin !== null) return true;
  for (const m of group.members.values()) {
    if (m.awaitingJoin !== null) {
      group.leaderId = m.memberId;
      return true;
    }
  }
  return false;
}

// ---------------------------------------------------------------------------
// Protocols.

/** Protocols every member supports. */
function candidateProtocols(group: ClassicGroup): Set<string> {
  const counts = new Map<string, number>();
  for (const m of group.members.values()) {
    // A member listing a protocol twice still counts once.
    for (const name of new Set(m.supportedProtocols.map((p) => p.name))) {
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
  }
  const common = new Set<string>();
  for (const [name, count] of counts) if (count === group.members.size) common.add(name);
  return common;
}

/** Whether a member with these protocols may join: Kafka's INCONSISTENT_GROUP_PROTOCOL check. */
export function supportsProtocols(
  group: ClassicGroup,
  protocolType: string,
  protocolNames: readonly string[],
): boolean {
  if (group.state === 'Empty') return protocolType.length > 0 && protocolNames.length > 0;
  if (group.protocolType !== protocolType) return false;
  const candidates = candidateProtocols(group);
  return protocolNames.some((n) => candidates.has(n));
}

/** Each member votes for its most preferred common protocol; the most votes wins. */
export function selectProtocol(group: ClassicGroup): string {
  invariant(group.members.size > 0, `cannot select a protocol for empty group ${group.groupId}`);
  const candidates = candidateProtocols(group);
  const votes = new Map<string, number>();
  for (const m of group.members.values()) {
    const vote = m.supportedProtocols.find((p) => candidates.has(p.name));
    invariant(vote !== undefined, `member ${m.memberId} supports no common protocol`);
    votes.set(vote.name, (votes.get(vote.name) ?? 0) + 1);
  }
  let best = '';
  let bestVotes = 0;
  for (const [name, count] of votes) {
    if (count > bestVotes) {
      best = name;
      bestVotes = count;
    }
  }
  return best;
}

export function initNextGeneration(group: ClassicGroup, nowMs: number): void {
  group.generationId += 1;
  if (group.members.size > 0) {
    group.protocolName = selectProtocol(group);
    group.subscribedTopics = computeSubscribedTopics(group);
    transitionTo(group, 'CompletingRebalance', nowMs);
  } else {
    group.protocolName = null;
    group.subscribedTopics = computeSubscribedTopics(group);
    transitionTo(group, 'Empty', nowMs);
  }
  group.pendingSyncMembers.clear();
}

/** Null when unknown: not a consumer group, no protocol yet, or unreadable subscriptions. */
export function computeSubscribedTopics(group: ClassicGroup): Set<string> | null {
  if (group.protocolType !== CONSUMER_PROTOCOL_TYPE) return null;
  if (group.members.size === 0) return new Set();
  if (group.protocolName === null) return null;
  const topics = new Set<string>();
  for (const m of group.members.values()) {
    const subscribed = decodeSubscriptionTopics(memberMetadataFor(m, group.protocolName));
    if (subscribed === null) return null;
    for (const t of subscribed) topics.add(t);
  }
  return topics;
}

/** When unknown, a group counts as subscribed to every topic, to be safe. */
export function isSubscribedToTopic(group: ClassicGroup, topic: string): boolean {
  return group.subscribedTopics === null || group.subscribedTopics.has(topic);
}

// ---------------------------------------------------------------------------
// Offsets.

export function getOffset(
  table: OffsetTable,
  topic: string,
  partition: number,
): CommittedOffset | undefined {
  return table.get(topic)?.get(partition);
}

export function setOffset(
  table: OffsetTable,
  topic: string,
  partition: number,
  value: CommittedOffset,
): void {
  let byPartition = table.get(topic);
  if (byPartition === undefined) {
    byPartition = new Map();
    table.set(topic, byPartition);
  }
  byPartition.set(partition, value);
}

export function deleteOffset(table: OffsetTable, topic: string, partition: number): boolean {
  const byPartition = table.get(topic);
  if (byPartition === undefined) return false;
  const deleted = byPartition.delete(partition);
  if (byPartition.size === 0) table.delete(topic);
  return deleted;
}

export function hasOffsets(group: ClassicGroup): boolean {
  return (
    group.offsets.size > 0 ||
    group.pendingOffsetCommits.size > 0 ||
    group.pendingTxnOffsets.size > 0
  );
}

/** Whether a commit to the partition is staged (plain or transactional): requireStable's test. */
export function hasPendingCommit(group: ClassicGroup, topic: string, partition: number): boolean {
  if (getOffset(group.pendingOffsetCommits, topic, partition) !== undefined) return true;
  for (const table of group.pendingTxnOffsets.values())
    if (getOffset(table, topic, partition) !== undefined) return true;
  return false;
}

export interface TopicPartitionRef {
  readonly topic: string;
  readonly partition: number;
}

/** Removes offsets (and staged commits) of the given partitions; returns those that existed. */
export function removeOffsets(
  group: ClassicGroup,
  partitions: readonly TopicPartitionRef[],
): TopicPartitionRef[] {
  const removed: TopicPartitionRef[] = [];
  for (const tp of partitions) {
    deleteOffset(group.pendingOffsetCommits, tp.topic, tp.partition);
    if (deleteOffset(group.offsets, tp.topic, tp.partition)) removed.push(tp);
  }
  return removed;
}

export function allOffsetPartitions(table: OffsetTable): TopicPartitionRef[] {
  const all: TopicPartitionRef[] = [];
  for (const [topic, byPartition] of table) {
    for (const partition of byPartition.keys()) all.push({ topic, partition });
  }
  return all;
}

/**
 * Kafka 2.1+ (KIP-211) expiry. Empty groups: retention counts from when the group
 * became empty. Stable consumer groups: offsets of topics nobody subscribes to
 * expire by commit time. Groups with no protocol (standalone commits): by commit
 * time. A commit with an explicit expire timestamp (OffsetCommit v2-4) uses it.
 */
export function removeExpiredOffsets(
  group: ClassicGroup,
  nowMs: number,
  retentionMs: number,
): TopicPartitionRef[] {
  const rule = expiryRule(group);
  if (rule === null) return [];
  const expired: TopicPartitionRef[] = [];
  for (const [topic, byPartition] of group.offsets) {
    if (rule.subscribed.has(topic)) continue;
    for (const [partition, committed] of byPartition) {
      if (getOffset(group.pendingOffsetCommits, topic, partition) !== undefined) continue;
      const isExpired =
        committed.expireTimestamp !== null
          ? nowMs >= committed.expireTimestamp
          : nowMs - rule.baseTimestamp(committed) >= retentionMs;
      if (isExpired) expired.push({ topic, partition });
    }
  }
  for (const tp of expired) deleteOffset(group.offsets, tp.topic, tp.partition);
  return expired;
}

interface ExpiryRule {
  readonly baseTimestamp: (committed: CommittedOffset) => number;
  readonly subscribed: ReadonlySet<string>;
}

function expiryRule(group: ClassicGroup): ExpiryRule | null {
  const byCommit = (c: CommittedOffset) => c.commitTimestamp;
  if (group.protocolType !== null && group.state === 'Empty') {
    const emptySince = group.currentStateTimestamp;
    return {
      baseTimestamp: emptySince === null ? byCommit : () => emptySince,
      subscribed: new Set(),
    };
  }
  if (isConsumerGroup(group) && group.subscribedTopics !== null && group.state === 'Stable') {
    return { baseTimestamp: byCommit, subscribed: group.subscribedTopics };
  }
  if (group.protocolType === null) return { baseTimestamp: byCommit, subscribed: new Set() };
  return null;
}

// ---------------------------------------------------------------------------
// Storage form.

/** The value written to __consumer_offsets for the group, with the given assignments. */
export function groupMetadataValueOf(
  group: ClassicGroup,
  assignment: ReadonlyMap<string, Uint8Array>,
): GroupMetadataValue {
  const protocolName = group.protocolName;
  const members = [...group.members.values()].map((m) => {
    invariant(protocolName !== null, `non-empty group ${group.groupId} has no protocol`);
    return {
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      rebalanceTimeout: m.rebalanceTimeoutMs,
      sessionTimeout: m.sessionTimeoutMs,
      subscription: memberMetadataFor(m, protocolName),
      assignment: assignment.get(m.memberId) ?? EMPTY_BYTES,
    };
  });
  return {
    protocolType: group.protocolType ?? '',
    generation: group.generationId,
    protocol: protocolName,
    leader: group.leaderId,
    currentStateTimestamp: group.currentStateTimestamp ?? -1,
    members,
  };
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
