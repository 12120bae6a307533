// Several log directories (JBOD) on one broker of three, with a real etcd:
// broker 0 has three log dirs and spreads its replicas over them, DescribeLogDirs
// reports each dir with its partitions and sizes, AlterReplicaLogDirs moves a
// replica to another dir while it keeps its records, and when one dir fails
// (I/O errors injected through the log file layer: every operation under it
// answers EIO) broker 0 keeps serving the partitions in the other two, the
// partitions in the failed dir get leaders elsewhere, and no record acknowledged
// with acks=all on RF=3 is lost.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Broker, startBroker } from '../../src/broker.ts';
import {
  type LogFile,
  type LogFileOpenOptions,
  type LogFileSystem,
  nodeFileSystem,
} from '../../src/log/file-system.ts';
import { AlterReplicaLogDirs } from '../../src/protocol/apis/alter-replica-log-dirs.ts';
import { DescribeLogDirs } from '../../src/protocol/apis/describe-log-dirs.ts';
import { ErrorCode } from '../../src/protocol/error-codes.ts';
import { type EtcdProcess, startEtcd } from '../harness/etcd.ts';
import { run } from '../harness/processes.ts';
import { RawClient } from '../harness/raw-client.ts';
import { describeTopic, until } from '../harness/topic-state.ts';

const TOPIC = 'jbod';
const PARTITIONS = 6;

/** The real disk, except that every operation under a failed directory answers EIO. */
class FailingDirs implements LogFileSystem {
  private readonly failed = new Set<string>();

  fail(dir: string): void {
    this.failed.add(dir);
  }

  check(path: string): void {
    for (const dir of this.failed) {
      if (path === dir || path.startsWith(`${dir}/`)) {
        throw Object.assign(new Error(`EIO: i/o error (injected), ${path}`), { code: 'EIO' });
      }
    }
  }

  async open(path: string, options: LogFileOpenOptions): Promise<LogFile> {
    this.check(path);
    const file = await nodeFileSystem.open(path, options);
    const guard = <T>(op: () => Promise<T>) => {
      this.check(path);
      return op();
    };
    return {
      read: (t, o, l, p) => guard(() => file.read(t, o, l, p)),
      write: (s, p) => guard(() => file.write(s, p)),
      fsync: () => guard(() => file.fsync()),
      truncate: (n) => guard(() => file.truncate(n)),
      stat: () => guard(() => file.stat()),
      close: () => file.close(),
    };
  }
  async readdir(dir: string) {
    this.check(dir);
    return nodeFileSystem.readdir(dir);
  }
  async mkdir(dir: string) {
    this.check(dir);
    return nodeFileSystem.mkdir(dir);
  }
  async unlink(path: string) {
    this.check(path);
    return nodeFileSystem.unlink(path);
  }
  async rename(source: string, target: string) {
    this.check(source);
    this.check(target);
    return nodeFileSystem.rename(source, target);
  }
  async removeDirectory(dir: string) {
    this.check(dir);
    return nodeFileSystem.removeDirectory(dir);
  }
  async fsyncDirectory(dir: string) {
    this.check(dir);
    return nodeFileSystem.fsyncDirectory(dir);
  }
}

