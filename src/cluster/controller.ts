// Controller election and the controller's reactions. Every broker campaigns
// for the leased `controller` key; the winner also increments
// `controller_epoch` in the same transaction. The controller keeps partition
// leadership in line with the live brokers (partition-leadership.ts), writing
// each change with a compare-and-set on the partition key's revision and on
// the controller epoch, so a deposed controller's writes fail (fencing).
// It also completes partition reassignments whose new replicas are in sync.
// With auto.leader.rebalance.enable it also runs the periodic preferred-leader
// check (preferred-leader-balance.ts), fenced the same way. Work that fails
// on the store is retried on a timer; an election whose answer was lost is
// recognised by the key's lease (see claimLostWin).

import type { KeyLayout } from '../metadata/key-layout.ts';
import type { KeyValue, Lease, MetaStore } from '../metadata/meta-store.ts';
import type { Logger } from '../util/logger.ts';
import type { MetadataChange, MetadataImage } from './metadata-image.ts';
import { decideLeadership, type LeadershipOptions } from './partition-leadership.ts';
import {
  controllerFence,
  writePartitionChange,
  writePartitionDecision,
} from './partition-write.ts';
import {
  balancePreferredLeaders,
  type LeaderBalanceOptions,
  unrefInterval,
} from './preferred-leader-balance.ts';
import { decideCompletions } from './reassignment.ts';

export interface ControllerOptions {
  readonly store: MetaStore;
  readonly keys: KeyLayout;
  readonly image: MetadataImage;
  readonly nodeId: number;
  readonly logger: Logger;
  readonly leadership: LeadershipOptions;
  readonly waitForRevision: (revision: number) => Promise<void>;
  /** auto.leader.rebalance.enable and its interval and threshold; absent: off. */
  readonly leaderBalance?: LeaderBalanceOptions;
  /**
   * The leadership decision; decideLeadership unless a test injects a broken one
   * (the simulator's mutation test proves it catches a wrong election).
   */
  readonly decide?: typeof decideLeadership;
  /**
   * Runs `run` once after `delayMs` and returns its cancel; an unref'd setTimeout
   * unless a test or the simulator injects its clock. Used to retry failed work.
   */
  readonly setTimer?: (delayMs: number, run: () => void) => () => void;
}

/** How long after a failed store call the controller tries again. */
export const CONTROLLER_RETRY_MS = 1000;

const unrefTimeout = (delayMs: number, run: () => void): (() => void) => {
  const timer = setTimeout(run, delayMs);
  timer.unref();
  return () => clearTimeout(timer);
};

export class Controller {
  private lease: Lease | null = null;
  /** The epoch this broker won, while it believes it is controller. */
  private myEpoch: number | null = null;
  private work: Promise<void> = Promise.resolve();
  private closed = false;
  private stopLeaderBalance: (() => void) | null = null;
  private leaderBalanceQueued = false;
  private cancelRetry: (() => void) | null = null;

  constructor(private readonly o: ControllerOptions) {}

  /** True while this broker holds the controller key at its epoch. */
  isActive(): boolean {
    return (
      this.myEpoch !== null &&
      this.o.image.controllerId() === this.o.nodeId &&
      this.o.image.controllerEpoch() === this.myEpoch
    );
  }

  get epoch(): number | null {
    return this.myEpoch;
  }

  /** Starts campaigning under the broker's session lease. */
  start(lease: Lease): Promise<void> {
    this.lease = lease;
    this.armLeaderBalance();
    return this.enqueue(() => this.campaign());
  }

  /** A new session lease after re-registration: campaign again under it. */
  renew(lease: Lease): void {
    this.lease = lease;
    this.myEpoch = null;
    void this.enqueue(() => this.campaign());
  }

  /** Feed of metadata changes (from the MetadataLoader). */
  onChanges(changes: readonly MetadataChange[]): void {
    if (this.closed) return;
    const controllerGone = changes.some((c) => c.kind === 'controller' && c.nodeId === null);
    const brokersChanged = changes.some(
      (c) => c.kind === 'broker' || c.kind === 'topic' || c.kind === 'partition',
    );
    // The image naming this broker while it is not active: an election txn of
    // ours may have taken effect with its answer lost; campaign() checks the key.
    const unclaimedWin = this.o.image.controllerId() === this.o.nodeId && this.myEpoch === null;
    if (controllerGone || unclaimedWin) void this.enqueue(() => this.campaign());
    else if (brokersChanged && this.isActive()) void this.enqueue(() => this.reconcile());
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    this.work = this.work.then(task).catch((err: unknown) => {
      this.o.logger.warn({ err }, 'controller task failed; will retry');
      this.retryLater();
    });
    return this.work;
  }

  /**
   * A failed store call (its outcome unknown) is tried again on a timer, not
   * only on the next metadata change: once every partition that needs a
   * controller is offline nothing else may change, and an election that failed
   * then would never be retried (simulator seed 89), as a campaign that failed
   * while the store was down would leave the cluster without a controller.
   */
  private retryLater(): void {
    if (this.closed || this.cancelRetry !== null) return;
    this.cancelRetry = (this.o.setTimer ?? unrefTimeout)(CONTROLLER_RETRY_MS, () => {
      this.cancelRetry = null;
      if (this.closed) return;
      if (this.isActive()) void this.enqueue(() => this.reconcile());
      else if (this.myEpoch === null) void this.enqueue(() => this.campaign());
    });
  }

