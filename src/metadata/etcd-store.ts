// EtcdMetaStore: the MetaStore contract on a real etcd cluster through its v3 API (the
// etcd3 client). Every unary request has a deadline, so an unreachable etcd fails a call
// in requestTimeoutMs instead of the kernel's minutes. A request that may have reached etcd
// is never retried (a retried compare-and-set can succeed twice or appear to fail); one that
// provably never left, for want of a connection to that member, goes to the next member.

import {
  Etcd3,
  GRPCUnavailableError,
  type ICompare,
  type IOptions,
  type IRequestOp,
  type IResponseOp,
  type ITxnResponse,
} from 'etcd3';
import { prefixRange, toKeyValue, toMetaStoreError, toSafeInteger } from './etcd-errors.ts';
import { EtcdLease } from './etcd-lease.ts';
import { EtcdWatch } from './etcd-watch.ts';
import {
  type Compare,
  type DeleteResult,
  type KeyValue,
  type Lease,
  type LeaseId,
  type MetaStore,
  MetaStoreError,
  type Op,
  type OpResult,
  type PutOptions,
  type PutResult,
  type RangeResult,
  type TxnResult,
  type Watch,
  type WatchListener,
} from './meta-store.ts';
import { checkKey, checkPrefix, checkRevision, checkTtlMs, checkTxn } from './request-checks.ts';

export const requestTimeoutMsDefault = 5000;
/** gRPC pings on a connection with open streams; etcd refuses pings more often than 5 s. */
export const transportKeepaliveMsDefault = 10_000;

export interface EtcdMetaStoreOptions {
  /** Client URLs, e.g. ['http://10.0.0.1:2379', 'http://10.0.0.2:2379']. */
  readonly endpoints: readonly string[];
  /** Deadline of every request, connecting included. */
  readonly requestTimeoutMs?: number;
  readonly transportKeepaliveMs?: number;
}

type GlobalPolicy = NonNullable<NonNullable<IOptions['faultHandling']>['global']>;

const NOT_CONNECTED = 'No connection established';

/**
 * grpc-js fails a call this way when the channel to a member has no connection (refused,
 * or lost and not yet re-established): the call fails when picking a connection, before it
 * is written, so no member can have applied it.
 */
function neverSent(error: unknown): boolean {
  return error instanceof GRPCUnavailableError && error.message.includes(NOT_CONNECTED);
}

/**
 * etcd3's default retries a timed-out request; for a CAS that is wrong. This policy retries
 * only a request that never left, and etcd3 sends each attempt to the next member in its
 * shuffled order, so one dead member of three costs a refused connect, not a failed call.
 */
function retryUnsent(attemptsMax: number): GlobalPolicy {
  return {
    get _altReturn(): never {
      throw new Error('_altReturn is a type-level property only');
    },
    onSuccess: () => ({ dispose: () => {} }),
    onFailure: () => ({ dispose: () => {} }),
    async execute<T>(
      fn: (context: { signal: AbortSignal }) => PromiseLike<T> | T,
      signal?: AbortSignal,
    ): Promise<T> {
      const context = { signal: signal ?? new AbortController().signal };
      for (let attempt = 1; ; attempt++) {
        try {
          return await fn(context);
        } catch (error) {
          if (attempt >= attemptsMax || !neverSent(error)) throw error;
        }
      }
    },
  };
}

const compareResults = { '=': 'Equal', '!=': 'NotEqual', '<': 'Less', '>': 'Greater' } as const;

function toCompare(compare: Compare): ICompare {
  const key = Buffer.from(compare.key, 'utf8');
  const result = compareResults[compare.operator];
  switch (compare.target) {
    case 'version':
      return { key, result, target: 'Version', version: compare.value };
    case 'createRevision':
      return { key, result, target: 'Create', create_revision: compare.value };
    case 'modRevision':
      return { key, result, target: 'Mod', mod_revision: compare.value };
    case 'value':
      return { key, result, target: 'Value', value: Buffer.from(compare.value, 'utf8') };
  }
}

