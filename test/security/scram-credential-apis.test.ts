// AlterUserScramCredentials and DescribeUserScramCredentials against an in-memory store:
// what is stored (keys, never the salted password), Kafka's per-user errors, and that a
// stored credential holds the keys RFC 5802 derives from the salted password.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alterUserScramCredentialsHandler } from '../../src/api/alter-user-scram-credentials.ts';
import { ALLOW_ALL, RequestAuthorizer } from '../../src/api/authorization.ts';
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
import { StandardAuthorizer } from '../../src/security/authorizer.ts';
import { userPrincipal } from '../../src/security/principal.ts';
import { ScramCredentialStore } from '../../src/security/scram-credential-store.ts';
import { silentLogger } from '../../src/util/logger.ts';

const ctx = {} as RequestContext;

function setup(authz: RequestAuthorizer = ALLOW_ALL) {
  const store = EmbeddedMetaStore.inMemory();
  const keys = new KeyLayout('c1');
  const credentials = new ScramCredentialStore(store, keys);
  return {
    store,
    keys,
    credentials,
    alter: alterUserScramCredentialsHandler(credentials, authz),
    describe: describeUserScramCredentialsHandler(credentials, authz),
  };
}

/** An authorizer where User:admin may Alter and Describe the cluster, and nobody else may. */
function clusterAdminOnly(): RequestAuthorizer {
  const a = new StandardAuthorizer(
    { superUsers: new Set(), allowEveryoneIfNoAclFound: false },
    silentLogger(),
  );
  a.applyStored({ resourceType: 'CLUSTER', name: 'kafka-cluster', patternType: 'LITERAL' }, [
    { principal: 'User:admin', host: '*', operation: 'ALTER', permissionType: 'ALLOW' },
  ]);
  return new RequestAuthorizer(a);
}

function as(user: string): RequestContext {
  return {
    apiKey: 51,
    apiVersion: 0,
    correlationId: 1,
    clientId: null,
    connectionId: 1,
    remoteAddress: '127.0.0.1:1',
    listenerName: 'SASL_PLAINTEXT',
    principal: userPrincipal(user),
    clientAddress: '127.0.0.1',
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

  it('with an authorizer, managing credentials needs Alter on the cluster and describing Describe', async () => {
    const t = setup(clusterAdminOnly());
    const change = { deletions: [], upsertions: [upsert('bob', 1, 'b'), upsert('alice', 1, 'a')] };
    const denied = await t.alter.handle(change, as('alice'));
    assert.deepEqual(denied?.results, [
      {
        user: 'alice',
        errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
        errorMessage: 'Cluster authorization failed.',
      },
      {
        user: 'bob',
        errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
        errorMessage: 'Cluster authorization failed.',
      },
    ]);
    assert.equal(await t.credentials.get('alice', 'SCRAM-SHA-256'), null);
    const listed = await t.describe.handle({ users: null }, as('alice'));
    assert.equal(listed?.errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    assert.deepEqual(listed?.results, []);

    const allowed = await t.alter.handle(change, as('admin'));
    assert.deepEqual(
      allowed?.results.map((r) => r.errorCode),
      [ErrorCode.NONE, ErrorCode.NONE],
    );
    // Alter on the cluster implies Describe on it (Kafka's implication).
    const described = await t.describe.handle({ users: null }, as('admin'));
    assert.deepEqual(
      described?.results.map((r) => r.user),
      ['alice', 'bob'],
    );
  });
});
