// Named limits come from their Kafka keys, and contradictory limits stop start-up with a
// message naming the keys.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type BrokerConfig, buildBrokerConfig } from './broker-config.ts';
import { ConfigError } from './config-error.ts';
import { deriveLimits, FIXED_LIMITS } from './limits.ts';

function broker(overrides: Record<string, string> = {}): BrokerConfig {
  return buildBrokerConfig({ env: {}, overrides, hostname: 'h' });
}

function expectConflict(overrides: Record<string, string>, key: string): void {
  assert.throws(
    () => deriveLimits(broker(overrides)),
    (error: unknown) =>
      error instanceof ConfigError &&
      error.code === 'GREGOR_ERR_CONFIG_CONFLICT' &&
      error.key === key &&
      error.message.includes(key),
  );
}

describe('deriveLimits', () => {
  it('takes each limit from its Kafka key', () => {
    const { limits, warnings } = deriveLimits(
      broker({
        'socket.request.max.bytes': '2000000',
        'message.max.bytes': '1000000',
        'fetch.max.bytes': '3000000',
        'group.max.size': '7',
        'queued.max.requests': '9',
        'max.connections': '11',
      }),
    );
    assert.equal(limits.requestSizeBytesMax, 2000000);
    assert.equal(limits.batchSizeBytesMax, 1000000);
    assert.equal(limits.fetchResponseSizeBytesMax, 3000000);
    assert.equal(limits.groupMembersMax, 7);
    assert.equal(limits.queuedRequestsMax, 9);
    assert.equal(limits.connectionsMax, 11);
    assert.equal(limits.requestSizeBytesMaxBeforeAuth, 524288);
    assert.equal(
      limits.inflightRequestsPerConnectionMax,
      FIXED_LIMITS.inflightRequestsPerConnectionMax,
    );
    assert.equal(limits.fetchWaitMsMax, FIXED_LIMITS.fetchWaitMsMax);
    assert.deepEqual(warnings, []);
  });

  it('caps the pre-authentication frame limit at the request limit', () => {
    const { limits, warnings } = deriveLimits(
      broker({ 'socket.request.max.bytes': '100000', 'message.max.bytes': '1000' }),
    );
    assert.equal(limits.requestSizeBytesMaxBeforeAuth, 100000);
    assert.equal(warnings.length, 1);
  });

  it('rejects message.max.bytes above socket.request.max.bytes', () => {
    expectConflict(
      { 'message.max.bytes': '2000', 'socket.request.max.bytes': '1999' },
      'message.max.bytes',
    );
  });

  it('accepts message.max.bytes equal to socket.request.max.bytes', () => {
    const { limits } = deriveLimits(
      broker({ 'message.max.bytes': '2000', 'socket.request.max.bytes': '2000' }),
    );
    assert.equal(limits.batchSizeBytesMax, 2000);
  });

  it('warns when message.max.bytes exceeds log.segment.bytes', () => {
    const { warnings } = deriveLimits(
      broker({ 'message.max.bytes': '2000000', 'log.segment.bytes': '1048576' }),
    );
    assert.equal(warnings.length, 1);
    assert.ok(warnings[0]?.includes('log.segment.bytes'));
  });

  it('warns when min.insync.replicas exceeds default.replication.factor', () => {
    const { warnings } = deriveLimits(broker({ 'min.insync.replicas': '2' }));
    assert.ok(warnings.some((w) => w.includes('min.insync.replicas')));
  });

  it('rejects replica fetch waits longer than the lag time or the socket timeout', () => {
    expectConflict(
      { 'replica.fetch.wait.max.ms': '40000', 'replica.socket.timeout.ms': '50000' },
      'replica.fetch.wait.max.ms',
    );
    expectConflict({ 'replica.fetch.wait.max.ms': '30000' }, 'replica.fetch.wait.max.ms');
  });

  it('bounds queued request bytes at 256 MiB by default, unbounded at 0 or -1 as in Kafka', () => {
    assert.equal(deriveLimits(broker()).limits.queuedRequestBytesMax, 256 * 1024 * 1024);
    assert.equal(
      deriveLimits(broker({ 'queued.max.request.bytes': '-1' })).limits.queuedRequestBytesMax,
      null,
    );
    assert.equal(
      deriveLimits(broker({ 'queued.max.request.bytes': '0' })).limits.queuedRequestBytesMax,
      null,
    );
  });

  it('rejects queued.max.request.bytes below socket.request.max.bytes', () => {
    expectConflict(
      { 'queued.max.request.bytes': '1000000', 'socket.request.max.bytes': '2000000' },
      'queued.max.request.bytes',
    );
  });

  it('takes the idle limit and the fetch session slots from their keys; -1 never closes', () => {
    const { limits } = deriveLimits(
      broker({
        'connections.max.idle.ms': '1500',
        'max.incremental.fetch.session.cache.slots': '3',
      }),
    );
    assert.equal(limits.connectionIdleMsMax, 1500);
    assert.equal(limits.fetchSessionsMax, 3);
    assert.equal(
      deriveLimits(broker({ 'connections.max.idle.ms': '-1' })).limits.connectionIdleMsMax,
      null,
    );
  });

  it('rejects crossed group session timeouts and a heartbeat slower than the session', () => {
    expectConflict({ 'group.min.session.timeout.ms': '2000000' }, 'group.min.session.timeout.ms');
    expectConflict({ 'broker.heartbeat.interval.ms': '9000' }, 'broker.heartbeat.interval.ms');
  });
});
