// This broker's membership in the cluster: a key `brokers/<id>` under a lease
// whose TTL is broker.session.timeout.ms. Each registration is a new
// incarnation (a fresh broker epoch). A restart with the same id waits for the
// previous incarnation's lease to run out; if the key is still held after
// that, another live broker has the id and start-up fails. When the lease is
// lost (the process was paused, or etcd was unreachable for a whole TTL), the
// session registers again, and listeners learn of the new lease. The record carries
// every advertised listener by name, and the inter-broker one as host and port.

import { randomBytes } from 'node:crypto';
import type { KeyLayout } from '../metadata/key-layout.ts';
import type { Lease, MetaStore, TxnResult } from '../metadata/meta-store.ts';
import type { Logger } from '../util/logger.ts';
import type { ListenerEndpoint } from './metadata-image.ts';

export interface BrokerEndpointRecord {
  readonly nodeId: number;
  /** The inter-broker listener's address (what brokers that predate `listeners` read). */
  readonly host: string;
  readonly port: number;
  /** Every advertised listener by name, so each client is answered in its own listener. */
  readonly listeners: readonly ListenerEndpoint[];
  readonly rack: string | null;
  /** Identifies this registration; changes on every restart and re-registration. */
  readonly incarnation: string;
  /**
   * Replicas this broker cannot serve because their log directory failed
   * (`topic:partition`); the controller leads them elsewhere (Kafka's KIP-858).
   */
  readonly offlineReplicas?: readonly string[];
  /** The log directories that failed. */
  readonly offlineLogDirs?: readonly string[];
}

export interface BrokerSessionOptions {
  readonly store: MetaStore;
  readonly keys: KeyLayout;
  readonly nodeId: number;
  /** Advertised listeners with their bound ports filled in. */
  readonly listeners: readonly ListenerEndpoint[];
  /** Which of them other brokers connect to. */
  readonly interBrokerListenerName: string;
  readonly rack: string | null;
  readonly sessionTimeoutMs: number;
  readonly logger: Logger;
  readonly now?: () => number;
  /** Waits between registration attempts; a real timer by default (the simulator injects). */
  readonly sleep?: (ms: number) => Promise<void>;
  /** A fresh incarnation id; random by default (the simulator's are seeded). */
  readonly newIncarnation?: () => string;
}

function realSleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function randomIncarnation(): string {
  return randomBytes(8).toString('hex');
}

const RETRY_MS = 500;

export class BrokerIdInUseError extends Error {
  override readonly name = 'BrokerIdInUseError';
  readonly code = 'GREGOR_ERR_BROKER_ID_IN_USE';
}

export class BrokerSession {
  private leaseValue: Lease | null = null;
  private registeredRevisionValue = Number.MAX_SAFE_INTEGER;
  private closed = false;
  private readonly listeners: Array<(lease: Lease) => void> = [];
  private offline: { replicas: readonly string[]; dirs: readonly string[] } = {
    replicas: [],
    dirs: [],
  };
  private record: BrokerEndpointRecord | null = null;

  constructor(private readonly o: BrokerSessionOptions) {}

  /**
   * Publishes the replicas and log directories this broker lost to a disk failure
   * in its registration (same session, same incarnation), so the controller moves
   * their leadership and ISR membership elsewhere.
   */
  async setOffline(replicas: readonly string[], dirs: readonly string[]): Promise<void> {
    this.offline = { replicas: [...replicas].sort(), dirs: [...dirs].sort() };
    const lease = this.leaseValue;
    const record = this.record;
    if (lease === null || record === null || this.closed) return;
    const next: BrokerEndpointRecord = {
      ...record,
      offlineReplicas: this.offline.replicas,
      offlineLogDirs: this.offline.dirs,
    };
    const key = this.o.keys.broker(this.o.nodeId);
    const r = await this.o.store.txn(
      [{ key, target: 'version', operator: '>', value: 0 }],
      [{ type: 'put', key, value: JSON.stringify(next), lease: lease.id }],
    );
    if (r.succeeded) this.record = next;
  }

  get lease(): Lease | null {
    return this.leaseValue;
  }

