// The rendered broker StatefulSet, executed: three pods run as local processes from the pod
// template's command, arguments and environment (test/harness/statefulset-pods.ts) beside a
// local etcd behind the etcd Service's name, and driven as Kubernetes would drive them:
// kill -9 of a pod and its restart on the same volume (readiness must wait for every ISR),
// a rolling restart gated on /readyz under an idempotent acks=all producer (no acknowledged
// message lost or duplicated), a scale-up with `gregor rebalance`, and a scale-down with
// `gregor drain` then removal of the highest ordinal (every partition still fully replicated).
// /metrics is scraped throughout: one active controller, and UnderReplicatedPartitions up
// while a broker is down and back to zero after.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseManifests, renderObjects, renderYaml } from '../../src/deploy/render.ts';
import { parseRenderOptions } from '../../src/deploy/render-options.ts';
import { acknowledgedWrites, auditAcknowledged } from '../harness/acknowledged-writes.ts';
import { type EtcdProcess, startEtcd } from '../harness/etcd.ts';
import { PYTHON, run } from '../harness/processes.ts';
import { StatefulSetPods } from '../harness/statefulset-pods.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'gregor');
const PRODUCER = join(import.meta.dirname, '..', 'cluster', 'python', 'acked_offsets_producer.py');
const READY_TIMEOUT_MS = 120_000;
/** The load balancers' DNS zone (external-dns names each broker's Service <pod>.<zone>). */
const EXTERNAL_DOMAIN = 'kafka.example.test';

