// Registers the consumer-group APIs, which all talk to one GroupCoordinator
// runtime: FindCoordinator, JoinGroup, SyncGroup, Heartbeat, LeaveGroup,
// OffsetCommit, OffsetFetch, OffsetDelete, DescribeGroups, ListGroups and
// DeleteGroups.

import type { GroupCoordinator } from '../group/group-coordinator.ts';
import type { BrokerServices } from './broker-services.ts';
import { deleteGroupsHandler } from './delete-groups.ts';
import { describeGroupsHandler } from './describe-groups.ts';
import { findCoordinatorHandler, type TransactionCoordinatorLookup } from './find-coordinator.ts';
import type { HandlerRegistry } from './handler.ts';
import { heartbeatHandler } from './heartbeat.ts';
import { joinGroupHandler } from './join-group.ts';
import { leaveGroupHandler } from './leave-group.ts';
import { listGroupsHandler } from './list-groups.ts';
import { offsetCommitHandler } from './offset-commit.ts';
import { offsetDeleteHandler } from './offset-delete.ts';
import { offsetFetchHandler } from './offset-fetch.ts';
import { syncGroupHandler } from './sync-group.ts';

export function registerGroupHandlers(
  registry: HandlerRegistry,
  services: BrokerServices,
  coordinator: GroupCoordinator,
  transactions?: TransactionCoordinatorLookup,
): void {
  registry
    .add(offsetCommitHandler(services, coordinator))
    .add(offsetFetchHandler(coordinator))
    .add(findCoordinatorHandler(services, coordinator, transactions))
    .add(joinGroupHandler(coordinator))
    .add(heartbeatHandler(coordinator))
    .add(leaveGroupHandler(coordinator))
    .add(syncGroupHandler(coordinator))
    .add(describeGroupsHandler(coordinator))
    .add(listGroupsHandler(coordinator))
    .add(deleteGroupsHandler(coordinator))
    .add(offsetDeleteHandler(services, coordinator));
}
