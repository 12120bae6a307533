// Kafka's error-code table: every code a broker may put on the wire, with
// the name Kafka uses, whether a client may simply retry, and a short
// explanation. Numbers and retriable flags follow Apache Kafka 3.9; the
// messages are ours. Kafka 3.9 assigns no code 99.

export const ErrorCode = {
  UNKNOWN_SERVER_ERROR: -1,
  NONE: 0,
  OFFSET_OUT_OF_RANGE: 1,
  CORRUPT_MESSAGE: 2,
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  INVALID_FETCH_SIZE: 4,
  LEADER_NOT_AVAILABLE: 5,
  NOT_LEADER_OR_FOLLOWER: 6,
  REQUEST_TIMED_OUT: 7,
  BROKER_NOT_AVAILABLE: 8,
  REPLICA_NOT_AVAILABLE: 9,
  MESSAGE_TOO_LARGE: 10,
  STALE_CONTROLLER_EPOCH: 11,
  OFFSET_METADATA_TOO_LARGE: 12,
  NETWORK_EXCEPTION: 13,
  COORDINATOR_LOAD_IN_PROGRESS: 14,
  COORDINATOR_NOT_AVAILABLE: 15,
  NOT_COORDINATOR: 16,
  INVALID_TOPIC_EXCEPTION: 17,
  RECORD_LIST_TOO_LARGE: 18,
  NOT_ENOUGH_REPLICAS: 19,
  NOT_ENOUGH_REPLICAS_AFTER_APPEND: 20,
  INVALID_REQUIRED_ACKS: 21,
  ILLEGAL_GENERATION: 22,
  INCONSISTENT_GROUP_PROTOCOL: 23,
  INVALID_GROUP_ID: 24,
  UNKNOWN_MEMBER_ID: 25,
  INVALID_SESSION_TIMEOUT: 26,
  REBALANCE_IN_PROGRESS: 27,
  INVALID_COMMIT_OFFSET_SIZE: 28,
  TOPIC_AUTHORIZATION_FAILED: 29,
  GROUP_AUTHORIZATION_FAILED: 30,
  CLUSTER_AUTHORIZATION_FAILED: 31,
  INVALID_TIMESTAMP: 32,
  UNSUPPORTED_SASL_MECHANISM: 33,
  ILLEGAL_SASL_STATE: 34,
  UNSUPPORTED_VERSION: 35,
  TOPIC_ALREADY_EXISTS: 36,
  INVALID_PARTITIONS: 37,
  INVALID_REPLICATION_FACTOR: 38,
  INVALID_REPLICA_ASSIGNMENT: 39,
  INVALID_CONFIG: 40,
  NOT_CONTROLLER: 41,
  INVALID_REQUEST: 42,
  UNSUPPORTED_FOR_MESSAGE_FORMAT: 43,
  POLICY_VIOLATION: 44,
  OUT_OF_ORDER_SEQUENCE_NUMBER: 45,
  DUPLICATE_SEQUENCE_NUMBER: 46,
  INVALID_PRODUCER_EPOCH: 47,
  INVALID_TXN_STATE: 48,
  INVALID_PRODUCER_ID_MAPPING: 49,
  INVALID_TRANSACTION_TIMEOUT: 50,
  CONCURRENT_TRANSACTIONS: 51,
  TRANSACTION_COORDINATOR_FENCED: 52,
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: 53,
  SECURITY_DISABLED: 54,
  OPERATION_NOT_ATTEMPTED: 55,
  KAFKA_STORAGE_ERROR: 56,
  LOG_DIR_NOT_FOUND: 57,
  SASL_AUTHENTICATION_FAILED: 58,
  UNKNOWN_PRODUCER_ID: 59,
  REASSIGNMENT_IN_PROGRESS: 60,
  DELEGATION_TOKEN_AUTH_DISABLED: 61,
  DELEGATION_TOKEN_NOT_FOUND: 62,
  DELEGATION_TOKEN_OWNER_MISMATCH: 63,
  DELEGATION_TOKEN_REQUEST_NOT_ALLOWED: 64,
  DELEGATION_TOKEN_AUTHORIZATION_FAILED: 65,
  DELEGATION_TOKEN_EXPIRED: 66,
  INVALID_PRINCIPAL_TYPE: 67,
  NON_EMPTY_GROUP: 68,
  GROUP_ID_NOT_FOUND: 69,
  FETCH_SESSION_ID_NOT_FOUND: 70,
  INVALID_FETCH_SESSION_EPOCH: 71,
  LISTENER_NOT_FOUND: 72,
  TOPIC_DELETION_DISABLED: 73,
  FENCED_LEADER_EPOCH: 74,
  UNKNOWN_LEADER_EPOCH: 75,
  UNSUPPORTED_COMPRESSION_TYPE: 76,
  STALE_BROKER_EPOCH: 77,
  OFFSET_NOT_AVAILABLE: 78,
  MEMBER_ID_REQUIRED: 79,
  PREFERRED_LEADER_NOT_AVAILABLE: 80,
  GROUP_MAX_SIZE_REACHED: 81,
  FENCED_INSTANCE_ID: 82,
  ELIGIBLE_LEADERS_NOT_AVAILABLE: 83,
  ELECTION_NOT_NEEDED: 84,
  NO_REASSIGNMENT_IN_PROGRESS: 85,
  GROUP_SUBSCRIBED_TO_TOPIC: 86,
  INVALID_RECORD: 87,
  UNSTABLE_OFFSET_COMMIT: 88,
  THROTTLING_QUOTA_EXCEEDED: 89,
  PRODUCER_FENCED: 90,
  RESOURCE_NOT_FOUND: 91,
  DUPLICATE_RESOURCE: 92,
  UNACCEPTABLE_CREDENTIAL: 93,
  INCONSISTENT_VOTER_SET: 94,
  INVALID_UPDATE_VERSION: 95,
  FEATURE_UPDATE_FAILED: 96,
  PRINCIPAL_DESERIALIZATION_FAILURE: 97,
  SNAPSHOT_NOT_FOUND: 98,
  UNKNOWN_TOPIC_ID: 100,
  DUPLICATE_BROKER_REGISTRATION: 101,
  BROKER_ID_NOT_REGISTERED: 102,
  INCONSISTENT_TOPIC_ID: 103,
  INCONSISTENT_CLUSTER_ID: 104,
  TRANSACTIONAL_ID_NOT_FOUND: 105,
  FETCH_SESSION_TOPIC_ID_ERROR: 106,
  INELIGIBLE_REPLICA: 107,
  NEW_LEADER_ELECTED: 108,
  OFFSET_MOVED_TO_TIERED_STORAGE: 109,
  FENCED_MEMBER_EPOCH: 110,
  UNRELEASED_INSTANCE_ID: 111,
  UNSUPPORTED_ASSIGNOR: 112,
  STALE_MEMBER_EPOCH: 113,
  MISMATCHED_ENDPOINT_TYPE: 114,
  UNSUPPORTED_ENDPOINT_TYPE: 115,
  UNKNOWN_CONTROLLER_ID: 116,
  UNKNOWN_SUBSCRIPTION_ID: 117,
  TELEMETRY_TOO_LARGE: 118,
  INVALID_REGISTRATION: 119,
  TRANSACTION_ABORTABLE: 120,
  INVALID_RECORD_STATE: 121,
  SHARE_SESSION_NOT_FOUND: 122,
  INVALID_SHARE_SESSION_EPOCH: 123,
  FENCED_STATE_EPOCH: 124,
  INVALID_VOTER_KEY: 125,
  DUPLICATE_VOTER: 126,
  VOTER_NOT_FOUND: 127,
} as const;

