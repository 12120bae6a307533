// EmbeddedMetaStore: the MetaStore contract in-process, for a single node and for tests.
// It keeps etcd's model (one store revision per write, per-key create/mod revision and
// version, leases, watches from a revision) and persists the persistent keys to one file
// after each change. Leases live only as long as the process; their keys are not saved.
// A write resolves, and watchers hear of it, only once it is on disk; reads and compares
// see it at once, which keeps compare-and-set serial within the one process. When the
// disk refuses the snapshot (full), the store keeps serving and retries the snapshot;
// a write waiting for it fails with GREGOR_ERR_METADATA_UNAVAILABLE as soon as an
// attempt fails (or with GREGOR_ERR_METADATA_TIMEOUT after `persistTimeoutMs` on a disk
// that hangs). Its outcome is unknown, as with etcd: it stays applied, and is saved
// with the next snapshot that succeeds.

import {
  encodeSnapshot,
  readSnapshotFile,
  removeTemporaryFile,
  type Snapshot,
  type SnapshotFileWriter,
  SnapshotWriter,
  writeFileAtomic,
} from './embedded-snapshot.ts';
import {
  type Compare,
  type DeleteResult,
  deleteOp,
  deletePrefixOp,
  type KeyValue,
  type Lease,
  type LeaseId,
  type LeaseLoss,
  type MetaStore,
  MetaStoreError,
  type Op,
  type OpResult,
  type PutOptions,
  type PutResult,
  putOp,
  type RangeResult,
  type TxnResult,
  type Watch,
  type WatchEvent,
  type WatchListener,
} from './meta-store.ts';
import {
  checkKey,
  checkPrefix,
  checkRevision,
  checkTtlMs,
  checkTxn,
  compareKeys,
} from './request-checks.ts';

/** Time for lease expiry; injected so tests and the simulator control it. */
export interface EmbeddedClock {
  now(): number;
  /** Calls `onTimer` after `delayMs`; the returned function cancels it. */
  setTimer(delayMs: number, onTimer: () => void): () => void;
}

export const systemClock: EmbeddedClock = {
  now: () => performance.now(),
  setTimer(delayMs, onTimer) {
    const timer = setTimeout(onTimer, delayMs);
    // Lease expiry alone must not keep a process alive.
    timer.unref();
    return () => clearTimeout(timer);
  },
};

function refTimer(delayMs: number, run: () => void): () => void {
  const timer = setTimeout(run, delayMs);
  return () => clearTimeout(timer);
}

/** How many past revisions a watch may start from (older ones count as compacted). */
export const historyRevisionsMaxDefault = 10_000;
/** How long a write waits for its snapshot before it fails with GREGOR_ERR_METADATA_TIMEOUT. */
export const persistTimeoutMsDefault = 10_000;

/** What the store reports about its snapshot writes (for logs, readiness and metrics). */
export interface EmbeddedPersistListener {
  /** A snapshot write failed; it is retried after `retryInMs`. */
  onWriteFailed(error: unknown, retryInMs: number): void;
  /** A snapshot write succeeded after failures. */
  onWriteRecovered(): void;
}

export interface EmbeddedMetaStoreOptions {
  /** The snapshot file, e.g. `<dataDir>/metadata.json`. */
  readonly path: string;
  readonly clock?: EmbeddedClock;
  /** Replaces the atomic file write, to inject faults in tests. */
  readonly writeFile?: SnapshotFileWriter;
  readonly historyRevisionsMax?: number;
  /** Default persistTimeoutMsDefault. */
  readonly persistTimeoutMs?: number;
  readonly persistListener?: EmbeddedPersistListener;
}

export type EmbeddedMemoryOptions = Omit<
  EmbeddedMetaStoreOptions,
  'path' | 'writeFile' | 'persistListener'
>;

interface LeaseRecord {
  readonly handle: EmbeddedLease;
  readonly keys: Set<string>;
  cancelExpiry: (() => void) | null;
}

interface WatcherRecord {
  readonly prefix: string;
  readonly listener: WatchListener;
  /** Every event up to this revision has been delivered (or was before the start). */
  cursor: number;
  open: boolean;
}

interface LeaseOwner {
  releaseLease(id: LeaseId): void;
  revokeLease(id: LeaseId): Promise<void>;
}

