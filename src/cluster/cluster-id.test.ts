// The cluster id agreement: local checks before the store is touched, one id
// stored however many brokers race to create it, and refusals when the
// configured id or the log directory names another cluster than the store.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EmbeddedMetaStore } from '../metadata/embedded-store.ts';
import { clusterIdKey } from '../metadata/key-layout.ts';
import {
  ClusterIdError,
  checkStoredClusterId,
  claimClusterId,
  type LogDirIdentity,
  proposeClusterId,
  randomClusterId,
} from './cluster-id.ts';

const A = 'QUFBQUFBQUFBQUFBQUFBQQ';
const B = 'QkJCQkJCQkJCQkJCQkJCQg';
const dirOf = (clusterId: string, nodeId: number | null = 1): LogDirIdentity => ({
  path: '/data/meta.properties',
  clusterId,
  nodeId,
});

function rejectsWith(code: string): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof ClusterIdError, String(err));
    assert.equal(err.code, code);
    assert.ok(err.message.startsWith(`${code}: `), err.message);
    return true;
  };
}

describe('proposeClusterId', () => {
  it('proposes the configured id, else the log directory’s, else a new one', () => {
    assert.equal(proposeClusterId({ nodeId: 1, configured: A, logDir: null }), A);
    assert.equal(proposeClusterId({ nodeId: 1, configured: null, logDir: dirOf(B) }), B);
    assert.equal(proposeClusterId({ nodeId: 1, configured: A, logDir: dirOf(A) }), A);
    assert.equal(
      proposeClusterId({ nodeId: 1, configured: null, logDir: null, newId: () => 'new' }),
      'new',
    );
  });

  it('refuses a directory of another node or of another configured cluster', () => {
    assert.throws(
      () => proposeClusterId({ nodeId: 2, configured: null, logDir: dirOf(A, 1) }),
      rejectsWith('GREGOR_ERR_NODE_ID_MISMATCH'),
    );
    assert.throws(
      () => proposeClusterId({ nodeId: 1, configured: B, logDir: dirOf(A, 1) }),
      rejectsWith('GREGOR_ERR_CLUSTER_ID_MISMATCH'),
    );
    // A file without a node id claims no node.
    assert.equal(proposeClusterId({ nodeId: 9, configured: null, logDir: dirOf(A, null) }), A);
  });

  it('makes ids as Kafka prints them: 22 characters of base64url', () => {
    const id = randomClusterId();
    assert.match(id, /^[A-Za-z0-9_-]{22}$/);
    assert.notEqual(randomClusterId(), id);
  });
});

describe('checkStoredClusterId', () => {
  const storeName = 'etcd://127.0.0.1:2379 at /gregor/';

  it('adopts the stored id when nothing local contradicts it', () => {
    assert.equal(checkStoredClusterId({ stored: A, configured: null, logDir: null, storeName }), A);
    assert.equal(
      checkStoredClusterId({ stored: A, configured: A, logDir: dirOf(A), storeName }),
      A,
    );
  });

  it('refuses a configured id that is not the store’s', () => {
    assert.throws(
      () => checkStoredClusterId({ stored: A, configured: B, logDir: null, storeName }),
      (err: unknown) => {
        rejectsWith('GREGOR_ERR_CLUSTER_ID_MISMATCH')(err);
        assert.match(String(err), /etcd:\/\/127\.0\.0\.1:2379 at \/gregor\//);
        assert.match(String(err), /metadata\.store\.prefix/);
        return true;
      },
    );
  });

  it('refuses a log directory of another cluster (InconsistentClusterIdException)', () => {
    assert.throws(
      () => checkStoredClusterId({ stored: A, configured: null, logDir: dirOf(B), storeName }),
      (err: unknown) => {
        rejectsWith('GREGOR_ERR_INCONSISTENT_CLUSTER_ID')(err);
        assert.ok(String(err).includes(A) && String(err).includes(B), String(err));
        assert.match(String(err), /\/data\/meta\.properties/);
        return true;
      },
    );
  });
});

describe('claimClusterId', () => {
  it('creates the id when absent and hands the stored one to everyone after', async () => {
    const store = EmbeddedMetaStore.inMemory();
    try {
      assert.deepEqual(await claimClusterId(store, '/gregor/', A), { clusterId: A, created: true });
      assert.deepEqual(await claimClusterId(store, '/gregor/', B), {
        clusterId: A,
        created: false,
      });
      assert.deepEqual(JSON.parse((await store.get(clusterIdKey('/gregor/')))!.value), {
        clusterId: A,
      });
      // Another prefix is another cluster.
      assert.deepEqual(await claimClusterId(store, '/other/', B), { clusterId: B, created: true });
    } finally {
      await store.close();
    }
  });

  it('stores exactly one id when many brokers race', async () => {
    const store = EmbeddedMetaStore.inMemory();
    try {
      const proposals = Array.from({ length: 10 }, () => randomClusterId());
      const claims = await Promise.all(proposals.map((p) => claimClusterId(store, '/gregor/', p)));
      assert.equal(new Set(claims.map((c) => c.clusterId)).size, 1);
      assert.equal(claims.filter((c) => c.created).length, 1);
      assert.ok(proposals.includes(claims[0]!.clusterId));
    } finally {
      await store.close();
    }
  });

  it('refuses a value that is not a cluster id', async () => {
    const store = EmbeddedMetaStore.inMemory();
    try {
      await store.put(clusterIdKey(), 'not json');
      await assert.rejects(claimClusterId(store, '/gregor/', A), /GREGOR_ERR_METADATA_CORRUPT/);
    } finally {
      await store.close();
    }
  });
});
