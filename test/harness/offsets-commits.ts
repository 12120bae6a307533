// Fills a broker's __consumer_offsets with many offset commits written straight
// through the log layer (no client requests), compacts it with the log
// cleaner, and measures how long a restarted broker takes to load its groups.
// Shared by bench/offsets-restart.ts (10 million commits) and the smaller
// version in test/durability/offsets-compaction.test.ts.

import { Writable } from 'node:stream';
import { pino } from 'pino';
import { type Broker, startBroker } from '../../src/broker.ts';
import {
  encodeOffsetsTopicRecord,
  partitionForGroup,
} from '../../src/group/offsets-topic-format.ts';
import { LogCleaner } from '../../src/log/log-cleaner.ts';
import { defaultLogConfig } from '../../src/log/log-config.ts';
import { PartitionLog } from '../../src/log/partition-log.ts';
import { FindCoordinator } from '../../src/protocol/apis/find-coordinator.ts';
import { OffsetFetch } from '../../src/protocol/apis/offset-fetch.ts';
import { ErrorCode } from '../../src/protocol/error-codes.ts';
import { buildRecordBatchSync } from '../../src/protocol/records.ts';
import { RawClient } from './raw-client.ts';

export const OFFSETS_TOPIC = '__consumer_offsets';
export const COMMITTED_TOPIC = 'orders';

export interface CommitPlan {
  readonly commits: number;
  readonly groups: number;
  /** Partitions of COMMITTED_TOPIC each group commits to, in turn. */
  readonly partitionsPerGroup: number;
  readonly offsetsPartitions: number;
  readonly segmentBytes: number;
  /** Records per batch appended. */
  readonly batchRecords: number;
}

export function groupId(g: number): string {
  return `group-${g}`;
}

/** Commit i: which group, which partition of COMMITTED_TOPIC, and the offset committed. */
export function commitAt(plan: CommitPlan, i: number) {
  const g = i % plan.groups;
  const round = Math.floor(i / plan.groups);
  return {
    group: groupId(g),
    partition: round % plan.partitionsPerGroup,
    offset: Math.floor(round / plan.partitionsPerGroup) * 10 + 7,
  };
}

/** The offset a group's last commit to `partition` holds. */
export function expectedOffset(plan: CommitPlan, g: number, partition: number): number | null {
  let last: number | null = null;
  const perRound = plan.groups;
  // The last commit round of this partition for this group.
  const rounds = Math.floor((plan.commits - 1 - g) / perRound) + 1;
  for (let round = rounds - 1; round >= 0; round--) {
    if (round % plan.partitionsPerGroup === partition) {
      last = Math.floor(round / plan.partitionsPerGroup) * 10 + 7;
      break;
    }
  }
  return last;
}

export interface StartedBroker {
  readonly broker: Broker;
  readonly bootstrap: string;
  /** Records the coordinator read, summed over the partitions it loaded. */
  readonly loadedRecords: () => number;
}

/** A broker on `dataDir` whose log lines are scanned for partition loads. */
export async function startOffsetsBroker(
  dataDir: string,
  config: Record<string, string>,
): Promise<StartedBroker> {
  let loaded = 0;
  const lines = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line.includes('loaded __consumer_offsets partition')) continue;
        try {
          loaded += (JSON.parse(line) as { records: number }).records;
        } catch {
          // not a whole JSON line
        }
      }
      done();
    },
  });
  const logger = pino({ level: 'info' }, lines);
  const broker = await startBroker({ dataDir, port: 0, host: '127.0.0.1', config, logger });
  return { broker, bootstrap: `127.0.0.1:${broker.port}`, loadedRecords: () => loaded };
}

