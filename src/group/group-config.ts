// The group coordinator's limits and timings, named after Kafka's broker
// properties (group.*, offsets.*) with Kafka's defaults. config/ will parse the
// properties and build this object; the state machine only reads it.

export interface GroupCoordinatorConfig {
  /** group.min.session.timeout.ms: JoinGroup below this gets INVALID_SESSION_TIMEOUT. */
  readonly groupMinSessionTimeoutMs: number;
  /** group.max.session.timeout.ms: JoinGroup above this gets INVALID_SESSION_TIMEOUT. */
  readonly groupMaxSessionTimeoutMs: number;
  /** group.max.size: members beyond this get GROUP_MAX_SIZE_REACHED. */
  readonly groupMaxSize: number;
  /** group.initial.rebalance.delay.ms: wait for more joiners when an empty group rebalances. */
  readonly groupInitialRebalanceDelayMs: number;
  /** offsets.retention.minutes, in ms: how long committed offsets outlive their group. */
  readonly offsetsRetentionMs: number;
  /** offsets.retention.check.interval.ms: how often expired offsets are removed. */
  readonly offsetsRetentionCheckIntervalMs: number;
  /**
   * offset.metadata.max.bytes: longer commit metadata gets OFFSET_METADATA_TOO_LARGE.
   * Kafka compares the Java string length (UTF-16 code units), and so do we.
   */
  readonly offsetMetadataMaxBytes: number;
  /** offsets.topic.num.partitions: how groups map to __consumer_offsets partitions. */
  readonly offsetsTopicNumPartitions: number;
  /**
   * Ours, not Kafka's: the largest total of one member's protocol metadata in a
   * JoinGroup. Kafka has no such check (an oversized group record fails later, at
   * SyncGroup, as UNKNOWN_SERVER_ERROR); we refuse it up front with INVALID_REQUEST
   * so one member cannot make the group's record unwritable or hold much memory.
   */
  readonly memberMetadataBytesMax: number;
  /** Kafka's fixed NewMemberJoinTimeoutMs: a new member's parked JoinGroup expires after it. */
  readonly newMemberJoinTimeoutMs: number;
}

export const defaultGroupCoordinatorConfig: GroupCoordinatorConfig = {
  groupMinSessionTimeoutMs: 6_000,
  groupMaxSessionTimeoutMs: 1_800_000,
  groupMaxSize: 2_147_483_647,
  groupInitialRebalanceDelayMs: 3_000,
  offsetsRetentionMs: 7 * 24 * 60 * 60 * 1000,
  offsetsRetentionCheckIntervalMs: 600_000,
  offsetMetadataMaxBytes: 4096,
  offsetsTopicNumPartitions: 50,
  memberMetadataBytesMax: 1024 * 1024,
  newMemberJoinTimeoutMs: 5 * 60 * 1000,
};
