// Every API definition Gregor has, for tools and tests that walk them all.

import type { ApiDef } from '../schema.ts';
import { AddOffsetsToTxn } from './add-offsets-to-txn.ts';
import { AddPartitionsToTxn } from './add-partitions-to-txn.ts';
import { AlterConfigs } from './alter-configs.ts';
import { AlterPartitionReassignments } from './alter-partition-reassignments.ts';
import { AlterReplicaLogDirs } from './alter-replica-log-dirs.ts';
import { AlterUserScramCredentials } from './alter-user-scram-credentials.ts';
import { ApiVersions } from './api-versions.ts';
import { CreatePartitions } from './create-partitions.ts';
import { CreateTopics } from './create-topics.ts';
import { DeleteGroups } from './delete-groups.ts';
import { DeleteRecords } from './delete-records.ts';
import { DeleteTopics } from './delete-topics.ts';
import { DescribeCluster } from './describe-cluster.ts';
import { DescribeConfigs } from './describe-configs.ts';
import { DescribeGroups } from './describe-groups.ts';
import { DescribeLogDirs } from './describe-log-dirs.ts';
import { DescribeProducers } from './describe-producers.ts';
import { DescribeTransactions } from './describe-transactions.ts';
import { DescribeUserScramCredentials } from './describe-user-scram-credentials.ts';
import { ElectLeaders } from './elect-leaders.ts';
import { EndTxn } from './end-txn.ts';
import { Fetch } from './fetch.ts';
import { FindCoordinator } from './find-coordinator.ts';
import { Heartbeat } from './heartbeat.ts';
import { IncrementalAlterConfigs } from './incremental-alter-configs.ts';
import { InitProducerId } from './init-producer-id.ts';
import { JoinGroup } from './join-group.ts';
import { LeaveGroup } from './leave-group.ts';
import { ListGroups } from './list-groups.ts';
import { ListOffsets } from './list-offsets.ts';
import { ListPartitionReassignments } from './list-partition-reassignments.ts';
import { ListTransactions } from './list-transactions.ts';
import { Metadata } from './metadata.ts';
import { OffsetCommit } from './offset-commit.ts';
import { OffsetDelete } from './offset-delete.ts';
import { OffsetFetch } from './offset-fetch.ts';
import { OffsetForLeaderEpoch } from './offset-for-leader-epoch.ts';
import { Produce } from './produce.ts';
import { SaslAuthenticate } from './sasl-authenticate.ts';
import { SaslHandshake } from './sasl-handshake.ts';
import { SyncGroup } from './sync-group.ts';
import { TxnOffsetCommit } from './txn-offset-commit.ts';
import { WriteTxnMarkers } from './write-txn-markers.ts';

export const ALL_APIS: readonly ApiDef[] = [
  AddOffsetsToTxn,
  AddPartitionsToTxn,
  AlterConfigs,
  AlterPartitionReassignments,
  AlterReplicaLogDirs,
  AlterUserScramCredentials,
  ApiVersions,
  CreatePartitions,
  CreateTopics,
  DeleteGroups,
  DeleteRecords,
  DeleteTopics,
  DescribeCluster,
  DescribeConfigs,
  DescribeGroups,
  DescribeLogDirs,
  DescribeProducers,
  DescribeTransactions,
  DescribeUserScramCredentials,
  ElectLeaders,
  EndTxn,
  Fetch,
  FindCoordinator,
  Heartbeat,
  IncrementalAlterConfigs,
  InitProducerId,
  JoinGroup,
  LeaveGroup,
  ListGroups,
  ListOffsets,
  ListPartitionReassignments,
  ListTransactions,
  Metadata,
  OffsetCommit,
  OffsetDelete,
  OffsetFetch,
  OffsetForLeaderEpoch,
  Produce,
  SaslAuthenticate,
  SaslHandshake,
  SyncGroup,
  TxnOffsetCommit,
  WriteTxnMarkers,
];
