// The vocabulary of the group state machine: the inputs it accepts (requests,
// ticks, log-append outcomes, partition load/unload), the responses it gives
// (plain objects with Kafka's field names, ready for the encoders) and the
// effects it asks its runtime to perform.

import type { MemberProtocol, RequestId } from './group-state.ts';
import type {
  GroupMetadataRecord,
  OffsetCommitRecord,
  RawOffsetsTopicRecord,
} from './offsets-topic-format.ts';

// ---------------------------------------------------------------------------
// Inputs.

export interface JoinGroupInput {
  readonly type: 'join';
  readonly requestId: RequestId;
  /** v4+ makes new dynamic members rejoin with a given id; v9+ allows skipAssignment. */
  readonly apiVersion: number;
  readonly groupId: string;
  /** '' for a member without an id yet. */
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  /**
   * JoinGroup v0 has none: pass the session timeout, as Kafka does. Zero or less
   * also means unset and becomes the session timeout (effectiveRebalanceTimeoutMs).
   */
  readonly rebalanceTimeoutMs: number;
  readonly sessionTimeoutMs: number;
  readonly protocolType: string;
  readonly protocols: readonly MemberProtocol[];
  /** A fresh random UUID (crypto.randomUUID()), used if this join needs a new member id. */
  readonly memberIdUuid: string;
}

export interface SyncGroupInput {
  readonly type: 'sync';
  readonly requestId: RequestId;
  readonly groupId: string;
  readonly generationId: number;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  /** v5+; null when the request has none. */
  readonly protocolType: string | null;
  readonly protocolName: string | null;
  readonly assignments: readonly { readonly memberId: string; readonly assignment: Uint8Array }[];
}

export interface HeartbeatInput {
  readonly type: 'heartbeat';
  readonly requestId: RequestId;
  readonly groupId: string;
  readonly generationId: number;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
}

export interface LeaveGroupInput {
  readonly type: 'leave';
  readonly requestId: RequestId;
  readonly groupId: string;
  /** v0-2: the one memberId with groupInstanceId null; v3+: the batch. */
  readonly members: readonly {
    readonly memberId: string;
    readonly groupInstanceId: string | null;
  }[];
}

export interface OffsetCommitPartitionInput {
  readonly partitionIndex: number;
  readonly committedOffset: number;
  /** -1 when unknown. */
  readonly committedLeaderEpoch: number;
  /** OffsetCommit v1 only; -1 (or absent) means "now". */
  readonly commitTimestamp?: number;
  readonly committedMetadata: string | null;
}

export interface OffsetCommitInput {
  readonly type: 'commit';
  readonly requestId: RequestId;
  readonly groupId: string;
  /** -1 with memberId '' for a commit from outside group management. */
  readonly generationId: number;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  /** OffsetCommit v2-4; -1 means the broker's retention. */
  readonly retentionTimeMs: number;
  readonly topics: readonly {
    readonly name: string;
    readonly partitions: readonly OffsetCommitPartitionInput[];
  }[];
  /** Whether the topic exists now; commits to unknown topics get UNKNOWN_TOPIC_OR_PARTITION. */
  readonly topicExists: (topic: string) => boolean;
}

export interface OffsetFetchInput {
  readonly type: 'fetch-offsets';
  readonly requestId: RequestId;
  readonly groupId: string;
  /** null: every committed offset of the group. */
  readonly topics:
    | readonly { readonly name: string; readonly partitionIndexes: readonly number[] }[]
    | null;
  /** v7+: partitions with a commit still pending (transactional or not) get UNSTABLE_OFFSET_COMMIT. */
  readonly requireStable: boolean;
}

/** TxnOffsetCommit: offsets staged in a producer's transaction, shown once it commits. */
export interface TxnOffsetCommitInput {
  readonly type: 'txn-commit';
  readonly requestId: RequestId;
  readonly groupId: string;
  readonly producerId: number;
  readonly producerEpoch: number;
  /** v3+; -1 with memberId '' when the producer does not check the generation. */
  readonly generationId: number;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly topics: readonly {
    readonly name: string;
    readonly partitions: readonly OffsetCommitPartitionInput[];
  }[];
  readonly topicExists: (topic: string) => boolean;
}

/** A transaction marker reached a __consumer_offsets partition: its staged offsets are decided. */
export interface TxnCompleteInput {
  readonly type: 'txn-complete';
  readonly partition: number;
  readonly producerId: number;
  readonly commit: boolean;
}

