// The MetaStore contract: a versioned key/value store with leases, compare-and-set
// transactions and ordered prefix watches, as etcd's v3 API offers it. Every backend
// (embedded, etcd) implements exactly this and passes one contract test suite; callers
// never learn which backend they talk to. Keys and values are strings (values are JSON).

/** A lease as the store names it (etcd's int64 id, in decimal). */
export type LeaseId = string & { readonly __brand: 'LeaseId' };

/** One key as stored. Revisions are store-wide; `version` counts puts since creation. */
export interface KeyValue {
  readonly key: string;
  readonly value: string;
  /** Revision of the put that created the key (since its last deletion). */
  readonly createRevision: number;
  /** Revision of the last put to the key. */
  readonly modRevision: number;
  /** Number of puts since the key was created: 1 after the first put. */
  readonly version: number;
  /** The lease the key lives under, or null for a persistent key. */
  readonly lease: LeaseId | null;
}

export interface RangeResult {
  /** Keys with the prefix, in ascending UTF-8 byte order of the key. */
  readonly kvs: readonly KeyValue[];
  /** Store revision the range was read at. */
  readonly revision: number;
}

export interface PutResult {
  /** Revision of this put. */
  readonly revision: number;
}

export interface DeleteResult {
  /** Store revision after the delete; unchanged when nothing was deleted. */
  readonly revision: number;
  readonly deleted: number;
}

export interface PutOptions {
  /** Attach the key to this lease: it is deleted when the lease ends. */
  readonly lease?: LeaseId;
}

export type CompareOperator = '=' | '!=' | '<' | '>';

/**
 * A condition on one key. An absent key has version, createRevision and modRevision 0;
 * a comparison on the value of an absent key is always false (as in etcd).
 */
export type Compare =
  | {
      readonly key: string;
      readonly target: 'version' | 'createRevision' | 'modRevision';
      readonly operator: CompareOperator;
      readonly value: number;
    }
  | {
      readonly key: string;
      readonly target: 'value';
      readonly operator: CompareOperator;
      readonly value: string;
    };

/**
 * One operation of a transaction. All writes of one transaction share one revision. A key
 * may be put at most once per transaction and not inside a range the same branch deletes.
 */
export type Op =
  | { readonly type: 'get'; readonly key: string }
  | { readonly type: 'put'; readonly key: string; readonly value: string; readonly lease?: LeaseId }
  | { readonly type: 'delete'; readonly key: string }
  | { readonly type: 'deletePrefix'; readonly prefix: string };

export type OpResult =
  | { readonly type: 'get'; readonly kv: KeyValue | null }
  | { readonly type: 'put' }
  | { readonly type: 'delete'; readonly deleted: number }
  | { readonly type: 'deletePrefix'; readonly deleted: number };

export interface TxnResult {
  /** True when every compare held and the success branch ran. */
  readonly succeeded: boolean;
  /** Store revision after the transaction (its own revision if it wrote anything). */
  readonly revision: number;
  /** One result per operation of the branch that ran, in order. */
  readonly results: readonly OpResult[];
}

/** One change seen by a watch. `revision` is the revision of the change. */
export type WatchEvent =
  | { readonly type: 'put'; readonly key: string; readonly revision: number; readonly kv: KeyValue }
  | { readonly type: 'delete'; readonly key: string; readonly revision: number };

export interface WatchListener {
  /**
   * Called with one or more events, in revision order, never repeating or skipping one.
   * `revision` is the watch's progress: every change up to it has now been delivered.
   */
  onEvents(events: readonly WatchEvent[], revision: number): void;
  /**
   * Called at most once when the watch cannot continue, for example because its start
   * revision was compacted away (GREGOR_ERR_METADATA_COMPACTED). The watch is then closed;
   * re-read with `range` and watch again from that range's revision.
   */
  onError(error: MetaStoreError): void;
}

export interface Watch {
  readonly prefix: string;
  /** Stops delivery. No listener call happens after the returned promise settles. */
  close(): Promise<void>;
}

export type LeaseLossReason =
  /** The TTL ran out, or the holder could not confirm a keepalive in time. */
  | 'expired'
  /** `revoke()` was called (by this holder). */
  | 'revoked'
  /** The store was closed or failed. */
  | 'closed';

export interface LeaseLoss {
  readonly reason: LeaseLossReason;
  readonly cause?: Error;
}

/**
 * A lease with automatic keepalive. Its keys are deleted when it ends. `lost` settles as
 * soon as the holder must stop acting as the owner of its keys: on a backend with a
 * network this is when the TTL may have run out on the server, which can be before the
 * server deletes the keys (so a holder steps down before anyone else can take over).
 */
