// The metadata store of a simulated cluster: one real EmbeddedMetaStore (in
// memory, on the simulated clock) behind a network node, and for each broker
// a MetaStore link whose calls travel the simulated network and time out when
// the store cannot be reached (the outcome of a timed-out write is unknown,
// as with etcd). Leases are kept alive as etcd keeps them: the broker sends
// keepalives; the store ends a lease whose keepalives stopped for its TTL
// (its keys go in one revision), and the broker gives a lease up as lost when
// no keepalive was confirmed within the TTL. Watches deliver over the network
// in order, held while the broker is cut off, as a watch resumes from its
// revision.

import { EmbeddedMetaStore } from '../metadata/embedded-store.ts';
import {
  type Compare,
  type DeleteResult,
  type KeyValue,
  type Lease,
  type LeaseId,
  type LeaseLoss,
  type MetaStore,
  MetaStoreError,
  type Op,
  type PutOptions,
  type PutResult,
  type RangeResult,
  type TxnResult,
  type Watch,
  type WatchListener,
} from '../metadata/meta-store.ts';
import { type SimNetwork, TIMEOUT } from './sim-network.ts';
import type { SimScheduler } from './sim-scheduler.ts';
import type { SimTrace } from './sim-trace.ts';

/** The store's node number on the simulated network. */
export const STORE_NODE = 0;
const REAPER_INTERVAL_MS = 100;

interface KeptLease {
  readonly lease: Lease;
  readonly owner: number;
  lastKeepaliveMs: number;
}

export class SimMetadataStore {
  readonly store: EmbeddedMetaStore;
  private readonly leases = new Map<LeaseId, KeptLease>();
  private readonly watchesByNode = new Map<number, Set<Watch>>();
  private leasesExpired = 0;

  constructor(
    readonly scheduler: SimScheduler,
    readonly network: SimNetwork,
    private readonly trace: SimTrace,
    readonly requestTimeoutMs: number,
  ) {
    this.store = EmbeddedMetaStore.inMemory({
      clock: {
        now: () => scheduler.nowMs,
        setTimer: (delayMs, run) => scheduler.after(delayMs, STORE_NODE, '.store-timer', run),
      },
    });
    this.reap();
  }

  get expiredLeaseCount(): number {
    return this.leasesExpired;
  }

  /** The MetaStore a broker (node `node`) uses. */
  linkFor(node: number): MetaStore {
    return new SimStoreLink(this, node);
  }

  /** Store side of a grant: the lease is kept while its keepalives arrive. */
  async grant(node: number, ttlMs: number): Promise<{ id: LeaseId; ttlMs: number }> {
    const lease = await this.store.grantLease(ttlMs);
    this.leases.set(lease.id, { lease, owner: node, lastKeepaliveMs: this.scheduler.nowMs });
    return { id: lease.id, ttlMs: lease.ttlMs };
  }

  /** Store side of a keepalive: false when the lease is gone. */
  keepalive(id: LeaseId): boolean {
    const kept = this.leases.get(id);
    if (kept === undefined) return false;
    kept.lastKeepaliveMs = this.scheduler.nowMs;
    return true;
  }

  async revoke(id: LeaseId, reason: string): Promise<void> {
    const kept = this.leases.get(id);
    if (kept === undefined) return;
    this.leases.delete(id);
    this.trace.add(this.scheduler.nowMs, `store lease ${id} of ${kept.owner} ends: ${reason}`);
    await kept.lease.revoke();
  }

  /** Nemesis: ends every lease `node` holds now, as an expiry the broker did not see coming. */
  expireLeasesOf(node: number): void {
    for (const [id, kept] of this.leases) {
      if (kept.owner === node) void this.revoke(id, 'forced expiry');
    }
  }

  /** Store side of a watch; events go to the broker over the network, in order. */
  async watch(
    node: number,
    prefix: string,
    fromRevision: number,
    listener: WatchListener,
  ): Promise<Watch> {
    const w = await this.store.watch(prefix, fromRevision, {
      onEvents: (events, revision) =>
        this.network.sendStream(STORE_NODE, node, '.watch', () =>
          listener.onEvents(events, revision),
        ),
      onError: (error) =>
        this.network.sendStream(STORE_NODE, node, '.watch-error', () => listener.onError(error)),
    });
    const set = this.watchesByNode.get(node) ?? new Set<Watch>();
    set.add(w);
    this.watchesByNode.set(node, set);
    return {
      prefix: w.prefix,
      close: async () => {
        set.delete(w);
        await w.close();
      },
    };
  }

  /** A broker process died: its watches stop (its leases run out on their own). */
  dropWatchesOf(node: number): void {
    for (const w of this.watchesByNode.get(node) ?? []) void w.close();
    this.watchesByNode.delete(node);
  }

