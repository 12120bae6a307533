// The campaign's fault kinds. Each picks its target when it starts (a random
// broker, the controller, the leader of the hot partition, the etcd raft
// leader, ...), applies the fault, and undoes it when healed; whatever a fault
// killed or made crash is restarted by the campaign after healing.

import type { SeededRandom } from '../../src/protocol/testing/sample-values.ts';
import type { BrokerNode, CampaignCluster, EtcdNode } from './cluster.ts';
import { HUB_ADDRESS, type Network } from './network.ts';
import type { StoreView } from './store-view.ts';

export const FAULT_KINDS = [
  'broker-kill',
  'broker-pause',
  'broker-partition',
  'broker-isolate',
  'broker-oneway',
  'packet-loss',
  'disk-full',
  'io-error',
  'clock-skew',
  'etcd-member-kill',
  'etcd-leader-kill',
  'etcd-partition',
  'controller-kill',
  'hot-leader-kill',
] as const;

export type FaultKind = (typeof FAULT_KINDS)[number];

/** Added to a pause's hold half the time, so the broker's 4 s session expires while it sleeps. */
const PAUSE_EXTRA_MS = 4000;

export interface Fault {
  readonly kind: FaultKind;
  /** What it hit, for the log: "b2", "e1 (leader)", "b3 clock +120s". */
  readonly target: string;
  heal(): Promise<void>;
}

export interface NemesisContext {
  readonly cluster: CampaignCluster;
  readonly network: Network;
  readonly store: StoreView;
  readonly rnd: SeededRandom;
}

function others(ctx: NemesisContext, name: string): string[] {
  const all = [...ctx.cluster.brokers, ...ctx.cluster.etcd];
  return all.filter((m) => m.name !== name).map((m) => m.address);
}

function brokerById(ctx: NemesisContext, id: number | null | undefined): BrokerNode {
  const b = ctx.cluster.brokers.find((x) => x.id === id);
  return b ?? ctx.rnd.pick(ctx.cluster.brokers);
}

async function etcdLeader(ctx: NemesisContext): Promise<EtcdNode> {
  for (const e of ctx.cluster.etcd) if ((await e.isLeader()) === true) return e;
  return ctx.rnd.pick(ctx.cluster.etcd);
}

async function kill(m: BrokerNode | EtcdNode, kind: FaultKind, what: string): Promise<Fault> {
  await m.kill9();
  // Restarted by the campaign after healing, as every stopped process is.
  return { kind, target: what, heal: async () => {} };
}

export async function applyFault(kind: FaultKind, ctx: NemesisContext): Promise<Fault> {
  const { cluster, network, rnd } = ctx;
  const broker = rnd.pick(cluster.brokers);
  switch (kind) {
    case 'broker-kill':
      return kill(broker, kind, broker.name);
    case 'controller-kill': {
      const b = brokerById(ctx, ctx.store.controller);
      return kill(b, kind, `${b.name} (controller ${ctx.store.controller})`);
    }
    case 'hot-leader-kill': {
      const leader = ctx.store.partitions.get(0)?.leader;
      const b = brokerById(ctx, leader);
      return kill(b, kind, `${b.name} (leader of p0: ${leader})`);
    }
    case 'etcd-member-kill': {
      const e = rnd.pick(cluster.etcd);
      return kill(e, kind, e.name);
    }
    case 'etcd-leader-kill': {
      const e = await etcdLeader(ctx);
      return kill(e, kind, `${e.name} (raft leader)`);
    }
    case 'broker-pause': {
      // Held past the broker's session timeout half the time: it wakes up a zombie.
      broker.pause();
      const longer = rnd.next() < 0.5 ? PAUSE_EXTRA_MS : 0;
      const heal = async () => {
        await new Promise((r) => setTimeout(r, longer));
        broker.resume();
      };
      return { kind, target: `${broker.name}${longer > 0 ? ' (past its session)' : ''}`, heal };
    }
    case 'broker-partition':
    case 'broker-isolate':
    case 'broker-oneway': {
      // partition: from the other brokers and etcd, clients still reach it (a zombie's
      // chance); isolate: from everything; one-way: it hears nothing, it can still send.
      const from = others(ctx, broker.name);
      if (kind === 'broker-isolate') from.push(HUB_ADDRESS);
      await network.cut(broker.name, from, kind === 'broker-oneway' ? 'in' : 'both');
      return { kind, target: broker.name, heal: () => network.heal(broker.name) };
    }
    case 'etcd-partition': {
      const e = rnd.next() < 0.5 ? await etcdLeader(ctx) : rnd.pick(cluster.etcd);
      await network.cut(e.name, [...others(ctx, e.name), HUB_ADDRESS], 'both');
      return { kind, target: e.name, heal: () => network.heal(e.name) };
    }
    case 'packet-loss': {
      const p = rnd.pick([0.1, 0.3, 0.5]);
      await network.loss(broker.name, p);
      return { kind, target: `${broker.name} ${p}`, heal: () => network.heal(broker.name) };
    }
    case 'disk-full': {
      await broker.fillDisk();
      return { kind, target: broker.name, heal: () => broker.freeDisk() };
    }
    case 'io-error': {
      await broker.ioErrors(true);
      // An I/O error takes a log offline until the broker restarts (Kafka's rule too):
      // healing is what an operator does after replacing the disk.
      const heal = async () => {
        await broker.ioErrors(false);
        await broker.kill9();
      };
      return { kind, target: broker.name, heal };
    }
    case 'clock-skew': {
      const offset = rnd.pick(['+120s', '-60s', '+3600s', '-5s', '+10s']);
      await broker.setClock(offset);
      return { kind, target: `${broker.name} ${offset}`, heal: () => broker.setClock('+0') };
    }
  }
}