  private async campaign(): Promise<void> {
    if (this.closed || this.lease === null) return;
    const { store, keys } = this.o;
    const current = await store.get(keys.controller());
    if (current !== null) {
      if (this.myEpoch === null) await this.claimLostWin(current);
      return;
    }
    const epochKv = await store.get(keys.controllerEpoch());
    const epoch = (epochKv === null ? 0 : Number(epochKv.value)) + 1;
    const r = await store.txn(
      [
        { key: keys.controller(), target: 'version', operator: '=', value: 0 },
        {
          key: keys.controllerEpoch(),
          target: 'version',
          operator: '=',
          value: epochKv?.version ?? 0,
        },
      ],
      [
        { type: 'put', key: keys.controllerEpoch(), value: String(epoch) },
        {
          type: 'put',
          key: keys.controller(),
          value: JSON.stringify({ brokerId: this.o.nodeId, controllerEpoch: epoch }),
          lease: this.lease.id,
        },
      ],
    );
    if (!r.succeeded) return;
    await this.becomeActive(epoch, r.revision);
  }

  /**
   * A controller key under this session's own lease was written by this
   * session's election txn, whose answer never came (a timed-out txn's outcome
   * is unknown): the win is ours. Left unclaimed, the key would keep every
   * other broker from campaigning while no one acts as controller. Kafka does
   * the same check when a lost ZooKeeper answer makes its create fail.
   */
  private async claimLostWin(current: KeyValue): Promise<void> {
    if (this.lease === null || current.lease !== this.lease.id) return;
    const { brokerId, controllerEpoch } = JSON.parse(current.value) as {
      brokerId: number;
      controllerEpoch: number;
    };
    if (brokerId !== this.o.nodeId) return;
    await this.becomeActive(controllerEpoch, current.modRevision);
  }

  private async becomeActive(epoch: number, revision: number): Promise<void> {
    this.myEpoch = epoch;
    await this.o.waitForRevision(revision);
    this.o.logger.info(
      { nodeId: this.o.nodeId, controllerEpoch: epoch },
      'became the active controller',
    );
    await this.reconcile();
  }

  /** Writes every leadership change the live brokers call for, each fenced by epoch and revision. */
  private async reconcile(): Promise<void> {
    if (!this.isActive() || this.myEpoch === null) return;
    const decisions = (this.o.decide ?? decideLeadership)(this.o.image, this.o.leadership);
    let lastRevision = 0;
    const target = { store: this.o.store, keys: this.o.keys, controllerEpoch: this.myEpoch };
    for (const d of decisions) {
      const r = await writePartitionDecision(target, d);
      if (r.written) {
        lastRevision = r.revision;
        this.o.logger.info(
          {
            topic: d.topic,
            partition: d.partition,
            leader: d.record.leader,
            leaderEpoch: d.record.leaderEpoch,
            isr: d.record.isr,
          },
          'partition leadership changed',
        );
      }
    }
    if (lastRevision > 0) await this.o.waitForRevision(lastRevision);
    await this.completeReassignments();
  }

  /** Finishes each reassignment whose new replicas have all joined the ISR (reassignment.ts). */
  private async completeReassignments(): Promise<void> {
    if (!this.isActive() || this.myEpoch === null) return;
    const fence = [controllerFence(this.o.keys, this.myEpoch)];
    for (const d of decideCompletions(this.o.image)) {
      const r = await writePartitionChange(this.o.store, this.o.keys, d, d.change, fence);
      if (r === null || !r.succeeded) continue;
      const { leader, isr } = d.change.record;
      this.o.logger.info(
        { topic: d.topic, partition: d.partition, replicas: d.change.assignment, leader, isr },
        'partition reassignment completed',
      );
      // The next completion may rewrite the same topic record: compare against this one.
      await this.o.waitForRevision(r.revision);
    }
  }

  /** The periodic preferred-leader check; each tick does work only while this broker is active. */
  private armLeaderBalance(): void {
    const b = this.o.leaderBalance;
    if (b === undefined || !b.enabled || this.stopLeaderBalance !== null) return;
    this.stopLeaderBalance = (b.every ?? unrefInterval)(b.checkIntervalMs, () => {
      if (this.closed || this.leaderBalanceQueued || !this.isActive()) return;
      this.leaderBalanceQueued = true;
      void this.enqueue(() => this.balanceLeaders(b));
    });
  }

  private async balanceLeaders(b: LeaderBalanceOptions): Promise<void> {
    this.leaderBalanceQueued = false;
    if (!this.isActive() || this.myEpoch === null) return;
    const last = await balancePreferredLeaders({
      ...this.o,
      controllerEpoch: this.myEpoch,
      imbalancePerBrokerPercentage: b.imbalancePerBrokerPercentage,
    });
    if (last > 0) await this.o.waitForRevision(last);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stopLeaderBalance?.();
    this.cancelRetry?.();
    await this.work;
  }
}