export type ErrorCodeName = keyof typeof ErrorCode;
export type ErrorCodeValue = (typeof ErrorCode)[ErrorCodeName];

export interface ErrorInfo {
  readonly name: string;
  readonly code: number;
  /** True when a client may retry the same request unchanged (Kafka's RetriableException). */
  readonly retriable: boolean;
  readonly message: string;
}

// [retriable, message] per code; the Record type makes a missing entry a compile error.
const DETAILS: Record<ErrorCodeName, readonly [boolean, string]> = {
  UNKNOWN_SERVER_ERROR: [false, 'The broker hit an unexpected error while handling the request.'],
  NONE: [false, 'No error.'],
  OFFSET_OUT_OF_RANGE: [
    false,
    'The requested offset lies outside the offsets the partition holds.',
  ],
  CORRUPT_MESSAGE: [
    true,
    'A record failed its CRC, is oversized, lacks a key on a compacted topic, or is otherwise malformed.',
  ],
  UNKNOWN_TOPIC_OR_PARTITION: [true, 'This broker does not host the topic-partition.'],
  INVALID_FETCH_SIZE: [false, 'The fetch size in the request is not valid.'],
  LEADER_NOT_AVAILABLE: [
    true,
    'The partition has no leader right now, for example during an election.',
  ],
  NOT_LEADER_OR_FOLLOWER: [
    true,
    'This broker is not the leader (or not a replica) of the partition.',
  ],
  REQUEST_TIMED_OUT: [true, 'The request did not complete within its timeout.'],
  BROKER_NOT_AVAILABLE: [false, 'The broker is not available.'],
  REPLICA_NOT_AVAILABLE: [true, 'A replica of the partition is not available.'],
  MESSAGE_TOO_LARGE: [false, 'A record batch exceeds the largest message size the broker accepts.'],
  STALE_CONTROLLER_EPOCH: [
    false,
    'The request came from a controller that has since been replaced.',
  ],
  OFFSET_METADATA_TOO_LARGE: [
    false,
    'The metadata string attached to a committed offset is too long.',
  ],
  NETWORK_EXCEPTION: [true, 'The connection closed before a response arrived.'],
  COORDINATOR_LOAD_IN_PROGRESS: [
    true,
    'The coordinator is still loading its state and cannot serve requests yet.',
  ],
  COORDINATOR_NOT_AVAILABLE: [true, 'The coordinator is not available.'],
  NOT_COORDINATOR: [true, 'This broker is not the coordinator for the group or transactional id.'],
  INVALID_TOPIC_EXCEPTION: [
    false,
    'The topic name is invalid or the operation is not allowed on this topic.',
  ],
  RECORD_LIST_TOO_LARGE: [false, 'A record batch is larger than the configured log segment size.'],
  NOT_ENOUGH_REPLICAS: [true, 'Too few in-sync replicas to accept the write.'],
  NOT_ENOUGH_REPLICAS_AFTER_APPEND: [
    true,
    'The write was appended, but to fewer in-sync replicas than required.',
  ],
  INVALID_REQUIRED_ACKS: [false, 'The acks value of the produce request is not valid.'],
  ILLEGAL_GENERATION: [false, "The generation id does not match the group's current generation."],
  INCONSISTENT_GROUP_PROTOCOL: [
    false,
    "The member's protocols do not match the group's, or are empty.",
  ],
  INVALID_GROUP_ID: [false, 'The group id is not valid.'],
  UNKNOWN_MEMBER_ID: [false, 'The coordinator does not know this member id.'],
  INVALID_SESSION_TIMEOUT: [false, 'The session timeout is outside the range the broker allows.'],
  REBALANCE_IN_PROGRESS: [false, 'The group is rebalancing; the member must rejoin.'],
  INVALID_COMMIT_OFFSET_SIZE: [false, 'The size of the committed offset data is not valid.'],
  TOPIC_AUTHORIZATION_FAILED: [false, 'Not authorized to access the topic.'],
  GROUP_AUTHORIZATION_FAILED: [false, 'Not authorized to access the group.'],
  CLUSTER_AUTHORIZATION_FAILED: [false, 'Not authorized to perform the cluster operation.'],
  INVALID_TIMESTAMP: [false, 'A record timestamp is outside the accepted range.'],
  UNSUPPORTED_SASL_MECHANISM: [false, 'The broker does not offer the requested SASL mechanism.'],
  ILLEGAL_SASL_STATE: [false, 'The request is not valid in the current SASL state.'],
  UNSUPPORTED_VERSION: [false, 'The broker does not support this API version.'],
  TOPIC_ALREADY_EXISTS: [false, 'A topic with this name already exists.'],
  INVALID_PARTITIONS: [false, 'The partition count is not valid.'],
  INVALID_REPLICATION_FACTOR: [
    false,
    'The replication factor is below 1 or above the number of live brokers.',
  ],
  INVALID_REPLICA_ASSIGNMENT: [false, 'The replica assignment is not valid.'],
  INVALID_CONFIG: [false, 'The configuration is not valid.'],
  NOT_CONTROLLER: [true, 'This broker is not the active controller.'],
  INVALID_REQUEST: [false, 'The request is malformed or was sent to an incompatible broker.'],
  UNSUPPORTED_FOR_MESSAGE_FORMAT: [
    false,
    "The broker's message format does not support this request.",
  ],
  POLICY_VIOLATION: [false, 'The request violates a configured policy.'],
  OUT_OF_ORDER_SEQUENCE_NUMBER: [
    false,
    'The producer sequence number is not the expected next one.',
  ],
  DUPLICATE_SEQUENCE_NUMBER: [false, 'The producer sequence number was already written.'],
  INVALID_PRODUCER_EPOCH: [false, 'The producer epoch is older than the current one.'],
  INVALID_TXN_STATE: [
    false,
    "The transactional operation is not valid in the transaction's current state.",
  ],
  INVALID_PRODUCER_ID_MAPPING: [
    false,
    'The producer id is not the one assigned to this transactional id.',
  ],
  INVALID_TRANSACTION_TIMEOUT: [false, "The transaction timeout exceeds the broker's maximum."],
  CONCURRENT_TRANSACTIONS: [
    true,
    'Another operation on the same transaction is still in progress.',
  ],
  TRANSACTION_COORDINATOR_FENCED: [
    false,
    'The transaction coordinator that sent this is no longer current.',
  ],
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: [false, 'Not authorized to use the transactional id.'],
  SECURITY_DISABLED: [false, 'Security features are turned off on this broker.'],
  OPERATION_NOT_ATTEMPTED: [
    false,
    'The broker skipped this operation because others in the batch failed.',
  ],
  KAFKA_STORAGE_ERROR: [true, 'A disk error occurred while accessing the log.'],
  LOG_DIR_NOT_FOUND: [false, 'The requested log directory is not configured on the broker.'],
  SASL_AUTHENTICATION_FAILED: [false, 'SASL authentication failed.'],
  UNKNOWN_PRODUCER_ID: [
    false,
    'The broker has no state for this producer id, for example after retention removed its records.',
  ],
  REASSIGNMENT_IN_PROGRESS: [false, 'A partition reassignment is already in progress.'],
  DELEGATION_TOKEN_AUTH_DISABLED: [false, 'Delegation tokens are not enabled.'],
  DELEGATION_TOKEN_NOT_FOUND: [false, 'The delegation token does not exist.'],
  DELEGATION_TOKEN_OWNER_MISMATCH: [
    false,
    'The principal is not the owner or a renewer of the token.',
  ],
  DELEGATION_TOKEN_REQUEST_NOT_ALLOWED: [
    false,
    'Delegation token requests are not allowed on this kind of connection.',
  ],
  DELEGATION_TOKEN_AUTHORIZATION_FAILED: [
    false,
    'Not authorized for the delegation token operation.',
  ],
  DELEGATION_TOKEN_EXPIRED: [false, 'The delegation token has expired.'],
  INVALID_PRINCIPAL_TYPE: [false, 'The principal type is not supported.'],
  NON_EMPTY_GROUP: [false, 'The group still has members.'],
  GROUP_ID_NOT_FOUND: [false, 'The group does not exist.'],
  FETCH_SESSION_ID_NOT_FOUND: [true, 'The incremental fetch session does not exist.'],
  INVALID_FETCH_SESSION_EPOCH: [true, 'The fetch session epoch is not the expected one.'],
  LISTENER_NOT_FOUND: [
    true,
    'The leader has no listener matching the one the metadata request used.',
  ],
  TOPIC_DELETION_DISABLED: [false, 'Deleting topics is turned off.'],
  FENCED_LEADER_EPOCH: [true, "The leader epoch in the request is older than the broker's."],
  UNKNOWN_LEADER_EPOCH: [true, "The leader epoch in the request is newer than the broker's."],
  UNSUPPORTED_COMPRESSION_TYPE: [
    false,
    "The client cannot handle the partition's compression type.",
  ],
  STALE_BROKER_EPOCH: [false, 'The broker epoch in the request is out of date.'],
  OFFSET_NOT_AVAILABLE: [
    true,
    "The new leader's high watermark has not caught up, so offsets are not yet reliable.",
  ],
  MEMBER_ID_REQUIRED: [
    false,
    'The member must rejoin with the member id the coordinator assigned.',
  ],
  PREFERRED_LEADER_NOT_AVAILABLE: [true, 'The preferred leader is not available.'],
  GROUP_MAX_SIZE_REACHED: [false, 'The group already has its maximum number of members.'],
  FENCED_INSTANCE_ID: [false, 'Another member with the same group instance id has taken over.'],
  ELIGIBLE_LEADERS_NOT_AVAILABLE: [true, 'No eligible leader is available for the partition.'],
  ELECTION_NOT_NEEDED: [true, 'The partition does not need a leader election.'],
  NO_REASSIGNMENT_IN_PROGRESS: [false, 'No partition reassignment is in progress.'],
  GROUP_SUBSCRIBED_TO_TOPIC: [
    false,
    'Offsets cannot be deleted for a topic the group is subscribed to.',
  ],
  INVALID_RECORD: [false, 'The broker rejected a record that failed validation.'],
  UNSTABLE_OFFSET_COMMIT: [
    true,
    'Pending transactional offsets must settle before offsets can be returned.',
  ],
  THROTTLING_QUOTA_EXCEEDED: [true, 'The request exceeded a throttling quota.'],
  PRODUCER_FENCED: [false, 'A newer producer with the same transactional id has fenced this one.'],
  RESOURCE_NOT_FOUND: [false, 'The request refers to a resource that does not exist.'],
  DUPLICATE_RESOURCE: [false, 'The request names the same resource more than once.'],
  UNACCEPTABLE_CREDENTIAL: [false, 'The credential does not meet the acceptance criteria.'],
  INCONSISTENT_VOTER_SET: [false, 'The sender or receiver is not among the expected voters.'],
  INVALID_UPDATE_VERSION: [false, 'The update version is not valid.'],
  FEATURE_UPDATE_FAILED: [
    false,
    'Finalized features could not be updated because of a server error.',
  ],
  PRINCIPAL_DESERIALIZATION_FAILURE: [
    false,
    "A forwarded request's principal could not be deserialized.",
  ],
  SNAPSHOT_NOT_FOUND: [false, 'The requested snapshot does not exist.'],
  UNKNOWN_TOPIC_ID: [true, 'This broker does not host a topic with this id.'],
  DUPLICATE_BROKER_REGISTRATION: [false, 'The broker id is already registered.'],
  BROKER_ID_NOT_REGISTERED: [false, 'The broker id is not registered.'],
  INCONSISTENT_TOPIC_ID: [true, "The topic id in the request does not match the log's topic id."],
  INCONSISTENT_CLUSTER_ID: [false, 'The cluster id in the request does not match this cluster.'],
  TRANSACTIONAL_ID_NOT_FOUND: [false, 'The transactional id does not exist.'],
  FETCH_SESSION_TOPIC_ID_ERROR: [true, 'The fetch session used topic ids inconsistently.'],
  INELIGIBLE_REPLICA: [false, 'The proposed ISR contains an ineligible replica.'],
  NEW_LEADER_ELECTED: [false, 'The partition state was updated, but the leader has changed.'],
  OFFSET_MOVED_TO_TIERED_STORAGE: [false, 'The requested offset now lives in tiered storage.'],
  FENCED_MEMBER_EPOCH: [
    false,
    'The member epoch is fenced; the member must drop its partitions and rejoin.',
  ],
  UNRELEASED_INSTANCE_ID: [
    false,
    'Another member still holds this instance id and must leave first.',
  ],
  UNSUPPORTED_ASSIGNOR: [false, 'The group does not support the assignor or its version range.'],
  STALE_MEMBER_EPOCH: [
    false,
    'The member epoch is stale; retry after the next heartbeat response.',
  ],
  MISMATCHED_ENDPOINT_TYPE: [false, 'The request reached an endpoint of the wrong type.'],
  UNSUPPORTED_ENDPOINT_TYPE: [false, 'This endpoint type is not supported yet.'],
  UNKNOWN_CONTROLLER_ID: [false, 'The controller id is not known.'],
  UNKNOWN_SUBSCRIPTION_ID: [false, 'The telemetry subscription id is unknown or out of date.'],
  TELEMETRY_TOO_LARGE: [false, "The telemetry push exceeds the broker's size limit."],
  INVALID_REGISTRATION: [false, 'The controller judged the broker registration invalid.'],
  TRANSACTION_ABORTABLE: [
    false,
    'The transaction hit an error; abort it to keep using the transactional id.',
  ],
  INVALID_RECORD_STATE: [false, "The record's state does not allow the acknowledgement."],
  SHARE_SESSION_NOT_FOUND: [true, 'The share session does not exist.'],
  INVALID_SHARE_SESSION_EPOCH: [true, 'The share session epoch is not valid.'],
  FENCED_STATE_EPOCH: [
    false,
    "The share-group state epoch does not match the share coordinator's.",
  ],
  INVALID_VOTER_KEY: [false, 'The voter key does not match the receiving replica.'],
  DUPLICATE_VOTER: [false, 'The voter is already in the voter set.'],
  VOTER_NOT_FOUND: [false, 'The voter is not in the voter set.'],
};

const BY_CODE: ReadonlyMap<number, ErrorInfo> = new Map(
  (Object.keys(ErrorCode) as ErrorCodeName[]).map((name) => {
    const [retriable, message] = DETAILS[name];
    const code = ErrorCode[name];
    return [code, { name, code, retriable, message }] as const;
  }),
);

/** Looks a wire error code up; undefined for numbers Kafka does not assign. */
export function errorInfo(code: number): ErrorInfo | undefined {
  return BY_CODE.get(code);
}

/** An error that maps onto one Kafka error code in a response. */
export class KafkaError extends Error {
  constructor(
    readonly code: ErrorCodeValue,
    message?: string,
  ) {
    super(message ?? BY_CODE.get(code)?.message ?? `Kafka error ${code}`);
    this.name = 'KafkaError';
  }

  /** Kafka's name for the code, e.g. NOT_COORDINATOR. */
  get errorName(): string {
    return BY_CODE.get(this.code)?.name ?? `UNKNOWN_CODE_${this.code}`;
  }

  /** Whether a client seeing this code may retry the request unchanged. */
  get retriable(): boolean {
    return BY_CODE.get(this.code)?.retriable ?? false;
  }
}
