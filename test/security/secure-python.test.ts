// python3-confluent-kafka against TLS and SASL listeners: produce and consume over SSL, mutual
// TLS, SASL_PLAINTEXT and SASL_SSL with PLAIN, SCRAM-SHA-256/512 and OAUTHBEARER (librdkafka's
// unsecured JWT); a wrong password and a missing client certificate are reported as errors.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { uniqueTopic } from '../harness/broker.ts';
import { runPython } from '../harness/processes.ts';
import {
  type SecureCase,
  type SecureTestBroker,
  secureCases,
  startSecureBroker,
} from '../harness/secure-broker.ts';

const script = readFileSync(
  join(import.meta.dirname, 'python', 'secure_produce_consume.py'),
  'utf8',
);

function settings(b: SecureTestBroker, c: SecureCase): Record<string, string> {
  const s: Record<string, string> = {
    'bootstrap.servers': b.address(c.listener),
    'security.protocol': c.protocol,
  };
  if (c.protocol !== 'SASL_PLAINTEXT') s['ssl.ca.location'] = b.certs.caCert;
  if (c.clientCertificate) {
    s['ssl.certificate.location'] = b.certs.clientCert;
    s['ssl.key.location'] = b.certs.clientKey;
  }
  if (c.mechanism === 'OAUTHBEARER') {
    Object.assign(s, {
      'sasl.mechanisms': 'OAUTHBEARER',
      'enable.sasl.oauthbearer.unsecure.jwt': 'true',
      'sasl.oauthbearer.config': `principal=${c.username}`,
    });
  } else if (c.mechanism !== null) {
    Object.assign(s, {
      'sasl.mechanisms': c.mechanism,
      'sasl.username': c.username,
      'sasl.password': c.password,
    });
  }
  return s;
}

interface Result {
  got: string[];
  delivered: number;
  errors: string[];
}

describe('python3-confluent-kafka over TLS and SASL', () => {
  let b: SecureTestBroker;
  before(async () => {
    b = await startSecureBroker();
  });
  after(() => b.stop());

  for (const c of secureCases({ oauth: true })) {
    test(`${c.name}: ${c.refused ? 'refused' : 'produces and consumes'}`, async () => {
      const r = (await runPython(script, {
        CONFIG: JSON.stringify(settings(b, c)),
        TOPIC: uniqueTopic('py-sec'),
      })) as Result;
      if (c.refused) {
        assert.deepEqual(r.got, []);
        const expected =
          c.mechanism === null ? /SSL|handshake|certificate/i : /Authentication failed/;
        assert.ok(
          r.errors.some((e) => expected.test(e)),
          JSON.stringify(r.errors),
        );
        return;
      }
      assert.equal(r.delivered, 3, JSON.stringify(r.errors));
      assert.deepEqual(r.got, ['one', 'two', 'three']);
    });
  }
});
