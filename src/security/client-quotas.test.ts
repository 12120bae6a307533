// Client quotas as Kafka computes them: the windowed rate, the throttle time
// that brings the rate back to the quota, which entity's quota applies to a
// (user, client id) pair and how usage is shared, the DescribeClientQuotas
// filter, and Kafka's validation of quota values. Time is simulated.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { QuotaEntityPart } from '../metadata/key-layout.ts';
import { ClientQuotaConfig, QuotaFilterError, quotaValueProblem } from './client-quota-config.ts';
import { ClientQuotaManager } from './client-quota-manager.ts';
import { SampledRate } from './sampled-rate.ts';

const WINDOW = { samples: 11, sampleMs: 1000 };
const user = (name: string | null): QuotaEntityPart => ({ type: 'user', name });
const client = (name: string | null): QuotaEntityPart => ({ type: 'client-id', name });

describe('SampledRate', () => {
  test('a burst after idling is measured over the full window (samples - 1 windows)', () => {
    const r = new SampledRate(WINDOW);
    r.record(10_000, 0);
    assert.equal(r.windowMs(0), 10_000);
    assert.equal(r.perSecond(0), 1000);
  });

  test('steady traffic measures its own rate once the window has filled', () => {
    const r = new SampledRate(WINDOW);
    for (let t = 0; t < 30_000; t += 100) r.record(100, t);
    assert.ok(Math.abs(r.perSecond(29_999) - 1000) < 50, String(r.perSecond(29_999)));
  });

  test('samples older than the whole window are forgotten', () => {
    const r = new SampledRate(WINDOW);
    r.record(1_000_000, 0);
    assert.equal(r.perSecond(11_000), 0);
  });
});

describe('ClientQuotaManager', () => {
  test('a burst of the whole window is free; beyond it the throttle is the deficit at the quota', () => {
    const config = new ClientQuotaConfig();
    config.applyStored([user('alice')], { producer_byte_rate: 1000 });
    const m = new ClientQuotaManager(config, WINDOW);
    // 11 samples of 1 s at 1000 B/s: an 11,000-byte burst.
    assert.equal(m.record('producer_byte_rate', 'alice', 'c', 10_000, 0), 0);
    // 9000 bytes over: 9 s at 1000 B/s to earn them back.
    assert.equal(m.record('producer_byte_rate', 'alice', 'c', 10_000, 0), 9000);
    // After those 9 s the balance is 0: 500 bytes more is half a second.
    assert.equal(m.record('producer_byte_rate', 'alice', 'c', 500, 9000), 500);
    // Another user has no quota.
    assert.equal(m.record('producer_byte_rate', 'bob', 'c', 1e9, 0), 0);
  });

  test('a client that sends without pause is held at the quota over any 30 s', () => {
    const config = new ClientQuotaConfig();
    config.applyStored([client('c')], { producer_byte_rate: 1_000_000 });
    const m = new ClientQuotaManager(config, WINDOW);
    let t = 0;
    let counted = 0;
    while (t < 60_000) {
      const throttleMs = m.record('producer_byte_rate', 'u', 'c', 50_000, t);
      if (t >= 20_000 && t < 50_000) counted += 50_000;
      t += throttleMs + 5;
    }
    assert.ok(Math.abs(counted / 30 - 1_000_000) < 20_000, String(counted / 30));
  });

  test('a throttled fetch takes its bytes back', () => {
    const config = new ClientQuotaConfig();
    config.applyStored([client('c')], { consumer_byte_rate: 1000 });
    const m = new ClientQuotaManager(config, WINDOW);
    assert.ok(m.record('consumer_byte_rate', 'u', 'c', 20_000, 0) > 0);
    m.unrecord('consumer_byte_rate', 'u', 'c', 20_000, 0);
    assert.equal(m.record('consumer_byte_rate', 'u', 'c', 5000, 0), 0);
    assert.equal(m.maxValueInWindow('consumer_byte_rate', 'u', 'c'), 10_000);
    assert.equal(m.maxValueInWindow('consumer_byte_rate', 'u', 'other'), Number.POSITIVE_INFINITY);
  });

  test('nothing is recorded or tracked while no quota of the type exists', () => {
    const m = new ClientQuotaManager(new ClientQuotaConfig(), WINDOW);
    assert.equal(m.record('producer_byte_rate', 'u', 'c', 1e12, 0), 0);
    assert.deepEqual(m.usage(0), []);
  });
});

