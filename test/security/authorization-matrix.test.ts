// The authorization matrix: for every API Gregor serves that Kafka authorizes,
// each operation the API needs is put in three states — allowed, denied and
// absent — for one principal (User:alice), with allow.everyone.if.no.acl.found
// off and on; the API is then called through its handler with that principal
// injected, and what the answer shows (the authorization error where Kafka puts
// it, or the topic/group left out of a listing) is compared with Kafka's
// documented rule for the API (KafkaApis 3.x; the `rule` of each case below,
// written from Kafka's per-API table, not from Gregor's authorizer).
//
// Method: a real broker (embedded metadata) with the ACL authorizer; ACLs are set
// per cell with CreateAcls and DeleteAcls as the super user User:admin. "allowed" is
// an ALLOW for the operation on a LITERAL name, a PREFIXED prefix of it, or the
// LITERAL `*`; "denied" is a DENY on one of those beside an ALLOW on the literal name
// (so every denied cell also shows Deny winning over Allow); "absent" is no ACL on the
// resource at all (other operations the API needs on the same resource are absent
// too), where allow.everyone.if.no.acl.found decides. Every other operation the API
// needs keeps a fixed baseline (allowed, or denied for the alternatives of an "either"
// rule, so the cell shows the varied one's effect). The test prints the count of
// cells and of mismatches, and fails on any mismatch.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { HandlerRegistry, ResponseOf } from '../../src/api/handler.ts';
import { type BrokerWithHandlers, startBrokerWithHandlers } from '../../src/broker.ts';
import { buildValueBatch } from '../../src/log/testing/test-batch.ts';
import {
  AclOperation,
  type AclOperationName,
  AclPermissionType,
  CLUSTER_RESOURCE_NAME,
  PatternType,
  ResourceType,
  type ResourceTypeName,
} from '../../src/protocol/acl-codes.ts';
import { AddOffsetsToTxn } from '../../src/protocol/apis/add-offsets-to-txn.ts';
import { AddPartitionsToTxn } from '../../src/protocol/apis/add-partitions-to-txn.ts';
import { AlterClientQuotas } from '../../src/protocol/apis/alter-client-quotas.ts';
import { AlterConfigs } from '../../src/protocol/apis/alter-configs.ts';
import { AlterPartitionReassignments } from '../../src/protocol/apis/alter-partition-reassignments.ts';
import { AlterReplicaLogDirs } from '../../src/protocol/apis/alter-replica-log-dirs.ts';
import { AlterUserScramCredentials } from '../../src/protocol/apis/alter-user-scram-credentials.ts';
import { ApiVersions } from '../../src/protocol/apis/api-versions.ts';
import { CreateAcls } from '../../src/protocol/apis/create-acls.ts';
import { CreatePartitions } from '../../src/protocol/apis/create-partitions.ts';
import { CreateTopics } from '../../src/protocol/apis/create-topics.ts';
import { DeleteAcls } from '../../src/protocol/apis/delete-acls.ts';
import { DeleteGroups } from '../../src/protocol/apis/delete-groups.ts';
import { DeleteRecords } from '../../src/protocol/apis/delete-records.ts';
import { DeleteTopics } from '../../src/protocol/apis/delete-topics.ts';
import { DescribeAcls } from '../../src/protocol/apis/describe-acls.ts';
import { DescribeClientQuotas } from '../../src/protocol/apis/describe-client-quotas.ts';
import { DescribeCluster } from '../../src/protocol/apis/describe-cluster.ts';
import { DescribeConfigs } from '../../src/protocol/apis/describe-configs.ts';
import { DescribeGroups } from '../../src/protocol/apis/describe-groups.ts';
import { DescribeLogDirs } from '../../src/protocol/apis/describe-log-dirs.ts';
import { DescribeProducers } from '../../src/protocol/apis/describe-producers.ts';
import { DescribeTransactions } from '../../src/protocol/apis/describe-transactions.ts';
import { DescribeUserScramCredentials } from '../../src/protocol/apis/describe-user-scram-credentials.ts';
import { ElectLeaders } from '../../src/protocol/apis/elect-leaders.ts';
import { EndTxn } from '../../src/protocol/apis/end-txn.ts';
import { Fetch } from '../../src/protocol/apis/fetch.ts';
import { FindCoordinator } from '../../src/protocol/apis/find-coordinator.ts';
import { Heartbeat } from '../../src/protocol/apis/heartbeat.ts';
import { IncrementalAlterConfigs } from '../../src/protocol/apis/incremental-alter-configs.ts';
import { InitProducerId } from '../../src/protocol/apis/init-producer-id.ts';
import { JoinGroup } from '../../src/protocol/apis/join-group.ts';
import { LeaveGroup } from '../../src/protocol/apis/leave-group.ts';
import { ListGroups } from '../../src/protocol/apis/list-groups.ts';
import { ListOffsets } from '../../src/protocol/apis/list-offsets.ts';
import { ListPartitionReassignments } from '../../src/protocol/apis/list-partition-reassignments.ts';
import { ListTransactions } from '../../src/protocol/apis/list-transactions.ts';
import { Metadata } from '../../src/protocol/apis/metadata.ts';
import { OffsetCommit } from '../../src/protocol/apis/offset-commit.ts';
import { OffsetDelete } from '../../src/protocol/apis/offset-delete.ts';
import { OffsetFetch } from '../../src/protocol/apis/offset-fetch.ts';
import { OffsetForLeaderEpoch } from '../../src/protocol/apis/offset-for-leader-epoch.ts';
import { Produce } from '../../src/protocol/apis/produce.ts';
import { SaslAuthenticate } from '../../src/protocol/apis/sasl-authenticate.ts';
import { SaslHandshake } from '../../src/protocol/apis/sasl-handshake.ts';
import { SyncGroup } from '../../src/protocol/apis/sync-group.ts';
import { TxnOffsetCommit } from '../../src/protocol/apis/txn-offset-commit.ts';
import { WriteTxnMarkers } from '../../src/protocol/apis/write-txn-markers.ts';
import { ErrorCode, errorInfo } from '../../src/protocol/error-codes.ts';
import type { ApiDef } from '../../src/protocol/schema.ts';
import { callAs } from './handler-calls.ts';

