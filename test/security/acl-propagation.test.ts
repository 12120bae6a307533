// ACLs reach every broker through the metadata store: three brokers (each its
// own process) on a real etcd; an ACL added through one broker with
// `gregor acls` decides requests on the other two within a second of the tool
// returning, and its removal too. Measured with Metadata requests as
// User:ANONYMOUS (the brokers allow everyone on resources no ACL names, so the
// tool and the followers need no grants of their own).

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Metadata } from '../../src/protocol/apis/metadata.ts';
import { ErrorCode } from '../../src/protocol/error-codes.ts';
import { gregor, ok } from '../cli/cli-harness.ts';
import { type BrokerProcess, freePort, spawnBroker } from '../harness/broker-process.ts';
import { type EtcdProcess, startEtcd } from '../harness/etcd.ts';
import { RawClient } from '../harness/raw-client.ts';

const PROPAGATION_MS_MAX = 1000;
const TOPIC = 'acl-everywhere';

describe('ACLs on a three-broker cluster on etcd', () => {
  let etcd: EtcdProcess;
  let dir: string;
  const brokers: BrokerProcess[] = [];
  const clients: RawClient[] = [];

  before(async () => {
    etcd = await startEtcd();
    dir = await mkdtemp(join(tmpdir(), 'gregor-acl-cluster-'));
    const url = etcd.endpoint.replace('http://', 'etcd://');
    const ports = [await freePort(), await freePort(), await freePort()];
    const started = await Promise.allSettled(
      ports.map((port, id) =>
        spawnBroker({
          dataDir: join(dir, `broker-${id}`),
          port,
          overrides: {
            'node.id': String(id),
            'metadata.store': url,
            'broker.session.timeout.ms': '3000',
            'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
            'allow.everyone.if.no.acl.found': 'true',
          },
        }),
      ),
    );
    for (const s of started) if (s.status === 'fulfilled') brokers.push(s.value);
    for (const s of started) if (s.status === 'rejected') throw s.reason;
    for (const b of brokers) clients.push(await RawClient.connect(b.bootstrap));
    const created = await gregor(brokers[0]!.bootstrap, [
      'topics',
      '--create',
      '--topic',
      TOPIC,
      '--partitions',
      '3',
      '--replication-factor',
      '3',
    ]);
    ok(created, 'topics --create');
  });

  after(async () => {
    for (const c of clients) c.close();
    for (const b of brokers) b.child.kill('SIGKILL');
    await Promise.all(brokers.map((b) => b.exited));
    await etcd?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  async function topicError(client: RawClient): Promise<number> {
    const r = await client.send(Metadata, 12, {
      topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: TOPIC }],
      allowAutoTopicCreation: false,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    });
    return r.topics[0]?.errorCode ?? -1;
  }

  /** Milliseconds until every one of `clients` answers `code` (polled every 10 ms). */
  async function untilEvery(which: readonly RawClient[], code: number): Promise<number> {
    const start = performance.now();
    for (const c of which) {
      while ((await topicError(c)) !== code) {
        if (performance.now() - start > 10_000) throw new Error(`no ${code} after 10 s`);
        await new Promise((r) => setTimeout(r, 10));
      }
    }
    return performance.now() - start;
  }

  test('an ACL added on broker 0 decides on brokers 1 and 2 within a second, and so does its removal', async (t) => {
    const others = clients.slice(1);
    assert.equal((await untilEvery(clients, ErrorCode.NONE)) >= 0, true);
    const acl = ['--topic', TOPIC, '--deny-principal', 'User:ANONYMOUS', '--operation', 'Describe'];
    ok(await gregor(brokers[0]!.bootstrap, ['acls', '--add', ...acl]), 'acls --add');
    const added = await untilEvery(others, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    ok(
      await gregor(brokers[0]!.bootstrap, ['acls', '--remove', '--force', ...acl]),
      'acls --remove',
    );
    const removed = await untilEvery(others, ErrorCode.NONE);
    t.diagnostic(`added: ${added.toFixed(0)} ms, removed: ${removed.toFixed(0)} ms`);
    assert.ok(added < PROPAGATION_MS_MAX, `added: ${added} ms`);
    assert.ok(removed < PROPAGATION_MS_MAX, `removed: ${removed} ms`);
  });

  test('an Allow for somebody else names the resource: everyone else is refused on every broker', async () => {
    const acl = ['--topic', TOPIC, '--allow-principal', 'User:owner', '--operation', 'Read'];
    ok(await gregor(brokers[2]!.bootstrap, ['acls', '--add', ...acl]), 'acls --add');
    const added = await untilEvery(clients, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    assert.ok(added < PROPAGATION_MS_MAX, `added: ${added} ms`);
    const listed = ok(await gregor(brokers[1]!.bootstrap, ['acls', '--list']), 'acls --list');
    assert.match(
      listed.stdout,
      /principal=User:owner, host=\*, operation=READ, permissionType=ALLOW/,
    );
  });
});
