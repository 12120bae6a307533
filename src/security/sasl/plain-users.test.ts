// PLAIN users from the JAAS options and from sasl.plain.users.file, the file read again when
// it changes (a Kubernetes Secret updated in place) and kept when a rewrite is unreadable.

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { openPlainUsers, usersFromJaasOptions } from './plain-users.ts';

describe('PLAIN users', () => {
  it('takes user_<name> options of the JAAS entry', () => {
    const users = usersFromJaasOptions(
      new Map([
        ['user_alice', 'a'],
        ['username', 'x'],
        ['user_', 'y'],
      ]),
    );
    assert.deepEqual([...users], [['alice', 'a']]);
  });

  it('reads the users file, prefers it, and picks up a change', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gregor-plain-'));
    const file = join(dir, 'users.properties');
    try {
      await writeFile(file, 'bob=bob-1\nalice=from-file\n');
      const errors: unknown[] = [];
      const users = await openPlainUsers({
        jaasUsers: new Map([
          ['alice', 'from-jaas'],
          ['carol', 'c'],
        ]),
        usersFile: file,
        onReloadError: (err) => errors.push(err),
      });
      assert.equal(await users.passwordOf('bob'), 'bob-1');
      assert.equal(await users.passwordOf('alice'), 'from-file');
      assert.equal(await users.passwordOf('carol'), 'c');
      assert.equal(await users.passwordOf('dave'), null);
      await writeFile(file, 'bob=bob-2\ndave=d\n');
      assert.equal(await users.passwordOf('bob'), 'bob-2');
      assert.equal(await users.passwordOf('dave'), 'd');
      await rm(file);
      assert.equal(await users.passwordOf('bob'), 'bob-2', 'a vanished file keeps the last users');
      assert.equal(errors.length, 1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