class EmbeddedLease implements Lease {
  readonly lost: Promise<LeaseLoss>;
  private settle: (loss: LeaseLoss) => void = () => {};
  private alive = true;

  constructor(
    readonly id: LeaseId,
    readonly ttlMs: number,
    private readonly owner: LeaseOwner,
  ) {
    this.lost = new Promise((resolve) => {
      this.settle = resolve;
    });
  }

  isAlive(): boolean {
    return this.alive;
  }

  release(): void {
    if (this.alive) this.owner.releaseLease(this.id);
  }

  revoke(): Promise<void> {
    return this.owner.revokeLease(this.id);
  }

  end(loss: LeaseLoss): void {
    if (!this.alive) return;
    this.alive = false;
    this.settle(loss);
  }
}

function firstEventAfter(events: readonly WatchEvent[], revision: number): number {
  let low = 0;
  let high = events.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((events[middle]?.revision ?? 0) <= revision) low = middle + 1;
    else high = middle;
  }
  return low;
}

export class EmbeddedMetaStore implements MetaStore {
  private readonly kvs = new Map<string, KeyValue>();
  private readonly leases = new Map<LeaseId, LeaseRecord>();
  private readonly watchers = new Set<WatcherRecord>();
  /** Changes in revision order; holds every event after `compactedRevision`. */
  private history: WatchEvent[] = [];
  private currentRevision = 1;
  private durableRevision = 1;
  private compactedRevision = 0;
  private nextLeaseNumber = 1;
  private closed = false;
  private readonly writer: SnapshotWriter;
  private readonly clock: EmbeddedClock;
  private readonly historyRevisionsMax: number;
  private readonly persistTimeoutMs: number;
  /** Writes waiting for their snapshot, told when an attempt fails. */
  private readonly persistWaiters = new Set<(error: unknown) => void>();

  private constructor(
    private readonly path: string | null,
    private readonly writeFile: SnapshotFileWriter,
    options: EmbeddedMemoryOptions & { persistListener?: EmbeddedPersistListener },
    snapshot: Snapshot | null,
  ) {
    this.clock = options.clock ?? systemClock;
    this.historyRevisionsMax = options.historyRevisionsMax ?? historyRevisionsMaxDefault;
    if (!Number.isSafeInteger(this.historyRevisionsMax) || this.historyRevisionsMax < 1) {
      throw new RangeError(`historyRevisionsMax must be >= 1, got ${this.historyRevisionsMax}`);
    }
    this.persistTimeoutMs = options.persistTimeoutMs ?? persistTimeoutMsDefault;
    if (!Number.isSafeInteger(this.persistTimeoutMs) || this.persistTimeoutMs < 1) {
      throw new RangeError(`persistTimeoutMs must be >= 1, got ${this.persistTimeoutMs}`);
    }
    if (snapshot !== null) this.load(snapshot);
    const listener = options.persistListener;
    this.writer = new SnapshotWriter({
      persist: () => this.persist(),
      // The system clock's timers are unref'd (lease expiry alone must not keep a
      // process alive); a retry carries changes not yet saved, so it holds the loop.
      setTimer: options.clock === undefined ? refTimer : (ms, run) => this.clock.setTimer(ms, run),
      onWriteFailed: (error: unknown, retryInMs: number) => {
        for (const fail of [...this.persistWaiters]) fail(error);
        listener?.onWriteFailed(error, retryInMs);
      },
      ...(listener === undefined ? {} : { onWriteRecovered: () => listener.onWriteRecovered() }),
    });
  }

  /** True while snapshot writes fail (changes since the last good one are not on disk). */
  get persistFailing(): boolean {
    return this.writer.failing;
  }

  /** Opens (or creates on first write) the store persisted at `options.path`. */
  static async open(options: EmbeddedMetaStoreOptions): Promise<EmbeddedMetaStore> {
    await removeTemporaryFile(options.path);
    const snapshot = await readSnapshotFile(options.path);
    return new EmbeddedMetaStore(
      options.path,
      options.writeFile ?? writeFileAtomic,
      options,
      snapshot,
    );
  }

  /** A store that keeps nothing on disk, for tests and simulation. */
  static inMemory(options: EmbeddedMemoryOptions = {}): EmbeddedMetaStore {
    return new EmbeddedMetaStore(null, async () => {}, options, null);
  }