describe('ClientQuotaConfig', () => {
  test("Kafka's precedence: user+client, user+default client, user, default user+client, ..., default client", () => {
    const c = new ClientQuotaConfig();
    const q = (u: string, id: string) =>
      c.limit('producer_byte_rate', c.tags('producer_byte_rate', u, id));
    c.applyStored([client(null)], { producer_byte_rate: 8 });
    assert.equal(q('alice', 'c1'), 8);
    c.applyStored([client('c1')], { producer_byte_rate: 7 });
    assert.equal(q('alice', 'c1'), 7);
    c.applyStored([user(null)], { producer_byte_rate: 6 });
    assert.equal(q('alice', 'c1'), 6);
    c.applyStored([user(null), client(null)], { producer_byte_rate: 5 });
    assert.equal(q('alice', 'c1'), 5);
    c.applyStored([user(null), client('c1')], { producer_byte_rate: 4 });
    assert.equal(q('alice', 'c1'), 4);
    c.applyStored([user('alice')], { producer_byte_rate: 3 });
    assert.equal(q('alice', 'c1'), 3);
    c.applyStored([user('alice'), client(null)], { producer_byte_rate: 2 });
    assert.equal(q('alice', 'c1'), 2);
    c.applyStored([user('alice'), client('c1')], { producer_byte_rate: 1 });
    assert.equal(q('alice', 'c1'), 1);
    // Each quota type is resolved on its own.
    assert.equal(q('bob', 'c2'), 5);
    assert.equal(c.limit('consumer_byte_rate', c.tags('consumer_byte_rate', 'alice', 'c1')), null);
  });

  test("a per-user quota is shared by all of that user's clients; a per-client one by all users of the id", () => {
    const c = new ClientQuotaConfig();
    c.applyStored([user('alice')], { producer_byte_rate: 1 });
    assert.deepEqual(c.tags('producer_byte_rate', 'alice', 'x'), { user: 'alice', clientId: '' });
    c.applyStored([client('shared')], { consumer_byte_rate: 1 });
    assert.deepEqual(c.tags('consumer_byte_rate', 'bob', 'shared'), {
      user: '',
      clientId: 'shared',
    });
  });

  test('describe: exact, default and any-of-type components, strict', () => {
    const c = new ClientQuotaConfig();
    c.applyStored([user('alice')], { producer_byte_rate: 1 });
    c.applyStored([user('alice'), client('c1')], { consumer_byte_rate: 2 });
    c.applyStored([user(null)], { request_percentage: 50 });
    c.applyStored([client('c1')], { producer_byte_rate: 3 });
    const names = (e: ReturnType<ClientQuotaConfig['describe']>) =>
      e.map((x) => x.entity.map((p) => `${p.type}=${p.name ?? '<default>'}`).join(',')).sort();
    assert.deepEqual(
      names(c.describe([{ entityType: 'user', matchType: 0, match: 'alice' }], false)),
      ['user=alice', 'user=alice,client-id=c1'],
    );
    assert.deepEqual(
      names(c.describe([{ entityType: 'user', matchType: 0, match: 'alice' }], true)),
      ['user=alice'],
    );
    assert.deepEqual(
      names(c.describe([{ entityType: 'user', matchType: 1, match: null }], false)),
      ['user=<default>'],
    );
    assert.deepEqual(
      names(c.describe([{ entityType: 'client-id', matchType: 2, match: null }], true)),
      ['client-id=c1'],
    );
    assert.throws(
      () => c.describe([{ entityType: 'user', matchType: 0, match: null }], false),
      QuotaFilterError,
    );
    assert.throws(
      () => c.describe([{ entityType: 'group', matchType: 2, match: null }], false),
      /Unsupported entity type/,
    );
    c.applyStored([user('alice')], null);
    assert.deepEqual(names(c.describe([], false)), [
      'client-id=c1',
      'user=<default>',
      'user=alice,client-id=c1',
    ]);
  });

  test('quota values are validated as Kafka does', () => {
    assert.equal(quotaValueProblem('producer_byte_rate', 1024), null);
    assert.match(
      quotaValueProblem('producer_byte_rate', 10.5) ?? '',
      /cannot be a fractional value/,
    );
    assert.match(quotaValueProblem('consumer_byte_rate', 0) ?? '', /must be greater than 0/);
    assert.equal(quotaValueProblem('request_percentage', 12.5), null);
    assert.match(quotaValueProblem('fetch_rate', 1) ?? '', /Invalid configuration key fetch_rate/);
  });
});
