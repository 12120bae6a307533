// AlterUserScramCredentials and DescribeUserScramCredentials against an in-memory store:
// what is stored (keys, never the salted password), Kafka's per-user errors, and that a
// stored credential holds the keys RFC 5802 derives from the salted password.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alterUserScramCredentialsHandler } from '../../src/api/alter-user-scram-credentials.ts';
import { describeUserScramCredentialsHandler } from '../../src/api/describe-user-scram-credentials.ts';
import type { RequestContext } from '../../src/api/handler.ts';
import { EmbeddedMetaStore } from '../../src/metadata/embedded-store.ts';
import { KeyLayout } from '../../src/metadata/key-layout.ts';
import { ErrorCode } from '../../src/protocol/error-codes.ts';
import {
  clientKeyOf,
  hash,
  saltedPassword,
  serverKeyOf,
} from '../../src/protocol/sasl/scram-crypto.ts';
import { ScramCredentialStore } from '../../src/security/scram-credential-store.ts';

const ctx = {} as RequestContext;

function setup() {
  const store = EmbeddedMetaStore.inMemory();
  const keys = new KeyLayout('c1');
  const credentials = new ScramCredentialStore(store, keys);
  return {
    store,
    keys,
    credentials,
    alter: alterUserScramCredentialsHandler(credentials),
    describe: describeUserScramCredentialsHandler(credentials),
  };
}

function upsert(name: string, mechanism: number, password: string, iterations = 4096) {
  const salt = Buffer.from(`salt-of-${name}`);
  const m = mechanism === 1 ? 'SCRAM-SHA-256' : 'SCRAM-SHA-512';
  return {
    name,
    mechanism,
    iterations,
    salt,
    saltedPassword: saltedPassword(m, password, salt, iterations),
  };
}

describe('SCRAM credential APIs', () => {
  it('stores StoredKey and ServerKey, not the salted password', async () => {
    const t = setup();
    const up = upsert('alice', 1, 'alice-pw', 8192);
    const r = await t.alter.handle({ deletions: [], upsertions: [up] }, ctx);
    assert.deepEqual(r?.results, [{ user: 'alice', errorCode: 0, errorMessage: null }]);
    const stored = await t.store.get(t.keys.scramCredential('alice', 'SCRAM-SHA-256'));
    assert.ok(stored !== null);
    assert.doesNotMatch(
      stored.value,
      new RegExp(up.saltedPassword.toString('base64').replace(/[+/=]/g, '.')),
    );
    assert.doesNotMatch(stored.value, /alice-pw/);

    const stored256 = await t.credentials.get('alice', 'SCRAM-SHA-256');
    const salted = saltedPassword('SCRAM-SHA-256', 'alice-pw', up.salt, 8192);
    assert.deepEqual(stored256, {
      salt: up.salt,
      iterations: 8192,
      storedKey: hash('SCRAM-SHA-256', clientKeyOf('SCRAM-SHA-256', salted)),
      serverKey: serverKeyOf('SCRAM-SHA-256', salted),
    });
  });

  it('describes all users or the named ones, with Kafka errors', async () => {
    const t = setup();
    await t.alter.handle(
      {
        deletions: [],
        upsertions: [upsert('b', 2, 'x'), upsert('a', 1, 'y'), upsert('a', 2, 'z')],
      },
      ctx,
    );
    const all = await t.describe.handle({ users: null }, ctx);
    assert.deepEqual(
      all?.results.map((r) => [r.user, r.credentialInfos.map((c) => c.mechanism)]),
      [
        ['a', [1, 2]],
        ['b', [2]],
      ],
    );
    const named = await t.describe.handle(
      { users: [{ name: 'b' }, { name: 'nobody' }, { name: 'a' }, { name: 'a' }] },
      ctx,
    );
    assert.deepEqual(
      named?.results.map((r) => [r.user, r.errorCode]),
      [
        ['b', 0],
        ['nobody', ErrorCode.RESOURCE_NOT_FOUND],
        ['a', ErrorCode.DUPLICATE_RESOURCE],
      ],
    );
  });

  it('refuses bad changes per user and applies the others', async () => {
    const t = setup();
    const r = await t.alter.handle(
      {
        deletions: [{ name: 'ghost', mechanism: 1 }],
        upsertions: [
          upsert('few', 1, 'p', 1000),
          upsert('many', 1, 'p', 20000),
          { ...upsert('mech', 1, 'p'), mechanism: 9 },
          upsert('twice', 1, 'p'),
          upsert('twice', 1, 'q'),
          upsert('', 1, 'p'),
          upsert('ok', 2, 'p'),
        ],
      },
      ctx,
    );
    assert.deepEqual(
      r?.results.map((x) => [x.user, x.errorCode]),
      [
        ['ghost', ErrorCode.RESOURCE_NOT_FOUND],
        ['few', ErrorCode.UNACCEPTABLE_CREDENTIAL],
        ['many', ErrorCode.UNACCEPTABLE_CREDENTIAL],
        ['mech', ErrorCode.UNSUPPORTED_SASL_MECHANISM],
        ['twice', ErrorCode.DUPLICATE_RESOURCE],
        ['', ErrorCode.UNACCEPTABLE_CREDENTIAL],
        ['ok', ErrorCode.NONE],
      ],
    );
    const described = await t.describe.handle({ users: [] }, ctx);
    assert.deepEqual(
      described?.results.map((x) => x.user),
      ['ok'],
      'twice: neither change applied',
    );
    const del = await t.alter.handle(
      { deletions: [{ name: 'ok', mechanism: 2 }], upsertions: [] },
      ctx,
    );
    assert.equal(del?.results[0]?.errorCode, ErrorCode.NONE);
    assert.equal((await t.describe.handle({ users: null }, ctx))?.results.length, 0);
  });
});