  private load(snapshot: Snapshot): void {
    for (const kv of snapshot.kvs) this.kvs.set(kv.key, Object.freeze({ ...kv, lease: null }));
    this.currentRevision = snapshot.revision;
    this.durableRevision = snapshot.revision;
    // Events before the restart are gone: a watch can only start from here.
    this.compactedRevision = snapshot.revision;
  }

  async get(key: string): Promise<KeyValue | null> {
    this.checkUsable();
    checkKey(key);
    return this.kvs.get(key) ?? null;
  }

  async range(prefix: string): Promise<RangeResult> {
    this.checkUsable();
    checkPrefix(prefix, { allowEmpty: true });
    const kvs = [...this.kvs.values()].filter((kv) => kv.key.startsWith(prefix));
    kvs.sort((a, b) => compareKeys(a.key, b.key));
    return { kvs, revision: this.currentRevision };
  }

  async put(key: string, value: string, options: PutOptions = {}): Promise<PutResult> {
    const result = await this.txn([], [putOp(key, value, options)]);
    return { revision: result.revision };
  }

  async delete(key: string): Promise<DeleteResult> {
    return this.deleteResult(await this.txn([], [deleteOp(key)]));
  }

  async deletePrefix(prefix: string): Promise<DeleteResult> {
    return this.deleteResult(await this.txn([], [deletePrefixOp(prefix)]));
  }

  private deleteResult(result: TxnResult): DeleteResult {
    const [first] = result.results;
    const deleted = first?.type === 'delete' || first?.type === 'deletePrefix' ? first.deleted : 0;
    return { revision: result.revision, deleted };
  }

  async txn(
    compares: readonly Compare[],
    success: readonly Op[],
    failure: readonly Op[] = [],
  ): Promise<TxnResult> {
    this.checkUsable();
    checkTxn(compares, success, failure);
    const succeeded = compares.every((compare) => this.holds(compare));
    const ops = succeeded ? success : failure;
    this.checkLeases(ops);
    const { results, events } = this.apply(ops, this.currentRevision + 1);
    if (events.length === 0) return { succeeded, revision: this.currentRevision, results };
    const revision = this.commit(events);
    await this.durable(revision);
    return { succeeded, revision, results };
  }

  /**
   * Waits until `revision` is on disk. When a snapshot attempt fails meanwhile the
   * caller gets GREGOR_ERR_METADATA_UNAVAILABLE at once, and past persistTimeoutMs
   * GREGOR_ERR_METADATA_TIMEOUT; either way the change stays applied and is saved
   * by the snapshot write that goes on being retried.
   */
  private durable(revision: number): Promise<void> {
    const written = this.writer.flush();
    return new Promise<void>((resolve, reject) => {
      const settle = (error: Error | null) => {
        cancel();
        this.persistWaiters.delete(onAttemptFailed);
        if (error === null) resolve();
        else reject(error);
      };
      const onAttemptFailed = (error: unknown) => {
        const message = `revision ${revision} is not saved: the snapshot write failed (${String(error)}); it is retried and may still be saved`;
        settle(new MetaStoreError('GREGOR_ERR_METADATA_UNAVAILABLE', message, { cause: error }));
      };
      const cancel = this.clock.setTimer(this.persistTimeoutMs, () => {
        const message = `revision ${revision} not saved within ${this.persistTimeoutMs} ms; it may still be saved`;
        settle(new MetaStoreError('GREGOR_ERR_METADATA_TIMEOUT', message));
      });
      this.persistWaiters.add(onAttemptFailed);
      written.then(
        () => settle(null),
        (error: unknown) => settle(error instanceof Error ? error : new Error(String(error))),
      );
    });
  }

  async revision(): Promise<number> {
    this.checkUsable();
    return this.currentRevision;
  }

  async grantLease(ttlMs: number): Promise<Lease> {
    this.checkUsable();
    checkTtlMs(ttlMs);
    const id = String(this.nextLeaseNumber++) as LeaseId;
    const handle = new EmbeddedLease(id, ttlMs, {
      releaseLease: (leaseId) => this.releaseLease(leaseId),
      revokeLease: (leaseId) => this.revokeLease(leaseId),
    });
    this.leases.set(id, { handle, keys: new Set(), cancelExpiry: null });
    return handle;
  }

