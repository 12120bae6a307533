// kcat (librdkafka 2.0.2) against TLS and SASL listeners: produce and consume over SSL, mutual
// TLS, SASL_PLAINTEXT and SASL_SSL with PLAIN, SCRAM-SHA-256/512 and OAUTHBEARER (librdkafka's
// unsecured JWT); a wrong password and a missing client certificate are refused.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { uniqueTopic } from '../harness/broker.ts';
import { run } from '../harness/processes.ts';
import {
  type SecureCase,
  type SecureTestBroker,
  secureCases,
  startSecureBroker,
} from '../harness/secure-broker.ts';

function kcatSettings(b: SecureTestBroker, c: SecureCase): string[] {
  const x: string[] = [`security.protocol=${c.protocol}`];
  if (c.protocol !== 'SASL_PLAINTEXT') x.push(`ssl.ca.location=${b.certs.caCert}`);
  if (c.clientCertificate) {
    x.push(
      `ssl.certificate.location=${b.certs.clientCert}`,
      `ssl.key.location=${b.certs.clientKey}`,
    );
  }
  if (c.mechanism === 'OAUTHBEARER') {
    x.push(
      'sasl.mechanisms=OAUTHBEARER',
      'enable.sasl.oauthbearer.unsecure.jwt=true',
      `sasl.oauthbearer.config=principal=${c.username}`,
    );
  } else if (c.mechanism !== null) {
    x.push(
      `sasl.mechanisms=${c.mechanism}`,
      `sasl.username=${c.username}`,
      `sasl.password=${c.password}`,
    );
  }
  return x.flatMap((s) => ['-X', s]);
}

describe('kcat over TLS and SASL', () => {
  let b: SecureTestBroker;
  before(async () => {
    b = await startSecureBroker();
  });
  after(() => b.stop());

  for (const c of secureCases({ oauth: true })) {
    test(`${c.name}: ${c.refused ? 'refused' : 'produces and consumes'}`, async () => {
      const topic = uniqueTopic('kcat-sec');
      const common = ['-b', b.address(c.listener), ...kcatSettings(b, c)];
      if (c.refused) {
        const r = await run('kcat', [...common, '-L', '-m', '5'], { timeoutMs: 30_000 });
        assert.notEqual(r.code, 0, 'kcat must fail');
        const expected =
          c.mechanism === null ? /SSL handshake failed|certificate/i : /Authentication failed/;
        assert.match(r.stderr, expected, r.stderr);
        return;
      }
      const produced = await run(
        'kcat',
        [...common, '-P', '-t', topic, '-X', 'message.timeout.ms=20000'],
        { input: 'one\ntwo\nthree\n', timeoutMs: 30_000 },
      );
      assert.equal(produced.code, 0, produced.stderr);
      const consumed = await run(
        'kcat',
        [...common, '-C', '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%s\n'],
        { timeoutMs: 30_000 },
      );
      assert.equal(consumed.code, 0, consumed.stderr);
      assert.deepEqual(consumed.stdout.trim().split('\n'), ['one', 'two', 'three']);
    });
  }
});
