// KIP-368 re-authentication and session expiry against a broker with
// connections.max.reauth.ms: SaslAuthenticate v1+ reports the session lifetime, a session
// used after it ends without re-authenticating is closed, one re-authenticated in time goes
// on; kafkajs, @platformatic/kafka and Gregor's own client keep producing across several
// lifetimes because they re-authenticate.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Producer, stringSerializers } from '@platformatic/kafka';
import { Kafka, logLevel } from 'kafkajs';
import { KafkaClient } from '../../src/client/kafka-client.ts';
import { DescribeCluster } from '../../src/protocol/apis/describe-cluster.ts';
import { SaslAuthenticate } from '../../src/protocol/apis/sasl-authenticate.ts';
import { SaslHandshake } from '../../src/protocol/apis/sasl-handshake.ts';
import { ErrorCode } from '../../src/protocol/error-codes.ts';
import { uniqueTopic } from '../harness/broker.ts';
import { RawClient } from '../harness/raw-client.ts';
import {
  PLAIN_USER,
  SCRAM_USER,
  type SecureTestBroker,
  startSecureBroker,
} from '../harness/secure-broker.ts';

const LIFETIME_MS = 1500;
const plainToken = Buffer.from(`\u0000${PLAIN_USER.name}\u0000${PLAIN_USER.password}`);
const describeCluster = { includeClusterAuthorizedOperations: false, endpointType: 1 };

async function authenticate(c: RawClient): Promise<bigint | number> {
  const hs = await c.send(SaslHandshake, 1, { mechanism: 'PLAIN' });
  assert.equal(hs.errorCode, ErrorCode.NONE);
  const auth = await c.send(SaslAuthenticate, 1, { authBytes: plainToken });
  assert.equal(auth.errorCode, ErrorCode.NONE);
  return auth.sessionLifetimeMs;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A counter of the SASL_PLAINTEXT listener from the broker's /metrics. */
async function counter(b: SecureTestBroker, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${b.broker.httpPort}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{listener="SASL_PLAINTEXT"}`));
  return line === undefined ? 0 : Number(line.split(' ').pop());
}

const REAUTHENTICATED = 'kafka_server_socket_server_metrics_successful_reauthentication_total';
const EXPIRED = 'kafka_server_socket_server_metrics_expired_connections_killed_count';

describe('re-authentication (KIP-368)', () => {
  let b: SecureTestBroker;
  before(async () => {
    b = await startSecureBroker({
      'connections.max.reauth.ms': String(LIFETIME_MS),
      'http.listener': '127.0.0.1:0',
    });
  });
  after(() => b.stop());

  test('the session lifetime is reported, and a session used after it is closed', async () => {
    const c = await RawClient.connect(b.address('SASL_PLAINTEXT'));
    assert.equal(Number(await authenticate(c)), LIFETIME_MS);
    await c.send(DescribeCluster, 0, describeCluster);
    const started = Date.now();
    await sleep(LIFETIME_MS + 100);
    await assert.rejects(c.send(DescribeCluster, 0, describeCluster), /connection closed/);
    await c.closed;
    assert.ok(Date.now() - started >= LIFETIME_MS);
  });

  test('a session re-authenticated in time goes on', async () => {
    const c = await RawClient.connect(b.address('SASL_PLAINTEXT'));
    await authenticate(c);
    await sleep(LIFETIME_MS / 2);
    await authenticate(c);
    await sleep(LIFETIME_MS / 2 + 300);
    const r = await c.send(DescribeCluster, 0, describeCluster);
    assert.equal(r.errorCode, ErrorCode.NONE);
    c.close();
  });

  test('kafkajs, @platformatic/kafka and our client keep working across several lifetimes', async () => {
    const topic = uniqueTopic('reauth');
    const kafka = new Kafka({
      clientId: 'reauth',
      brokers: [b.address('SASL_PLAINTEXT')],
      logLevel: logLevel.NOTHING,
      sasl: {
        mechanism: 'scram-sha-256',
        username: SCRAM_USER.name,
        password: SCRAM_USER.password,
      },
      retry: { retries: 0 },
    });
    const kjs = kafka.producer({ allowAutoTopicCreation: true });
    await kjs.connect();
    const pf = new Producer({
      clientId: 'reauth-pf',
      bootstrapBrokers: [b.address('SASL_PLAINTEXT')],
      serializers: stringSerializers,
      autocreateTopics: true,
      retries: 0,
      sasl: { mechanism: 'PLAIN', username: PLAIN_USER.name, password: PLAIN_USER.password },
    });
    const ours = new KafkaClient({
      bootstrapServers: [b.address('SASL_PLAINTEXT')],
      sasl: {
        mechanism: 'SCRAM-SHA-512',
        username: SCRAM_USER.name,
        password: SCRAM_USER.password,
      },
    });
    const expiredBefore = await counter(b, EXPIRED);
    const reauthenticatedBefore = await counter(b, REAUTHENTICATED);
    try {
      const deadline = Date.now() + LIFETIME_MS * 3;
      let rounds = 0;
      while (Date.now() < deadline) {
        await kjs.send({ topic, messages: [{ value: `kjs-${rounds}` }] });
        await pf.send({ messages: [{ topic, value: `pf-${rounds}` }] });
        const conn = await ours.anyConnection();
        await conn.send(DescribeCluster, describeCluster);
        rounds++;
        await sleep(200);
      }
      assert.ok(rounds >= 10, `${rounds} rounds`);
      assert.equal(await counter(b, EXPIRED), expiredBefore, 'no session expired');
      // Three clients over three lifetimes: each re-authenticated at least twice.
      assert.ok((await counter(b, REAUTHENTICATED)) - reauthenticatedBefore >= 6);
    } finally {
      await kjs.disconnect();
      await pf.close();
      ours.close();
    }
  });
});
