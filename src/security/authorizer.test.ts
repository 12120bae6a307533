// The authorizer's rule, one behaviour per test, against Kafka's documented
// semantics: pattern matching (LITERAL, PREFIXED, the `*` wildcard), Deny over
// Allow, the Describe and DescribeConfigs implications (Allow only), principal
// and host wildcards, super users, allow.everyone.if.no.acl.found, Kafka's
// authorizeByResourceType, and the filters of DescribeAcls/DeleteAcls.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AclOperationName, ResourceTypeName } from '../protocol/acl-codes.ts';
import { silentLogger } from '../util/logger.ts';
import type { AccessControlEntry, AclBindingFilter, ResourcePattern } from './acl-binding.ts';
import { type AuthorizableRequest, StandardAuthorizer } from './authorizer.ts';
import { userPrincipal } from './principal.ts';

function authorizer(opts: { superUsers?: string[]; allowEveryone?: boolean } = {}) {
  return new StandardAuthorizer(
    {
      superUsers: new Set(opts.superUsers ?? []),
      allowEveryoneIfNoAclFound: opts.allowEveryone ?? false,
    },
    silentLogger(),
  );
}

function req(user: string, host = '10.0.0.1'): AuthorizableRequest {
  return { principal: userPrincipal(user), clientAddress: host, requestName: 'Test' };
}

function entry(
  principal: string,
  operation: AclOperationName,
  permissionType: 'ALLOW' | 'DENY' = 'ALLOW',
  host = '*',
): AccessControlEntry {
  return { principal, host, operation, permissionType };
}

function pattern(
  resourceType: ResourceTypeName,
  name: string,
  patternType: 'LITERAL' | 'PREFIXED' = 'LITERAL',
): ResourcePattern {
  return { resourceType, name, patternType };
}

const may = (
  a: StandardAuthorizer,
  r: AuthorizableRequest,
  operation: AclOperationName,
  resourceType: ResourceTypeName,
  name: string,
) => a.authorize(r, { operation, resourceType, name });

