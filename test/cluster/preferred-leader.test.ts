// Preferred-leader election on three broker processes and a real etcd, seen
// through kcat -L. A broker is stopped, so its leaderships move to other
// replicas; it restarts and rejoins every ISR, and its leaderships stay
// where they are. Then (a) with auto.leader.rebalance.enable=false,
// `gregor leader-election --election-type PREFERRED --all-topic-partitions`
// moves every partition back to its first replica; (b) with the balance
// check on every second, leadership returns without being asked.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gregor, ok } from '../cli/cli-harness.ts';
import { type BrokerProcess, freePort, spawnBroker } from '../harness/broker-process.ts';
import { type EtcdProcess, startEtcd } from '../harness/etcd.ts';
import { describeTopic, type PartitionLine, until } from '../harness/topic-state.ts';

const SESSION_TIMEOUT_MS = 3000;
const TOPIC = 'elect';

const allPreferred = (rows: PartitionLine[]) => rows.every((p) => p.leader === p.replicas[0]);

/** Three brokers of one cluster, each restartable on its own data and port. */
class Cluster {
  readonly brokers: Array<BrokerProcess | null> = [null, null, null];
  private readonly ports: number[] = [];

  constructor(
    private readonly dir: string,
    private readonly overrides: (id: number) => Record<string, string>,
  ) {}

  async start(): Promise<void> {
    for (let id = 0; id < 3; id++) this.ports.push(await freePort());
    // allSettled: every broker that did start is recorded (and so killed after the tests).
    const started = await Promise.allSettled([0, 1, 2].map((id) => this.restart(id)));
    const failed = started.find((r) => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  }

  async restart(id: number): Promise<void> {
    const dataDir = join(this.dir, `b${id}`);
    this.brokers[id] = await spawnBroker({
      dataDir,
      port: this.ports[id]!,
      overrides: this.overrides(id),
    });
  }

  /** SIGTERM: a controlled shutdown, which hands the broker's leaderships over. */
  async stop(id: number): Promise<void> {
    const b = this.brokers[id]!;
    b.child.kill('SIGTERM');
    assert.equal(await b.exited, 0, b.output());
    this.brokers[id] = null;
  }

  bootstrap(): string {
    return this.brokers.flatMap((b) => (b === null ? [] : [b.bootstrap])).join(',');
  }

  output(): string {
    return this.brokers.map((b) => b?.output() ?? '').join('');
  }

  kill(): void {
    for (const b of this.brokers) b?.child.kill('SIGKILL');
  }
}

/**
 * Creates the topic, stops the first replica of partition 0, restarts it and
 * waits until it is back in every ISR. Returns that broker's id.
 */
async function moveLeadershipAway(c: Cluster): Promise<number> {
  ok(
    await gregor(c.bootstrap(), [
      'topics',
      '--create',
      '--topic',
      TOPIC,
      '--partitions',
      '3',
      '--replication-factor',
      '3',
    ]),
    'topics --create',
  );
  const created = await until('the topic with full ISRs', 60_000, async () => {
    const rows = await describeTopic(c.bootstrap(), TOPIC);
    return rows.length === 3 && rows.every((p) => p.isr.length === 3) ? rows : null;
  });
  assert.ok(allPreferred(created), 'a new topic starts with preferred leaders');
  const victim = created.find((p) => p.partition === 0)!.replicas[0]!;
  await c.stop(victim);
  await until('leadership to leave the stopped broker', 60_000, async () => {
    const rows = await describeTopic(c.bootstrap(), TOPIC);
    return rows.length === 3 && rows.every((p) => p.leader >= 0 && p.leader !== victim)
      ? rows
      : null;
  });
  await c.restart(victim);
  await until('the restarted broker to rejoin every ISR', 60_000, async () => {
    const rows = await describeTopic(c.bootstrap(), TOPIC);
    return rows.length === 3 && rows.every((p) => p.isr.includes(victim)) ? rows : null;
  });
  return victim;
}

describe('preferred leader election on three brokers', () => {
  let etcd: EtcdProcess;
  let dir: string;
  const clusters: Cluster[] = [];

  const cluster = async (clusterId: string, extra: Record<string, string>): Promise<Cluster> => {
    // Two clusters share this etcd: each needs its own root, as operators would give it.
    const prefix = `/gregor-${clusters.length}/`;
    const c = new Cluster(join(dir, clusterId), (id) => ({
      'node.id': String(id),
      'metadata.store': etcd.endpoint.replace('http://', 'etcd://'),
      'cluster.id': clusterId,
      'metadata.store.prefix': prefix,
      'broker.session.timeout.ms': String(SESSION_TIMEOUT_MS),
      'replica.lag.time.max.ms': '5000',
      ...extra,
    }));
    clusters.push(c);
    await c.start();
    return c;
  };

  before(async () => {
    etcd = await startEtcd();
    dir = await mkdtemp(join(tmpdir(), 'gregor-preferred-'));
  });

  after(async () => {
    for (const c of clusters) c.kill();
    await etcd.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('gregor leader-election --election-type PREFERRED --all-topic-partitions restores preferred leaders', async () => {
    const c = await cluster('UHJlZmVycmVkTGVhZGVyQQ', { 'auto.leader.rebalance.enable': 'false' });
    const victim = await moveLeadershipAway(c);
    const moved = await describeTopic(c.bootstrap(), TOPIC);
    const away = moved
      .filter((p) => p.replicas[0] === victim)
      .map((p) => `${TOPIC}-${p.partition}`);
    assert.ok(away.length > 0);
    assert.ok(
      moved.every((p) => p.leader !== victim),
      'rejoining the ISR does not give the broker its leaderships back',
    );

    const r = ok(
      await gregor(c.bootstrap(), [
        'leader-election',
        '--election-type',
        'PREFERRED',
        '--all-topic-partitions',
      ]),
      'leader-election',
    );
    assert.equal(
      r.stdout,
      `Successfully completed leader election (PREFERRED) for partitions ${away.join(', ')}\n`,
    );
    const after = await until('every partition led by its first replica', 60_000, async () => {
      const rows = await describeTopic(c.bootstrap(), TOPIC);
      return rows.length === 3 && allPreferred(rows) ? rows : null;
    });
    for (const p of after) assert.equal(p.isr.length, 3, 'the ISR is unchanged');

    const again = ok(
      await gregor(c.bootstrap(), [
        'leader-election',
        '--election-type',
        'preferred',
        '--topic',
        TOPIC,
        '--partition',
        '0',
      ]),
      'leader-election again',
    );
    assert.equal(again.stdout, `Valid replica already elected for partitions ${TOPIC}-0\n`);
    c.kill();
  });

  test('with auto.leader.rebalance.enable the balance check returns leadership on its own', async () => {
    const c = await cluster('UHJlZmVycmVkTGVhZGVyQg', {
      'auto.leader.rebalance.enable': 'true',
      'leader.imbalance.check.interval.seconds': '1',
    });
    await moveLeadershipAway(c);
    await until('every partition led by its first replica again', 45_000, async () => {
      const rows = await describeTopic(c.bootstrap(), TOPIC);
      return rows.length === 3 && allPreferred(rows) ? rows : null;
    });
    assert.match(c.output(), /preferred replica elected by the leader balance check/);
  });
});
