// The transaction APIs' checks as Kafka makes them, against the real
// authorizer: Write on the transactional id first, then the group and topics.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode } from '../protocol/error-codes.ts';
import { StandardAuthorizer } from '../security/authorizer.ts';
import { userPrincipal } from '../security/principal.ts';
import { silentLogger } from '../util/logger.ts';
import { RequestAuthorizer } from './authorization.ts';
import type { RequestContext } from './handler.ts';
import {
  authorizeAddOffsetsToTxn,
  authorizeAddPartitionsToTxn,
  authorizeEndTxn,
  authorizeTxnOffsetCommit,
} from './txn-authorization.ts';

const ctx: RequestContext = {
  apiKey: 24,
  apiVersion: 3,
  correlationId: 1,
  clientId: 'c',
  connectionId: 1,
  remoteAddress: '10.0.0.1:1',
  listenerName: 'PLAINTEXT',
  principal: userPrincipal('alice'),
  clientAddress: '10.0.0.1',
};

function authz(): RequestAuthorizer {
  const a = new StandardAuthorizer(
    { superUsers: new Set(), allowEveryoneIfNoAclFound: false },
    silentLogger(),
  );
  const allow = (op: 'WRITE' | 'READ') => ({
    principal: 'User:alice',
    host: '*',
    operation: op,
    permissionType: 'ALLOW' as const,
  });
  a.applyStored({ resourceType: 'TRANSACTIONAL_ID', name: 'tx-', patternType: 'PREFIXED' }, [
    allow('WRITE'),
  ]);
  a.applyStored({ resourceType: 'TOPIC', name: 'orders', patternType: 'LITERAL' }, [
    allow('WRITE'),
    allow('READ'),
  ]);
  a.applyStored({ resourceType: 'GROUP', name: 'g', patternType: 'LITERAL' }, [allow('READ')]);
  return new RequestAuthorizer(a);
}

describe('transaction API authorization', () => {
  test('Write on the transactional id comes first, then each topic', () => {
    const a = authz();
    assert.deepEqual(authorizeAddPartitionsToTxn(a, ctx, 'other', ['orders']), {
      errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
      deniedTopics: new Set(),
    });
    assert.deepEqual(authorizeAddPartitionsToTxn(a, ctx, 'tx-1', ['orders', 'secret']), {
      errorCode: ErrorCode.NONE,
      deniedTopics: new Set(['secret']),
    });
    assert.equal(authorizeEndTxn(a, ctx, 'tx-1'), ErrorCode.NONE);
    assert.equal(authorizeEndTxn(a, ctx, 'nope'), ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  });

  test('offsets in a transaction need Read on the group, then on each topic', () => {
    const a = authz();
    assert.equal(
      authorizeAddOffsetsToTxn(a, ctx, 'tx-1', 'h'),
      ErrorCode.GROUP_AUTHORIZATION_FAILED,
    );
    assert.equal(authorizeAddOffsetsToTxn(a, ctx, 'tx-1', 'g'), ErrorCode.NONE);
    assert.deepEqual(
      authorizeTxnOffsetCommit(a, ctx, 'tx-1', 'g', ['orders', 'x']).deniedTopics,
      new Set(['x']),
    );
  });
});
