// Which cluster a broker belongs to. The metadata store holds one cluster id
// per root prefix (`/gregor/cluster/id`); the first broker to start creates it
// with a create-if-absent transaction, so when several start at once exactly
// one id wins, and every broker adopts the stored id. A broker refuses to start
// when its configured `cluster.id` or its log directory's meta.properties
// names another cluster (Kafka's InconsistentClusterIdException): a
// misconfigured pod must not join the wrong cluster and mix its data in.
//
// The id a first broker proposes is the configured one, else the one its log
// directory already records (a directory from before the id lived in the store
// keeps its cluster, and its keys under `/gregor/<id>/` stay reachable), else a
// new random one.

import { randomBytes } from 'node:crypto';
import { clusterIdKey } from '../metadata/key-layout.ts';
import { getOp, ifAbsent, type MetaStore, MetaStoreError, putOp } from '../metadata/meta-store.ts';

export type ClusterIdErrorCode =
  /** The configured cluster.id differs from the log directory's or the store's. */
  | 'GREGOR_ERR_CLUSTER_ID_MISMATCH'
  /** The log directory records another cluster than the metadata store. */
  | 'GREGOR_ERR_INCONSISTENT_CLUSTER_ID'
  /** The log directory records another node id than the configured one. */
  | 'GREGOR_ERR_NODE_ID_MISMATCH';

export class ClusterIdError extends Error {
  override readonly name = 'ClusterIdError';

  constructor(
    readonly code: ClusterIdErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

/** What the log directory records (meta.properties), or null for a new directory. */
export interface LogDirIdentity {
  readonly path: string;
  readonly clusterId: string;
  readonly nodeId: number | null;
}

/** A Kafka cluster id: 16 random bytes as base64url (22 characters), as Kafka's Uuid prints. */
export function randomClusterId(): string {
  return randomBytes(16).toString('base64url');
}

/**
 * Checks that need no store: the directory is this node's and, when cluster.id is
 * configured, that cluster's. Returns the id this broker proposes if the store has none.
 */
export function proposeClusterId(o: {
  readonly nodeId: number;
  readonly configured: string | null;
  readonly logDir: LogDirIdentity | null;
  readonly newId?: () => string;
}): string {
  const dir = o.logDir;
  if (dir !== null && dir.nodeId !== null && dir.nodeId !== o.nodeId) {
    throw new ClusterIdError(
      'GREGOR_ERR_NODE_ID_MISMATCH',
      `${dir.path} has node.id ${dir.nodeId}, but this broker is node.id ${o.nodeId}; ` +
        'each broker needs its own log directory',
    );
  }
  if (dir !== null && o.configured !== null && dir.clusterId !== o.configured) {
    throw new ClusterIdError(
      'GREGOR_ERR_CLUSTER_ID_MISMATCH',
      `${dir.path} has cluster.id ${dir.clusterId}, but cluster.id is configured as ${o.configured}`,
    );
  }
  return o.configured ?? dir?.clusterId ?? (o.newId ?? randomClusterId)();
}

/**
 * Checks the id the store holds against the configured one and the log directory's.
 * Returns the stored id when both agree with it (or are absent).
 */
export function checkStoredClusterId(o: {
  readonly stored: string;
  readonly configured: string | null;
  readonly logDir: LogDirIdentity | null;
  /** Where the store is, for the message: `etcd://host:2379 at /gregor/`. */
  readonly storeName: string;
}): string {
  if (o.configured !== null && o.configured !== o.stored) {
    throw new ClusterIdError(
      'GREGOR_ERR_CLUSTER_ID_MISMATCH',
      `cluster.id is configured as ${o.configured}, but the metadata store ${o.storeName} ` +
        `belongs to cluster ${o.stored}; correct cluster.id, or give another cluster on the same ` +
        'store its own metadata.store.prefix',
    );
  }
  if (o.logDir !== null && o.logDir.clusterId !== o.stored) {
    throw new ClusterIdError(
      'GREGOR_ERR_INCONSISTENT_CLUSTER_ID',
      `${o.logDir.path} belongs to cluster ${o.logDir.clusterId}, but the metadata store ` +
        `${o.storeName} belongs to cluster ${o.stored}; this log directory holds another ` +
        "cluster's data: point the broker at that cluster's store, or give it an empty log directory",
    );
  }
  return o.stored;
}

interface StoredClusterId {
  readonly clusterId: string;
}

function decodeStored(key: string, value: string): string {
  try {
    const parsed = JSON.parse(value) as Partial<StoredClusterId> | null;
    const id = parsed?.clusterId;
    if (typeof id === 'string' && id !== '' && !id.includes('/')) return id;
  } catch {
    // Reported below with the key.
  }
  throw new MetaStoreError('GREGOR_ERR_METADATA_CORRUPT', `${key} holds no cluster id: ${value}`);
}

/**
 * The cluster id stored under `rootPrefix`, creating it as `proposal` if there is none.
 * One transaction: if several brokers race, exactly one proposal is stored and every
 * one of them reads that. Repeating the call after a timeout is safe.
 */
export async function claimClusterId(
  store: MetaStore,
  rootPrefix: string,
  proposal: string,
): Promise<{ clusterId: string; created: boolean }> {
  const key = clusterIdKey(rootPrefix);
  const value = JSON.stringify({ clusterId: proposal } satisfies StoredClusterId);
  const result = await store.txn([ifAbsent(key)], [putOp(key, value)], [getOp(key)]);
  if (result.succeeded) return { clusterId: proposal, created: true };
  const read = result.results[0];
  if (read?.type !== 'get' || read.kv === null) {
    // The key was there for the compare and gone for the read: impossible in one transaction.
    throw new MetaStoreError('GREGOR_ERR_METADATA_CORRUPT', `${key} vanished within a transaction`);
  }
  return { clusterId: decodeStored(key, read.kv.value), created: false };
}
