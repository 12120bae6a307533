import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BenchRun, ThroughputResult } from './results.ts';
import { checkTargets, findThroughput, isMet } from './targets.ts';

function produce(
  system: string,
  client: string,
  acks: string,
  messagesPerSecond: number,
  cpuMicros: number | null = null,
  kind: 'produce' | 'consume' = 'produce',
): ThroughputResult {
  return {
    kind,
    system,
    client,
    messageBytes: 1024,
    acks,
    messages: 1000,
    seconds: 1000 / messagesPerSecond,
    messagesPerSecond,
    megabytesPerSecond: (messagesPerSecond * 1024) / 1e6,
    serverCpuSeconds: null,
    serverCpuMicrosPerMessage: cpuMicros,
  };
}

function run(throughput: ThroughputResult[]): BenchRun {
  return {
    startedAt: '2026-11-22T05:00:00.000Z',
    machine: { cpus: 2, memoryGigabytes: 24, loadAverage: [0, 0, 0], node: 'v20' },
    limits: [],
    throughput,
    latency: [
      {
        system: 'gregor',
        client: 'x',
        messageBytes: 1024,
        acks: '1',
        ratePerSecond: 1,
        messages: 1,
        p50Ms: 1,
        p99Ms: 3,
        p999Ms: 4,
        maxMs: 5,
      },
      {
        system: 'redis-streams',
        client: 'y',
        messageBytes: 1024,
        acks: 'aof',
        ratePerSecond: 1,
        messages: 1,
        p50Ms: 1,
        p99Ms: 2,
        p999Ms: 4,
        maxMs: 5,
      },
    ],
    processes: [
      {
        system: 'gregor',
        startToFirstProduceMs: 250,
        idleRssMegabytes: 160,
        loadRssMegabytes: 200,
      },
    ],
    notes: [],
  };
}

describe('targets', () => {
  const all = [
    produce('gregor', 'kcat', '1', 300_000, 3),
    produce('gregor', 'kcat', 'all', 240_000),
    produce('gregor-3x-rf3', 'kcat', 'all', 90_000),
    produce('redis-streams', 'redis-benchmark', 'aof-everysec', 200_000, 4.5),
    produce('redis-streams', 'redis-benchmark', 'aof-always', 100_000, 9),
    produce('gregor', 'kcat', '-', 700_000, null, 'consume'),
  ];
  const checks = checkTargets(run(all));
  const byName = (part: string) => {
    const found = checks.find((c) => c.name.includes(part));
    assert.ok(found, part);
    return found;
  };

  it('compares with the fastest setting of a peer', () => {
    const best = findThroughput(all, { system: 'redis-streams', kind: 'produce', bytes: 1024 });
    assert.equal(best?.acks, 'aof-everysec');
    const vsRedis = byName('Redis Streams, msgs/s');
    assert.equal(vsRedis.value, 1.5);
    assert.equal(isMet(vsRedis), true);
  });

  it('reports a missing comparison as not measured, never as met', () => {
    const vsNats = byName('NATS');
    assert.equal(vsNats.value, null);
    assert.equal(isMet(vsNats), null);
    assert.equal(isMet(byName('consumer')), null, 'no Redis consume figure');
  });

  it('computes acks=all, cluster, CPU and latency ratios and absolute bounds', () => {
    assert.equal(byName('acks=all / acks=1').value, 0.8);
    assert.equal(isMet(byName('acks=all / acks=1')), false);
    assert.equal(byName('3 brokers').value, 0.3);
    assert.equal(isMet(byName('3 brokers')), false);
    assert.ok(Math.abs((byName('CPU').value ?? 0) - 3 / 4.5) < 1e-9);
    assert.equal(isMet(byName('CPU')), true);
    assert.equal(byName('p99').value, 1.5);
    assert.equal(isMet(byName('p99')), false);
    assert.equal(isMet(byName('start to first')), true);
    assert.equal(isMet(byName('idle resident')), false);
  });
});
