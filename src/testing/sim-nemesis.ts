// The faults of a simulated run, chosen by the seed: process crashes (with
// the page cache kept, as kill -9 leaves it, or lost with a torn tail, as a
// power cut), pauses long enough to cost a session, network partitions
// (one broker isolated, one direction cut, a bridge between two halves),
// brokers cut off from the metadata store or the whole store unreachable,
// slow disks, disks failing with EIO or full (ENOSPC), wall-clock jumps
// within half a session, leases ended under a live broker, and a lossy,
// slow network. Each fault is healed after a while; at the end every fault
// still active is healed before the checker's final look.

import type { SimBroker } from './sim-broker.ts';
import type { SimContext } from './sim-context.ts';
import type { SimRandom } from './sim-random.ts';
import { SIMULATOR_OWNER } from './sim-scheduler.ts';
import { STORE_NODE } from './sim-store.ts';

export const FAULT_KINDS = [
  'crash',
  'power-loss',
  'pause',
  'isolate',
  'one-way',
  'bridge',
  'store-cut',
  'store-down',
  'slow-disk',
  'disk-eio',
  'disk-full',
  'clock-jump',
  'lease-expiry',
  'flaky-network',
] as const;

export type FaultKind = (typeof FAULT_KINDS)[number];

interface ActiveFault {
  readonly kind: FaultKind;
  /** Brokers this fault holds (crashed or paused), so another fault leaves them alone. */
  readonly holds: readonly number[];
  heal(): void;
  cancelHeal: () => void;
}

export class SimNemesis {
  readonly counts = new Map<FaultKind, number>();
  private readonly active = new Set<ActiveFault>();
  private stopped = false;

  constructor(
    private readonly ctx: SimContext,
    private readonly brokers: readonly SimBroker[],
    private readonly random: SimRandom,
    private readonly kinds: readonly FaultKind[],
    private readonly o: {
      readonly intervalMs: { readonly min: number; readonly max: number };
      readonly activeMax: number;
      readonly clients: readonly number[];
      /** Current partition leaders: faults aimed at brokers hit one of them more often than not. */
      readonly leaders: () => readonly number[];
    },
  ) {}

  get injected(): number {
    let n = 0;
    for (const c of this.counts.values()) n += c;
    return n;
  }

  start(): void {
    this.next();
  }

  /** Stops injecting and heals everything still broken. */
  stopAndHeal(): void {
    this.stopped = true;
    for (const f of [...this.active]) this.end(f);
    this.ctx.network.healAll();
    this.ctx.network.dropProbability = 0;
    this.ctx.network.extraDelayMs = 0;
    for (const b of this.brokers) {
      b.disk.latencyMsMax = 0;
      b.disk.memory.clearFaults();
      b.disk.memory.setSpaceLimit(null);
      if (this.ctx.scheduler.isPaused(b.nodeId)) this.ctx.scheduler.resume(b.nodeId);
      if (!b.up) b.start();
    }
  }

  private log(line: string): void {
    this.ctx.trace.add(this.ctx.scheduler.nowMs, `fault ${line}`);
  }

  private next(): void {
    if (this.stopped) return;
    const { min, max } = this.o.intervalMs;
    this.ctx.scheduler.after(this.random.int(min, max), SIMULATOR_OWNER, '.nemesis', () => {
      if (this.stopped) return;
      if (this.active.size < this.o.activeMax && this.kinds.length > 0) {
        this.inject(this.random.pick(this.kinds));
      }
      this.next();
    });
  }

  private end(f: ActiveFault): void {
    if (!this.active.delete(f)) return;
    f.cancelHeal();
    f.heal();
  }

  private held(): Set<number> {
    const out = new Set<number>();
    for (const f of this.active) for (const b of f.holds) out.add(b);
    return out;
  }

