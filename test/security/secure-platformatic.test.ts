// @platformatic/kafka 1.35 against TLS and SASL listeners (SaslHandshake v1, SaslAuthenticate
// v2, newest flexible versions): produce and consume over SSL, mutual TLS, SASL_PLAINTEXT and
// SASL_SSL with PLAIN, SCRAM-SHA-256/512 and OAUTHBEARER; a wrong password and a missing
// client certificate are refused.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { Consumer, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import { unsecuredJws } from '../../src/protocol/sasl/oauthbearer-messages.ts';
import { uniqueTopic } from '../harness/broker.ts';
import { until } from '../harness/line-process.ts';
import {
  type SecureCase,
  type SecureTestBroker,
  secureCases,
  startSecureBroker,
} from '../harness/secure-broker.ts';

function connectionOf(b: SecureTestBroker, c: SecureCase) {
  const tls =
    c.protocol === 'SASL_PLAINTEXT'
      ? undefined
      : {
          ca: readFileSync(b.certs.caCert),
          ...(c.clientCertificate
            ? { key: readFileSync(b.certs.clientKey), cert: readFileSync(b.certs.clientCert) }
            : {}),
        };
  const sasl =
    c.mechanism === null
      ? undefined
      : c.mechanism === 'OAUTHBEARER'
        ? {
            mechanism: c.mechanism,
            token: unsecuredJws(new Map([['sub', c.username]]), 3600, Date.now()),
          }
        : { mechanism: c.mechanism, username: c.username, password: c.password };
  return {
    bootstrapBrokers: [b.address(c.listener)],
    retries: c.refused ? 0 : 3,
    autocreateTopics: true,
    ...(tls === undefined ? {} : { tls }),
    ...(sasl === undefined ? {} : { sasl }),
  };
}

describe('@platformatic/kafka over TLS and SASL', () => {
  let b: SecureTestBroker;
  before(async () => {
    b = await startSecureBroker({ 'group.initial.rebalance.delay.ms': '0' });
  });
  after(() => b.stop());

  for (const c of secureCases({ oauth: true })) {
    test(`${c.name}: ${c.refused ? 'refused' : 'produces and consumes'}`, async () => {
      const topic = uniqueTopic('pf-sec');
      const producer = new Producer({
        clientId: 'pf-secure',
        serializers: stringSerializers,
        ...connectionOf(b, c),
      });
      try {
        const sending = producer.send({
          messages: ['one', 'two', 'three'].map((value) => ({ topic, value })),
        });
        if (c.refused) {
          const expected =
            c.mechanism === null
              ? /SSL|socket|closed|ECONNRESET|connection|alert/i
              : /Authentication failed|SASL/i;
          await assert.rejects(sending, (err: Error) =>
            expected.test(
              `${err.message} ${JSON.stringify((err as { errors?: unknown }).errors ?? '')}`,
            ),
          );
          return;
        }
        await sending;
      } finally {
        await producer.close();
      }
      const consumer = new Consumer({
        clientId: 'pf-secure-c',
        groupId: `g-${topic}`,
        deserializers: stringDeserializers,
        maxWaitTime: 200,
        ...connectionOf(b, c),
      });
      const got: string[] = [];
      try {
        const stream = await consumer.consume({
          topics: [topic],
          mode: 'earliest',
          autocommit: false,
        });
        stream.on('data', (m) => got.push(m.value));
        await until('three messages consumed', () => got.length >= 3, 30_000);
        await stream.close();
      } finally {
        await consumer.close();
      }
      assert.deepEqual(got, ['one', 'two', 'three']);
    });
  }
});
