// The simulated network between the nodes of a run (brokers, the metadata
// store, clients), each a number. A message takes a random delay; messages on
// one connection (one direction between two nodes) keep their order, as on a
// TCP connection, while different connections reorder freely. A blocked
// direction loses what is sent on it (a partition: symmetric, one-way or a
// bridge is a set of blocked directions); a stream message (a watch) is held
// instead and delivered when the direction heals, as a watch resumes from its
// revision. Random drops stand for connections that break mid-request.

import type { SimRandom } from './sim-random.ts';
import type { SimScheduler } from './sim-scheduler.ts';

export const TIMEOUT = Symbol('timeout');
export type Timeout = typeof TIMEOUT;

export interface NetworkSettings {
  readonly delayMsMin: number;
  readonly delayMsMax: number;
  readonly dropProbability: number;
}

function connection(from: number, to: number): string {
  return `${from}>${to}`;
}

export class SimNetwork {
  private readonly blocked = new Set<string>();
  private readonly lastDeliveryMs = new Map<string, number>();
  private readonly held = new Map<string, Array<() => void>>();
  /** Raised for a while by the nemesis: extra delay and drops. */
  extraDelayMs = 0;
  dropProbability: number;
  private sentCount = 0;
  private droppedCount = 0;

  constructor(
    private readonly scheduler: SimScheduler,
    private readonly random: SimRandom,
    private readonly settings: NetworkSettings,
  ) {
    this.dropProbability = settings.dropProbability;
  }

  get sent(): number {
    return this.sentCount;
  }

  get dropped(): number {
    return this.droppedCount;
  }

  block(from: number, to: number): void {
    this.blocked.add(connection(from, to));
  }

  isBlocked(from: number, to: number): boolean {
    return this.blocked.has(connection(from, to));
  }

  unblock(from: number, to: number): void {
    const c = connection(from, to);
    if (!this.blocked.delete(c)) return;
    const waiting = this.held.get(c);
    this.held.delete(c);
    for (const send of waiting ?? []) send();
  }

  healAll(): void {
    for (const c of [...this.blocked]) {
      const [from, to] = c.split('>').map(Number) as [number, number];
      this.unblock(from, to);
    }
  }

  /** Sends one message; `deliver` runs at `to` unless the message is lost. */
  send(from: number, to: number, label: string, deliver: () => void): void {
    this.sentCount += 1;
    if (this.isBlocked(from, to) || this.random.chance(this.dropProbability)) {
      this.droppedCount += 1;
      return;
    }
    this.schedule(from, to, label, deliver);
  }

  /** A message of a stream that survives partitions: held while blocked, never dropped. */
  sendStream(from: number, to: number, label: string, deliver: () => void): void {
    this.sentCount += 1;
    const c = connection(from, to);
    if (this.blocked.has(c)) {
      const waiting = this.held.get(c) ?? [];
      waiting.push(() => this.schedule(from, to, label, deliver));
      this.held.set(c, waiting);
      return;
    }
    this.schedule(from, to, label, deliver);
  }

  /**
   * A request from `from` handled at `to` and its answer: resolves with the
   * answer, or TIMEOUT after `timeoutMs` when the request or the answer was
   * lost or `to` is down. Like a real client, the caller cannot tell whether
   * a timed-out request was carried out. An answer only reaches the process
   * that asked: once `from` has been killed (even if it has restarted since)
   * it is dropped, as a connection dies with its process; and a process of
   * `to` killed while handling the request sends nothing.
   */
  request<T>(
    from: number,
    to: number,
    label: string,
    handle: () => Promise<T>,
    timeoutMs: number,
  ): Promise<T | Timeout> {
    return new Promise((resolve, reject) => {
      let done = false;
      const finish = (settleWith: () => void) => {
        if (done) return;
        done = true;
        cancelTimeout();
        settleWith();
      };
      const asker = this.scheduler.generation(from);
      const cancelTimeout = this.scheduler.after(timeoutMs, from, '.timeout', () =>
        finish(() => resolve(TIMEOUT)),
      );
      const answer = (label: string, settleWith: () => void, handler: number) => {
        if (this.scheduler.generation(to) !== handler) return;
        this.send(to, from, label, () => {
          if (this.scheduler.generation(from) === asker) finish(settleWith);
        });
      };
      this.send(from, to, `.${label}`, () => {
        const handler = this.scheduler.generation(to);
        handle().then(
          (a) => answer('.answer', () => resolve(a), handler),
          (err: unknown) => answer('.error', () => reject(err), handler),
        );
      });
    });
  }

  private schedule(from: number, to: number, label: string, deliver: () => void): void {
    const c = connection(from, to);
    const { delayMsMin, delayMsMax } = this.settings;
    const delayMs = this.random.int(delayMsMin, delayMsMax) + this.extraDelayMs;
    const atMs = Math.max(this.scheduler.nowMs + delayMs, this.lastDeliveryMs.get(c) ?? 0);
    this.lastDeliveryMs.set(c, atMs);
    this.scheduler.after(atMs - this.scheduler.nowMs, to, label, deliver);
  }
}
