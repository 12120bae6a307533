// ssl.principal.mapping.rules applied to RFC 2253 subjects, with Kafka's documented examples.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePrincipalMappingRules } from '../../config/principal-mapping-rules.ts';
import { mapPrincipalName } from './ssl-principal.ts';

function map(rules: string, dn: string): string | null {
  const parsed = parsePrincipalMappingRules(rules);
  assert.ok(parsed.ok, rules);
  return mapPrincipalName(parsed.value, dn);
}

describe('ssl.principal.mapping.rules', () => {
  it('keeps the whole name with DEFAULT', () => {
    assert.equal(map('DEFAULT', 'CN=alice,OU=eng,O=Example'), 'CN=alice,OU=eng,O=Example');
  });

  it("applies Kafka's documented examples", () => {
    const rules =
      'RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/,RULE:^CN=(.*?),OU=(.*?),O=(.*?),L=(.*?),ST=(.*?),C=(.*?)$/$1@$2/L,' +
      'RULE:^.*[Cc][Nn]=([a-zA-Z0-9.]*).*$/$1/L,DEFAULT';
    assert.equal(map(rules, 'CN=kafka-admin,OU=ServiceUsers,O=Unknown,L=Unknown'), 'kafka-admin');
    assert.equal(
      map(rules, 'CN=Duke,OU=JavaSoft,O=Sun Microsystems,L=Santa Clara,ST=CA,C=US'),
      'duke@javasoft',
    );
    assert.equal(map(rules, 'OU=x,CN=Bob.Smith'), 'bob.smith');
    assert.equal(map('RULE:^CN=(.*)$/$1/U', 'CN=abc'), 'ABC');
  });

  it('treats a reference to a missing group as text, and \\$ as a dollar', () => {
    assert.equal(map('RULE:^CN=(.*)$/$1-$2/', 'CN=x'), 'x-$2');
    assert.equal(map('RULE:^CN=(.*)$/\\$$1/', 'CN=x'), '$x');
  });

  it('refuses a client no rule matches', () => {
    assert.equal(map('RULE:^CN=(.*),OU=ops$/$1/', 'CN=x,OU=dev'), null);
  });

  it('refuses malformed rules', () => {
    for (const bad of ['RULE:a/b', 'RULE:a/b/X', 'NOPE', 'RULE:(/x/']) {
      assert.equal(parsePrincipalMappingRules(bad).ok, false, bad);
    }
  });
});
