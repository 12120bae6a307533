// What the matrix does not show: the audit log of denials (a logger of its own,
// kafka.authorizer.logger, with principal, operation, resource and host), the
// authorized-operations bit fields as Kafka encodes them (with and without an
// authorizer), super users against a Deny on everything, and User:* entries.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { type BrokerWithHandlers, startBrokerWithHandlers } from '../../src/broker.ts';
import { AclOperation, operationsBitField } from '../../src/protocol/acl-codes.ts';
import { CreateAcls } from '../../src/protocol/apis/create-acls.ts';
import { CreateTopics } from '../../src/protocol/apis/create-topics.ts';
import { DescribeCluster } from '../../src/protocol/apis/describe-cluster.ts';
import { Metadata } from '../../src/protocol/apis/metadata.ts';
import { ErrorCode } from '../../src/protocol/error-codes.ts';
import { callAs } from './handler-calls.ts';

interface Started {
  readonly b: BrokerWithHandlers;
  readonly dir: string;
  readonly lines: Array<Record<string, unknown>>;
}

async function start(config: Record<string, string>): Promise<Started> {
  const dir = await mkdtemp(join(tmpdir(), 'gregor-acl-details-'));
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l !== '') lines.push(JSON.parse(l));
      done();
    },
  });
  const b = await startBrokerWithHandlers({
    dataDir: dir,
    port: 0,
    host: '127.0.0.1',
    config,
    logger: pino({ level: 'info' }, sink),
  });
  return { b, dir, lines };
}

const AUTHORIZER = {
  'authorizer.class.name': 'gregor.security.StandardAuthorizer',
  'super.users': 'User:admin',
};

function metadataFor(topic: string) {
  return {
    topics: [{ name: topic, topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }],
    allowAutoTopicCreation: false,
    includeTopicAuthorizedOperations: true,
  };
}

const bits = (...ops: Array<keyof typeof AclOperation>) => operationsBitField(ops);

describe('authorization details', () => {
  let s: Started;
  let plain: Started;

  before(async () => {
    s = await start(AUTHORIZER);
    plain = await start({});
    for (const x of [s, plain]) {
      const r = await callAs(x.b.handlers, 'admin', CreateTopics, 7, {
        topics: [
          { name: 'd-topic', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] },
        ],
        timeoutMs: 5000,
      });
      assert.equal(r.topics[0]?.errorCode, ErrorCode.NONE);
    }
    const acls = await callAs(s.b.handlers, 'admin', CreateAcls, 3, {
      creations: [
        // alice may Read d-topic (so Describe too); every user is denied everything else.
        {
          resourceType: 2,
          resourceName: 'd-topic',
          resourcePatternType: 3,
          principal: 'User:alice',
          host: '*',
          operation: AclOperation.READ,
          permissionType: 3,
        },
        {
          resourceType: 2,
          resourceName: 'd-topic',
          resourcePatternType: 3,
          principal: 'User:*',
          host: '*',
          operation: AclOperation.WRITE,
          permissionType: 2,
        },
        {
          resourceType: 4,
          resourceName: 'kafka-cluster',
          resourcePatternType: 3,
          principal: 'User:*',
          host: '*',
          operation: AclOperation.ALL,
          permissionType: 2,
        },
      ],
    });
    for (const r of acls.results) assert.equal(r.errorCode, ErrorCode.NONE, r.errorMessage ?? '');
  });

  after(async () => {
    for (const x of [s, plain]) {
      await x?.b.broker.close();
      if (x !== undefined) await rm(x.dir, { recursive: true, force: true });
    }
  });

  test('topic authorized operations: the bits of what the principal may do, every supported one without an authorizer', async () => {
    const alice = await callAs(s.b.handlers, 'alice', Metadata, 12, metadataFor('d-topic'));
    assert.equal(alice.topics[0]?.topicAuthorizedOperations, bits('READ', 'DESCRIBE'));
    assert.equal(alice.topics[0]?.topicAuthorizedOperations, (1 << 3) | (1 << 8));
    const admin = await callAs(s.b.handlers, 'admin', Metadata, 12, metadataFor('d-topic'));
    const allTopic = bits(
      'READ',
      'WRITE',
      'CREATE',
      'DELETE',
      'ALTER',
      'DESCRIBE',
      'DESCRIBE_CONFIGS',
      'ALTER_CONFIGS',
    );
    assert.equal(admin.topics[0]?.topicAuthorizedOperations, allTopic);
    const none = await callAs(plain.b.handlers, 'alice', Metadata, 12, metadataFor('d-topic'));
    assert.equal(none.topics[0]?.topicAuthorizedOperations, allTopic);
    const notAsked = await callAs(plain.b.handlers, 'alice', Metadata, 12, {
      ...metadataFor('d-topic'),
      includeTopicAuthorizedOperations: false,
    });
    assert.equal(notAsked.topics[0]?.topicAuthorizedOperations, -2147483648);
  });

  test('super users may do anything despite a Deny of All on the cluster for User:*', async () => {
    const ask = { includeClusterAuthorizedOperations: true, endpointType: 1 };
    const admin = await callAs(s.b.handlers, 'admin', DescribeCluster, 1, ask);
    const allCluster = bits(
      'CREATE',
      'ALTER',
      'DESCRIBE',
      'CLUSTER_ACTION',
      'DESCRIBE_CONFIGS',
      'ALTER_CONFIGS',
      'IDEMPOTENT_WRITE',
    );
    assert.equal(admin.clusterAuthorizedOperations, allCluster);
    const bob = await callAs(s.b.handlers, 'bob', DescribeCluster, 1, ask);
    assert.equal(bob.clusterAuthorizedOperations, 0);
    const notAsked = await callAs(s.b.handlers, 'bob', DescribeCluster, 1, {
      includeClusterAuthorizedOperations: false,
      endpointType: 1,
    });
    assert.equal(notAsked.clusterAuthorizedOperations, -2147483648);
  });

  test('a denial is written to kafka.authorizer.logger with principal, operation, resource and host', async () => {
    const before = s.lines.length;
    const r = await callAs(s.b.handlers, 'mallory', Metadata, 12, metadataFor('d-topic'));
    assert.equal(r.topics[0]?.errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    const audit = s.lines.slice(before).filter((l) => l['logger'] === 'kafka.authorizer.logger');
    assert.equal(audit.length, 1, JSON.stringify(s.lines.slice(before)));
    const line = audit[0]!;
    assert.equal(line['principal'], 'User:mallory');
    assert.equal(line['operation'], 'DESCRIBE');
    assert.equal(line['resource'], 'TOPIC:LITERAL:d-topic');
    assert.equal(line['host'], '127.0.0.1');
    assert.equal(line['request'], 'Metadata');
    assert.equal(line['allowed'], false);
    assert.match(
      String(line['msg']),
      /^Principal = User:mallory is Denied operation = DESCRIBE from host = 127\.0\.0\.1/,
    );
    // Allowed requests are not logged at info (Kafka logs them at debug).
    const quiet = s.lines.length;
    await callAs(s.b.handlers, 'alice', Metadata, 12, metadataFor('d-topic'));
    assert.equal(
      s.lines.slice(quiet).filter((l) => l['logger'] === 'kafka.authorizer.logger').length,
      0,
    );
  });
});
