// The seed demo on three broker processes whose inter-broker listener is SASL_SSL (TLS with a
// certificate from a throw-away CA, SCRAM-SHA-512 with the broker's own user created by
// --add-scram): followers authenticate to their leaders (seen in each broker's
// authentication metrics before any client uses SASL_SSL), a producer over SASL_SSL with
// acks=all and min.insync.replicas=3 is acknowledged, kill -9 of the leader of partition 0
// loses nothing, and a consumer over SASL_SSL reads every message exactly once in order.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type DevCertificates, makeDevCertificates } from '../../src/cli/dev-certificates.ts';
import { freePorts } from '../../src/cli/loopback-ports.ts';
import { envNameForKey } from '../../src/config/env-names.ts';
import { type BrokerProcess, spawnBroker } from '../harness/broker-process.ts';
import { type EtcdProcess, startEtcd } from '../harness/etcd.ts';
import { run, runPython } from '../harness/processes.ts';
import { describeTopic, until } from '../harness/topic-state.ts';

const BROKERS = 3;
const COUNT = 20_000;
const PASSWORD = randomBytes(12).toString('base64url');
const SCRAM_JAAS = `org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="${PASSWORD}";`;

describe('a cluster replicating over SASL_SSL', () => {
  let etcd: EtcdProcess;
  let dir: string;
  let certs: DevCertificates;
  const brokers: Array<BrokerProcess | null> = [];
  let plainPorts: number[] = [];
  let securePorts: number[] = [];
  let httpPorts: number[] = [];
  let start: (id: number) => Promise<BrokerProcess>;

  const secureBootstrap = (live: boolean) =>
    securePorts
      .filter((_, i) => !live || brokers[i] !== null)
      .map((p) => `127.0.0.1:${p}`)
      .join(',');
  const plainBootstrap = () =>
    plainPorts
      .filter((_, i) => brokers[i] !== null)
      .map((p) => `127.0.0.1:${p}`)
      .join(',');
  const clientSettings = () => ({
    'security.protocol': 'SASL_SSL',
    'sasl.mechanisms': 'SCRAM-SHA-512',
    'sasl.username': 'admin',
    'sasl.password': PASSWORD,
    'ssl.ca.location': certs.caCert,
  });

  before(async () => {
    etcd = await startEtcd();
    dir = await mkdtemp(join(tmpdir(), 'gregor-sasl-ssl-'));
    certs = await makeDevCertificates(dir);
    plainPorts = await freePorts(BROKERS);
    securePorts = await freePorts(BROKERS);
    httpPorts = await freePorts(BROKERS);
    start = (id) =>
      spawnBroker({
        dataDir: join(dir, `b${id}`),
        port: plainPorts[id]!,
        overrides: {
          'node.id': String(id),
          'metadata.store': etcd.endpoint.replace('http://', 'etcd://'),
          'cluster.id': 'U2FzbFNzbENsdXN0ZXJUZQ',
          listeners: `PLAINTEXT://127.0.0.1:${plainPorts[id]},SASL_SSL://127.0.0.1:${securePorts[id]}`,
          'inter.broker.listener.name': 'SASL_SSL',
          'sasl.enabled.mechanisms': 'SCRAM-SHA-512',
          'sasl.mechanism.inter.broker.protocol': 'SCRAM-SHA-512',
          'ssl.keystore.location': certs.brokerKeystore,
          'ssl.truststore.location': certs.caCert,
          'broker.session.timeout.ms': '3000',
          'replica.lag.time.max.ms': '5000',
          'http.listener': `127.0.0.1:${httpPorts[id]}`,
        },
        env: {
          [envNameForKey('listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config')]: SCRAM_JAAS,
          GREGOR_ADD_SCRAM: `SCRAM-SHA-512=[name=admin,password=${PASSWORD}]`,
        },
      });
    for (let id = 0; id < BROKERS; id++) brokers.push(await start(id));
  });

  after(async () => {
    for (const b of brokers) b?.child.kill('SIGKILL');
    await etcd.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function authentications(id: number): Promise<number> {
    const text = await (await fetch(`http://127.0.0.1:${httpPorts[id]}/metrics`)).text();
    const line = text
      .split('\n')
      .find((l) =>
        l.startsWith(
          'kafka_server_socket_server_metrics_successful_authentication_total{listener="SASL_SSL"}',
        ),
      );
    return line === undefined ? 0 : Number(line.split(' ').pop());
  }

  test('followers authenticate over SASL_SSL; kill -9 of a leader loses no acknowledged message', async () => {
    const created = await runPython(
      [
        'from confluent_kafka.admin import AdminClient, NewTopic',
        'import json, os',
        'a = AdminClient({"bootstrap.servers": os.environ["BOOTSTRAP"]})',
        't = NewTopic("secure-demo", num_partitions=3, replication_factor=3, config={"min.insync.replicas": "2"})',
        '[f.result(15) for f in a.create_topics([t]).values()]',
        'print(json.dumps("ok"))',
      ].join('\n'),
      { BOOTSTRAP: plainBootstrap() },
    );
    assert.equal(created, 'ok');
    await until('full ISRs', 60_000, async () => {
      const d = await describeTopic(plainBootstrap(), 'secure-demo');
      return d.length === 3 && d.every((p) => p.isr.length === 3) ? d : null;
    });
    // Only followers have used SASL_SSL so far: each broker leads a partition the others follow.
    for (let id = 0; id < BROKERS; id++) {
      await until(`broker ${id} to see followers authenticate over SASL_SSL`, 30_000, async () =>
        (await authentications(id)) >= 1 ? true : null,
      );
    }

    const produced = (await runPython(
      readFileSync(join(import.meta.dirname, 'python', 'produce_keyed.py'), 'utf8'),
      {
        BOOTSTRAP: secureBootstrap(false),
        TOPIC: 'secure-demo',
        COUNT: String(COUNT),
        CONFIG: JSON.stringify(clientSettings()),
      },
      180_000,
    )) as { acked: number; errors: string[] };
    assert.deepEqual(produced.errors, []);
    assert.equal(produced.acked, COUNT);

    const victim = (await describeTopic(plainBootstrap(), 'secure-demo')).find(
      (p) => p.partition === 0,
    )!.leader;
    brokers[victim]!.child.kill('SIGKILL');
    await brokers[victim]!.exited;
    brokers[victim] = null;
    await until('new leaders and the ISR without the killed broker', 30_000, async () => {
      const d = await describeTopic(plainBootstrap(), 'secure-demo');
      return d.length === 3 &&
        d.every((p) => p.leader >= 0 && p.leader !== victim && !p.isr.includes(victim))
        ? d
        : null;
    });
    const settings = Object.entries(clientSettings()).flatMap(([k, v]) => ['-X', `${k}=${v}`]);
    const rows = await until(
      'every acknowledged message to be readable over SASL_SSL',
      60_000,
      async () => {
        const c = await run(
          'kcat',
          [
            '-b',
            secureBootstrap(true),
            ...settings,
            '-C',
            '-t',
            'secure-demo',
            '-o',
            'beginning',
            '-e',
            '-f',
            '%p|%o|%s\n',
          ],
          { timeoutMs: 120_000 },
        );
        assert.equal(c.code, 0, c.stderr);
        const got = c.stdout
          .split('\n')
          .filter((l) => l !== '')
          .map((l) => l.split('|'));
        return got.length >= COUNT ? got : null;
      },
    );
    assert.equal(rows.length, COUNT, 'every acknowledged message once');
    assert.equal(new Set(rows.map((r) => r[2])).size, COUNT);
    for (const part of [0, 1, 2]) {
      const inP = rows.filter((r) => Number(r[0]) === part);
      for (const [i, r] of inP.entries())
        assert.equal(Number(r[1]), i, `partition ${part} dense and in order`);
    }

    brokers[victim] = await start(victim);
    await until(
      'the restarted broker back in every ISR (re-authenticated follower)',
      60_000,
      async () => {
        const d = await describeTopic(plainBootstrap(), 'secure-demo');
        return d.length === 3 && d.every((p) => p.isr.length === 3) ? d : null;
      },
    );
  });
});