export interface Lease {
  readonly id: LeaseId;
  /** TTL granted by the store; at least the TTL asked for. */
  readonly ttlMs: number;
  /** Settles once, never rejects. */
  readonly lost: Promise<LeaseLoss>;
  isAlive(): boolean;
  /**
   * Monotonic time (performance.now) until which the store certainly still holds the
   * lease: when the last confirmed keepalive was sent, plus the TTL. Absent on a store
   * without a network, whose lease cannot lapse while the process runs.
   */
  confirmedUntilMs?(): number;
  /** Stops keepalives and lets the lease run out, as if this process had died. */
  release(): void;
  /**
   * Ends the lease now and deletes its keys; `lost` settles with 'revoked' at once. If the
   * store cannot be reached this rejects, and the keys go when the TTL runs out.
   */
  revoke(): Promise<void>;
}

export interface MetaStore {
  get(key: string): Promise<KeyValue | null>;
  /** All keys starting with `prefix` (all keys for ''), in key order. */
  range(prefix: string): Promise<RangeResult>;
  put(key: string, value: string, options?: PutOptions): Promise<PutResult>;
  delete(key: string): Promise<DeleteResult>;
  /** Deletes every key starting with `prefix` in one revision. `prefix` must not be ''. */
  deletePrefix(prefix: string): Promise<DeleteResult>;
  /** Runs `success` if every compare holds, else `failure`, atomically. */
  txn(
    compares: readonly Compare[],
    success: readonly Op[],
    failure?: readonly Op[],
  ): Promise<TxnResult>;
  /** Grants a lease of at least `ttlMs` and keeps it alive until released or revoked. */
  grantLease(ttlMs: number): Promise<Lease>;
  /**
   * Delivers every change to keys starting with `prefix` whose revision is greater than
   * `fromRevision`, in order, first the past ones the store still holds, then new ones.
   * Usual use: `range(prefix)` then `watch(prefix, thatRange.revision, ...)`.
   */
  watch(prefix: string, fromRevision: number, listener: WatchListener): Promise<Watch>;
  /** The store's current revision. */
  revision(): Promise<number>;
  /** Stops keepalives (leases then run out), closes watches and releases resources. */
  close(): Promise<void>;
}

/**
 * Stable codes for metadata store failures (rows in docs/errors.md). A write that fails with
 * TIMEOUT or UNAVAILABLE may or may not have been applied: read back before retrying a CAS.
 */
export type MetaStoreErrorCode =
  | 'GREGOR_ERR_METADATA_TIMEOUT'
  | 'GREGOR_ERR_METADATA_UNAVAILABLE'
  | 'GREGOR_ERR_METADATA_LEASE_NOT_FOUND'
  | 'GREGOR_ERR_METADATA_COMPACTED'
  | 'GREGOR_ERR_METADATA_INVALID_REQUEST'
  | 'GREGOR_ERR_METADATA_CLOSED'
  | 'GREGOR_ERR_METADATA_CORRUPT';

export class MetaStoreError extends Error {
  override readonly name = 'MetaStoreError';

  constructor(
    readonly code: MetaStoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${code}: ${message}`, options);
  }
}

export function isMetaStoreError(
  error: unknown,
  code?: MetaStoreErrorCode,
): error is MetaStoreError {
  return error instanceof MetaStoreError && (code === undefined || error.code === code);
}

// Constructors for compares and ops, so call sites read as the condition they state.

/** The key does not exist (version 0): "create only if absent". */
export function ifAbsent(key: string): Compare {
  return { key, target: 'version', operator: '=', value: 0 };
}

export function ifVersion(key: string, operator: CompareOperator, version: number): Compare {
  return { key, target: 'version', operator, value: version };
}

/** The key was last written at `revision` (0: absent): the usual compare-and-set guard. */
export function ifModRevision(key: string, operator: CompareOperator, revision: number): Compare {
  return { key, target: 'modRevision', operator, value: revision };
}

export function ifCreateRevision(
  key: string,
  operator: CompareOperator,
  revision: number,
): Compare {
  return { key, target: 'createRevision', operator, value: revision };
}

export function ifValue(key: string, operator: CompareOperator, value: string): Compare {
  return { key, target: 'value', operator, value };
}

export function getOp(key: string): Op {
  return { type: 'get', key };
}

export function putOp(key: string, value: string, options: PutOptions = {}): Op {
  return options.lease === undefined
    ? { type: 'put', key, value }
    : { type: 'put', key, value, lease: options.lease };
}

export function deleteOp(key: string): Op {
  return { type: 'delete', key };
}

export function deletePrefixOp(prefix: string): Op {
  return { type: 'deletePrefix', prefix };
}