  /** A broker no other fault holds (a partition leader more often than not), or undefined. */
  private freeBroker(): SimBroker | undefined {
    const held = this.held();
    const free = this.brokers.filter((b) => b.up && !held.has(b.nodeId));
    if (free.length === 0) return undefined;
    const leaders = free.filter((b) => this.o.leaders().includes(b.nodeId));
    return leaders.length > 0 && this.random.chance(0.6)
      ? this.random.pick(leaders)
      : this.random.pick(free);
  }

  /** Any broker, a partition leader more often than not. */
  private anyBroker(): SimBroker {
    const leaders = this.brokers.filter((b) => this.o.leaders().includes(b.nodeId));
    return leaders.length > 0 && this.random.chance(0.6)
      ? this.random.pick(leaders)
      : this.random.pick(this.brokers);
  }

  private arm(kind: FaultKind, holds: number[], durationMs: number, heal: () => void): void {
    const f: ActiveFault = { kind, holds, heal, cancelHeal: () => {} };
    f.cancelHeal = this.ctx.scheduler.after(durationMs, SIMULATOR_OWNER, '.heal', () => {
      this.log(`healed: ${kind} ${holds.join(',')}`);
      this.end(f);
    });
    this.active.add(f);
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
  }

  private inject(kind: FaultKind): void {
    const s = this.ctx.settings;
    const session = s.sessionTimeoutMs;
    const duration = () => this.random.int(200, 3 * session);
    switch (kind) {
      case 'crash':
      case 'power-loss': {
        const b = this.freeBroker();
        if (b === undefined) return;
        const powerLoss = kind === 'power-loss';
        const tornBytes = powerLoss ? this.random.int(0, 300) : 0;
        this.log(`${kind} broker ${b.nodeId}${powerLoss ? ` (torn ${tornBytes} bytes)` : ''}`);
        b.kill({ powerLoss, tornBytes });
        this.arm(kind, [b.nodeId], duration(), () => b.start());
        return;
      }
      case 'pause': {
        const b = this.freeBroker();
        if (b === undefined) return;
        this.log(`pause broker ${b.nodeId}`);
        this.ctx.scheduler.pause(b.nodeId);
        this.arm(kind, [b.nodeId], duration(), () => this.ctx.scheduler.resume(b.nodeId));
        return;
      }
      case 'isolate':
        this.isolate();
        return;
      case 'one-way': {
        const [a, b] = this.twoBrokers();
        if (a === undefined || b === undefined) return;
        this.log(`one-way: ${a} cannot reach ${b}`);
        this.cut([[a, b]], kind, duration());
        return;
      }
      case 'bridge':
        this.bridge();
        return;
      case 'store-cut': {
        const b = this.anyBroker().nodeId;
        this.log(`store-cut: broker ${b} cannot reach the store`);
        this.cut(
          [
            [b, STORE_NODE],
            [STORE_NODE, b],
          ],
          kind,
          duration(),
        );
        return;
      }
      case 'store-down': {
        this.log('store-down: no broker reaches the store');
        const pairs: Array<[number, number]> = [];
        for (const b of this.brokers) pairs.push([b.nodeId, STORE_NODE], [STORE_NODE, b.nodeId]);
        this.cut(pairs, kind, this.random.int(200, 2 * session));
        return;
      }
      case 'slow-disk': {
        const b = this.random.pick(this.brokers);
        const latency = this.random.int(5, 300);
        this.log(`slow-disk broker ${b.nodeId} (up to ${latency} ms per operation)`);
        b.disk.latencyMsMax = latency;
        this.arm(kind, [], duration(), () => {
          b.disk.latencyMsMax = 0;
        });
        return;
      }
      case 'disk-eio':
        this.diskEio();
        return;
      case 'disk-full': {
        const b = this.random.pick(this.brokers);
        const room = this.random.int(0, 8192);
        this.log(`disk-full broker ${b.nodeId} (${room} bytes left)`);
        b.disk.memory.setSpaceLimit(b.disk.memory.usedBytes() + room);
        this.arm(kind, [], duration(), () => b.disk.memory.setSpaceLimit(null));
        return;
      }
      case 'clock-jump': {
        const b = this.random.pick(this.brokers);
        const jumpMs = this.random.int(-Math.floor(session / 2), Math.floor(session / 2));
        this.log(`clock-jump broker ${b.nodeId} by ${jumpMs} ms`);
        b.clockSkewMs += jumpMs;
        this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
        return;
      }
      case 'lease-expiry': {
        const b = this.anyBroker();
        this.log(`lease-expiry broker ${b.nodeId}`);
        this.ctx.store.expireLeasesOf(b.nodeId);
        this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
        return;
      }
      case 'flaky-network': {
        const drop = this.random.int(2, 20) / 100;
        const extra = this.random.int(0, 300);
        this.log(`flaky-network drop ${drop} extra delay ${extra} ms`);
        this.ctx.network.dropProbability = drop;
        this.ctx.network.extraDelayMs = extra;
        this.arm(kind, [], duration(), () => {
          this.ctx.network.dropProbability = 0;
          this.ctx.network.extraDelayMs = 0;
        });
        return;
      }
    }
  }

