// How fast a Gregor broker is usable and how much memory it holds: the time from
// spawning `node bin/gregor server` on an empty data directory to the first
// acknowledged produce (a raw client retries connect, CreateTopics and Produce until
// one succeeds, so nothing waits on a log line), and its resident memory once idle.

import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { freePort } from '../../src/cli/loopback-ports.ts';
import { CreateTopics } from '../../src/protocol/apis/create-topics.ts';
import { Produce } from '../../src/protocol/apis/produce.ts';
import { ErrorCode } from '../../src/protocol/error-codes.ts';
import { buildRecordBatchSync } from '../../src/protocol/records.ts';
import { RawClient } from '../../test/harness/raw-client.ts';
import { medianBy } from '../lib/figures.ts';
import { rssMegabytesOf } from '../lib/processes.ts';
import { spawnGregor } from './broker.ts';
import { BENCH_BROKER_OVERRIDES } from './single.ts';

const TOPIC = 'first';
const POLL_MS = 5;
const GIVE_UP_MS = 30_000;
/** How long the broker sits without clients before its idle memory is read. */
const IDLE_SETTLE_MS = 2_000;

export interface StartUpFigures {
  readonly startToFirstProduceMs: number;
  readonly idleRssMegabytes: number | null;
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function connectWhenListening(bootstrap: string, deadline: number): Promise<RawClient> {
  for (;;) {
    try {
      return await RawClient.connect(bootstrap);
    } catch (err) {
      if (performance.now() > deadline) throw err;
      await delay(POLL_MS);
    }
  }
}

/** One Produce of one small record, acks=1; true once the broker acknowledged it. */
async function produceOnce(client: RawClient): Promise<boolean> {
  const records = buildRecordBatchSync({ records: [{ key: null, value: Buffer.from('hello') }] });
  const response = await client.send(Produce, 7, {
    transactionalId: null,
    acks: 1,
    timeoutMs: 5_000,
    topicData: [{ name: TOPIC, partitionData: [{ index: 0, records }] }],
  });
  return response.responses[0]?.partitionResponses[0]?.errorCode === ErrorCode.NONE;
}

/** Connect, create the topic, produce: each retried until it works or the deadline passes. */
async function firstProduce(bootstrap: string, deadline: number): Promise<void> {
  const client = await connectWhenListening(bootstrap, deadline);
  try {
    for (;;) {
      const created = await client.send(CreateTopics, 5, {
        topics: [
          { name: TOPIC, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] },
        ],
        timeoutMs: 5_000,
        validateOnly: false,
      });
      const code = created.topics[0]?.errorCode;
      if (code === ErrorCode.NONE || code === ErrorCode.TOPIC_ALREADY_EXISTS) break;
      if (performance.now() > deadline) throw new Error(`CreateTopics: error code ${code}`);
      await delay(POLL_MS);
    }
    while (!(await produceOnce(client))) {
      if (performance.now() > deadline) throw new Error('no produce acknowledged in time');
      await delay(POLL_MS);
    }
  } finally {
    client.close();
  }
}

async function oneStart(workDir: string): Promise<StartUpFigures> {
  const dataDir = join(workDir, 'gregor-start');
  await rm(dataDir, { recursive: true, force: true });
  await mkdir(dataDir, { recursive: true });
  const port = await freePort();
  const started = performance.now();
  const broker = spawnGregor({ dataDir, fresh: false, port, overrides: BENCH_BROKER_OVERRIDES });
  try {
    await firstProduce(broker.bootstrap, started + GIVE_UP_MS);
    const startToFirstProduceMs = performance.now() - started;
    await delay(IDLE_SETTLE_MS);
    return { startToFirstProduceMs, idleRssMegabytes: rssMegabytesOf(broker.pid()) };
  } catch (err) {
    throw new Error(`start-up: ${(err as Error).message}\n${broker.recentOutput()}`);
  } finally {
    await broker.stop();
  }
}

/** The median of `runs` starts (by start-to-first-produce), with its idle RSS. */
export async function measureStartUp(workDir: string, runs: number): Promise<StartUpFigures> {
  const results: StartUpFigures[] = [];
  for (let i = 0; i < runs; i++) results.push(await oneStart(workDir));
  return medianBy(results, (r) => r.startToFirstProduceMs);
}