describe('a broker with three log directories', () => {
  let etcd: EtcdProcess;
  let dir: string;
  const brokers: Broker[] = [];
  const disks = new FailingDirs();
  const logDirs: string[] = [];

  before(async () => {
    etcd = await startEtcd();
    dir = await mkdtemp(join(tmpdir(), 'gregor-jbod-'));
    for (let d = 0; d < 3; d++) logDirs.push(join(dir, 'b0', `disk${d}`));
    for (let id = 0; id < 3; id++) {
      const config: Record<string, string> = {
        'node.id': String(id),
        'metadata.store': etcd.endpoint.replace('http://', 'etcd://'),
        'cluster.id': 'SkJPRFRlc3RDbHVzdGVyMA',
        'broker.session.timeout.ms': '3000',
        'replica.lag.time.max.ms': '5000',
        'min.insync.replicas': '2',
        'auto.leader.rebalance.enable': 'false',
        'log.dirs': id === 0 ? logDirs.join(',') : join(dir, `b${id}`),
      };
      brokers.push(
        await startBroker({
          port: 0,
          host: '127.0.0.1',
          config,
          ...(id === 0 ? { logFileSystem: disks } : {}),
        }),
      );
    }
  });

  after(async () => {
    for (const b of brokers) await b.close().catch(() => undefined);
    await etcd.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const bootstrap = () => brokers.map((b) => `127.0.0.1:${b.port}`).join(',');
  const broker0 = () => `127.0.0.1:${brokers[0]!.port}`;

  async function describeDirs() {
    const client = await RawClient.connect(broker0());
    try {
      return (await client.send(DescribeLogDirs, 4, { topics: null })).results;
    } finally {
      client.close();
    }
  }

  async function produce(partition: number, prefix: string, count: number): Promise<string[]> {
    const lines = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
    const r = await run(
      'kcat',
      ['-b', bootstrap(), '-P', '-t', TOPIC, '-p', String(partition), '-X', 'acks=all'],
      { input: `${lines.join('\n')}\n`, timeoutMs: 60_000 },
    );
    assert.equal(r.code, 0, `kcat -P: ${r.stderr}`);
    return lines;
  }

  async function consume(partition: number): Promise<string[]> {
    const r = await run(
      'kcat',
      ['-b', bootstrap(), '-C', '-t', TOPIC, '-p', String(partition), '-o', 'beginning', '-e'],
      { timeoutMs: 60_000 },
    );
    assert.equal(r.code, 0, `kcat -C: ${r.stderr}`);
    return r.stdout.split('\n').filter((l) => l !== '');
  }

  test('spreads, moves and survives a failed directory', async () => {
    const created = await run('kcat', ['-b', bootstrap(), '-L']);
    assert.equal(created.code, 0);
    const client = await RawClient.connect(broker0());
    const { CreateTopics } = await import('../../src/protocol/apis/create-topics.ts');
    const r = await client.send(CreateTopics, 4, {
      topics: [
        {
          name: TOPIC,
          numPartitions: PARTITIONS,
          replicationFactor: 3,
          assignments: [],
          configs: [],
        },
      ],
      timeoutMs: 10_000,
      validateOnly: false,
    });
    client.close();
    assert.equal(r.topics[0]?.errorCode, ErrorCode.NONE, r.topics[0]?.errorMessage ?? '');
    await until('every partition has a full ISR', 30_000, async () => {
      const parts = await describeTopic(bootstrap(), TOPIC);
      return parts.length === PARTITIONS && parts.every((p) => p.isr.length === 3) ? parts : null;
    });

    // Acknowledged records in every partition.
    const acked = new Map<number, string[]>();
    for (let p = 0; p < PARTITIONS; p++) acked.set(p, await produce(p, `before-p${p}`, 200));

    // Broker 0 placed two partitions in each directory, and reports their sizes.
    const placed = await until('broker 0 reports its dirs', 10_000, async () => {
      const results = await describeDirs();
      const counts = results.map((d) => d.topics.flatMap((t) => t.partitions).length);
      return counts.reduce((a, b) => a + b, 0) === PARTITIONS ? results : null;
    });
    assert.deepEqual(
      placed.map((d) => d.logDir),
      logDirs,
    );
    for (const d of placed) {
      assert.equal(d.errorCode, ErrorCode.NONE);
      const parts = d.topics.flatMap((t) => t.partitions);
      assert.equal(parts.length, 2, `${d.logDir} holds two partitions`);
      assert.ok(parts.every((p) => p.partitionSize > 0));
      assert.ok(d.totalBytes > 0 && d.usableBytes > 0);
    }
    const dirOf = (results: typeof placed, partition: number) =>
      results.find((d) =>
        d.topics.some((t) => t.partitions.some((p) => p.partitionIndex === partition)),
      )?.logDir;

    // Move one replica to another directory: it keeps its records and takes appends.
    const moved = placed[0]!.topics[0]!.partitions[0]!.partitionIndex;
    const target = logDirs[1]!;
    const mover = await RawClient.connect(broker0());
    const answer = await mover.send(AlterReplicaLogDirs, 1, {
      dirs: [{ path: target, topics: [{ name: TOPIC, partitions: [moved] }] }],
    });
    mover.close();
    assert.equal(answer.results[0]?.partitions[0]?.errorCode, ErrorCode.NONE);
    await until('the replica is in its new dir', 30_000, async () => {
      const results = await describeDirs();
      const future = results.some((d) =>
        d.topics.some((t) => t.partitions.some((p) => p.isFutureKey)),
      );
      return !future && dirOf(results, moved) === target ? true : null;
    });
    acked.get(moved)!.push(...(await produce(moved, `after-move-p${moved}`, 50)));

    // Fail the directory holding a partition broker 0 leads (not the moved one's).
    const parts = await describeTopic(bootstrap(), TOPIC);
    const now = await describeDirs();
    const failing = logDirs.find((d) =>
      parts.some((p) => p.leader === 0 && dirOf(now, p.partition) === d),
    );
    assert.ok(failing !== undefined, 'broker 0 leads a partition in some dir');
    const lost = parts.filter((p) => dirOf(now, p.partition) === failing).map((p) => p.partition);
    const kept = parts.filter((p) => !lost.includes(p.partition)).map((p) => p.partition);
    disks.fail(failing);
    // Writes to every partition: the first one into the failed dir trips it.
    for (let p = 0; p < PARTITIONS; p++)
      acked.get(p)!.push(...(await produce(p, `after-fail-p${p}`, 100)));

    const after = await until('leadership left the failed dir', 30_000, async () => {
      const state = await describeTopic(bootstrap(), TOPIC);
      const moved = lost.every((p) => {
        const s = state.find((x) => x.partition === p);
        return s !== undefined && s.leader !== 0 && s.leader >= 0 && !s.isr.includes(0);
      });
      return moved ? state : null;
    });
    // Broker 0 still holds the partitions of the other dirs in sync.
    for (const p of kept) {
      assert.ok(
        after.find((x) => x.partition === p)!.isr.includes(0),
        `broker 0 still in sync for ${p}`,
      );
    }
    const dirsNow = await describeDirs();
    const failed = dirsNow.find((d) => d.logDir === failing)!;
    assert.equal(failed.errorCode, ErrorCode.KAFKA_STORAGE_ERROR);
    for (const d of dirsNow.filter((x) => x.logDir !== failing))
      assert.equal(d.errorCode, ErrorCode.NONE);

    // Broker 0 keeps serving the partitions it leads in the healthy dirs.
    const ledHere = kept.filter((p) => after.find((x) => x.partition === p)!.leader === 0);
    for (const p of ledHere) acked.get(p)!.push(...(await produce(p, `served-p${p}`, 20)));

    // No acknowledged record is lost, in any partition.
    for (let p = 0; p < PARTITIONS; p++) {
      const read = new Set(await consume(p));
      const missing = acked.get(p)!.filter((m) => !read.has(m));
      assert.deepEqual(missing, [], `partition ${p} lost acknowledged records`);
    }
  });
});