  async watch(prefix: string, fromRevision: number, listener: WatchListener): Promise<Watch> {
    this.checkUsable();
    checkPrefix(prefix, { allowEmpty: true });
    checkRevision(fromRevision, 'fromRevision');
    const watcher: WatcherRecord = { prefix, listener, cursor: fromRevision, open: true };
    // Report and deliver asynchronously, as a store across a network does.
    if (fromRevision < this.compactedRevision) {
      const message = `revision ${fromRevision} is compacted (oldest is ${this.compactedRevision})`;
      const error = new MetaStoreError('GREGOR_ERR_METADATA_COMPACTED', message);
      queueMicrotask(() => this.failWatch(watcher, error));
    } else {
      this.watchers.add(watcher);
      queueMicrotask(() => this.deliverTo(watcher));
    }
    return {
      prefix,
      close: async () => {
        watcher.open = false;
        this.watchers.delete(watcher);
      },
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const record of this.leases.values()) {
      record.cancelExpiry?.();
      record.handle.end({ reason: 'closed' });
    }
    this.leases.clear();
    for (const watcher of this.watchers) watcher.open = false;
    this.watchers.clear();
    // One last attempt for changes not yet on disk; a disk still full loses them,
    // as a crash would (none of them was acknowledged).
    const last = this.durableRevision < this.currentRevision ? this.writer.flush() : null;
    await this.writer.close();
    await last?.catch(() => {});
  }

  private checkUsable(): void {
    if (this.closed) throw new MetaStoreError('GREGOR_ERR_METADATA_CLOSED', 'the store is closed');
  }

  private holds(compare: Compare): boolean {
    const kv = this.kvs.get(compare.key);
    if (compare.target === 'value') {
      // etcd: a value comparison on an absent key is always false.
      return kv !== undefined && matches(compareKeys(kv.value, compare.value), compare.operator);
    }
    const actual = kv === undefined ? 0 : kv[compare.target];
    return matches(actual - compare.value, compare.operator);
  }

  private checkLeases(ops: readonly Op[]): void {
    for (const op of ops) {
      if (op.type === 'put' && op.lease !== undefined && !this.leases.has(op.lease)) {
        throw new MetaStoreError(
          'GREGOR_ERR_METADATA_LEASE_NOT_FOUND',
          `lease ${op.lease} not found`,
        );
      }
    }
  }

  /** Applies the ops at `revision`; the caller commits only if there were changes. */
  private apply(
    ops: readonly Op[],
    revision: number,
  ): { results: OpResult[]; events: WatchEvent[] } {
    const results: OpResult[] = [];
    const events: WatchEvent[] = [];
    for (const op of ops) {
      switch (op.type) {
        case 'get':
          results.push({ type: 'get', kv: this.kvs.get(op.key) ?? null });
          break;
        case 'put':
          events.push(this.applyPut(op.key, op.value, op.lease ?? null, revision));
          results.push({ type: 'put' });
          break;
        case 'delete': {
          const deleted = this.applyDeletes([op.key], revision, events);
          results.push({ type: 'delete', deleted });
          break;
        }
        case 'deletePrefix': {
          const keys = [...this.kvs.keys()].filter((key) => key.startsWith(op.prefix));
          keys.sort(compareKeys);
          results.push({
            type: 'deletePrefix',
            deleted: this.applyDeletes(keys, revision, events),
          });
          break;
        }
      }
    }
    return { results, events };
  }

  private applyPut(
    key: string,
    value: string,
    lease: LeaseId | null,
    revision: number,
  ): WatchEvent {
    const previous = this.kvs.get(key);
    const kv: KeyValue = Object.freeze({
      key,
      value,
      createRevision: previous?.createRevision ?? revision,
      modRevision: revision,
      version: (previous?.version ?? 0) + 1,
      lease,
    });
    this.kvs.set(key, kv);
    if (previous?.lease != null) this.leases.get(previous.lease)?.keys.delete(key);
    if (lease !== null) this.leases.get(lease)?.keys.add(key);
    return { type: 'put', key, revision, kv };
  }

  private applyDeletes(keys: readonly string[], revision: number, events: WatchEvent[]): number {
    let deleted = 0;
    for (const key of keys) {
      const previous = this.kvs.get(key);
      if (previous === undefined) continue;
      this.kvs.delete(key);
      if (previous.lease !== null) this.leases.get(previous.lease)?.keys.delete(key);
      events.push({ type: 'delete', key, revision });
      deleted++;
    }
    return deleted;
  }

