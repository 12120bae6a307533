// Kafka's sasl.jaas.config syntax: one login module, its flag and options, quoted or bare.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkLoginModule, parseJaasConfig } from './jaas-config.ts';

describe('parseJaasConfig', () => {
  it('reads the module, the flag and quoted and bare options', () => {
    const r = parseJaasConfig(
      'org.apache.kafka.common.security.plain.PlainLoginModule required\n' +
        '  username="admin" password="a \\"quoted\\" pw;=" user_admin="x" user_alice=bare-1 ;',
    );
    assert.ok(r.ok);
    assert.equal(r.value.loginModule, 'org.apache.kafka.common.security.plain.PlainLoginModule');
    assert.equal(r.value.flag, 'required');
    assert.deepEqual(Object.fromEntries(r.value.options), {
      username: 'admin',
      password: 'a "quoted" pw;=',
      user_admin: 'x',
      user_alice: 'bare-1',
    });
    assert.equal(checkLoginModule(r.value, 'PLAIN'), null);
    assert.match(checkLoginModule(r.value, 'SCRAM-SHA-256') ?? '', /does not serve SCRAM-SHA-256/);
  });

  it('refuses what Kafka refuses, without echoing values', () => {
    const bad = [
      '',
      'a.B required x="1"',
      'a.B mandatory x="1";',
      'a.B required x=;',
      'a.B required x="unterminated;',
      'a.B required; c.D required;',
    ];
    for (const text of bad) {
      const r = parseJaasConfig(text);
      assert.equal(r.ok, false, text);
      assert.doesNotMatch(r.ok ? '' : r.reason, /unterminated;/);
    }
  });

  it('skips comments', () => {
    const r = parseJaasConfig('/* c */ x.Y optional // z\n a="1";');
    assert.ok(r.ok);
    assert.equal(r.value.options.get('a'), '1');
  });
});
