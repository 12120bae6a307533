// kafka-acls.sh's option rules as AclCommand applies them: one action, the
// --producer/--consumer conveniences and the operations each resource type
// supports, with Kafka's messages.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type AclCommandOptions, checkAclArgs, filterEntries } from './acl-options.ts';

function opts(o: Partial<AclCommandOptions>): AclCommandOptions {
  return {
    topic: [],
    group: [],
    transactionalId: [],
    delegationToken: [],
    userPrincipal: [],
    operation: [],
    allowPrincipal: [],
    denyPrincipal: [],
    allowHost: [],
    denyHost: [],
    principal: [],
    ...o,
  };
}

describe('gregor acls options', () => {
  test('needs exactly one of --add, --remove, --list', () => {
    assert.throws(() => checkAclArgs(opts({})), /exactly one action/);
    assert.throws(() => checkAclArgs(opts({ add: true, list: true })), /exactly one action/);
    assert.equal(checkAclArgs(opts({ list: true })), 'list');
  });

  test('refuses what Kafka refuses: --producer without a topic, --consumer without a group, --operation with a role', () => {
    assert.throws(
      () => checkAclArgs(opts({ add: true, producer: true })),
      /With --producer you must specify a --topic/,
    );
    assert.throws(
      () => checkAclArgs(opts({ add: true, consumer: true, topic: ['t'] })),
      /With --consumer you must specify a --topic and a --group/,
    );
    assert.throws(
      () => checkAclArgs(opts({ add: true, producer: true, topic: ['t'], operation: ['Read'] })),
      /"\[producer\]" can't be used with option "\[operation\]"/,
    );
    assert.throws(() => checkAclArgs(opts({ add: true, idempotent: true })), /--idempotent/);
  });

  test('--producer --idempotent: Write, Describe, Create on topics and IdempotentWrite on the cluster', () => {
    const got = filterEntries(
      opts({
        add: true,
        producer: true,
        idempotent: true,
        topic: ['t'],
        allowPrincipal: ['User:a'],
      }),
    );
    const summary = got.map(
      (g) =>
        `${g.filter.resourceType}:${g.filter.name}=${g.entries.map((e) => e.operation).join(',')}`,
    );
    assert.deepEqual(summary.sort(), [
      'CLUSTER:kafka-cluster=IDEMPOTENT_WRITE',
      'TOPIC:t=WRITE,DESCRIBE,CREATE',
    ]);
    assert.equal(got[0]?.entries[0]?.host, '*');
  });

  test('--consumer: Read and Describe on topics, Read on groups', () => {
    const got = filterEntries(
      opts({ add: true, consumer: true, topic: ['t'], group: ['g'], allowPrincipal: ['User:a'] }),
    );
    const summary = got.map(
      (g) => `${g.filter.resourceType}=${g.entries.map((e) => e.operation).join(',')}`,
    );
    assert.deepEqual(summary.sort(), ['GROUP=READ', 'TOPIC=READ,DESCRIBE']);
  });

  test('operations are checked against the resource type; names are Kafka-style, any case', () => {
    const ok = filterEntries(
      opts({
        add: true,
        group: ['g'],
        operation: ['describe', 'DELETE'],
        denyPrincipal: ['User:x'],
        denyHost: ['10.0.0.1'],
      }),
    );
    assert.deepEqual(
      ok[0]?.entries.map((e) => [e.operation, e.permissionType, e.host]),
      [
        ['DESCRIBE', 'DENY', '10.0.0.1'],
        ['DELETE', 'DENY', '10.0.0.1'],
      ],
    );
    assert.throws(
      () =>
        filterEntries(
          opts({ add: true, group: ['g'], operation: ['Write'], allowPrincipal: ['User:a'] }),
        ),
      /ResourceType GROUP only supports operations Read, Delete, Describe, All/,
    );
    assert.throws(
      () =>
        filterEntries(
          opts({ add: true, topic: ['t'], operation: ['Fly'], allowPrincipal: ['User:a'] }),
        ),
      /Unknown operation: Fly/,
    );
    assert.throws(
      () => filterEntries(opts({ add: true, topic: ['t'], allowPrincipal: ['alice'] })),
      /principalType:principalName/,
    );
  });

  test('a resource is required to add or remove', () => {
    assert.throws(
      () => filterEntries(opts({ add: true, allowPrincipal: ['User:a'] })),
      /You must provide at least one resource/,
    );
  });
});