function toRequestOp(op: Op): IRequestOp {
  switch (op.type) {
    case 'get':
      return { request_range: { key: Buffer.from(op.key, 'utf8') } };
    case 'put':
      return {
        request_put: {
          key: Buffer.from(op.key, 'utf8'),
          value: Buffer.from(op.value, 'utf8'),
          lease: op.lease ?? 0,
        },
      };
    case 'delete':
      return { request_delete_range: { key: Buffer.from(op.key, 'utf8') } };
    case 'deletePrefix':
      return { request_delete_range: prefixRange(op.prefix) };
  }
}

function toOpResult(op: Op, response: IResponseOp | undefined): OpResult {
  switch (op.type) {
    case 'get': {
      const kv = response?.response_range?.kvs[0];
      return { type: 'get', kv: kv === undefined ? null : toKeyValue(kv) };
    }
    case 'put':
      return { type: 'put' };
    case 'delete':
    case 'deletePrefix': {
      const deleted = toSafeInteger(response?.response_delete_range?.deleted ?? '0', 'deleted');
      return { type: op.type, deleted };
    }
  }
}

export class EtcdMetaStore implements MetaStore {
  private readonly client: Etcd3;
  private readonly requestTimeoutMs: number;
  private readonly leases = new Set<EtcdLease>();
  private readonly watches = new Set<EtcdWatch>();
  private closed = false;

  private constructor(options: EtcdMetaStoreOptions) {
    if (options.endpoints.length === 0) throw new RangeError('etcd needs at least one endpoint');
    this.requestTimeoutMs = options.requestTimeoutMs ?? requestTimeoutMsDefault;
    const keepaliveMs = options.transportKeepaliveMs ?? transportKeepaliveMsDefault;
    this.client = new Etcd3({
      hosts: [...options.endpoints],
      defaultCallOptions: (context) =>
        context.isStream ? {} : { deadline: Date.now() + this.requestTimeoutMs },
      faultHandling: { global: retryUnsent(options.endpoints.length) },
      grpcOptions: {
        // Detects a dead connection under a long-lived watch stream (a partition sends no RST).
        'grpc.keepalive_time_ms': keepaliveMs,
        'grpc.keepalive_timeout_ms': this.requestTimeoutMs,
      },
    });
  }

  /**
   * Connects and checks that etcd answers within the request timeout; a failure names the
   * endpoints, since an operator's typo or a down cluster is the usual cause.
   */
  static async connect(options: EtcdMetaStoreOptions): Promise<EtcdMetaStore> {
    const store = new EtcdMetaStore(options);
    try {
      await store.revision();
    } catch (error) {
      await store.close();
      const failure = toMetaStoreError(error, 'connect');
      const cause = failure.cause instanceof Error ? failure.cause : failure;
      // grpc-js ends the message with an empty "Resolution note: " for IP addresses.
      const reason = cause.message.replace(/\.? Resolution note: $/, '');
      throw new MetaStoreError(
        failure.code,
        `cannot reach etcd at ${options.endpoints.join(',')} ` +
          `(request timeout ${store.requestTimeoutMs} ms): ${reason}`,
        { cause: error },
      );
    }
    return store;
  }

  async get(key: string): Promise<KeyValue | null> {
    checkKey(key);
    const response = await this.call(`get ${key}`, () =>
      this.client.kv.range({ key: Buffer.from(key, 'utf8') }),
    );
    const kv = response.kvs[0];
    return kv === undefined ? null : toKeyValue(kv);
  }

  async range(prefix: string): Promise<RangeResult> {
    checkPrefix(prefix, { allowEmpty: true });
    const response = await this.call(`range ${prefix}`, () =>
      this.client.kv.range(prefixRange(prefix)),
    );
    return {
      kvs: response.kvs.map(toKeyValue),
      revision: toSafeInteger(response.header.revision, 'revision'),
    };
  }

