// --add-scram: Kafka's syntax, and create-if-absent so a restart never resets a password.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EmbeddedMetaStore } from '../metadata/embedded-store.ts';
import { KeyLayout } from '../metadata/key-layout.ts';
import { AddScramError, bootstrapCredentials, parseAddScram } from './scram-bootstrap.ts';
import { ScramCredentialStore } from './scram-credential-store.ts';

describe('--add-scram', () => {
  it("parses Kafka's forms", () => {
    const a = parseAddScram('SCRAM-SHA-256=[name=admin,password=admin-secret]');
    assert.equal(a.user, 'admin');
    assert.equal(a.mechanism, 'SCRAM-SHA-256');
    assert.equal(a.credential.iterations, 4096);
    const b = parseAddScram(
      'SCRAM-SHA-512=[name="alice",iterations=8192,salt=0102,saltedpassword=' +
        'ab'.repeat(64) +
        ']',
    );
    assert.equal(b.credential.iterations, 8192);
    assert.deepEqual(b.credential.salt, Buffer.from([1, 2]));
  });

  it('refuses bad values without echoing the password', () => {
    for (const bad of [
      'SCRAM-SHA-1=[name=a,password=hunter2]',
      'SCRAM-SHA-256=[password=hunter2]',
      'SCRAM-SHA-256=[name=a,password=hunter2,iterations=10]',
      'SCRAM-SHA-256=[name=a]',
      'SCRAM-SHA-256=name=a,password=hunter2',
    ]) {
      assert.throws(
        () => parseAddScram(bad),
        (err: unknown) => err instanceof AddScramError && !err.message.includes('hunter2'),
        bad,
      );
    }
  });

  it('creates a credential only where none exists', async () => {
    const store = new ScramCredentialStore(EmbeddedMetaStore.inMemory(), new KeyLayout('c'));
    const first = parseAddScram('SCRAM-SHA-256=[name=admin,password=one]');
    assert.equal((await bootstrapCredentials(store, [first])).length, 1);
    const second = parseAddScram('SCRAM-SHA-256=[name=admin,password=two]');
    assert.equal((await bootstrapCredentials(store, [second])).length, 0);
    assert.deepEqual(
      (await store.get('admin', 'SCRAM-SHA-256'))?.storedKey,
      first.credential.storedKey,
    );
  });
});