async function waitUntil<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | null | false>,
) {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  for (;;) {
    try {
      const v = await probe();
      if (v !== null && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last === null ? '' : `: ${String(last)}`}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The sum of an unlabelled gauge over the scrapes given. */
function metricSum(scrapes: readonly (string | null)[], name: string): number {
  let sum = 0;
  for (const text of scrapes) {
    const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text ?? '');
    if (m === null) throw new Error(`${name} missing from a scrape`);
    sum += Number(m[1]);
  }
  return sum;
}

interface PartitionView {
  readonly topic: string;
  readonly partition: number;
  readonly leader: number;
  readonly replicas: number[];
  readonly isr: number[];
}

async function describeAll(bootstrap: string): Promise<PartitionView[]> {
  const r = await run('kcat', ['-b', bootstrap, '-L', '-J'], { timeoutMs: 30_000 });
  if (r.code !== 0) throw new Error(`kcat -L failed: ${r.stderr}`);
  const md = JSON.parse(r.stdout) as {
    topics: Array<{
      topic: string;
      partitions: Array<{
        partition: number;
        leader: number;
        replicas: Array<{ id: number }>;
        isrs: Array<{ id: number }>;
      }>;
    }>;
  };
  return md.topics.flatMap((t) =>
    t.partitions.map((p) => ({
      topic: t.topic,
      partition: p.partition,
      leader: p.leader,
      replicas: p.replicas.map((x) => x.id),
      isr: p.isrs.map((x) => x.id),
    })),
  );
}

function gregor(args: string[], timeoutMs = 180_000) {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GREGOR_')) env[k] = v;
  return run(BIN, args, { timeoutMs, env });
}

describe('the rendered StatefulSet, executed', { timeout: 900_000 }, () => {
  let etcd: EtcdProcess;
  let pods: StatefulSetPods;
  let work = '';
  const running = new Set<number>();
  const controllerSums: number[] = [];

  const scrapeRunning = async () => Promise.all([...running].map((i) => pods.metrics(i)));
  const bootstrap = () => pods.bootstrap([...running]);

  async function waitReady(ordinal: number): Promise<void> {
    await waitUntil(
      `pod ${ordinal} ready`,
      READY_TIMEOUT_MS,
      async () => (await pods.readyz(ordinal))?.status === 200,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${pods.latest(ordinal)?.output().slice(-4000) ?? ''}`);
    });
  }

  /** ActiveControllerCount over the running pods: exactly one, once elections have settled. */
  async function oneActiveController(): Promise<void> {
    const sum = await waitUntil('exactly one active controller', 60_000, async () => {
      const s = metricSum(
        await scrapeRunning(),
        'kafka_controller_kafkacontroller_activecontrollercount',
      );
      return s === 1 ? s : null;
    });
    controllerSums.push(sum);
  }

  async function underReplicated(): Promise<number> {
    return metricSum(
      await scrapeRunning(),
      'kafka_server_replicamanager_underreplicatedpartitions',
    );
  }

  before(async () => {
    etcd = await startEtcd();
    work = await mkdtemp(join(tmpdir(), 'gregor-sts-'));
    const namespace = `sts-${randomBytes(3).toString('hex')}`;
    const options = parseRenderOptions({
      namespace,
      brokers: '3',
      external: 'loadbalancer',
      externalDomain: EXTERNAL_DOMAIN,
    });
    const objects = parseManifests(renderYaml(renderObjects(options), 'test'));
    pods = await StatefulSetPods.create({
      objects,
      etcdEndpoint: etcd.endpoint,
      workDir: work,
      externalDomain: EXTERNAL_DOMAIN,
    });
  });

  after(async () => {
    await pods?.close();
    await etcd?.stop();
    if (work !== '') await rm(work, { recursive: true, force: true });
  });

  it('starts three pods that form one cluster and turn ready', async () => {
    // podManagementPolicy Parallel: the StatefulSet creates all pods at once.
    for (const i of [0, 1, 2]) {
      await pods.start(i);
      running.add(i);
    }
    for (const i of [0, 1, 2]) await waitReady(i);
    const created = await gregor([
      'topics',
      '--bootstrap-server',
      bootstrap(),
      '--create',
      '--topic',
      'orders',
      '--partitions',
      '6',
      '--replication-factor',
      '3',
    ]);
    assert.equal(created.code, 0, created.stderr);
    const view = await waitUntil('orders fully replicated', 60_000, async () => {
      const v = (await describeAll(bootstrap())).filter((p) => p.topic === 'orders');
      return v.length === 6 && v.every((p) => p.isr.length === 3) ? v : null;
    });
    assert.deepEqual(new Set(view.flatMap((p) => p.replicas)), new Set([0, 1, 2]));
    // Clients outside the cluster: bootstrap through a load balancer's name, and every broker
    // they are sent on to is advertised on its own external name and port.
    const external = `${pods.podName(1)}.${EXTERNAL_DOMAIN}:9094`;
    const md = await run('kcat', ['-b', external, '-L', '-J'], { timeoutMs: 30_000 });
    assert.equal(md.code, 0, md.stderr);
    const brokers = (JSON.parse(md.stdout) as { brokers: Array<{ id: number; name: string }> })
      .brokers;
    assert.deepEqual(
      brokers.map((x) => x.name).sort(),
      [0, 1, 2].map((i) => `${pods.podName(i)}.${EXTERNAL_DOMAIN}:9094`),
    );
    const outside = await run('kcat', ['-b', external, '-P', '-t', 'orders', '-X', 'acks=all'], {
      input: 'from-outside-1\nfrom-outside-2\n',
      timeoutMs: 60_000,
    });
    assert.equal(outside.code, 0, outside.stderr);
    const back = await run(
      'kcat',
      ['-b', external, '-C', '-t', 'orders', '-o', 'beginning', '-e', '-q', '-f', '%s\n'],
      { timeoutMs: 60_000 },
    );
    assert.deepEqual(
      back.stdout
        .split('\n')
        .filter((l) => l.startsWith('from-outside'))
        .sort(),
      ['from-outside-1', 'from-outside-2'],
    );
    await oneActiveController();
    await waitUntil(
      'no under-replicated partition',
      60_000,
      async () => (await underReplicated()) === 0,
    );
  });

  it('kill -9 of pod 0: under-replicated while down; back ready only once in every ISR again', async (t) => {
    await pods.kill9(0);
    running.delete(0);
    // Writes it misses, so that it has something to catch up on when it returns.
    const values = Array.from({ length: 20_000 }, (_, i) => `while-down-${i}-${'x'.repeat(200)}`);
    const produced = await run(
      'kcat',
      ['-b', bootstrap(), '-P', '-t', 'orders', '-X', 'acks=all'],
      {
        input: `${values.join('\n')}\n`,
        timeoutMs: 120_000,
      },
    );
    assert.equal(produced.code, 0, produced.stderr);
    const urp = await waitUntil('UnderReplicatedPartitions to rise', 60_000, async () => {
      const n = await underReplicated();
      return n > 0 ? n : null;
    });
    assert.ok(urp > 0);
    await oneActiveController();
    // The leaders of the partitions pod 0 was in counted the shrinks; nothing went offline.
    const shrinks = metricSum(
      await scrapeRunning(),
      'kafka_server_replicamanager_isrshrinks_total',
    );
    assert.ok(shrinks > 0, 'no ISR shrink counted while pod 0 was down');
    assert.equal(
      metricSum(await scrapeRunning(), 'kafka_controller_kafkacontroller_offlinepartitionscount'),
      0,
    );

    await pods.start(0);
    running.add(0);
    const reasons = new Set<string>();
    for (const deadline = Date.now() + READY_TIMEOUT_MS; ; ) {
      const r = await pods.readyz(0);
      if (r?.status === 200) break;
      if (r !== null)
        for (const line of r.body.trim().split('\n')) reasons.add(line.replace(/:.*/, ''));
      assert.ok(
        Date.now() < deadline,
        `pod 0 not ready:\n${pods.latest(0)?.output().slice(-3000)}`,
      );
      await new Promise((res) => setTimeout(res, 50));
    }
    // Ready: the cluster's own view (from another broker) has it in the ISR of all it replicates.
    const view = await describeAll(pods.bootstrap([1]));
    const missing = view.filter((p) => p.replicas.includes(0) && !p.isr.includes(0));
    assert.deepEqual(
      missing,
      [],
      `ready while out of ISR; reasons seen: ${[...reasons].join('; ')}`,
    );
    t.diagnostic(`URP while down: ${urp}; /readyz said before ready: ${[...reasons].join('; ')}`);
    await waitUntil(
      'UnderReplicatedPartitions back to 0',
      60_000,
      async () => (await underReplicated()) === 0,
    );
    const expands = metricSum(
      await scrapeRunning(),
      'kafka_server_replicamanager_isrexpands_total',
    );
    assert.ok(expands > 0, 'no ISR expansion counted when pod 0 caught up');
    await oneActiveController();
  });

  it('rolls all three pods, each gated on /readyz, under an idempotent acks=all producer: nothing lost, nothing twice', async (t) => {
    const created = await gregor([
      'topics',
      '--bootstrap-server',
      bootstrap(),
      '--create',
      '--topic',
      'rolling',
      '--partitions',
      '3',
      '--replication-factor',
      '3',
    ]);
    assert.equal(created.code, 0, created.stderr);
    let out = '';
    let err = '';
    const producer: ChildProcess = spawn(PYTHON, [PRODUCER], {
      env: { ...process.env, BOOTSTRAP: bootstrap(), TOPIC: 'rolling' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    producer.stdout?.on('data', (b: Buffer) => {
      out += b.toString();
    });
    producer.stderr?.on('data', (b: Buffer) => {
      err += b.toString();
    });
    const acked = () => acknowledgedWrites(out).size;
    try {
      await waitUntil('the producer to get acknowledgements', 60_000, async () => acked() > 100);
      // A StatefulSet rolling update: the highest ordinal first, the next only once it is ready.
      for (const i of [2, 1, 0]) {
        const grace = pods.statefulSet.spec.template.spec.terminationGracePeriodSeconds * 1000;
        const stopped = await pods.terminate(i);
        running.delete(i);
        assert.equal(stopped.how, 0, `pod ${i} did not exit cleanly on SIGTERM`);
        assert.ok(stopped.ms < grace, `pod ${i} took ${stopped.ms} ms to stop`);
        await pods.start(i);
        running.add(i);
        await waitReady(i);
        await oneActiveController();
        const before = acked();
        await waitUntil(
          `acknowledgements after rolling pod ${i}`,
          60_000,
          async () => acked() > before + 100,
        );
      }
    } finally {
      producer.kill('SIGKILL');
      await new Promise((r) => producer.once('exit', r));
    }
    const audit = await auditAcknowledged(acknowledgedWrites(out), bootstrap(), 'rolling');
    t.diagnostic(`acknowledged ${audit.acked}; lost ${audit.lost}, duplicates ${audit.duplicates}`);
    assert.ok(audit.acked > 300, `only ${audit.acked} acknowledged\n${err.slice(-2000)}`);
    assert.deepEqual(
      { lost: audit.lost, inconsistent: audit.inconsistent, duplicates: audit.duplicates },
      { lost: 0, inconsistent: 0, duplicates: 0 },
    );
    await waitUntil(
      'no under-replicated partition after the roll',
      60_000,
      async () => (await underReplicated()) === 0,
    );
  });

  it('scales up with rebalance, then down with drain of the highest ordinal: every partition still fully replicated', async () => {
    const before = await describeAll(bootstrap());
    await pods.start(3);
    running.add(3);
    await waitReady(3);
    const rebalanced = await gregor(['rebalance', '--execute', '--bootstrap-server', bootstrap()]);
    assert.equal(rebalanced.code, 0, rebalanced.stderr + rebalanced.stdout);
    const spread = await describeAll(bootstrap());
    const onNew = spread.filter((p) => p.replicas.includes(3)).length;
    assert.ok(onNew > 0, 'rebalance moved nothing onto the new broker');

    const drained = await gregor(['drain', '--broker', '3', '--bootstrap-server', bootstrap()]);
    assert.equal(drained.code, 0, drained.stderr + drained.stdout);
    assert.match(drained.stdout, /Broker 3 holds no partition replicas/);
    const stopped = await pods.terminate(3);
    running.delete(3);
    assert.equal(stopped.how, 0);

    const after = await waitUntil(
      'every partition fully replicated without broker 3',
      60_000,
      async () => {
        const v = await describeAll(bootstrap());
        return v.every((p) => p.isr.length === p.replicas.length && p.leader >= 0) ? v : null;
      },
    );
    for (const p of after) {
      assert.ok(!p.replicas.includes(3), `${p.topic}-${p.partition} still on broker 3`);
      const was = before.find((b) => b.topic === p.topic && b.partition === p.partition);
      assert.equal(
        p.replicas.length,
        was?.replicas.length ?? p.replicas.length,
        `${p.topic}-${p.partition}`,
      );
    }
    assert.equal(after.length, before.length);
    await waitUntil(
      'UnderReplicatedPartitions 0 after the scale-down',
      60_000,
      async () => (await underReplicated()) === 0,
    );
    await oneActiveController();
    assert.ok(controllerSums.every((s) => s === 1));
  });
});
