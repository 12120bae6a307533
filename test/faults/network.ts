// The fault campaign's network: one network namespace per node (each broker,
// each etcd member) with its own address, all joined by veth pairs to a
// bridge in a hub namespace, where the campaign's driver and clients run.
// Partitions and packet loss are iptables rules inside a node's own
// namespace, so nothing touches the host's network, its iptables or other
// tests: deleting the namespaces removes every rule and interface.
// (Measured on these machines: per-uid drops on one shared loopback leaked,
// because replies flow over connections the other side dialled.)

import { spawn } from 'node:child_process';

/** The private subnet inside the hub's bridge; no packet of it ever reaches the host. */
const SUBNET = '10.77.0';
export const HUB_ADDRESS = `${SUBNET}.1`;

export interface NetNode {
  readonly name: string;
  /** The node's namespace, for `ip netns exec`. */
  readonly ns: string;
  readonly address: string;
}

export function sh(cmd: string, args: readonly string[], okCodes: readonly number[] = [0]) {
  return new Promise<string>((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
    });
    child.stderr.on('data', (b: Buffer) => {
      out += b.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (okCodes.includes(code ?? -1)) resolve(out);
      else reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${out.trim()}`));
    });
  });
}

/** Namespace names of a campaign network: `<tag>-hub`, `<tag>-<node>`. */
export function namespacesOf(tag: string, nodes: readonly string[]): string[] {
  return [`${tag}-hub`, ...nodes.map((n) => `${tag}-${n}`)];
}

export class Network {
  private constructor(
    readonly tag: string,
    readonly hubNs: string,
    readonly nodes: ReadonlyMap<string, NetNode>,
  ) {}

  /** Creates the hub and one namespace per node name, addresses .10, .11, ... in order. */
  static async create(tag: string, names: readonly string[]): Promise<Network> {
    if (!/^[a-z0-9]{1,8}$/.test(tag)) throw new RangeError(`bad network tag ${tag}`);
    const hubNs = `${tag}-hub`;
    const nodes = new Map<string, NetNode>();
    try {
      await sh('ip', ['netns', 'add', hubNs]);
      await sh('ip', ['-n', hubNs, 'link', 'set', 'lo', 'up']);
      await sh('ip', ['-n', hubNs, 'link', 'add', 'br0', 'type', 'bridge']);
      await sh('ip', ['-n', hubNs, 'addr', 'add', `${HUB_ADDRESS}/24`, 'dev', 'br0']);
      await sh('ip', ['-n', hubNs, 'link', 'set', 'br0', 'up']);
      for (const [i, name] of names.entries()) {
        const ns = `${tag}-${name}`;
        const address = `${SUBNET}.${10 + i}`;
        await sh('ip', ['netns', 'add', ns]);
        await sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
        // Both ends are created inside their namespaces: no interface name on the host.
        await sh('ip', [
          '-n',
          ns,
          'link',
          'add',
          'eth0',
          'type',
          'veth',
          'peer',
          'name',
          `v-${name}`,
          'netns',
          hubNs,
        ]);
        await sh('ip', ['-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0']);
        await sh('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
        await sh('ip', ['-n', hubNs, 'link', 'set', `v-${name}`, 'master', 'br0']);
        await sh('ip', ['-n', hubNs, 'link', 'set', `v-${name}`, 'up']);
        nodes.set(name, { name, ns, address });
      }
    } catch (err) {
      await destroyNamespaces(tag, names);
      throw err;
    }
    return new Network(tag, hubNs, nodes);
  }

  /** Attaches to a network another process created (the campaign's inner process). */
  static attach(tag: string, names: readonly string[]): Network {
    const nodes = new Map<string, NetNode>();
    for (const [i, name] of names.entries()) {
      nodes.set(name, { name, ns: `${tag}-${name}`, address: `${SUBNET}.${10 + i}` });
    }
    return new Network(tag, `${tag}-hub`, nodes);
  }

  node(name: string): NetNode {
    const n = this.nodes.get(name);
    if (n === undefined) throw new Error(`no node ${name}`);
    return n;
  }

  private iptables(name: string, args: readonly string[]): Promise<string> {
    return sh('ip', ['netns', 'exec', this.node(name).ns, 'iptables', '-w', ...args]);
  }

  /**
   * Drops what `name` exchanges with each address: 'both' ways, only what it
   * receives ('in'), or only what it sends ('out').
   */
  async cut(name: string, addresses: readonly string[], direction: 'both' | 'in' | 'out') {
    for (const a of addresses) {
      if (direction !== 'out') await this.iptables(name, ['-A', 'INPUT', '-s', a, '-j', 'DROP']);
      if (direction !== 'in') await this.iptables(name, ['-A', 'OUTPUT', '-d', a, '-j', 'DROP']);
    }
  }

  /** Drops a random share of every packet `name` receives and sends. */
  async loss(name: string, probability: number): Promise<void> {
    const rule = ['-m', 'statistic', '--mode', 'random', '--probability', String(probability)];
    await this.iptables(name, ['-A', 'INPUT', '-i', 'eth0', ...rule, '-j', 'DROP']);
    await this.iptables(name, ['-A', 'OUTPUT', '-o', 'eth0', ...rule, '-j', 'DROP']);
  }

  /** Removes every rule of `name` (its namespace has no other rules). */
  async heal(name: string): Promise<void> {
    await this.iptables(name, ['-F', 'INPUT']);
    await this.iptables(name, ['-F', 'OUTPUT']);
  }

  async healAll(): Promise<void> {
    for (const name of this.nodes.keys()) await this.heal(name);
  }

  destroy(): Promise<void> {
    return destroyNamespaces(this.tag, [...this.nodes.keys()]);
  }
}

/** Deletes the namespaces (and with them their interfaces and rules); absent ones are fine. */
export async function destroyNamespaces(tag: string, names: readonly string[]): Promise<void> {
  const existing = await sh('ip', ['netns', 'list']);
  for (const ns of namespacesOf(tag, names)) {
    if (existing.split('\n').some((line) => line.split(' ')[0] === ns)) {
      await sh('ip', ['netns', 'del', ns]).catch(() => {});
    }
  }
}