/** Creates __consumer_offsets by asking for a coordinator until one answers. */
export async function createOffsetsTopic(bootstrap: string): Promise<void> {
  const client = await RawClient.connect(bootstrap);
  try {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const r = await client.send(FindCoordinator, 1, {
        key: 'creator',
        keyType: 0,
        coordinatorKeys: [],
      });
      if (r.errorCode === ErrorCode.NONE) return;
      if (Date.now() > deadline) throw new Error(`FindCoordinator: error ${r.errorCode}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    client.close();
  }
}

/**
 * Appends the plan's commits to the stopped broker's __consumer_offsets logs,
 * each partition's in commit order, `batchRecords` per batch. Returns bytes written.
 */
export async function writeCommits(dataDir: string, plan: CommitPlan): Promise<number> {
  const config = { ...defaultLogConfig, segmentBytes: plan.segmentBytes, retentionMs: -1 };
  const logs: PartitionLog[] = [];
  for (let p = 0; p < plan.offsetsPartitions; p++) {
    logs.push(
      await PartitionLog.open({
        dir: dataDir,
        topic: OFFSETS_TOPIC,
        partition: p,
        config,
        now: Date.now,
      }),
    );
  }
  const pendingBy: Array<Array<{ key: Buffer; value: Buffer | null }>> = logs.map(() => []);
  const partitionOf = new Map<string, number>();
  const now = Date.now();
  let bytes = 0;
  const flush = async (p: number) => {
    const records = pendingBy[p]!;
    if (records.length === 0) return;
    const batch = buildRecordBatchSync({ records, timestampMs: now });
    bytes += batch.length;
    pendingBy[p] = [];
    await logs[p]!.append(batch, { leaderEpoch: 0 });
  };
  for (let i = 0; i < plan.commits; i++) {
    const c = commitAt(plan, i);
    let p = partitionOf.get(c.group);
    if (p === undefined) {
      p = partitionForGroup(c.group, plan.offsetsPartitions);
      partitionOf.set(c.group, p);
    }
    const raw = encodeOffsetsTopicRecord({
      key: {
        type: 'offset-commit',
        group: c.group,
        topic: COMMITTED_TOPIC,
        partition: c.partition,
      },
      value: {
        offset: c.offset,
        leaderEpoch: -1,
        metadata: '',
        commitTimestamp: now,
        expireTimestamp: null,
      },
    });
    pendingBy[p]!.push({
      key: Buffer.from(raw.key),
      value: raw.value === null ? null : Buffer.from(raw.value),
    });
    if (pendingBy[p]!.length >= plan.batchRecords) await flush(p);
  }
  for (let p = 0; p < logs.length; p++) await flush(p);
  for (const log of logs) {
    log.setHighWatermark(log.logEndOffset);
    await log.close();
  }
  return bytes;
}

export interface CompactionRun {
  readonly bytesBefore: number;
  readonly bytesAfter: number;
  readonly bytesRead: number;
  readonly seconds: number;
}

/** Cleans every __consumer_offsets partition of a stopped broker with the log cleaner. */
export async function compactOffsets(
  dataDir: string,
  plan: CommitPlan,
  dedupeBufferBytes = 128 * 1024 * 1024,
): Promise<CompactionRun> {
  const config = { ...defaultLogConfig, segmentBytes: plan.segmentBytes, retentionMs: -1 };
  const compaction = {
    minCleanableDirtyRatio: 0.5,
    minCompactionLagMs: 0,
    maxCompactionLagMs: Number.MAX_SAFE_INTEGER,
    deleteRetentionMs: 86_400_000,
    maxMessageBytes: 64 * 1024 * 1024,
  };
  const quiet = { info() {}, warn() {}, debug() {} };
  let bytesBefore = 0;
  let bytesAfter = 0;
  let bytesRead = 0;
  const started = performance.now();
  for (let p = 0; p < plan.offsetsPartitions; p++) {
    const log = await PartitionLog.open({
      dir: dataDir,
      topic: OFFSETS_TOPIC,
      partition: p,
      config,
      now: Date.now,
    });
    const target = { log, config: compaction };
    const cleaner = new LogCleaner({
      settings: {
        enabled: true,
        dedupeBufferBytes,
        ioBufferBytes: 1024 * 1024,
        loadFactor: 0.9,
        ioMaxBytesPerSecond: Number.POSITIVE_INFINITY,
        backoffMs: 1000,
      },
      logs: () => [target],
      now: Date.now,
      logger: quiet,
    });
    bytesBefore += log.sizeBytes;
    // Until the dirty part is all mapped (a small dedupe buffer takes several passes).
    for (;;) {
      const outcome = await cleaner.cleanLog(target);
      if (outcome === null) break;
      bytesRead += outcome.result.stats.bytesRead;
      const active = log.segmentsForCleaning().at(-1)!;
      if (outcome.result.firstDirtyOffset >= active.baseOffset) break;
    }
    bytesAfter += log.sizeBytes;
    await cleaner.close();
    await log.close();
  }
  return { bytesBefore, bytesAfter, bytesRead, seconds: (performance.now() - started) / 1000 };
}

export interface LoadMeasurement {
  /** From startBroker() to its return. */
  readonly startSeconds: number;
  /** From startBroker() to every __consumer_offsets partition answering as loaded. */
  readonly loadedSeconds: number;
  readonly loadedRecords: number;
}

/** Starts the broker and waits until every offsets partition is loaded. */
export async function measureRestart(
  dataDir: string,
  plan: CommitPlan,
  config: Record<string, string>,
): Promise<{ started: StartedBroker; measurement: LoadMeasurement }> {
  const t0 = performance.now();
  const started = await startOffsetsBroker(dataDir, config);
  const t1 = performance.now();
  const probe = probeGroups(plan);
  const client = await RawClient.connect(started.bootstrap);
  try {
    const deadline = Date.now() + 600_000;
    for (const group of probe) {
      for (;;) {
        const r = await client.send(FindCoordinator, 1, {
          key: group,
          keyType: 0,
          coordinatorKeys: [],
        });
        if (r.errorCode === ErrorCode.NONE) break;
        if (Date.now() > deadline) throw new Error(`${group} never loaded: ${r.errorCode}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
  } finally {
    client.close();
  }
  const t2 = performance.now();
  return {
    started,
    measurement: {
      startSeconds: (t1 - t0) / 1000,
      loadedSeconds: (t2 - t0) / 1000,
      loadedRecords: started.loadedRecords(),
    },
  };
}

/** One group per __consumer_offsets partition that has any. */
function probeGroups(plan: CommitPlan): string[] {
  const byPartition = new Map<number, string>();
  for (let g = 0; g < plan.groups && byPartition.size < plan.offsetsPartitions; g++) {
    const p = partitionForGroup(groupId(g), plan.offsetsPartitions);
    if (!byPartition.has(p)) byPartition.set(p, groupId(g));
  }
  return [...byPartition.values()];
}

/** Checks the committed offsets of `sample` groups against the plan; returns mismatches. */
export async function checkCommitted(
  bootstrap: string,
  plan: CommitPlan,
  sample: readonly number[],
): Promise<string[]> {
  const client = await RawClient.connect(bootstrap);
  const wrong: string[] = [];
  try {
    for (const g of sample) {
      const partitionIndexes = Array.from({ length: plan.partitionsPerGroup }, (_, i) => i);
      const r = await client.send(OffsetFetch, 1, {
        groupId: groupId(g),
        topics: [{ name: COMMITTED_TOPIC, partitionIndexes }],
        groups: [],
        requireStable: false,
      });
      for (const p of r.topics[0]?.partitions ?? []) {
        const want = expectedOffset(plan, g, p.partitionIndex) ?? -1;
        if (p.committedOffset !== want) {
          wrong.push(
            `${groupId(g)} ${COMMITTED_TOPIC}-${p.partitionIndex}: ${p.committedOffset} != ${want}`,
          );
        }
      }
    }
  } finally {
    client.close();
  }
  return wrong;
}