  private commit(events: readonly WatchEvent[]): number {
    this.currentRevision += 1;
    for (const event of events) this.history.push(event);
    return this.currentRevision;
  }

  /** Called by the snapshot writer: takes the snapshot now, writes it, then publishes it. */
  private persist(): { revision: number; written: Promise<void> } {
    const revision = this.currentRevision;
    const written =
      this.path === null
        ? Promise.resolve()
        : this.writeFile(this.path, encodeSnapshot(this.snapshot(revision)));
    return { revision, written: written.then(() => this.markDurable(revision)) };
  }

  private snapshot(revision: number): Snapshot {
    const kvs = [...this.kvs.values()].filter((kv) => kv.lease === null);
    kvs.sort((a, b) => compareKeys(a.key, b.key));
    return {
      revision,
      kvs: kvs.map(({ key, value, createRevision, modRevision, version }) => ({
        key,
        value,
        createRevision,
        modRevision,
        version,
      })),
    };
  }

  private markDurable(revision: number): void {
    if (revision <= this.durableRevision) return;
    this.durableRevision = revision;
    for (const watcher of [...this.watchers]) this.deliverTo(watcher);
    this.trimHistory();
  }

  private deliverTo(watcher: WatcherRecord): void {
    if (!watcher.open || watcher.cursor >= this.durableRevision) return;
    const events: WatchEvent[] = [];
    for (let i = firstEventAfter(this.history, watcher.cursor); i < this.history.length; i++) {
      const event = this.history[i]!;
      if (event.revision > this.durableRevision) break;
      if (event.key.startsWith(watcher.prefix)) events.push(event);
    }
    watcher.cursor = this.durableRevision;
    if (events.length === 0) return;
    try {
      watcher.listener.onEvents(events, this.durableRevision);
    } catch (error) {
      // A throwing listener is a bug in the caller: stop its watch and make the bug loud.
      watcher.open = false;
      this.watchers.delete(watcher);
      queueMicrotask(() => {
        throw error;
      });
    }
  }

  private trimHistory(): void {
    const bound = this.durableRevision - this.historyRevisionsMax;
    if (bound <= this.compactedRevision) return;
    const keep = firstEventAfter(this.history, bound);
    if (keep > 0) this.history.splice(0, keep);
    this.compactedRevision = bound;
  }

  private failWatch(watcher: WatcherRecord, error: MetaStoreError): void {
    if (!watcher.open) return;
    watcher.open = false;
    this.watchers.delete(watcher);
    watcher.listener.onError(error);
  }

  private releaseLease(id: LeaseId): void {
    const record = this.leases.get(id);
    if (record === undefined || record.cancelExpiry !== null) return;
    const deadline = this.clock.now() + record.handle.ttlMs;
    const arm = (delayMs: number): void => {
      record.cancelExpiry = this.clock.setTimer(delayMs, () => {
        const remainingMs = deadline - this.clock.now();
        if (remainingMs > 0) arm(remainingMs);
        else void this.endLease(id, { reason: 'expired' }).catch(() => {});
      });
    };
    arm(record.handle.ttlMs);
  }

  private async revokeLease(id: LeaseId): Promise<void> {
    this.checkUsable();
    await this.endLease(id, { reason: 'revoked' });
  }

  /** Ends the lease first (its holder steps down), then deletes its keys in one revision. */
  private async endLease(id: LeaseId, loss: LeaseLoss): Promise<void> {
    const record = this.leases.get(id);
    if (record === undefined) return;
    this.leases.delete(id);
    record.cancelExpiry?.();
    record.handle.end(loss);
    if (this.closed) return;
    const keys = [...record.keys].sort(compareKeys);
    const events: WatchEvent[] = [];
    this.applyDeletes(keys, this.currentRevision + 1, events);
    if (events.length === 0) return;
    const revision = this.commit(events);
    await this.durable(revision);
  }
}

function matches(difference: number, operator: Compare['operator']): boolean {
  switch (operator) {
    case '=':
      return difference === 0;
    case '!=':
      return difference !== 0;
    case '<':
      return difference < 0;
    case '>':
      return difference > 0;
  }
}