describe('StandardAuthorizer', () => {
  test('a literal ACL allows its operation on exactly that name and nothing else', () => {
    const a = authorizer();
    a.applyStored(pattern('TOPIC', 'orders'), [entry('User:alice', 'WRITE')]);
    assert.equal(may(a, req('alice'), 'WRITE', 'TOPIC', 'orders'), true);
    assert.equal(may(a, req('alice'), 'WRITE', 'TOPIC', 'orders2'), false);
    assert.equal(may(a, req('alice'), 'READ', 'TOPIC', 'orders'), false);
    assert.equal(may(a, req('bob'), 'WRITE', 'TOPIC', 'orders'), false);
    assert.equal(may(a, req('alice'), 'WRITE', 'GROUP', 'orders'), false);
  });

  test('a prefixed ACL matches every name starting with the prefix', () => {
    const a = authorizer();
    a.applyStored(pattern('TOPIC', 'fin-', 'PREFIXED'), [entry('User:alice', 'READ')]);
    assert.equal(may(a, req('alice'), 'READ', 'TOPIC', 'fin-ledger'), true);
    assert.equal(may(a, req('alice'), 'READ', 'TOPIC', 'fin-'), true);
    assert.equal(may(a, req('alice'), 'READ', 'TOPIC', 'fin'), false);
    assert.equal(may(a, req('alice'), 'READ', 'TOPIC', 'xfin-ledger'), false);
  });

  test('the literal * pattern matches every resource of its type; a prefixed * does not', () => {
    const a = authorizer();
    a.applyStored(pattern('GROUP', '*'), [entry('User:alice', 'READ')]);
    a.applyStored(pattern('TOPIC', '*', 'PREFIXED'), [entry('User:alice', 'READ')]);
    assert.equal(may(a, req('alice'), 'READ', 'GROUP', 'any-group'), true);
    assert.equal(may(a, req('alice'), 'READ', 'TOPIC', 'any-topic'), false);
    assert.equal(may(a, req('alice'), 'READ', 'TOPIC', '*x'), true);
  });

  test('Deny wins over Allow, whichever pattern each comes from', () => {
    const a = authorizer();
    a.applyStored(pattern('TOPIC', '*'), [entry('User:*', 'ALL')]);
    a.applyStored(pattern('TOPIC', 'secret-', 'PREFIXED'), [entry('User:bob', 'READ', 'DENY')]);
    assert.equal(may(a, req('bob'), 'READ', 'TOPIC', 'secret-plans'), false);
    assert.equal(may(a, req('bob'), 'WRITE', 'TOPIC', 'secret-plans'), true);
    assert.equal(may(a, req('alice'), 'READ', 'TOPIC', 'secret-plans'), true);
    a.applyStored(pattern('TOPIC', 'open'), [
      entry('User:bob', 'READ'),
      entry('User:bob', 'ALL', 'DENY'),
    ]);
    assert.equal(may(a, req('bob'), 'READ', 'TOPIC', 'open'), false);
  });

  test('Read, Write, Delete and Alter imply Describe, AlterConfigs implies DescribeConfigs; Allow only', () => {
    const a = authorizer();
    for (const op of ['READ', 'WRITE', 'DELETE', 'ALTER'] as const) {
      a.applyStored(pattern('TOPIC', `t-${op}`), [entry('User:alice', op)]);
      assert.equal(may(a, req('alice'), 'DESCRIBE', 'TOPIC', `t-${op}`), true, op);
    }
    a.applyStored(pattern('TOPIC', 't-create'), [entry('User:alice', 'CREATE')]);
    assert.equal(may(a, req('alice'), 'DESCRIBE', 'TOPIC', 't-create'), false);
    a.applyStored(pattern('TOPIC', 't-ac'), [entry('User:alice', 'ALTER_CONFIGS')]);
    assert.equal(may(a, req('alice'), 'DESCRIBE_CONFIGS', 'TOPIC', 't-ac'), true);
    assert.equal(may(a, req('alice'), 'ALTER', 'TOPIC', 't-ac'), false);
    // A Deny of Read does not deny Describe (implications are for Allow).
    a.applyStored(pattern('TOPIC', 't-dr'), [
      entry('User:alice', 'DESCRIBE'),
      entry('User:alice', 'READ', 'DENY'),
    ]);
    assert.equal(may(a, req('alice'), 'DESCRIBE', 'TOPIC', 't-dr'), true);
    assert.equal(may(a, req('alice'), 'READ', 'TOPIC', 't-dr'), false);
  });

  test('host entries match the client address or *', () => {
    const a = authorizer();
    a.applyStored(pattern('TOPIC', 't'), [entry('User:alice', 'READ', 'ALLOW', '10.0.0.1')]);
    assert.equal(may(a, req('alice', '10.0.0.1'), 'READ', 'TOPIC', 't'), true);
    assert.equal(may(a, req('alice', '10.0.0.2'), 'READ', 'TOPIC', 't'), false);
  });

  test('super users may do anything, even against a Deny', () => {
    const a = authorizer({ superUsers: ['User:admin'] });
    a.applyStored(pattern('CLUSTER', 'kafka-cluster'), [entry('User:*', 'ALL', 'DENY')]);
    assert.equal(may(a, req('admin'), 'ALTER', 'CLUSTER', 'kafka-cluster'), true);
    assert.equal(may(a, req('other'), 'ALTER', 'CLUSTER', 'kafka-cluster'), false);
  });

  test('allow.everyone.if.no.acl.found decides only for resources no ACL names', () => {
    for (const allowEveryone of [false, true]) {
      const a = authorizer({ allowEveryone });
      assert.equal(may(a, req('x'), 'READ', 'TOPIC', 'free'), allowEveryone);
      a.applyStored(pattern('TOPIC', 'owned'), [entry('User:owner', 'READ')]);
      // An ACL for somebody else makes the resource "named": others are denied.
      assert.equal(may(a, req('x'), 'READ', 'TOPIC', 'owned'), false);
      assert.equal(may(a, req('owner'), 'READ', 'TOPIC', 'owned'), true);
    }
  });

  test('deleting a pattern key removes its ACLs', () => {
    const a = authorizer();
    a.applyStored(pattern('TOPIC', 't'), [entry('User:alice', 'READ')]);
    assert.equal(a.aclCount, 1);
    a.applyStored(pattern('TOPIC', 't'), null);
    assert.equal(a.aclCount, 0);
    assert.equal(may(a, req('alice'), 'READ', 'TOPIC', 't'), false);
  });

  test('authorizeByResourceType: Write on any topic stands in for IdempotentWrite, unless a Deny dominates it', () => {
    const a = authorizer();
    assert.equal(a.authorizeByResourceType(req('alice'), 'WRITE', 'TOPIC'), false);
    a.applyStored(pattern('TOPIC', 'fin-a'), [entry('User:alice', 'WRITE')]);
    assert.equal(a.authorizeByResourceType(req('alice'), 'WRITE', 'TOPIC'), true);
    a.applyStored(pattern('TOPIC', 'fin-', 'PREFIXED'), [entry('User:alice', 'WRITE', 'DENY')]);
    assert.equal(a.authorizeByResourceType(req('alice'), 'WRITE', 'TOPIC'), false);
    a.applyStored(pattern('TOPIC', 'ops'), [entry('User:alice', 'ALL')]);
    assert.equal(a.authorizeByResourceType(req('alice'), 'WRITE', 'TOPIC'), true);
    a.applyStored(pattern('TOPIC', '*'), [entry('User:*', 'WRITE', 'DENY')]);
    assert.equal(a.authorizeByResourceType(req('alice'), 'WRITE', 'TOPIC'), false);
  });

  test('authorizeByResourceType follows allow.everyone.if.no.acl.found through the probe resource', () => {
    assert.equal(
      authorizer({ allowEveryone: true }).authorizeByResourceType(req('a'), 'WRITE', 'TOPIC'),
      true,
    );
  });

  test('authorized operations are the supported operations the principal may do', () => {
    const a = authorizer();
    a.applyStored(pattern('GROUP', 'g'), [entry('User:alice', 'READ')]);
    assert.deepEqual(a.authorizedOperations(req('alice'), 'GROUP', 'g'), ['READ', 'DESCRIBE']);
    const none = authorizer();
    assert.deepEqual(none.authorizedOperations(req('alice'), 'GROUP', 'g'), []);
  });

  test('filters: ANY names one pattern exactly, MATCH every pattern that applies to the name', () => {
    const a = authorizer();
    a.applyStored(pattern('TOPIC', 'fin-ledger'), [entry('User:a', 'READ')]);
    a.applyStored(pattern('TOPIC', 'fin-', 'PREFIXED'), [entry('User:b', 'READ')]);
    a.applyStored(pattern('TOPIC', '*'), [entry('User:c', 'WRITE', 'DENY')]);
    a.applyStored(pattern('GROUP', 'fin-ledger'), [entry('User:d', 'READ')]);
    const filter = (
      patternType: 'ANY' | 'MATCH' | 'LITERAL',
      name: string | null,
    ): AclBindingFilter => ({
      pattern: { resourceType: 'TOPIC', name, patternType },
      entry: { principal: null, host: null, operation: 'ANY', permissionType: 'ANY' },
    });
    const principals = (f: AclBindingFilter) =>
      a
        .acls(f)
        .map((b) => b.entry.principal)
        .sort();
    assert.deepEqual(principals(filter('ANY', 'fin-ledger')), ['User:a']);
    assert.deepEqual(principals(filter('MATCH', 'fin-ledger')), ['User:a', 'User:b', 'User:c']);
    assert.deepEqual(principals(filter('LITERAL', null)), ['User:a', 'User:c']);
    assert.deepEqual(principals(filter('ANY', null)), ['User:a', 'User:b', 'User:c']);
  });
});