const TOPIC = 'mx-orders';
const GROUP = 'mx-group';
const TXN = 'mx-txn';
/** The id InitProducerId cells use: initialising TXN would abort its open transaction. */
const TXN_INIT = 'mx-txn-init';
const CLUSTER = CLUSTER_RESOURCE_NAME;

const AUTH_ERRORS = new Set<number>([
  ErrorCode.TOPIC_AUTHORIZATION_FAILED,
  ErrorCode.GROUP_AUTHORIZATION_FAILED,
  ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
  ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
]);

/** The authorization error a code is, by name, or NONE for any other outcome. */
function auth(code: number | undefined): string {
  return code !== undefined && AUTH_ERRORS.has(code) ? (errorInfo(code)?.name ?? '?') : 'NONE';
}

const TOPIC_DENIED = 'TOPIC_AUTHORIZATION_FAILED';
const GROUP_DENIED = 'GROUP_AUTHORIZATION_FAILED';
const CLUSTER_DENIED = 'CLUSTER_AUTHORIZATION_FAILED';
const TXN_DENIED = 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED';
/** The resource is left out of a listing (Metadata all topics, ListGroups, authorized operations 0). */
const HIDDEN = 'HIDDEN';

type State = 'allowed' | 'denied' | 'absent';
type PatternKind = 'literal' | 'prefixed' | 'wildcard';

interface Requirement {
  readonly op: AclOperationName;
  readonly type: ResourceTypeName;
  /** The resource name; a function for per-cell resources (a fresh topic to delete). */
  readonly name: string | ((cell: number) => string);
  /** The state when another requirement is varied. */
  readonly baseline?: { readonly state: State; readonly pattern?: PatternKind };
  /**
   * Kafka's decision for this requirement in a state; by default allowed → yes, denied
   * → no, absent → allow.everyone.if.no.acl.found.
   */
  readonly decide?: (state: State, pattern: PatternKind, allowEveryone: boolean) => boolean;
}

interface ApiCase<A extends ApiDef = ApiDef> {
  readonly title: string;
  readonly api: A;
  readonly version: number;
  readonly requirements: readonly Requirement[];
  /** Kafka's rule: the expected outcome from each requirement's decision. */
  readonly rule: (allowed: readonly boolean[]) => string;
  readonly request: (cell: number) => Record<string, unknown>;
  /** The outcome the response shows. */
  readonly observe: (response: ResponseOf<A>, cell: number) => string;
  /** Per-cell preparation as the super user (a fresh topic to delete). */
  readonly prepare?: (env: Env, cell: number) => Promise<void>;
}

/** One case with its response type checked, kept in the list as any API's case. */
function defineCase<A extends ApiDef>(c: ApiCase<A>): ApiCase {
  return c as unknown as ApiCase;
}

/** Every requirement needed, each with its own error, in Kafka's order. */
function allOf(...errors: string[]) {
  return (allowed: readonly boolean[]) => {
    const i = allowed.indexOf(false);
    return i < 0 ? 'NONE' : errors[i]!;
  };
}

const freshTopic = (cell: number) => `mx-fresh-${cell}`;

class Env {
  private nextCell = 0;
  constructor(
    readonly b: BrokerWithHandlers,
    private readonly handlers: HandlerRegistry,
  ) {}

  cell(): number {
    return this.nextCell++;
  }

  call<A extends ApiDef>(
    api: A,
    version: number,
    partial: Record<string, unknown>,
    user: string,
  ): Promise<ResponseOf<A>> {
    return callAs(this.handlers, user, api, version, partial);
  }

  admin<A extends ApiDef>(
    api: A,
    version: number,
    partial: Record<string, unknown>,
  ): Promise<ResponseOf<A>> {
    return this.call(api, version, partial, 'admin');
  }

  async setAcls(
    bindings: Array<{
      type: ResourceTypeName;
      name: string;
      pattern: 'LITERAL' | 'PREFIXED';
      op: AclOperationName;
      permission: 'ALLOW' | 'DENY';
    }>,
  ): Promise<void> {
    const cleared = await this.admin(DeleteAcls, 3, {
      filters: [
        {
          resourceTypeFilter: ResourceType.ANY,
          resourceNameFilter: null,
          patternTypeFilter: PatternType.ANY,
          principalFilter: null,
          hostFilter: null,
          operation: AclOperation.ANY,
          permissionType: AclPermissionType.ANY,
        },
      ],
    });
    assert.equal(cleared.filterResults[0]?.errorCode, ErrorCode.NONE);
    if (bindings.length === 0) return;
    const created = await this.admin(CreateAcls, 3, {
      creations: bindings.map((b) => ({
        resourceType: ResourceType[b.type],
        resourceName: b.name,
        resourcePatternType: PatternType[b.pattern],
        principal: 'User:alice',
        host: '*',
        operation: AclOperation[b.op],
        permissionType: AclPermissionType[b.permission],
      })),
    });
    for (const r of created.results)
      assert.equal(r.errorCode, ErrorCode.NONE, r.errorMessage ?? undefined);
  }
}

function single<A extends ApiDef>(
  api: A,
  version: number,
  req: Requirement,
  error: string,
  request: ApiCase<A>['request'],
  observe: ApiCase<A>['observe'],
  title: string = api.name,
): ApiCase {
  return defineCase({
    title,
    api,
    version,
    requirements: [req],
    rule: allOf(error),
    request,
    observe,
  });
}

const topicReq = (op: AclOperationName, name: Requirement['name'] = TOPIC): Requirement => ({
  op,
  type: 'TOPIC',
  name,
});
const groupReq = (op: AclOperationName): Requirement => ({ op, type: 'GROUP', name: GROUP });
const txnReq = (op: AclOperationName, name: string = TXN): Requirement => ({
  op,
  type: 'TRANSACTIONAL_ID',
  name,
});
const clusterReq = (op: AclOperationName, baseline?: Requirement['baseline']): Requirement => ({
  op,
  type: 'CLUSTER',
  name: CLUSTER,
  ...(baseline === undefined ? {} : { baseline }),
});