  /** The current registration's incarnation, null before the first. */
  get incarnation(): string | null {
    return this.record?.incarnation ?? null;
  }

  /**
   * Store revision of the latest registration (MAX_SAFE_INTEGER before the
   * first). A metadata image at or past it has seen every leadership change
   * made while an earlier session of this broker was gone.
   */
  get registeredRevision(): number {
    return this.registeredRevisionValue;
  }

  /** Called with each new lease after a re-registration. */
  onRenewed(listener: (lease: Lease) => void): void {
    this.listeners.push(listener);
  }

  /** Registers; waits out a previous incarnation; throws BrokerIdInUseError if the id is taken. */
  async start(): Promise<Lease> {
    const now = this.o.now ?? Date.now;
    const deadline = now() + this.o.sessionTimeoutMs + 1000;
    for (;;) {
      const lease = await this.tryRegister();
      if (lease !== null) return lease;
      if (now() > deadline) {
        throw new BrokerIdInUseError(
          `GREGOR_ERR_BROKER_ID_IN_USE: broker id ${this.o.nodeId} is registered by another live broker ` +
            `(its session outlived broker.session.timeout.ms=${this.o.sessionTimeoutMs}); give each broker its own node.id`,
        );
      }
      this.o.logger.info(
        { nodeId: this.o.nodeId },
        'broker id still registered; waiting for the previous session to expire',
      );
      await (this.o.sleep ?? realSleep)(RETRY_MS);
    }
  }

  private async tryRegister(): Promise<Lease | null> {
    const lease = await this.o.store.grantLease(this.o.sessionTimeoutMs);
    const interBroker = this.o.listeners.find((l) => l.name === this.o.interBrokerListenerName);
    if (interBroker === undefined) {
      throw new Error(`inter-broker listener ${this.o.interBrokerListenerName} is not advertised`);
    }
    const record: BrokerEndpointRecord = {
      nodeId: this.o.nodeId,
      host: interBroker.host,
      port: interBroker.port,
      listeners: this.o.listeners,
      rack: this.o.rack,
      incarnation: (this.o.newIncarnation ?? randomIncarnation)(),
      ...(this.offline.replicas.length > 0
        ? { offlineReplicas: this.offline.replicas, offlineLogDirs: this.offline.dirs }
        : {}),
    };
    const key = this.o.keys.broker(this.o.nodeId);
    let r: TxnResult;
    try {
      r = await this.o.store.txn(
        [{ key, target: 'version', operator: '=', value: 0 }],
        [{ type: 'put', key, value: JSON.stringify(record), lease: lease.id }],
      );
    } catch (err) {
      // The outcome is unknown: the registration may be in the store under this
      // lease, which keeps itself alive. Kept, it would hold the key for an
      // incarnation this session never adopts: every later attempt would find the
      // key taken, and the broker (registered in every image, so electable as
      // leader) would stay without a session, fenced, for good. Revoking ends the
      // lease here at once and on the store now or at its TTL, taking the key along.
      await lease.revoke().catch(() => undefined);
      throw err;
    }
    if (!r.succeeded) {
      await lease.revoke().catch(() => undefined);
      return null;
    }
    this.leaseValue = lease;
    this.record = record;
    this.registeredRevisionValue = r.revision;
    void lease.lost.then((loss) => this.onLost(lease, loss.reason));
    return lease;
  }

  private async onLost(lease: Lease, reason: string): Promise<void> {
    if (this.closed || this.leaseValue !== lease) return;
    this.o.logger.error(
      { nodeId: this.o.nodeId, reason },
      'broker session lost (paused, or cut off from the metadata store); registering again',
    );
    while (!this.closed) {
      try {
        const renewed = await this.tryRegister();
        if (renewed !== null) {
          this.o.logger.info(
            { nodeId: this.o.nodeId },
            'broker registered again with a new session',
          );
          for (const l of this.listeners) l(renewed);
          return;
        }
      } catch (err) {
        this.o.logger.warn({ err }, 'metadata store unreachable; will retry registering');
      }
      await (this.o.sleep ?? realSleep)(RETRY_MS);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.leaseValue?.revoke().catch(() => undefined);
  }
}
