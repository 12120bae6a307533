// One etcd lease held by this process: keepalives on a fixed schedule (a sixth of the
// TTL, counted from when each was sent, answered or not), and a local deadline so the
// holder learns it has lost the lease even when etcd is unreachable. The deadline
// counts from when a keepalive was *sent* (etcd renews on receipt, later), so the
// holder always gives up no later than etcd expires the lease. The schedule does not
// wait for answers because the leader fence stops leading a margin before that
// deadline: sending only after the previous answer let one slow answer push the
// next keepalive back and fence a healthy leader for a moment, refusing produces
// that then arrived out of sequence at its idempotent clients.

import type { ILeaseKeepAliveResponse, LeaseClient } from 'etcd3';
import { toMetaStoreError } from './etcd-errors.ts';
import type { Lease, LeaseId, LeaseLoss } from './meta-store.ts';

/** A failed keepalive is retried this soon (bounded by the keepalive interval). */
const keepaliveRetryMsMax = 250;
/** Keepalives in flight at once; past this, a due one waits for an answer or a timeout. */
const keepalivesInFlightMax = 4;

export interface EtcdLeaseOptions {
  readonly client: LeaseClient;
  readonly id: LeaseId;
  readonly ttlMs: number;
  /** Monotonic time at which the grant request was sent. */
  readonly grantSentAtMs: number;
  readonly requestTimeoutMs: number;
  /** Called once when the lease ends, so the store can forget it. */
  readonly onEnd: (lease: EtcdLease) => void;
}

function now(): number {
  return performance.now();
}

export class EtcdLease implements Lease {
  readonly id: LeaseId;
  readonly ttlMs: number;
  readonly lost: Promise<LeaseLoss>;
  private settle: (loss: LeaseLoss) => void = () => {};
  private alive = true;
  private released = false;
  /** Monotonic time until which etcd certainly still holds the lease. */
  private confirmedUntil: number;
  private keepaliveTimer: NodeJS.Timeout | null = null;
  private keepalivesInFlight = 0;
  private expiryTimer: NodeJS.Timeout | null = null;

  constructor(private readonly options: EtcdLeaseOptions) {
    this.id = options.id;
    this.ttlMs = options.ttlMs;
    this.confirmedUntil = options.grantSentAtMs + options.ttlMs;
    this.lost = new Promise((resolve) => {
      this.settle = resolve;
    });
    this.armExpiry();
    this.scheduleKeepalive(this.keepaliveIntervalMs());
  }

  isAlive(): boolean {
    return this.alive;
  }

  confirmedUntilMs(): number {
    return this.confirmedUntil;
  }

  release(): void {
    this.released = true;
    this.clearKeepalive();
  }

  async revoke(): Promise<void> {
    this.end({ reason: 'revoked' });
    try {
      await this.options.client.leaseRevoke({ ID: this.id });
    } catch (error) {
      const failure = toMetaStoreError(error, `revoke lease ${this.id}`);
      // Already gone on the server is what revoking wanted.
      if (failure.code !== 'GREGOR_ERR_METADATA_LEASE_NOT_FOUND') throw failure;
    }
  }

  /** Stops keepalives without revoking; etcd expires the lease after its TTL. */
  close(): void {
    this.end({ reason: 'closed' });
  }

  private keepaliveIntervalMs(): number {
    return Math.max(1, Math.floor(this.ttlMs / 6));
  }

  private end(loss: LeaseLoss): void {
    if (!this.alive) return;
    this.alive = false;
    this.clearKeepalive();
    if (this.expiryTimer !== null) clearTimeout(this.expiryTimer);
    this.expiryTimer = null;
    this.settle(loss);
    this.options.onEnd(this);
  }

  private clearKeepalive(): void {
    if (this.keepaliveTimer !== null) clearTimeout(this.keepaliveTimer);
    this.keepaliveTimer = null;
  }

  private scheduleKeepalive(delayMs: number): void {
    this.keepaliveTimer = setTimeout(() => void this.keepalive(), delayMs);
    this.keepaliveTimer.unref();
  }

  private armExpiry(): void {
    if (this.expiryTimer !== null) clearTimeout(this.expiryTimer);
    const delayMs = Math.max(0, this.confirmedUntil - now());
    this.expiryTimer = setTimeout(() => this.checkExpiry(), delayMs);
    this.expiryTimer.unref();
  }

  private checkExpiry(): void {
    this.expiryTimer = null;
    if (!this.alive) return;
    if (now() < this.confirmedUntil) {
      this.armExpiry();
      return;
    }
    const cause = new Error(`no keepalive of lease ${this.id} confirmed within its TTL`);
    this.end({ reason: 'expired', cause });
    // We have stepped down; if etcd is reachable, free our keys now rather than at its TTL.
    if (!this.released) this.options.client.leaseRevoke({ ID: this.id }).catch(() => {});
  }

  private async keepalive(): Promise<void> {
    this.keepaliveTimer = null;
    if (!this.alive || this.released) return;
    // The next one is due an interval after this one is sent, whatever its answer does.
    this.scheduleKeepalive(this.keepaliveIntervalMs());
    if (this.keepalivesInFlight >= keepalivesInFlightMax) return;
    this.keepalivesInFlight += 1;
    try {
      const sentAtMs = now();
      const response = await this.keepaliveOnce();
      const ttlSeconds = Number(response.TTL);
      if (!(ttlSeconds > 0)) {
        const cause = new Error(`etcd reports lease ${this.id} expired or revoked`);
        this.end({ reason: 'expired', cause });
        return;
      }
      this.confirmedUntil = Math.max(this.confirmedUntil, sentAtMs + ttlSeconds * 1000);
      this.armExpiry();
    } catch {
      // Unreachable or slow: try again soon; the local deadline decides when to give up.
      if (this.alive && !this.released && this.keepaliveTimer !== null) {
        this.clearKeepalive();
        this.scheduleKeepalive(Math.min(this.keepaliveIntervalMs(), keepaliveRetryMsMax));
      }
    } finally {
      this.keepalivesInFlight -= 1;
    }
  }

  /** One keepalive on its own short stream, bounded by the request timeout. */
  private async keepaliveOnce(): Promise<ILeaseKeepAliveResponse> {
    const timeoutMs = this.options.requestTimeoutMs;
    const stream = await this.options.client.leaseKeepAlive({ deadline: Date.now() + timeoutMs });
    return new Promise((resolve, reject) => {
      // gRPC's deadline should end the stream first; this guard only backs it up.
      const guard = setTimeout(() => {
        stream.cancel();
        finish(new Error('keepalive timed out'));
      }, timeoutMs + 1000);
      let done = false;
      const finish = (error: Error | null, response?: ILeaseKeepAliveResponse): void => {
        if (done) return;
        done = true;
        clearTimeout(guard);
        stream.end();
        if (response !== undefined) resolve(response);
        else reject(error ?? new Error('keepalive stream ended without an answer'));
      };
      stream.on('data', (response) => finish(null, response));
      stream.on('error', (error) => finish(error));
      stream.on('end', () => finish(null));
      stream.write({ ID: this.id });
    });
  }
}
