// kafkajs 2.2.4 against TLS and SASL listeners: produce and consume (through a consumer group)
// over SSL, mutual TLS, SASL_PLAINTEXT and SASL_SSL with PLAIN, SCRAM-SHA-256/512 and
// OAUTHBEARER (an unsecured JWT from its token provider); a wrong password and a missing
// client certificate are refused.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { Kafka, type KafkaConfig, logLevel, type SASLOptions } from 'kafkajs';
import { unsecuredJws } from '../../src/protocol/sasl/oauthbearer-messages.ts';
import { uniqueTopic } from '../harness/broker.ts';
import { until } from '../harness/line-process.ts';
import {
  type SecureCase,
  type SecureTestBroker,
  secureCases,
  startSecureBroker,
} from '../harness/secure-broker.ts';

function saslOf(c: SecureCase): SASLOptions | undefined {
  switch (c.mechanism) {
    case null:
      return undefined;
    case 'PLAIN':
      return { mechanism: 'plain', username: c.username, password: c.password };
    case 'SCRAM-SHA-256':
      return { mechanism: 'scram-sha-256', username: c.username, password: c.password };
    case 'SCRAM-SHA-512':
      return { mechanism: 'scram-sha-512', username: c.username, password: c.password };
    case 'OAUTHBEARER':
      return {
        mechanism: 'oauthbearer',
        oauthBearerProvider: async () => ({
          value: unsecuredJws(new Map([['sub', c.username]]), 3600, Date.now()),
        }),
      };
  }
}

function kafkaFor(b: SecureTestBroker, c: SecureCase): Kafka {
  const ca = readFileSync(b.certs.caCert);
  const tls =
    c.protocol === 'SASL_PLAINTEXT'
      ? undefined
      : {
          ca,
          ...(c.clientCertificate
            ? { key: readFileSync(b.certs.clientKey), cert: readFileSync(b.certs.clientCert) }
            : {}),
        };
  const sasl = saslOf(c);
  const config: KafkaConfig = {
    clientId: 'kafkajs-secure',
    brokers: [b.address(c.listener)],
    logLevel: logLevel.NOTHING,
    retry: { retries: c.refused ? 0 : 3 },
    ...(tls === undefined ? {} : { ssl: tls }),
    ...(sasl === undefined ? {} : { sasl }),
  };
  return new Kafka(config);
}

describe('kafkajs over TLS and SASL', () => {
  let b: SecureTestBroker;
  before(async () => {
    b = await startSecureBroker({ 'group.initial.rebalance.delay.ms': '0' });
  });
  after(() => b.stop());

  for (const c of secureCases({ oauth: true })) {
    test(`${c.name}: ${c.refused ? 'refused' : 'produces and consumes'}`, async () => {
      const kafka = kafkaFor(b, c);
      const producer = kafka.producer({ allowAutoTopicCreation: true });
      if (c.refused) {
        const expected =
          c.mechanism === null
            ? /SSL|socket|disconnected|closed|ECONNRESET/i
            : /Authentication failed/;
        await assert.rejects(producer.connect(), (err: Error) =>
          expected.test(`${err.name} ${err.message}`),
        );
        return;
      }
      const topic = uniqueTopic('kjs-sec');
      await producer.connect();
      await producer.send({ topic, messages: ['one', 'two', 'three'].map((value) => ({ value })) });
      await producer.disconnect();
      const consumer = kafka.consumer({ groupId: `g-${topic}`, maxWaitTimeInMs: 200 });
      const got: string[] = [];
      await consumer.connect();
      try {
        await consumer.subscribe({ topic, fromBeginning: true });
        await consumer.run({
          eachMessage: async ({ message }) => void got.push(String(message.value)),
        });
        await until('three messages consumed', () => got.length >= 3, 30_000);
      } finally {
        await consumer.disconnect();
      }
      assert.deepEqual(got, ['one', 'two', 'three']);
    });
  }
});
