// connections.max.idle.ms (issue 12): a live broker closes a connection that has sent and
// received nothing for that long, keeps one that is busy, and keeps one still owed an
// answer (a long-polling Fetch that waits longer than the idle limit).

import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { RequestOf } from '../../src/api/handler.ts';
import { ApiVersions } from '../../src/protocol/apis/api-versions.ts';
import { Fetch } from '../../src/protocol/apis/fetch.ts';
import { ErrorCode } from '../../src/protocol/error-codes.ts';
import { ZERO_UUID } from '../../src/protocol/schema.ts';
import { startTestBroker, type TestBroker, uniqueTopic } from '../harness/broker.ts';
import { run } from '../harness/processes.ts';
import { RawClient } from '../harness/raw-client.ts';

const IDLE_MS = 1000;

function openSocket(bootstrap: string): Promise<Socket> {
  const colon = bootstrap.lastIndexOf(':');
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: bootstrap.slice(0, colon),
      port: Number(bootstrap.slice(colon + 1)),
    });
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Milliseconds until the broker closes `socket`, or null if it is open after `waitMs`. */
function closedWithin(socket: Socket, waitMs: number): Promise<number | null> {
  const started = Date.now();
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), waitMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(Date.now() - started);
    });
  });
}

describe('connections.max.idle.ms', () => {
  let b: TestBroker;
  const topic = uniqueTopic('idle');

  before(async () => {
    b = await startTestBroker({ 'connections.max.idle.ms': String(IDLE_MS) });
    const p = await run('kcat', ['-b', b.bootstrap, '-P', '-t', topic], { input: 'x\n' });
    assert.equal(p.code, 0, p.stderr);
  });

  after(async () => {
    await b.stop();
  });

  it('closes a connection that says nothing, once it has been idle for the limit', async () => {
    const socket = await openSocket(b.bootstrap);
    socket.on('error', () => undefined);
    const ms = await closedWithin(socket, 30_000);
    assert.notEqual(ms, null, 'closed by the broker');
    assert.ok(ms! >= IDLE_MS - 50, `not before the limit (closed after ${ms} ms)`);
  });

  it('keeps a connection that keeps talking for several times the limit', async () => {
    const raw = await RawClient.connect(b.bootstrap);
    const started = Date.now();
    try {
      // Every request succeeding proves the connection stayed open.
      while (Date.now() - started < 3 * IDLE_MS) {
        const r = await raw.send(ApiVersions, 3, {
          clientSoftwareName: 'idle-test',
          clientSoftwareVersion: '1',
        } as RequestOf<typeof ApiVersions>);
        assert.equal(r.errorCode, ErrorCode.NONE);
        await new Promise((resolve) => setTimeout(resolve, IDLE_MS / 4));
      }
    } finally {
      raw.close();
    }
  });

  it('keeps a connection whose long-polling Fetch waits past the limit', async () => {
    const raw = await RawClient.connect(b.bootstrap);
    try {
      const started = Date.now();
      const waitMs = 3 * IDLE_MS;
      const r = await raw.send(Fetch, 12, {
        clusterId: null,
        replicaId: -1,
        replicaState: null,
        maxWaitMs: waitMs,
        minBytes: 1 << 20,
        maxBytes: 1 << 20,
        isolationLevel: 0,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [
          {
            topic,
            topicId: ZERO_UUID,
            partitions: [
              {
                partition: 0,
                currentLeaderEpoch: -1,
                fetchOffset: 1,
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
      } as unknown as RequestOf<typeof Fetch>);
      assert.equal(r.errorCode, ErrorCode.NONE);
      assert.ok(Date.now() - started >= waitMs - 100, 'the fetch waited its full time');
    } finally {
      raw.close();
    }
  });
});