  private twoBrokers(): [number | undefined, number | undefined] {
    if (this.brokers.length < 2) return [undefined, undefined];
    const a = this.random.pick(this.brokers).nodeId;
    const others = this.brokers.filter((b) => b.nodeId !== a);
    return [a, this.random.pick(others).nodeId];
  }

  /** Blocks each direction of `pairs` until healed. */
  private cut(pairs: ReadonlyArray<[number, number]>, kind: FaultKind, durationMs: number): void {
    const net = this.ctx.network;
    const fresh = pairs.filter(([a, b]) => !net.isBlocked(a, b));
    for (const [a, b] of fresh) net.block(a, b);
    this.arm(kind, [], durationMs, () => {
      for (const [a, b] of fresh) net.unblock(a, b);
    });
  }

  /** One broker cut off from the other brokers and the clients, and sometimes the store. */
  private isolate(): void {
    const b = this.anyBroker().nodeId;
    const withStore = this.random.chance(0.5);
    this.log(`isolate broker ${b}${withStore ? ' and from the store' : ''}`);
    const others = [
      ...this.brokers.map((x) => x.nodeId).filter((x) => x !== b),
      ...this.o.clients,
      ...(withStore ? [STORE_NODE] : []),
    ];
    const pairs: Array<[number, number]> = [];
    for (const o of others) pairs.push([b, o], [o, b]);
    this.cut(pairs, 'isolate', this.random.int(200, 3 * this.ctx.settings.sessionTimeoutMs));
  }

  /** Two halves that cannot reach each other, and one broker both can reach. */
  private bridge(): void {
    if (this.brokers.length < 3) return;
    const ids = this.brokers.map((b) => b.nodeId);
    const bridge = this.random.pick(ids);
    const rest = ids.filter((x) => x !== bridge);
    const left = rest.filter((_, i) => i % 2 === 0);
    const right = rest.filter((_, i) => i % 2 === 1);
    this.log(`bridge: ${left.join(',')} | ${bridge} | ${right.join(',')}`);
    const pairs: Array<[number, number]> = [];
    for (const a of left) for (const b of right) pairs.push([a, b], [b, a]);
    this.cut(pairs, 'bridge', this.random.int(200, 3 * this.ctx.settings.sessionTimeoutMs));
  }

  /** The next write or fsync of a broker's log fails with EIO; healed by a restart. */
  private diskEio(): void {
    const b = this.freeBroker();
    if (b === undefined) return;
    const op = this.random.pick(['write', 'fsync'] as const);
    this.log(`disk-eio broker ${b.nodeId} (next ${op} of a .log file)`);
    b.disk.memory.failNext(op, { pathSuffix: '.log' });
    this.arm(
      'disk-eio',
      [b.nodeId],
      this.random.int(200, 2 * this.ctx.settings.sessionTimeoutMs),
      () => {
        b.disk.memory.clearFaults();
        // A failed log directory stays offline until the broker restarts with the disk repaired.
        b.kill({ powerLoss: false, tornBytes: 0 });
        b.start();
      },
    );
  }
}