const CASES: readonly ApiCase[] = [
  single(
    Produce,
    9,
    topicReq('WRITE'),
    TOPIC_DENIED,
    () => ({
      acks: 1,
      timeoutMs: 5000,
      transactionalId: null,
      topicData: [{ name: TOPIC, partitionData: [{ index: 0, records: buildValueBatch('m', 1) }] }],
    }),
    (r) => auth(r.responses[0]?.partitionResponses[0]?.errorCode),
  ),
  single(
    Fetch,
    12,
    topicReq('READ'),
    TOPIC_DENIED,
    () => ({
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1 << 20,
      sessionEpoch: -1,
      topics: [
        {
          topic: TOPIC,
          partitions: [
            {
              partition: 0,
              fetchOffset: 0,
              partitionMaxBytes: 1 << 20,
              currentLeaderEpoch: -1,
              lastFetchedEpoch: -1,
              logStartOffset: -1,
            },
          ],
        },
      ],
      forgottenTopicsData: [],
      rackId: '',
    }),
    (r) => auth(r.responses[0]?.partitions[0]?.errorCode),
    'Fetch (consumer)',
  ),
  single(
    Fetch,
    12,
    clusterReq('CLUSTER_ACTION'),
    TOPIC_DENIED,
    () => ({
      replicaId: 99,
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1 << 20,
      sessionEpoch: -1,
      topics: [
        {
          topic: TOPIC,
          partitions: [
            {
              partition: 0,
              fetchOffset: 0,
              partitionMaxBytes: 1 << 20,
              currentLeaderEpoch: -1,
              lastFetchedEpoch: -1,
              logStartOffset: -1,
            },
          ],
        },
      ],
      forgottenTopicsData: [],
      rackId: '',
    }),
    (r) => auth(r.responses[0]?.partitions[0]?.errorCode),
    'Fetch (follower)',
  ),
  single(
    ListOffsets,
    7,
    topicReq('DESCRIBE'),
    TOPIC_DENIED,
    () => ({
      replicaId: -1,
      isolationLevel: 0,
      topics: [
        { name: TOPIC, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1 }] },
      ],
    }),
    (r) => auth(r.topics[0]?.partitions[0]?.errorCode),
  ),
  single(
    Metadata,
    12,
    topicReq('DESCRIBE'),
    TOPIC_DENIED,
    () => ({
      topics: [{ name: TOPIC, topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }],
      allowAutoTopicCreation: false,
    }),
    (r) => auth(r.topics[0]?.errorCode),
    'Metadata (named topic)',
  ),
  defineCase({
    title: 'Metadata (all topics)',
    api: Metadata,
    version: 12,
    requirements: [topicReq('DESCRIBE')],
    rule: ([d]) => (d ? 'NONE' : HIDDEN),
    request: () => ({ topics: null, allowAutoTopicCreation: false }),
    observe: (r) => (r.topics.some((t) => t.name === TOPIC) ? 'NONE' : HIDDEN),
  }),
  defineCase({
    title: 'Metadata (auto-creation)',
    api: Metadata,
    version: 12,
    requirements: [
      topicReq('DESCRIBE', freshTopic),
      clusterReq('CREATE', { state: 'denied' }),
      { ...topicReq('CREATE', freshTopic), baseline: { state: 'denied' } },
    ],
    rule: ([describe, clusterCreate, topicCreate]) =>
      !describe ? TOPIC_DENIED : clusterCreate || topicCreate ? 'NONE' : TOPIC_DENIED,
    request: (cell) => ({
      topics: [{ name: freshTopic(cell), topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }],
      allowAutoTopicCreation: true,
    }),
    observe: (r) => auth(r.topics[0]?.errorCode),
  }),
  defineCase({
    title: 'Metadata v10 (cluster authorized operations)',
    api: Metadata,
    version: 10,
    requirements: [clusterReq('DESCRIBE')],
    rule: ([d]) => (d ? 'NONE' : HIDDEN),
    request: () => ({ topics: [], includeClusterAuthorizedOperations: true }),
    observe: (r) => (r.clusterAuthorizedOperations === 0 ? HIDDEN : 'NONE'),
  }),
  defineCase({
    title: 'OffsetForLeaderEpoch',
    api: OffsetForLeaderEpoch,
    version: 4,
    requirements: [clusterReq('CLUSTER_ACTION', { state: 'denied' }), topicReq('DESCRIBE')],
    rule: ([clusterAction, describe]) => (clusterAction || describe ? 'NONE' : TOPIC_DENIED),
    request: () => ({
      replicaId: -1,
      topics: [
        { topic: TOPIC, partitions: [{ partition: 0, currentLeaderEpoch: -1, leaderEpoch: 0 }] },
      ],
    }),
    observe: (r) => auth(r.topics[0]?.partitions[0]?.errorCode),
  }),
  defineCase({
    title: 'CreateTopics (validate only)',
    api: CreateTopics,
    version: 7,
    requirements: [
      clusterReq('CREATE', { state: 'denied' }),
      { ...topicReq('CREATE', freshTopic), baseline: { state: 'denied' } },
      topicReq('DESCRIBE_CONFIGS', freshTopic),
    ],
    rule: ([clusterCreate, topicCreate, describeConfigs]) =>
      !(clusterCreate || topicCreate) ? TOPIC_DENIED : describeConfigs ? 'NONE' : 'CONFIGS_HIDDEN',
    request: (cell) => ({
      topics: [
        {
          name: freshTopic(cell),
          numPartitions: 1,
          replicationFactor: 1,
          assignments: [],
          configs: [],
        },
      ],
      timeoutMs: 5000,
      validateOnly: true,
    }),
    observe: (r) => {
      const t = r.topics[0]!;
      if (auth(t.errorCode) !== 'NONE') return auth(t.errorCode);
      return t.topicConfigErrorCode === ErrorCode.TOPIC_AUTHORIZATION_FAILED
        ? 'CONFIGS_HIDDEN'
        : 'NONE';
    },
  }),
  defineCase({
    title: 'DeleteTopics (by name)',
    api: DeleteTopics,
    version: 6,
    requirements: [topicReq('DELETE', freshTopic)],
    rule: allOf(TOPIC_DENIED),
    prepare: (env, cell) => createTopic(env, freshTopic(cell)),
    request: (cell) => ({
      topics: [{ name: freshTopic(cell), topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }],
      timeoutMs: 5000,
    }),
    observe: (r) => auth(r.responses[0]?.errorCode),
  }),
  defineCase({
    title: 'DeleteTopics (by id)',
    api: DeleteTopics,
    version: 6,
    requirements: [topicReq('DESCRIBE', freshTopic), topicReq('DELETE', freshTopic)],
    rule: allOf(`${TOPIC_DENIED} (name withheld)`, TOPIC_DENIED),
    prepare: (env, cell) => createTopic(env, freshTopic(cell)),
    request: (cell) => ({
      topics: [{ name: null, topicId: topicIds.get(freshTopic(cell)) }],
      timeoutMs: 5000,
    }),
    observe: (r) => {
      const t = r.responses[0]!;
      const a = auth(t.errorCode);
      return a !== 'NONE' && t.name === null ? `${a} (name withheld)` : a;
    },
  }),
  single(
    DeleteRecords,
    2,
    topicReq('DELETE'),
    TOPIC_DENIED,
    () => ({
      topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, offset: 0 }] }],
      timeoutMs: 5000,
    }),
    (r) => auth(r.topics[0]?.partitions[0]?.errorCode),
  ),
  defineCase({
    title: 'InitProducerId (idempotent)',
    api: InitProducerId,
    version: 4,
    requirements: [
      clusterReq('IDEMPOTENT_WRITE', { state: 'denied' }),
      {
        ...topicReq('WRITE'),
        baseline: { state: 'denied', pattern: 'wildcard' },
        // Kafka's Authorizer.authorizeByResourceType: "may Write some topic". A resource
        // no ACL names (its probe "hardcode") follows allow.everyone.if.no.acl.found, so
        // only a Deny on every topic (the * wildcard) refuses then; without it, an
        // undominated Allow is needed.
        decide: (state, pattern, allowEveryone) =>
          state === 'allowed' || (allowEveryone && !(state === 'denied' && pattern === 'wildcard')),
      },
    ],
    rule: ([idempotentWrite, writeAnyTopic]) =>
      idempotentWrite || writeAnyTopic ? 'NONE' : CLUSTER_DENIED,
    request: () => ({
      transactionalId: null,
      transactionTimeoutMs: 60000,
      producerId: -1,
      producerEpoch: -1,
    }),
    observe: (r) => auth(r.errorCode),
  }),
  single(
    DescribeConfigs,
    4,
    topicReq('DESCRIBE_CONFIGS'),
    TOPIC_DENIED,
    () => ({ resources: [{ resourceType: 2, resourceName: TOPIC, configurationKeys: null }] }),
    (r) => auth(r.results[0]?.errorCode),
    'DescribeConfigs (topic)',
  ),
  single(
    DescribeConfigs,
    4,
    clusterReq('DESCRIBE_CONFIGS'),
    CLUSTER_DENIED,
    () => ({ resources: [{ resourceType: 4, resourceName: '0', configurationKeys: null }] }),
    (r) => auth(r.results[0]?.errorCode),
    'DescribeConfigs (broker)',
  ),
  single(
    AlterConfigs,
    2,
    topicReq('ALTER_CONFIGS'),
    TOPIC_DENIED,
    () => ({
      resources: [{ resourceType: 2, resourceName: TOPIC, configs: [] }],
      validateOnly: true,
    }),
    (r) => auth(r.responses[0]?.errorCode),
    'AlterConfigs (topic)',
  ),
  single(
    AlterConfigs,
    2,
    clusterReq('ALTER_CONFIGS'),
    CLUSTER_DENIED,
    () => ({
      resources: [{ resourceType: 4, resourceName: '0', configs: [] }],
      validateOnly: true,
    }),
    (r) => auth(r.responses[0]?.errorCode),
    'AlterConfigs (broker)',
  ),
  single(
    IncrementalAlterConfigs,
    1,
    topicReq('ALTER_CONFIGS'),
    TOPIC_DENIED,
    () => ({
      resources: [{ resourceType: 2, resourceName: TOPIC, configs: [] }],
      validateOnly: true,
    }),
    (r) => auth(r.responses[0]?.errorCode),
    'IncrementalAlterConfigs (topic)',
  ),
  single(
    IncrementalAlterConfigs,
    1,
    clusterReq('ALTER_CONFIGS'),
    CLUSTER_DENIED,
    () => ({
      resources: [{ resourceType: 4, resourceName: '0', configs: [] }],
      validateOnly: true,
    }),
    (r) => auth(r.responses[0]?.errorCode),
    'IncrementalAlterConfigs (broker)',
  ),
  single(
    CreatePartitions,
    3,
    topicReq('ALTER'),
    TOPIC_DENIED,
    () => ({
      topics: [{ name: TOPIC, count: 2, assignments: null }],
      timeoutMs: 5000,
      validateOnly: true,
    }),
    (r) => auth(r.results[0]?.errorCode),
  ),
  defineCase({
    title: 'DescribeCluster (authorized operations)',
    api: DescribeCluster,
    version: 1,
    requirements: [clusterReq('DESCRIBE')],
    rule: ([d]) => (d ? 'NONE' : HIDDEN),
    request: () => ({ includeClusterAuthorizedOperations: true, endpointType: 1 }),
    observe: (r) =>
      r.errorCode !== ErrorCode.NONE
        ? 'ERROR'
        : r.clusterAuthorizedOperations === 0
          ? HIDDEN
          : 'NONE',
  }),
  single(
    DescribeLogDirs,
    4,
    clusterReq('DESCRIBE'),
    CLUSTER_DENIED,
    () => ({ topics: null }),
    (r) => auth(r.errorCode),
  ),
  single(
    ElectLeaders,
    2,
    clusterReq('ALTER'),
    CLUSTER_DENIED,
    () => ({
      electionType: 0,
      topicPartitions: [{ topic: TOPIC, partitions: [0] }],
      timeoutMs: 5000,
    }),
    (r) => auth(r.errorCode),
  ),
  single(
    AlterPartitionReassignments,
    0,
    clusterReq('ALTER'),
    CLUSTER_DENIED,
    () => ({
      timeoutMs: 5000,
      topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, replicas: null }] }],
    }),
    (r) => auth(r.errorCode),
  ),
  single(
    ListPartitionReassignments,
    0,
    clusterReq('DESCRIBE'),
    CLUSTER_DENIED,
    () => ({ timeoutMs: 5000, topics: null }),
    (r) => auth(r.errorCode),
  ),
  single(
    FindCoordinator,
    4,
    groupReq('DESCRIBE'),
    GROUP_DENIED,
    () => ({ keyType: 0, coordinatorKeys: [GROUP] }),
    (r) => auth(r.coordinators[0]?.errorCode),
    'FindCoordinator (group)',
  ),
  single(
    FindCoordinator,
    3,
    groupReq('DESCRIBE'),
    GROUP_DENIED,
    () => ({ key: GROUP, keyType: 0 }),
    (r) => auth(r.errorCode),
    'FindCoordinator v3 (group)',
  ),
  single(
    FindCoordinator,
    4,
    { op: 'DESCRIBE', type: 'TRANSACTIONAL_ID', name: TXN },
    TXN_DENIED,
    () => ({ keyType: 1, coordinatorKeys: [TXN] }),
    (r) => auth(r.coordinators[0]?.errorCode),
    'FindCoordinator (transactional id)',
  ),
  single(
    JoinGroup,
    5,
    groupReq('READ'),
    GROUP_DENIED,
    () => ({
      groupId: GROUP,
      sessionTimeoutMs: 10000,
      rebalanceTimeoutMs: 10000,
      memberId: '',
      groupInstanceId: null,
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: Buffer.alloc(0) }],
    }),
    (r) => auth(r.errorCode),
  ),
  single(
    SyncGroup,
    5,
    groupReq('READ'),
    GROUP_DENIED,
    () => ({
      groupId: GROUP,
      generationId: 1,
      memberId: 'm',
      groupInstanceId: null,
      protocolType: 'consumer',
      protocolName: 'range',
      assignments: [],
    }),
    (r) => auth(r.errorCode),
  ),
  single(
    Heartbeat,
    4,
    groupReq('READ'),
    GROUP_DENIED,
    () => ({ groupId: GROUP, generationId: 1, memberId: 'm', groupInstanceId: null }),
    (r) => auth(r.errorCode),
  ),
  single(
    LeaveGroup,
    4,
    groupReq('READ'),
    GROUP_DENIED,
    () => ({ groupId: GROUP, members: [{ memberId: 'm', groupInstanceId: null }] }),
    (r) => auth(r.errorCode),
  ),
  defineCase({
    title: 'OffsetCommit',
    api: OffsetCommit,
    version: 8,
    requirements: [groupReq('READ'), topicReq('READ')],
    rule: allOf(GROUP_DENIED, TOPIC_DENIED),
    request: () => ({
      groupId: GROUP,
      generationIdOrMemberEpoch: -1,
      memberId: '',
      groupInstanceId: null,
      topics: [
        {
          name: TOPIC,
          partitions: [
            {
              partitionIndex: 0,
              committedOffset: 0,
              committedLeaderEpoch: -1,
              committedMetadata: null,
            },
          ],
        },
      ],
    }),
    observe: (r) => auth(r.topics[0]?.partitions[0]?.errorCode),
  }),
  defineCase({
    title: 'OffsetFetch v7',
    api: OffsetFetch,
    version: 7,
    requirements: [groupReq('DESCRIBE'), topicReq('DESCRIBE')],
    rule: allOf(GROUP_DENIED, TOPIC_DENIED),
    request: () => ({
      groupId: GROUP,
      topics: [{ name: TOPIC, partitionIndexes: [0] }],
      requireStable: false,
    }),
    observe: (r) =>
      auth(r.errorCode) !== 'NONE'
        ? auth(r.errorCode)
        : auth(r.topics[0]?.partitions[0]?.errorCode),
  }),
  defineCase({
    title: 'OffsetFetch v8 (all topics)',
    api: OffsetFetch,
    version: 8,
    requirements: [groupReq('DESCRIBE'), topicReq('DESCRIBE')],
    rule: allOf(GROUP_DENIED, HIDDEN),
    request: () => ({ groups: [{ groupId: GROUP, topics: null }], requireStable: false }),
    observe: (r) => {
      const g = r.groups[0]!;
      if (auth(g.errorCode) !== 'NONE') return auth(g.errorCode);
      return g.topics.some((t) => t.name === TOPIC) ? 'NONE' : HIDDEN;
    },
  }),
  defineCase({
    title: 'OffsetDelete',
    api: OffsetDelete,
    version: 0,
    requirements: [groupReq('DELETE'), topicReq('READ')],
    rule: allOf(GROUP_DENIED, TOPIC_DENIED),
    request: () => ({
      groupId: GROUP,
      topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0 }] }],
    }),
    observe: (r) =>
      auth(r.errorCode) !== 'NONE'
        ? auth(r.errorCode)
        : auth(r.topics[0]?.partitions[0]?.errorCode),
  }),
  single(
    DescribeGroups,
    5,
    groupReq('DESCRIBE'),
    GROUP_DENIED,
    () => ({ groups: [GROUP], includeAuthorizedOperations: true }),
    (r) => auth(r.groups[0]?.errorCode),
  ),
  defineCase({
    title: 'ListGroups',
    api: ListGroups,
    version: 4,
    requirements: [clusterReq('DESCRIBE', { state: 'denied' }), groupReq('DESCRIBE')],
    rule: ([cluster, group]) => (cluster || group ? 'NONE' : HIDDEN),
    request: () => ({ statesFilter: [] }),
    observe: (r) => (r.groups.some((g) => g.groupId === GROUP) ? 'NONE' : HIDDEN),
  }),
  single(
    DeleteGroups,
    2,
    { op: 'DELETE', type: 'GROUP', name: 'mx-gone' },
    GROUP_DENIED,
    () => ({ groupsNames: ['mx-gone'] }),
    (r) => auth(r.results[0]?.errorCode),
  ),
  single(
    DescribeClientQuotas,
    1,
    clusterReq('DESCRIBE_CONFIGS'),
    CLUSTER_DENIED,
    () => ({ components: [], strict: false }),
    (r) => auth(r.errorCode),
  ),
  single(
    AlterClientQuotas,
    1,
    clusterReq('ALTER_CONFIGS'),
    CLUSTER_DENIED,
    () => ({
      entries: [
        {
          entity: [{ entityType: 'client-id', entityName: 'mx-client' }],
          ops: [{ key: 'producer_byte_rate', value: 1_000_000_000, remove: false }],
        },
      ],
      validateOnly: true,
    }),
    (r) => auth(r.entries[0]?.errorCode),
  ),
  single(
    CreateAcls,
    3,
    clusterReq('ALTER'),
    CLUSTER_DENIED,
    () => ({
      creations: [
        {
          resourceType: 2,
          resourceName: 'mx-scratch',
          resourcePatternType: 3,
          principal: 'User:x',
          host: '*',
          operation: 3,
          permissionType: 3,
        },
      ],
    }),
    (r) => auth(r.results[0]?.errorCode),
  ),
  single(
    DescribeAcls,
    3,
    clusterReq('DESCRIBE'),
    CLUSTER_DENIED,
    () => ({
      resourceTypeFilter: 1,
      resourceNameFilter: null,
      patternTypeFilter: 1,
      principalFilter: null,
      hostFilter: null,
      operation: 1,
      permissionType: 1,
    }),
    (r) => auth(r.errorCode),
  ),
  single(
    DeleteAcls,
    3,
    clusterReq('ALTER'),
    CLUSTER_DENIED,
    () => ({
      filters: [
        {
          resourceTypeFilter: 2,
          resourceNameFilter: 'mx-nothing',
          patternTypeFilter: 3,
          principalFilter: null,
          hostFilter: null,
          operation: 1,
          permissionType: 1,
        },
      ],
    }),
    (r) => auth(r.filterResults[0]?.errorCode),
  ),
  // Transactions (Kafka's KafkaApis checks, api/txn-authorization.ts).
  defineCase({
    title: 'Produce (transactional id)',
    api: Produce,
    version: 9,
    requirements: [txnReq('WRITE'), topicReq('WRITE')],
    rule: allOf(TXN_DENIED, TOPIC_DENIED),
    request: () => ({
      acks: 1,
      timeoutMs: 5000,
      transactionalId: TXN,
      topicData: [{ name: TOPIC, partitionData: [{ index: 0, records: buildValueBatch('t', 1) }] }],
    }),
    observe: (r) => auth(r.responses[0]?.partitionResponses[0]?.errorCode),
  }),
  single(
    InitProducerId,
    4,
    txnReq('WRITE', TXN_INIT),
    TXN_DENIED,
    () => ({
      transactionalId: TXN_INIT,
      transactionTimeoutMs: 60000,
      producerId: -1,
      producerEpoch: -1,
    }),
    (r) => auth(r.errorCode),
    'InitProducerId (transactional)',
  ),
  defineCase({
    title: 'AddPartitionsToTxn v3 (client)',
    api: AddPartitionsToTxn,
    version: 3,
    requirements: [txnReq('WRITE'), topicReq('WRITE')],
    rule: allOf(TXN_DENIED, TOPIC_DENIED),
    request: () => ({
      v3AndBelowTransactionalId: TXN,
      v3AndBelowProducerId: 424242,
      v3AndBelowProducerEpoch: 0,
      v3AndBelowTopics: [{ name: TOPIC, partitions: [0] }],
    }),
    observe: (r) => auth(r.resultsByTopicV3AndBelow[0]?.resultsByPartition[0]?.partitionErrorCode),
  }),
  single(
    AddPartitionsToTxn,
    4,
    clusterReq('CLUSTER_ACTION'),
    CLUSTER_DENIED,
    () => ({
      transactions: [
        {
          transactionalId: TXN,
          producerId: 424242,
          producerEpoch: 0,
          verifyOnly: true,
          topics: [{ name: TOPIC, partitions: [0] }],
        },
      ],
    }),
    (r) => auth(r.errorCode),
    'AddPartitionsToTxn v4 (broker)',
  ),
  defineCase({
    title: 'AddOffsetsToTxn',
    api: AddOffsetsToTxn,
    version: 3,
    requirements: [txnReq('WRITE'), groupReq('READ')],
    rule: allOf(TXN_DENIED, GROUP_DENIED),
    request: () => ({
      transactionalId: TXN,
      producerId: 424242,
      producerEpoch: 0,
      groupId: GROUP,
    }),
    observe: (r) => auth(r.errorCode),
  }),
  single(
    EndTxn,
    3,
    txnReq('WRITE'),
    TXN_DENIED,
    () => ({ transactionalId: TXN, producerId: 424242, producerEpoch: 0, committed: false }),
    (r) => auth(r.errorCode),
  ),
  defineCase({
    title: 'TxnOffsetCommit',
    api: TxnOffsetCommit,
    version: 3,
    requirements: [txnReq('WRITE'), groupReq('READ'), topicReq('READ')],
    rule: allOf(TXN_DENIED, GROUP_DENIED, TOPIC_DENIED),
    request: () => ({
      transactionalId: TXN,
      groupId: GROUP,
      producerId: 424242,
      producerEpoch: 0,
      generationId: -1,
      memberId: '',
      groupInstanceId: null,
      topics: [
        {
          name: TOPIC,
          partitions: [
            {
              partitionIndex: 0,
              committedOffset: 0,
              committedLeaderEpoch: -1,
              committedMetadata: null,
            },
          ],
        },
      ],
    }),
    observe: (r) => auth(r.topics[0]?.partitions[0]?.errorCode),
  }),
  defineCase({
    title: 'WriteTxnMarkers',
    api: WriteTxnMarkers,
    version: 1,
    // Kafka asks Alter on the cluster first (not logged if denied), then ClusterAction.
    requirements: [clusterReq('ALTER', { state: 'denied' }), clusterReq('CLUSTER_ACTION')],
    rule: ([alter, clusterAction]) => (alter || clusterAction ? 'NONE' : CLUSTER_DENIED),
    request: () => ({
      markers: [
        {
          producerId: 424242,
          producerEpoch: 0,
          transactionResult: false,
          // A topic nobody leads: an allowed marker is answered without writing anything.
          topics: [{ name: 'mx-nowhere', partitionIndexes: [0] }],
          coordinatorEpoch: 0,
        },
      ],
    }),
    observe: (r) => auth(r.markers[0]?.topics[0]?.partitions[0]?.errorCode),
  }),
  single(
    DescribeTransactions,
    0,
    txnReq('DESCRIBE'),
    TXN_DENIED,
    () => ({ transactionalIds: [TXN] }),
    (r) => auth(r.transactionStates[0]?.errorCode),
  ),
  defineCase({
    title: 'DescribeTransactions (partitions of describable topics)',
    api: DescribeTransactions,
    version: 0,
    requirements: [txnReq('DESCRIBE'), topicReq('DESCRIBE')],
    rule: allOf(TXN_DENIED, HIDDEN),
    request: () => ({ transactionalIds: [TXN] }),
    observe: (r) => {
      const t = r.transactionStates[0]!;
      if (auth(t.errorCode) !== 'NONE') return auth(t.errorCode);
      return t.topics.some((x) => x.topic === TOPIC) ? 'NONE' : HIDDEN;
    },
  }),
  defineCase({
    title: 'ListTransactions',
    api: ListTransactions,
    version: 0,
    requirements: [txnReq('DESCRIBE')],
    rule: ([d]) => (d ? 'NONE' : HIDDEN),
    request: () => ({ stateFilters: [], producerIdFilters: [] }),
    observe: (r) => (r.transactionStates.some((t) => t.transactionalId === TXN) ? 'NONE' : HIDDEN),
  }),
  single(
    DescribeProducers,
    0,
    topicReq('READ'),
    TOPIC_DENIED,
    () => ({ topics: [{ name: TOPIC, partitionIndexes: [0] }] }),
    (r) => auth(r.topics[0]?.partitions[0]?.errorCode),
  ),
  // Security and log directories.
  single(
    DescribeUserScramCredentials,
    0,
    clusterReq('DESCRIBE'),
    CLUSTER_DENIED,
    () => ({ users: null }),
    (r) => auth(r.errorCode),
  ),
  single(
    AlterUserScramCredentials,
    0,
    clusterReq('ALTER'),
    CLUSTER_DENIED,
    () => ({
      deletions: [],
      upsertions: [
        {
          name: 'mx-user',
          mechanism: 1,
          iterations: 4096,
          salt: Buffer.from('mx-salt'),
          saltedPassword: Buffer.alloc(32, 7),
        },
      ],
    }),
    (r) => auth(r.results[0]?.errorCode),
  ),
  single(
    AlterReplicaLogDirs,
    2,
    clusterReq('ALTER'),
    CLUSTER_DENIED,
    // A directory the broker does not have: allowed, it answers LOG_DIR_NOT_FOUND.
    () => ({ dirs: [{ path: '/mx-no-such-dir', topics: [{ name: TOPIC, partitions: [0] }] }] }),
    (r) => auth(r.results[0]?.partitions[0]?.errorCode),
  ),
];