export interface OffsetDeleteInput {
  readonly type: 'delete-offsets';
  readonly requestId: RequestId;
  readonly groupId: string;
  readonly topics: readonly {
    readonly name: string;
    readonly partitions: readonly { readonly partitionIndex: number }[];
  }[];
  readonly topicExists: (topic: string) => boolean;
}

export interface DeleteGroupsInput {
  readonly type: 'delete-groups';
  readonly requestId: RequestId;
  readonly groupIds: readonly string[];
}

export interface DescribeGroupsInput {
  readonly type: 'describe-groups';
  readonly requestId: RequestId;
  readonly groupIds: readonly string[];
  /** v6+ answers GROUP_ID_NOT_FOUND for unknown groups; older versions a "Dead" group. */
  readonly apiVersion: number;
}

export interface ListGroupsInput {
  readonly type: 'list-groups';
  readonly requestId: RequestId;
  /** Case-insensitive state names; empty means all. */
  readonly statesFilter: readonly string[];
  /** Group types ("classic", "consumer"); empty means all. */
  readonly typesFilter: readonly string[];
}

/** Fires every timer due at nowMs (those armed before this tick). */
export interface TickInput {
  readonly type: 'tick';
}

/** The outcome of a persist effect that carried a persistId. */
export interface PersistedInput {
  readonly type: 'persisted';
  readonly persistId: number;
  /** The log append's error code: 0, or e.g. NOT_LEADER_OR_FOLLOWER. */
  readonly errorCode: number;
}

/** This broker became leader of a __consumer_offsets partition and is reading it. */
export interface LoadBeginInput {
  readonly type: 'load-begin';
  readonly partition: number;
}

/** The partition's records, in log order; the groups in it are now served. */
export interface LoadCompleteInput {
  readonly type: 'load-complete';
  readonly partition: number;
  readonly records: readonly RawOffsetsTopicRecord[];
  /** Offset commits of transactions with no marker yet, by producer id. */
  readonly pendingTransactional?: ReadonlyMap<number, readonly RawOffsetsTopicRecord[]>;
}

/** This broker is no longer leader of the partition: drop its groups. */
export interface UnloadInput {
  readonly type: 'unload';
  readonly partition: number;
}

/** Runs offset expiry now (also run by the offsets-retention timer). */
export interface ExpireOffsetsInput {
  readonly type: 'expire-offsets';
}

export type GroupInput =
  | JoinGroupInput
  | SyncGroupInput
  | HeartbeatInput
  | LeaveGroupInput
  | OffsetCommitInput
  | OffsetFetchInput
  | TxnOffsetCommitInput
  | TxnCompleteInput
  | OffsetDeleteInput
  | DeleteGroupsInput
  | DescribeGroupsInput
  | ListGroupsInput
  | TickInput
  | PersistedInput
  | LoadBeginInput
  | LoadCompleteInput
  | UnloadInput
  | ExpireOffsetsInput;

// ---------------------------------------------------------------------------
// Responses (throttleTimeMs and authorizedOperations are the handler's).

export interface JoinGroupResponseMember {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly metadata: Uint8Array;
}

export interface JoinGroupResponse {
  readonly errorCode: number;
  readonly generationId: number;
  readonly protocolType: string | null;
  readonly protocolName: string | null;
  readonly leader: string;
  readonly skipAssignment: boolean;
  readonly memberId: string;
  /** Filled for the leader only. */
  readonly members: readonly JoinGroupResponseMember[];
}

export interface SyncGroupResponse {
  readonly errorCode: number;
  readonly protocolType: string | null;
  readonly protocolName: string | null;
  readonly assignment: Uint8Array;
}

export interface HeartbeatResponse {
  readonly errorCode: number;
}

export interface LeaveGroupResponse {
  readonly errorCode: number;
  /** v3+ shape; for v0-2 the handler sends the single member's errorCode as errorCode. */
  readonly members: readonly {
    readonly memberId: string;
    readonly groupInstanceId: string | null;
    readonly errorCode: number;
  }[];
}

export interface PartitionErrorTopic {
  readonly name: string;
  readonly partitions: readonly { readonly partitionIndex: number; readonly errorCode: number }[];
}

export interface OffsetCommitResponse {
  readonly topics: readonly PartitionErrorTopic[];
}

export interface OffsetFetchResponsePartition {
  readonly partitionIndex: number;
  readonly committedOffset: number;
  readonly committedLeaderEpoch: number;
  readonly metadata: string | null;
  readonly errorCode: number;
}

