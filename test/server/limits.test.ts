// Configured limits are enforced by a live broker (issue 11): contradicting limits stop
// start-up with GREGOR_ERR_CONFIG_CONFLICT naming the key, and
// max.incremental.fetch.session.cache.slots bounds the fetch sessions a broker keeps: once
// full, a fetch asking for a new session is answered in full with session id 0 (sessionless),
// as Kafka's FetchSessionCache does.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RequestOf } from '../../src/api/handler.ts';
import { freePorts } from '../../src/cli/loopback-ports.ts';
import { ConfigError } from '../../src/config/config-error.ts';
import { startBroker } from '../../src/index.ts';
import { Fetch } from '../../src/protocol/apis/fetch.ts';
import { ErrorCode } from '../../src/protocol/error-codes.ts';
import { ZERO_UUID } from '../../src/protocol/schema.ts';
import { silentLogger } from '../../src/util/logger.ts';
import { startTestBroker, type TestBroker, uniqueTopic } from '../harness/broker.ts';
import { spawnBroker } from '../harness/broker-process.ts';
import { run } from '../harness/processes.ts';
import { RawClient } from '../harness/raw-client.ts';

const SLOTS = 2;

describe('contradicting limits', () => {
  for (const [key, config] of [
    [
      'message.max.bytes',
      { 'message.max.bytes': '2000000', 'socket.request.max.bytes': '1000000' },
    ],
    [
      'group.min.session.timeout.ms',
      { 'group.min.session.timeout.ms': '60000', 'group.max.session.timeout.ms': '30000' },
    ],
  ] as const) {
    it(`stop start-up naming ${key}`, async () => {
      const dir = await mkdtemp(join(tmpdir(), 'gregor-limits-'));
      try {
        await assert.rejects(
          startBroker({ dataDir: dir, port: 0, logger: silentLogger(), config }),
          (err: unknown) =>
            err instanceof ConfigError &&
            err.code === 'GREGOR_ERR_CONFIG_CONFLICT' &&
            err.key === key &&
            err.message.includes(key),
        );
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  }

  it('make `gregor server` exit with code 2 and the code and key on one line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gregor-limits-'));
    const [port] = (await freePorts(1)) as [number];
    try {
      await assert.rejects(
        spawnBroker({
          dataDir: dir,
          port,
          overrides: { 'message.max.bytes': '2000000', 'socket.request.max.bytes': '1000000' },
        }),
        (err: unknown) =>
          err instanceof Error &&
          err.message.includes('exited with 2') &&
          /GREGOR_ERR_CONFIG_CONFLICT: message\.max\.bytes \(2000000\)/.test(err.message),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('max.incremental.fetch.session.cache.slots', () => {
  let b: TestBroker;
  const topic = uniqueTopic('sessions');

  before(async () => {
    b = await startTestBroker({ 'max.incremental.fetch.session.cache.slots': String(SLOTS) });
    const p = await run('kcat', ['-b', b.bootstrap, '-P', '-t', topic], { input: 'one\n' });
    assert.equal(p.code, 0, p.stderr);
  });

  after(async () => {
    await b.stop();
  });

  /** A consumer Fetch v12 of partition 0 from offset 0 that asks for a new session. */
  function newSessionFetch(): RequestOf<typeof Fetch> {
    return {
      clusterId: null,
      replicaId: -1,
      replicaState: null,
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1 << 20,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: 0,
      topics: [
        {
          topic,
          topicId: ZERO_UUID,
          partitions: [
            {
              partition: 0,
              currentLeaderEpoch: -1,
              fetchOffset: 0,
              lastFetchedEpoch: -1,
              logStartOffset: -1,
              partitionMaxBytes: 1 << 20,
              replicaDirectoryId: ZERO_UUID,
            },
          ],
        },
      ],
      forgottenTopicsData: [],
      rackId: '',
    } as unknown as RequestOf<typeof Fetch>;
  }

  it('creates sessions up to the slots, then answers sessionless fetches in full', async () => {
    const raw = await RawClient.connect(b.bootstrap);
    try {
      const ids: number[] = [];
      for (let i = 0; i < SLOTS + 2; i++) {
        const r = await raw.send(Fetch, 12, newSessionFetch());
        assert.equal(r.errorCode, ErrorCode.NONE);
        const partition = r.responses[0]?.partitions[0];
        assert.equal(partition?.errorCode, ErrorCode.NONE);
        assert.ok((partition?.records?.length ?? 0) > 0, 'a full answer, with the record');
        ids.push(r.sessionId);
      }
      const created = ids.slice(0, SLOTS);
      assert.ok(
        created.every((id) => id > 0),
        `the first ${SLOTS} get sessions: ${ids}`,
      );
      assert.equal(new Set(created).size, SLOTS);
      assert.deepEqual(ids.slice(SLOTS), [0, 0], 'then no new session: id 0');
    } finally {
      raw.close();
    }
  });
});