/**
 * The APIs Kafka answers without asking the authorizer: the version handshake and the
 * SASL exchange, which come before (or are) authentication.
 */
const NO_AUTHORIZATION: ReadonlySet<number> = new Set([
  ApiVersions.apiKey,
  SaslHandshake.apiKey,
  SaslAuthenticate.apiKey,
]);

const topicIds = new Map<string, string>();

async function createTopic(env: Env, name: string): Promise<void> {
  const r = await env.admin(CreateTopics, 7, {
    topics: [{ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
    timeoutMs: 5000,
    validateOnly: false,
  });
  assert.equal(r.topics[0]?.errorCode, ErrorCode.NONE, r.topics[0]?.errorMessage ?? undefined);
  topicIds.set(name, r.topics[0]?.topicId);
}

const PATTERNS: Record<
  PatternKind,
  (type: ResourceTypeName, name: string) => { name: string; pattern: 'LITERAL' | 'PREFIXED' } | null
> = {
  literal: (_type, name) => ({ name, pattern: 'LITERAL' }),
  // Cluster ACLs must name kafka-cluster; a PREFIXED pattern of it still matches it.
  prefixed: (type, name) => ({
    name: type === 'CLUSTER' ? name : name.slice(0, 3),
    pattern: 'PREFIXED',
  }),
  wildcard: (type) => (type === 'CLUSTER' ? null : { name: '*', pattern: 'LITERAL' }),
};

interface Cell {
  readonly api: string;
  readonly varied: string;
  readonly state: State;
  readonly pattern: PatternKind;
  readonly allowEveryone: boolean;
  readonly expected: string;
  readonly observed: string;
}

async function runCase(env: Env, c: ApiCase, allowEveryone: boolean, cells: Cell[]): Promise<void> {
  const variants: Array<{ state: State; pattern: PatternKind }> = [];
  for (const state of ['allowed', 'denied'] as const)
    for (const pattern of ['literal', 'prefixed', 'wildcard'] as const)
      variants.push({ state, pattern });
  variants.push({ state: 'absent', pattern: 'literal' });
  for (const [i, varied] of c.requirements.entries()) {
    for (const v of variants) {
      if (v.state !== 'absent' && PATTERNS[v.pattern](varied.type, 'x') === null) continue;
      const cell = env.cell();
      const nameOf = (r: Requirement) => (typeof r.name === 'string' ? r.name : r.name(cell));
      const sameResource = (r: Requirement) =>
        r.type === varied.type && nameOf(r) === nameOf(varied);
      const bindings: Parameters<Env['setAcls']>[0] = [];
      const decisions: boolean[] = [];
      for (const [j, r] of c.requirements.entries()) {
        const s =
          j === i
            ? v
            : v.state === 'absent' && sameResource(r)
              ? { state: 'absent' as const, pattern: 'literal' as const }
              : {
                  state: r.baseline?.state ?? 'allowed',
                  pattern: r.baseline?.pattern ?? 'literal',
                };
        const decide =
          r.decide ?? ((st: State) => st === 'allowed' || (st === 'absent' && allowEveryone));
        decisions.push(decide(s.state, s.pattern, allowEveryone));
        if (s.state === 'absent') continue;
        const name = nameOf(r);
        const p = PATTERNS[s.pattern](r.type, name)!;
        if (s.state === 'allowed')
          bindings.push({ type: r.type, ...p, op: r.op, permission: 'ALLOW' });
        else {
          bindings.push({ type: r.type, ...p, op: r.op, permission: 'DENY' });
          bindings.push({ type: r.type, name, pattern: 'LITERAL', op: r.op, permission: 'ALLOW' });
        }
      }
      await c.prepare?.(env, cell);
      await env.setAcls(bindings);
      const response = await env.call(c.api, c.version, c.request(cell), 'alice');
      cells.push({
        api: c.title,
        varied: `${varied.op} on ${varied.type}`,
        state: v.state,
        pattern: v.pattern,
        allowEveryone,
        expected: c.rule(decisions),
        observed: c.observe(response, cell),
      });
    }
  }
}

async function startMatrixBroker(allowEveryone: boolean): Promise<{ env: Env; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'gregor-acl-matrix-'));
  const b = await startBrokerWithHandlers({
    dataDir: dir,
    port: 0,
    host: '127.0.0.1',
    config: {
      'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
      'super.users': 'User:admin',
      'allow.everyone.if.no.acl.found': String(allowEveryone),
      'group.initial.rebalance.delay.ms': '0',
      'offsets.topic.num.partitions': '1',
      'transaction.state.log.num.partitions': '1',
      'num.partitions': '1',
    },
  });
  const env = new Env(b, b.handlers);
  await createTopic(env, TOPIC);
  await openTransaction(env);
  // A group with a committed offset, so listings and offset fetches have something to show.
  const commit = await env.admin(OffsetCommit, 8, {
    groupId: GROUP,
    generationIdOrMemberEpoch: -1,
    memberId: '',
    groupInstanceId: null,
    topics: [
      {
        name: TOPIC,
        partitions: [
          {
            partitionIndex: 0,
            committedOffset: 0,
            committedLeaderEpoch: -1,
            committedMetadata: null,
          },
        ],
      },
    ],
  });
  // The offsets topic may still be on its way: retry until the coordinator takes it.
  for (let i = 0; i < 200 && commit.topics[0]?.partitions[0]?.errorCode !== ErrorCode.NONE; i++) {
    await new Promise((r) => setTimeout(r, 50));
    const again = await env.admin(OffsetCommit, 8, {
      groupId: GROUP,
      generationIdOrMemberEpoch: -1,
      memberId: '',
      groupInstanceId: null,
      topics: [
        {
          name: TOPIC,
          partitions: [
            {
              partitionIndex: 0,
              committedOffset: 0,
              committedLeaderEpoch: -1,
              committedMetadata: null,
            },
          ],
        },
      ],
    });
    if (again.topics[0]?.partitions[0]?.errorCode === ErrorCode.NONE) break;
  }
  return { env, dir };
}

