// What the campaign reads from the metadata store while it runs: every
// change of the campaign topic's partition leaders and leader epochs (with
// the time it was first seen, the checker's epoch timeline), which broker is
// controller, which brokers are registered. Polled (a range read every
// 250 ms from any member that answers), so etcd faults only delay what it sees.

import { Etcd3 } from 'etcd3';
import type { EpochChange } from './checker.ts';

export interface PartitionState {
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly isr: readonly number[];
}

const POLL_MS = 250;

export class StoreView {
  private readonly client: Etcd3;
  private timer: NodeJS.Timeout | null = null;
  private polling = false;
  readonly epochs: EpochChange[] = [];
  partitions = new Map<number, PartitionState>();
  controller: number | null = null;
  brokers: number[] = [];
  lastPollOk = 0;

  constructor(
    endpoints: readonly string[],
    private readonly root: string,
    private readonly topic: string,
  ) {
    this.client = new Etcd3({
      hosts: [...endpoints],
      dialTimeout: 1000,
      defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + 1500 }),
    });
  }

  start(): void {
    this.timer = setInterval(() => void this.poll(), POLL_MS);
  }

  async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const all = await this.client.getAll().prefix(this.root).strings();
      const at = Date.now() / 1000;
      const partitions = new Map<number, PartitionState>();
      const prefix = `${this.root}topics/${this.topic}/partitions/`;
      const brokers: number[] = [];
      let controller: number | null = null;
      for (const [key, value] of Object.entries(all)) {
        if (key.startsWith(prefix)) {
          const p = Number(key.slice(prefix.length));
          const s = JSON.parse(value) as PartitionState;
          partitions.set(p, s);
          const before = this.partitions.get(p);
          if (before === undefined || before.leaderEpoch !== s.leaderEpoch) {
            this.epochs.push({ at, partition: p, leaderEpoch: s.leaderEpoch });
          }
        } else if (key === `${this.root}controller`) {
          controller = (JSON.parse(value) as { brokerId: number }).brokerId;
        } else if (key.startsWith(`${this.root}brokers/`)) {
          brokers.push(Number(key.slice(`${this.root}brokers/`.length)));
        }
      }
      this.partitions = partitions;
      this.controller = controller;
      this.brokers = brokers.sort();
      this.lastPollOk = Date.now();
    } catch {
      // A store fault: the next poll tries again.
    } finally {
      this.polling = false;
    }
  }

  /** Every broker registered and every partition led with its full ISR. */
  settled(brokerCount: number, partitionCount: number): boolean {
    if (Date.now() - this.lastPollOk > 2 * POLL_MS + 500) return false;
    if (this.brokers.length !== brokerCount) return false;
    if (this.partitions.size !== partitionCount) return false;
    for (const s of this.partitions.values()) {
      if (s.leader < 0 || s.isr.length !== brokerCount) return false;
    }
    return true;
  }

  async close(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.client.close();
  }
}
