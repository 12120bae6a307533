// The incremental fetch session cache is bounded by max.incremental.fetch.session.cache.slots:
// when full, a new session is not created (the fetch goes on sessionless, session id 0, as
// Kafka's FetchSessionCache answers), until a slot is freed or a session idles past the
// eviction time.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode } from '../protocol/error-codes.ts';
import { FetchSessionCache, FINAL_EPOCH, INITIAL_EPOCH } from './fetch-session-cache.ts';

const EVICTION_MS = 120_000;

function open(cache: FetchSessionCache, nowMs: number): number | null {
  const r = cache.lookup(0, INITIAL_EPOCH, nowMs);
  assert.equal(r.kind, 'new');
  return r.kind === 'new' ? (r.session?.id ?? null) : null;
}

describe('FetchSessionCache', () => {
  it('creates no more sessions than its slots, and again once one is closed', () => {
    const cache = new FetchSessionCache(2, EVICTION_MS);
    const a = open(cache, 0);
    const b = open(cache, 1);
    assert.notEqual(a, null);
    assert.notEqual(b, null);
    assert.equal(open(cache, 2), null, 'full: sessionless');
    assert.equal(cache.size, 2);
    assert.equal(cache.lookup(a!, FINAL_EPOCH, 3).kind, 'sessionless');
    assert.notEqual(open(cache, 4), null, 'the closed session freed its slot');
  });

  it('keeps no session at all with zero slots', () => {
    const cache = new FetchSessionCache(0, EVICTION_MS);
    assert.equal(open(cache, 0), null);
    assert.equal(cache.size, 0);
  });

  it('evicts a session idle past the eviction time to make room, not one in use', () => {
    const cache = new FetchSessionCache(1, EVICTION_MS);
    const a = open(cache, 0)!;
    assert.equal(cache.lookup(a, 1, EVICTION_MS - 1).kind, 'incremental');
    assert.equal(open(cache, EVICTION_MS + 1), null, 'used recently: kept');
    assert.notEqual(open(cache, 2 * EVICTION_MS), null, 'idle too long: replaced');
    const lookup = cache.lookup(a, 2, 2 * EVICTION_MS);
    assert.deepEqual(lookup, { kind: 'error', errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND });
  });
});