export interface OffsetFetchResponse {
  readonly errorCode: number;
  readonly topics: readonly {
    readonly name: string;
    readonly partitions: readonly OffsetFetchResponsePartition[];
  }[];
}

export interface OffsetDeleteResponse {
  readonly errorCode: number;
  readonly topics: readonly PartitionErrorTopic[];
}

export interface DeleteGroupsResponse {
  readonly results: readonly { readonly groupId: string; readonly errorCode: number }[];
}

export interface DescribedGroupMember {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  readonly memberMetadata: Uint8Array;
  readonly memberAssignment: Uint8Array;
}

export interface DescribedGroup {
  readonly errorCode: number;
  readonly groupId: string;
  readonly groupState: string;
  readonly protocolType: string;
  /** The selected protocol, while Stable; '' otherwise. */
  readonly protocolData: string;
  readonly members: readonly DescribedGroupMember[];
}

export interface DescribeGroupsResponse {
  readonly groups: readonly DescribedGroup[];
}

export interface ListGroupsResponse {
  readonly errorCode: number;
  readonly groups: readonly {
    readonly groupId: string;
    readonly protocolType: string;
    readonly groupState: string;
    readonly groupType: string;
  }[];
}

// ---------------------------------------------------------------------------
// Effects.

export type RespondEffect =
  | {
      readonly type: 'respond';
      readonly requestId: RequestId;
      readonly api: 'join';
      readonly response: JoinGroupResponse;
    }
  | {
      readonly type: 'respond';
      readonly requestId: RequestId;
      readonly api: 'sync';
      readonly response: SyncGroupResponse;
    }
  | {
      readonly type: 'respond';
      readonly requestId: RequestId;
      readonly api: 'heartbeat';
      readonly response: HeartbeatResponse;
    }
  | {
      readonly type: 'respond';
      readonly requestId: RequestId;
      readonly api: 'leave';
      readonly response: LeaveGroupResponse;
    }
  | {
      readonly type: 'respond';
      readonly requestId: RequestId;
      readonly api: 'commit';
      readonly response: OffsetCommitResponse;
    }
  | {
      readonly type: 'respond';
      readonly requestId: RequestId;
      readonly api: 'fetch-offsets';
      readonly response: OffsetFetchResponse;
    }
  | {
      readonly type: 'respond';
      readonly requestId: RequestId;
      readonly api: 'txn-commit';
      readonly response: OffsetCommitResponse;
    }
  | {
      readonly type: 'respond';
      readonly requestId: RequestId;
      readonly api: 'delete-offsets';
      readonly response: OffsetDeleteResponse;
    }
  | {
      readonly type: 'respond';
      readonly requestId: RequestId;
      readonly api: 'delete-groups';
      readonly response: DeleteGroupsResponse;
    }
  | {
      readonly type: 'respond';
      readonly requestId: RequestId;
      readonly api: 'describe-groups';
      readonly response: DescribeGroupsResponse;
    }
  | {
      readonly type: 'respond';
      readonly requestId: RequestId;
      readonly api: 'list-groups';
      readonly response: ListGroupsResponse;
    };

/** The response type of each `api` tag. */
export type GroupResponseByApi = { [E in RespondEffect as E['api']]: E['response'] };

/** Arm (or re-arm) the timer; when nowMs reaches atMs, send a tick. */
export interface ScheduleEffect {
  readonly type: 'schedule';
  readonly timerKey: string;
  readonly atMs: number;
}

export interface CancelEffect {
  readonly type: 'cancel';
  readonly timerKey: string;
}

/**
 * Append the group's record to __consumer_offsets `partition`. With a persistId,
 * send a `persisted` input with the append's outcome; with null, nobody waits.
 */
export interface PersistGroupEffect {
  readonly type: 'persist-group';
  readonly persistId: number | null;
  readonly partition: number;
  readonly record: GroupMetadataRecord;
}

/** Append these offset records (or tombstones) in one batch; persistId as above. */
export interface PersistOffsetsEffect {
  readonly type: 'persist-offsets';
  readonly persistId: number | null;
  readonly partition: number;
  readonly records: readonly OffsetCommitRecord[];
  /** A transactional offset commit: written as a transactional batch of this producer. */
  readonly producer?: { readonly producerId: number; readonly producerEpoch: number };
}

export type GroupEffect =
  | RespondEffect
  | ScheduleEffect
  | CancelEffect
  | PersistGroupEffect
  | PersistOffsetsEffect;
