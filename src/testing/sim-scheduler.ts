// Simulated time and the one queue of everything that happens in a run.
// Events are ordered by time, then by the order they were scheduled, so a
// seed replays exactly. Each event belongs to an owner (a broker, the store,
// a client): a paused owner's events wait until it resumes, a killed owner's
// pending events are dropped (a dead process does nothing more). After each
// event the scheduler lets every promise the event set off settle before the
// next one, so the real modules' async code runs to its next wait on
// simulated time (a timer, a message, a slow disk) inside the event.

import type { SimTrace } from './sim-trace.ts';

/** The owner of events that are never paused or killed: the simulator itself. */
export const SIMULATOR_OWNER = -1;

interface QueuedEvent {
  readonly atMs: number;
  readonly seq: number;
  readonly owner: number;
  readonly generation: number;
  readonly label: string;
  readonly run: () => void;
  cancelled: boolean;
}

function before(a: QueuedEvent, b: QueuedEvent): boolean {
  return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);
}

/** Lets every pending promise reaction run: the microtask queue drains before a macrotask. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export class SimScheduler {
  private now = 0;
  private seq = 0;
  private readonly heap: QueuedEvent[] = [];
  private readonly generations = new Map<number, number>();
  private readonly deferred = new Map<number, QueuedEvent[]>();
  private executedCount = 0;
  private ranOwner: number | null = null;

  constructor(private readonly trace: SimTrace) {}

  get nowMs(): number {
    return this.now;
  }

  get executed(): number {
    return this.executedCount;
  }

  get pending(): number {
    return this.heap.length;
  }

  /** The owner of the event the last runNext ran; null when it ran none (cancelled, dead, paused). */
  get lastRunOwner(): number | null {
    return this.ranOwner;
  }

  /** Runs `run` for `owner` after `delayMs`; labels starting with '.' stay out of the trace. */
  after(delayMs: number, owner: number, label: string, run: () => void): () => void {
    const event: QueuedEvent = {
      atMs: this.now + Math.max(0, Math.round(delayMs)),
      seq: this.seq++,
      owner,
      generation: this.generation(owner),
      label,
      run,
      cancelled: false,
    };
    this.push(event);
    return () => {
      event.cancelled = true;
    };
  }

  /** A promise that resolves after `delayMs` for `owner` (never, if the owner is killed first). */
  sleep(delayMs: number, owner: number): Promise<void> {
    return new Promise((resolve) => {
      this.after(delayMs, owner, '.sleep', resolve);
    });
  }

  generation(owner: number): number {
    return this.generations.get(owner) ?? 0;
  }

  /** The owner's process dies: nothing it scheduled runs any more. */
  kill(owner: number): void {
    this.generations.set(owner, this.generation(owner) + 1);
    this.deferred.delete(owner);
  }

  pause(owner: number): void {
    if (!this.deferred.has(owner)) this.deferred.set(owner, []);
  }

  isPaused(owner: number): boolean {
    return this.deferred.has(owner);
  }

  /** Everything the owner missed runs now, in its original order. */
  resume(owner: number): void {
    const missed = this.deferred.get(owner);
    if (missed === undefined) return;
    this.deferred.delete(owner);
    for (const e of missed) this.push({ ...e, atMs: this.now, seq: this.seq++ });
  }

  /** Runs the next event; false when none is left. */
  async runNext(): Promise<boolean> {
    const event = this.pop();
    this.ranOwner = null;
    if (event === undefined) return false;
    this.now = Math.max(this.now, event.atMs);
    if (event.cancelled || event.generation !== this.generation(event.owner)) return true;
    const missed = this.deferred.get(event.owner);
    if (missed !== undefined) {
      missed.push(event);
      return true;
    }
    this.executedCount += 1;
    this.ranOwner = event.owner;
    if (!event.label.startsWith('.')) this.trace.add(this.now, event.label);
    event.run();
    await settle();
    return true;
  }

  private push(event: QueuedEvent): void {
    const heap = this.heap;
    heap.push(event);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  private pop(): QueuedEvent | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && before(heap[l]!, heap[m]!)) m = l;
      if (r < heap.length && before(heap[r]!, heap[m]!)) m = r;
      if (m === i) break;
      [heap[i], heap[m]] = [heap[m]!, heap[i]!];
      i = m;
    }
    return top;
  }
}
