// The tools against a secured cluster, as a new user meets one: `gregor dev cluster --secure`
// (one broker: SASL_SSL, a generated CA, an admin user) prints its client properties; with
// `--command-config` topics, console-producer/-consumer and configs work; configs manages
// SCRAM users as kafka-configs.sh does (the new user then connects with kcat); a wrong
// password fails with the broker's message; a missing --command-config fails naming it.

import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type DevCluster, startDevCluster } from '../../src/cli/dev-cluster.ts';
import { run } from '../harness/processes.ts';
import { gregor, ok } from './cli-harness.ts';

describe('tools with --command-config against gregor dev cluster --secure', () => {
  let cluster: DevCluster;
  let props = '';
  let bootstrap = '';
  before(async () => {
    cluster = await startDevCluster({
      brokers: 1,
      basePort: 0,
      secure: true,
      overrides: { 'group.initial.rebalance.delay.ms': '0' },
      output: () => {},
      note: () => {},
    });
    props = cluster.clientProperties ?? '';
    bootstrap = cluster.bootstrapServers;
  });
  after(() => cluster.stop());

  test('writes client properties for SASL_SSL with SCRAM-SHA-512 and the CA', async () => {
    const text = await readFile(props, 'utf8');
    assert.match(text, /^security\.protocol=SASL_SSL$/m);
    assert.match(text, /^sasl\.mechanism=SCRAM-SHA-512$/m);
    assert.match(text, /ScramLoginModule required username="admin" password="[^"]+";/);
    assert.match(text, /^ssl\.truststore\.location=.*ca\.crt$/m);
  });

  test('topics, console tools and configs work with --command-config', async () => {
    const cc = ['--command-config', props];
    ok(
      await gregor(bootstrap, [
        'topics',
        '--create',
        '--topic',
        'secret',
        '--partitions',
        '1',
        ...cc,
      ]),
      'create',
    );
    ok(
      await gregor(bootstrap, ['console-producer', '--topic', 'secret', ...cc], {
        input: 'one\ntwo\n',
      }),
      'produce',
    );
    const consumed = ok(
      await gregor(bootstrap, [
        'console-consumer',
        '--topic',
        'secret',
        '--from-beginning',
        '--max-messages',
        '2',
        '--timeout-ms',
        '15000',
        ...cc,
      ]),
      'consume',
    );
    assert.deepEqual(consumed.stdout.trim().split('\n'), ['one', 'two']);
    const alter = ok(
      await gregor(bootstrap, [
        'configs',
        '--alter',
        '--entity-type',
        'users',
        '--entity-name',
        'alice',
        '--add-config',
        'SCRAM-SHA-256=[iterations=8192,password=alice-secret]',
        ...cc,
      ]),
      'alter users',
    );
    assert.equal(alter.stdout.trim(), 'Completed updating config for user alice.');
    const described = ok(
      await gregor(bootstrap, [
        'configs',
        '--describe',
        '--entity-type',
        'users',
        '--entity-name',
        'alice',
        ...cc,
      ]),
      'describe',
    );
    assert.equal(
      described.stdout.trim(),
      "SCRAM credential configs for user-principal 'alice' are SCRAM-SHA-256=iterations=8192",
    );
    const ca = join(props, '..', 'ca.crt');
    const kcat = await run('kcat', [
      '-b',
      bootstrap,
      '-X',
      'security.protocol=SASL_SSL',
      '-X',
      'sasl.mechanisms=SCRAM-SHA-256',
      '-X',
      'sasl.username=alice',
      '-X',
      'sasl.password=alice-secret',
      '-X',
      `ssl.ca.location=${ca}`,
      '-C',
      '-t',
      'secret',
      '-o',
      'beginning',
      '-e',
      '-q',
    ]);
    assert.equal(kcat.code, 0, kcat.stderr);
    assert.deepEqual(kcat.stdout.trim().split('\n'), ['one', 'two']);
    ok(
      await gregor(bootstrap, [
        'configs',
        '--alter',
        '--entity-type',
        'users',
        '--entity-name',
        'alice',
        '--delete-config',
        'SCRAM-SHA-256',
        ...cc,
      ]),
      'delete',
    );
    const gone = await run('kcat', [
      '-b',
      bootstrap,
      '-X',
      'security.protocol=SASL_SSL',
      '-X',
      'sasl.mechanisms=SCRAM-SHA-256',
      '-X',
      'sasl.username=alice',
      '-X',
      'sasl.password=alice-secret',
      '-X',
      `ssl.ca.location=${ca}`,
      '-L',
      '-m',
      '5',
    ]);
    assert.notEqual(gone.code, 0, 'a deleted credential no longer authenticates');
  });

  test('a wrong password fails with the broker message; a missing file is named', async () => {
    const wrong = join(props, '..', 'wrong.properties');
    await writeFile(
      wrong,
      (await readFile(props, 'utf8')).replace(/password="[^"]+"/, 'password="nope"'),
    );
    const r = await gregor(bootstrap, ['topics', '--list', '--command-config', wrong]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512/,
    );
    assert.doesNotMatch(r.stderr, /nope/);
    const missing = await gregor(bootstrap, [
      'topics',
      '--list',
      '--command-config',
      '/nonexistent/client.properties',
    ]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /Cannot read --command-config \/nonexistent\/client\.properties/);
  });
});