/** Polls `attempt` until it answers NONE (a coordinator loading its partition answers retriably). */
async function untilNone<T>(
  what: string,
  attempt: () => Promise<T>,
  code: (r: T) => number,
): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const r = await attempt();
    if (code(r) === ErrorCode.NONE) return r;
    assert.ok(Date.now() < deadline, `${what}: ${errorInfo(code(r))?.name ?? code(r)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * A transaction of TXN left open on TOPIC's partition, so DescribeTransactions and
 * ListTransactions have something to show (and to hide). Its timeout outlasts the test.
 */
async function openTransaction(env: Env): Promise<void> {
  // As a client does: FindCoordinator is what creates __transaction_state.
  await untilNone(
    'FindCoordinator',
    () => env.admin(FindCoordinator, 4, { keyType: 1, coordinatorKeys: [TXN] }),
    (r) => r.coordinators[0]?.errorCode ?? -1,
  );
  const init = await untilNone(
    'InitProducerId',
    () =>
      env.admin(InitProducerId, 4, {
        transactionalId: TXN,
        transactionTimeoutMs: 900_000,
        producerId: -1,
        producerEpoch: -1,
      }),
    (r) => r.errorCode,
  );
  await untilNone(
    'AddPartitionsToTxn',
    () =>
      env.admin(AddPartitionsToTxn, 3, {
        v3AndBelowTransactionalId: TXN,
        v3AndBelowProducerId: init.producerId,
        v3AndBelowProducerEpoch: init.producerEpoch,
        v3AndBelowTopics: [{ name: TOPIC, partitions: [0] }],
      }),
    (r) => r.resultsByTopicV3AndBelow[0]?.resultsByPartition[0]?.partitionErrorCode ?? -1,
  );
}

describe('authorization matrix (every API, each operation allowed, denied and absent)', () => {
  const cells: Cell[] = [];
  const running: Array<{ env: Env; dir: string }> = [];

  before(async () => {
    for (const allowEveryone of [false, true]) running.push(await startMatrixBroker(allowEveryone));
  });
  after(async () => {
    for (const r of running) {
      await r.env.b.broker.close();
      await rm(r.dir, { recursive: true, force: true });
    }
  });

  for (const [k, allowEveryone] of [false, true].entries()) {
    test(`allow.everyone.if.no.acl.found=${allowEveryone}: every cell as Kafka's rule says`, async (t) => {
      const env = running[k]!.env;
      const mine: Cell[] = [];
      for (const c of CASES) await runCase(env, c, allowEveryone, mine);
      cells.push(...mine);
      const wrong = mine.filter((c) => c.expected !== c.observed);
      t.diagnostic(`cells: ${mine.length}, mismatches: ${wrong.length}`);
      assert.deepEqual(wrong, []);
    });
  }

  test('every API the broker serves is in the matrix or needs no authorization', () => {
    const served = running[0]!.env.b.handlers.supported().map((a) => a.apiKey);
    const covered = new Set(CASES.map((c) => c.api.apiKey));
    const missing = served.filter((k) => !covered.has(k) && !NO_AUTHORIZATION.has(k));
    assert.deepEqual(missing, []);
  });

  test('covers every case in both settings and reports the total', (t) => {
    const apis = new Set(cells.map((c) => c.api));
    assert.equal(apis.size, CASES.length);
    const mismatches = cells.filter((c) => c.expected !== c.observed).length;
    t.diagnostic(`authorization matrix: ${cells.length} cells, ${mismatches} mismatches`);
    // Every case saw both outcomes, so no case passes by never being refused.
    for (const api of apis) {
      const outcomes = new Set(cells.filter((c) => c.api === api).map((c) => c.observed));
      assert.ok(outcomes.size >= 2, `${api}: only ${[...outcomes].join(', ')}`);
    }
  });
});
