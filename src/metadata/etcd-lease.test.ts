// The keepalive schedule of an etcd lease, against a stand-in for etcd3's lease
// client whose answers are delayed at will (a real etcd cannot be made to answer
// one keepalive late on demand). The real-etcd behaviour is in etcd-store.test.ts.

import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import type { LeaseClient } from 'etcd3';
import { EtcdLease } from './etcd-lease.ts';
import type { LeaseId } from './meta-store.ts';

interface FakeEtcd {
  readonly client: LeaseClient;
  /** performance.now() of each keepalive written. */
  readonly sentAt: number[];
}

/** Answers keepalive number i (from 0) after delays[i] ms (the last delay repeats). */
function fakeEtcd(delaysMs: readonly number[], ttlSeconds: number): FakeEtcd {
  const sentAt: number[] = [];
  const leaseKeepAlive = async (): Promise<EventEmitter> => {
    const stream = Object.assign(new EventEmitter(), {
      write(): void {
        const i = sentAt.length;
        sentAt.push(performance.now());
        const delay = delaysMs[Math.min(i, delaysMs.length - 1)] ?? 0;
        setTimeout(() => stream.emit('data', { TTL: String(ttlSeconds) }), delay).unref();
      },
      end(): void {},
      cancel(): void {},
    });
    return stream;
  };
  const client = { leaseKeepAlive, leaseRevoke: async () => ({}) } as unknown as LeaseClient;
  return { client, sentAt };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

test('keepalives go out on a fixed schedule: a slow answer does not push the next one back', async () => {
  // TTL 1.2 s: a keepalive every 200 ms. The first answer takes 700 ms.
  const etcd = fakeEtcd([700, 5], 1);
  const start = performance.now();
  const lease = new EtcdLease({
    client: etcd.client,
    id: '1' as LeaseId,
    ttlMs: 1200,
    grantSentAtMs: start,
    requestTimeoutMs: 5000,
    onEnd: () => undefined,
  });
  await sleep(650);
  // Sent at about 200, 400 and 600 ms although the first is still unanswered.
  assert.ok(etcd.sentAt.length >= 3, `keepalives sent by 650 ms: ${etcd.sentAt.length}`);
  const gap = (etcd.sentAt[1] ?? Number.NaN) - (etcd.sentAt[0] ?? Number.NaN);
  assert.ok(gap < 400, `second keepalive ${Math.round(gap)} ms after the first`);
  // The second keepalive's quick answer already confirmed the lease from its send time.
  assert.ok(
    lease.confirmedUntilMs() >= (etcd.sentAt[1] ?? Number.POSITIVE_INFINITY) + 1000,
    'confirmed from the second keepalive',
  );
  assert.ok(lease.isAlive());
  lease.close();
});

test('keepalives in flight are bounded while etcd does not answer, and the lease ends at its deadline', async () => {
  const etcd = fakeEtcd([60_000], 1);
  let ended = false;
  const lease = new EtcdLease({
    client: etcd.client,
    id: '2' as LeaseId,
    ttlMs: 600,
    grantSentAtMs: performance.now(),
    requestTimeoutMs: 60_000,
    onEnd: () => {
      ended = true;
    },
  });
  const loss = await lease.lost;
  assert.equal(loss.reason, 'expired');
  assert.ok(ended);
  assert.ok(etcd.sentAt.length <= 4, `keepalives in flight: ${etcd.sentAt.length}`);
});