  async put(key: string, value: string, options: PutOptions = {}): Promise<PutResult> {
    checkTxn([], [{ type: 'put', key, value }], []);
    const response = await this.call(`put ${key}`, () =>
      this.client.kv.put({
        key: Buffer.from(key, 'utf8'),
        value: Buffer.from(value, 'utf8'),
        lease: options.lease ?? 0,
      }),
    );
    return { revision: toSafeInteger(response.header.revision, 'revision') };
  }

  async delete(key: string): Promise<DeleteResult> {
    checkKey(key);
    return this.deleteRange(`delete ${key}`, { key: Buffer.from(key, 'utf8') });
  }

  async deletePrefix(prefix: string): Promise<DeleteResult> {
    checkPrefix(prefix, { allowEmpty: false });
    return this.deleteRange(`delete prefix ${prefix}`, prefixRange(prefix));
  }

  private async deleteRange(
    what: string,
    range: { key: Buffer; range_end?: Buffer },
  ): Promise<DeleteResult> {
    const response = await this.call(what, () => this.client.kv.deleteRange(range));
    return {
      revision: toSafeInteger(response.header.revision, 'revision'),
      deleted: toSafeInteger(response.deleted, 'deleted'),
    };
  }

  async txn(
    compares: readonly Compare[],
    success: readonly Op[],
    failure: readonly Op[] = [],
  ): Promise<TxnResult> {
    checkTxn(compares, success, failure);
    const response: ITxnResponse = await this.call('txn', () =>
      this.client.kv.txn({
        compare: compares.map(toCompare),
        success: success.map(toRequestOp),
        failure: failure.map(toRequestOp),
      }),
    );
    const ops = response.succeeded ? success : failure;
    return {
      succeeded: response.succeeded,
      revision: toSafeInteger(response.header.revision, 'revision'),
      results: ops.map((op, index) => toOpResult(op, response.responses[index])),
    };
  }

  async revision(): Promise<number> {
    // Any linearizable read carries the store revision in its header.
    const response = await this.call('revision', () =>
      this.client.kv.range({ key: Buffer.from([0]), count_only: true }),
    );
    return toSafeInteger(response.header.revision, 'revision');
  }

  async grantLease(ttlMs: number): Promise<Lease> {
    checkTtlMs(ttlMs);
    // etcd counts TTLs in whole seconds (and may raise a short one to its minimum).
    const ttlSeconds = Math.ceil(ttlMs / 1000);
    const grantSentAtMs = performance.now();
    const response = await this.call('grant lease', () =>
      this.client.leaseClient.leaseGrant({ TTL: ttlSeconds }),
    );
    if (response.error !== '') {
      throw new MetaStoreError('GREGOR_ERR_METADATA_UNAVAILABLE', `grant lease: ${response.error}`);
    }
    const lease = new EtcdLease({
      client: this.client.leaseClient,
      id: response.ID as LeaseId,
      ttlMs: toSafeInteger(response.TTL, 'TTL') * 1000,
      grantSentAtMs,
      requestTimeoutMs: this.requestTimeoutMs,
      onEnd: (ended) => this.leases.delete(ended),
    });
    this.leases.add(lease);
    return lease;
  }

  async watch(prefix: string, fromRevision: number, listener: WatchListener): Promise<Watch> {
    this.checkOpen();
    checkPrefix(prefix, { allowEmpty: true });
    checkRevision(fromRevision, 'fromRevision');
    const watch = new EtcdWatch({
      client: this.client.watchClient,
      prefix,
      fromRevision,
      listener,
      requestTimeoutMs: this.requestTimeoutMs,
      onEnd: (ended) => this.watches.delete(ended),
    });
    this.watches.add(watch);
    await watch.start();
    return watch;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const lease of [...this.leases]) lease.close();
    await Promise.all([...this.watches].map((watch) => watch.close()));
    this.client.close();
  }

  private checkOpen(): void {
    if (this.closed) throw new MetaStoreError('GREGOR_ERR_METADATA_CLOSED', 'the store is closed');
  }

  private async call<T>(what: string, request: () => Promise<T>): Promise<T> {
    this.checkOpen();
    try {
      return await request();
    } catch (error) {
      throw toMetaStoreError(error, what);
    }
  }
}
