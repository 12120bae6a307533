// What Kafka's KafkaApis checks for the transaction APIs, called by their
// handlers (add-partitions-to-txn.ts, add-offsets-to-txn.ts, end-txn.ts,
// txn-offset-commit.ts, write-txn-markers.ts, describe-transactions.ts,
// list-transactions.ts, describe-producers.ts): each function answers the
// error code Kafka puts where it puts it, or NONE. Produce, InitProducerId and
// FindCoordinator (key type 1) check the transactional id themselves.

import { ErrorCode } from '../protocol/error-codes.ts';
import type { RequestAuthorizer } from './authorization.ts';
import type { RequestContext } from './handler.ts';

export interface TxnTopicsAuthorization {
  /** TRANSACTIONAL_ID_AUTHORIZATION_FAILED (or GROUP_...) for the whole request, else NONE. */
  readonly errorCode: number;
  /** Topics refused (TOPIC_AUTHORIZATION_FAILED); with any, Kafka answers the others OPERATION_NOT_ATTEMPTED. */
  readonly deniedTopics: ReadonlySet<string>;
}

/** AddPartitionsToTxn v0-3 (from clients): Write on the transactional id, Write on each topic. */
export function authorizeAddPartitionsToTxn(
  authz: RequestAuthorizer,
  ctx: RequestContext,
  transactionalId: string,
  topics: readonly string[],
): TxnTopicsAuthorization {
  if (!authz.allowed(ctx, 'WRITE', 'TRANSACTIONAL_ID', transactionalId))
    return { errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, deniedTopics: new Set() };
  const allowed = authz.allowedNames(ctx, 'WRITE', 'TOPIC', topics);
  return {
    errorCode: ErrorCode.NONE,
    deniedTopics: new Set(topics.filter((t) => !allowed.has(t))),
  };
}

/** AddPartitionsToTxn v4+ (broker to broker, KIP-890): ClusterAction on the cluster. */
export function authorizeBrokerAddPartitionsToTxn(
  authz: RequestAuthorizer,
  ctx: RequestContext,
): number {
  return authz.cluster(ctx, 'CLUSTER_ACTION')
    ? ErrorCode.NONE
    : ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
}

/** AddOffsetsToTxn: Write on the transactional id, then Read on the group. */
export function authorizeAddOffsetsToTxn(
  authz: RequestAuthorizer,
  ctx: RequestContext,
  transactionalId: string,
  groupId: string,
): number {
  if (!authz.allowed(ctx, 'WRITE', 'TRANSACTIONAL_ID', transactionalId))
    return ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
  if (!authz.allowed(ctx, 'READ', 'GROUP', groupId)) return ErrorCode.GROUP_AUTHORIZATION_FAILED;
  return ErrorCode.NONE;
}

/** EndTxn: Write on the transactional id. */
export function authorizeEndTxn(
  authz: RequestAuthorizer,
  ctx: RequestContext,
  transactionalId: string,
): number {
  return authz.allowed(ctx, 'WRITE', 'TRANSACTIONAL_ID', transactionalId)
    ? ErrorCode.NONE
    : ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
}

/** TxnOffsetCommit: Write on the transactional id, Read on the group, Read on each topic. */
export function authorizeTxnOffsetCommit(
  authz: RequestAuthorizer,
  ctx: RequestContext,
  transactionalId: string,
  groupId: string,
  topics: readonly string[],
): TxnTopicsAuthorization {
  const code = authorizeAddOffsetsToTxn(authz, ctx, transactionalId, groupId);
  if (code !== ErrorCode.NONE) return { errorCode: code, deniedTopics: new Set() };
  const allowed = authz.allowedNames(ctx, 'READ', 'TOPIC', topics);
  return {
    errorCode: ErrorCode.NONE,
    deniedTopics: new Set(topics.filter((t) => !allowed.has(t))),
  };
}

/** WriteTxnMarkers (broker to broker): Alter on the cluster, else ClusterAction. */
export function authorizeWriteTxnMarkers(authz: RequestAuthorizer, ctx: RequestContext): number {
  if (authz.cluster(ctx, 'ALTER', { logIfDenied: false })) return ErrorCode.NONE;
  return authz.cluster(ctx, 'CLUSTER_ACTION')
    ? ErrorCode.NONE
    : ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
}

/**
 * DescribeTransactions: Describe on each transactional id (TRANSACTIONAL_ID_AUTHORIZATION_FAILED
 * per id); a described transaction lists only partitions of topics the principal may
 * Describe (describableTopics).
 */
export function describableTransactionalIds(
  authz: RequestAuthorizer,
  ctx: RequestContext,
  transactionalIds: readonly string[],
): Set<string> {
  return authz.allowedNames(ctx, 'DESCRIBE', 'TRANSACTIONAL_ID', transactionalIds);
}

/** ListTransactions: only the ids the principal may Describe are listed (no error). */
export function listableTransactionalIds(
  authz: RequestAuthorizer,
  ctx: RequestContext,
  transactionalIds: readonly string[],
): Set<string> {
  return authz.allowedNames(ctx, 'DESCRIBE', 'TRANSACTIONAL_ID', transactionalIds, {
    logIfDenied: false,
  });
}

/** DescribeProducers: Read on each topic (TOPIC_AUTHORIZATION_FAILED per partition). */
export function describableProducerTopics(
  authz: RequestAuthorizer,
  ctx: RequestContext,
  topics: readonly string[],
): Set<string> {
  return authz.allowedNames(ctx, 'READ', 'TOPIC', topics);
}

/** Topics whose partitions a DescribeTransactions answer may list (Describe on each, no error). */
export function describableTopics(
  authz: RequestAuthorizer,
  ctx: RequestContext,
  topics: readonly string[],
): Set<string> {
  return authz.allowedNames(ctx, 'DESCRIBE', 'TOPIC', topics, { logIfDenied: false });
}