  private reap(): void {
    this.scheduler.after(REAPER_INTERVAL_MS, STORE_NODE, '.lease-reaper', () => {
      for (const [id, kept] of [...this.leases]) {
        if (this.scheduler.nowMs - kept.lastKeepaliveMs > kept.lease.ttlMs) {
          this.leasesExpired += 1;
          void this.revoke(id, 'expired');
        }
      }
      this.reap();
    });
  }
}

function unavailable(what: string): MetaStoreError {
  return new MetaStoreError('GREGOR_ERR_METADATA_UNAVAILABLE', `${what}: no answer (simulated)`);
}

/** A broker's view of a lease: alive while keepalives are confirmed within the TTL. */
class SimLease implements Lease {
  readonly lost: Promise<LeaseLoss>;
  private settle: (loss: LeaseLoss) => void = () => {};
  private alive = true;
  private keeping = true;
  private lastConfirmedMs: number;

  constructor(
    readonly id: LeaseId,
    readonly ttlMs: number,
    private readonly link: SimStoreLink,
  ) {
    this.lost = new Promise((resolve) => {
      this.settle = resolve;
    });
    this.lastConfirmedMs = link.nowMs();
    this.scheduleKeepalive();
  }

  isAlive(): boolean {
    return this.alive;
  }

  /** As the etcd lease: the send time of the last confirmed keepalive plus the TTL. */
  confirmedUntilMs(): number {
    return this.lastConfirmedMs + this.ttlMs;
  }

  release(): void {
    this.keeping = false;
  }

  async revoke(): Promise<void> {
    this.keeping = false;
    const id = this.id;
    await this.link.call('lease-revoke', (store) => store.revoke(id, 'revoked by holder'));
    this.end('revoked');
  }

  private end(reason: LeaseLoss['reason']): void {
    if (!this.alive) return;
    this.alive = false;
    this.keeping = false;
    this.settle({ reason });
  }

  private scheduleKeepalive(): void {
    const intervalMs = Math.max(1, Math.floor(this.ttlMs / 3));
    this.link.after(intervalMs, () => {
      if (!this.keeping) return;
      if (this.link.nowMs() - this.lastConfirmedMs > this.ttlMs) {
        this.end('expired');
        return;
      }
      const sentMs = this.link.nowMs();
      this.link
        .call('keepalive', async (store) => store.keepalive(this.id))
        .then(
          (kept) => {
            if (kept) this.lastConfirmedMs = Math.max(this.lastConfirmedMs, sentMs);
            else this.end('expired');
          },
          () => undefined,
        );
      this.scheduleKeepalive();
    });
  }
}

/** One broker's MetaStore: each call is a request over the simulated network. */
class SimStoreLink implements MetaStore {
  constructor(
    private readonly sim: SimMetadataStore,
    private readonly node: number,
  ) {}

  nowMs(): number {
    return this.sim.scheduler.nowMs;
  }

  after(delayMs: number, run: () => void): void {
    this.sim.scheduler.after(delayMs, this.node, '.lease-keepalive', run);
  }

  async call<T>(label: string, op: (store: SimMetadataStore) => Promise<T>): Promise<T> {
    const answer = await this.sim.network.request(
      this.node,
      STORE_NODE,
      label,
      () => op(this.sim),
      this.sim.requestTimeoutMs,
    );
    if (answer === TIMEOUT) throw unavailable(label);
    return answer;
  }

  get(key: string): Promise<KeyValue | null> {
    return this.call('get', (s) => s.store.get(key));
  }

  range(prefix: string): Promise<RangeResult> {
    return this.call('range', (s) => s.store.range(prefix));
  }

  put(key: string, value: string, options?: PutOptions): Promise<PutResult> {
    return this.call('put', (s) => s.store.put(key, value, options));
  }

  delete(key: string): Promise<DeleteResult> {
    return this.call('delete', (s) => s.store.delete(key));
  }

  deletePrefix(prefix: string): Promise<DeleteResult> {
    return this.call('delete-prefix', (s) => s.store.deletePrefix(prefix));
  }

  txn(compares: readonly Compare[], success: readonly Op[], failure?: readonly Op[]) {
    return this.call<TxnResult>('txn', (s) => s.store.txn(compares, success, failure));
  }

  async grantLease(ttlMs: number): Promise<Lease> {
    const { id, ttlMs: granted } = await this.call('lease-grant', (s) => s.grant(this.node, ttlMs));
    return new SimLease(id, granted, this);
  }

  watch(prefix: string, fromRevision: number, listener: WatchListener): Promise<Watch> {
    // Set up directly: a watch request that timed out but took effect would
    // otherwise deliver to a loader that gave it up.
    return this.sim.watch(this.node, prefix, fromRevision, listener);
  }

  revision(): Promise<number> {
    return this.call('revision', (s) => s.store.revision());
  }

  async close(): Promise<void> {}
}
