// Tests of KeyLayout: every key it builds sits under the cluster root, parses back to what
// it names, stays inside the prefix meant to find it and out of its neighbours' prefixes,
// and names with any characters (ACL patterns, quota entities) survive the round trip.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clusterIdKey, KeyLayout, type ParsedKey } from './key-layout.ts';

const keys = new KeyLayout('MkU3OEVBNTcwNTJENDM2Qg');

describe('KeyLayout', () => {
  it('puts every key under /gregor/<cluster-id>/ as the architecture table says', () => {
    const root = '/gregor/MkU3OEVBNTcwNTJENDM2Qg/';
    assert.equal(keys.root, root);
    assert.equal(keys.broker(3), `${root}brokers/3`);
    assert.equal(keys.controller(), `${root}controller`);
    assert.equal(keys.controllerEpoch(), `${root}controller_epoch`);
    assert.equal(keys.topic('orders'), `${root}topics/orders`);
    assert.equal(keys.partition('orders', 7), `${root}topics/orders/partitions/7`);
    assert.equal(keys.config('topic', 'orders'), `${root}configs/topic/orders`);
    assert.equal(keys.config('broker', ''), `${root}configs/broker/<default>`);
    assert.equal(keys.acl('topic', 'literal', 'orders'), `${root}acls/topic/literal/orders`);
    assert.equal(keys.quota([{ type: 'user', name: 'alice' }]), `${root}quotas/user=alice`);
    assert.equal(
      keys.scramCredential('alice', 'SCRAM-SHA-256'),
      `${root}scram/alice/SCRAM-SHA-256`,
    );
  });

  it('parses each key back to what it names', () => {
    const cases: [string, ParsedKey][] = [
      [keys.broker(0), { type: 'broker', brokerId: 0 }],
      [keys.controller(), { type: 'controller' }],
      [keys.controllerEpoch(), { type: 'controller-epoch' }],
      [keys.topic('a.b_c-d'), { type: 'topic', topic: 'a.b_c-d' }],
      [keys.partition('t', 12), { type: 'partition', topic: 't', partition: 12 }],
      [keys.config('broker', ''), { type: 'config', resourceType: 'broker', name: '' }],
      [keys.config('topic', 't'), { type: 'config', resourceType: 'topic', name: 't' }],
      [
        keys.acl('group', 'prefixed', 'team/a b%'),
        { type: 'acl', resourceType: 'group', patternType: 'prefixed', name: 'team/a b%' },
      ],
      [
        keys.acl('topic', 'literal', '*'),
        { type: 'acl', resourceType: 'topic', patternType: 'literal', name: '*' },
      ],
      [
        keys.quota([
          { type: 'client-id', name: null },
          { type: 'user', name: 'CN=alice,O=x' },
        ]),
        {
          type: 'quota',
          entity: [
            { type: 'user', name: 'CN=alice,O=x' },
            { type: 'client-id', name: null },
          ],
        },
      ],
      [
        keys.scramCredential('CN=a/b,O=x', 'SCRAM-SHA-512'),
        { type: 'scram-credential', user: 'CN=a/b,O=x', mechanism: 'SCRAM-SHA-512' },
      ],
    ];
    for (const [key, parsed] of cases) assert.deepEqual(keys.parse(key), parsed, key);
  });

  it('keeps partition keys inside their topic prefix and out of a longer-named topic', () => {
    const partition = keys.partition('orders', 0);
    assert.ok(partition.startsWith(keys.topicsPrefix()));
    assert.ok(partition.startsWith(keys.partitionsPrefix('orders')));
    assert.ok(!keys.partition('orders2', 0).startsWith(keys.partitionsPrefix('orders')));
    assert.ok(!keys.topic('orders2').startsWith(`${keys.topic('orders')}/`));
    assert.ok(keys.config('topic', 'x').startsWith(keys.configsPrefix('topic')));
    assert.ok(!keys.config('topics', 'x').startsWith(keys.configsPrefix('topic')));
  });

  it('returns null for keys that are not its own', () => {
    const root = keys.root;
    const foreign = [
      '/gregor/other-cluster/controller',
      `${root}unknown`,
      `${root}brokers/`,
      `${root}brokers/01`,
      `${root}brokers/-1`,
      `${root}brokers/x`,
      `${root}controller/extra`,
      `${root}topics/t/partitions/`,
      `${root}topics/t/partitions/1/x`,
      `${root}topics/t/replicas/1`,
      `${root}topics/%2`,
      `${root}configs/topic`,
      `${root}quotas/group=x`,
      `${root}quotas/user=a,user=b`,
      `${root}scram/alice`,
      `${root}scram/alice/SCRAM-SHA-256/x`,
    ];
    for (const key of foreign) assert.equal(keys.parse(key), null, key);
  });

  it('refuses names that cannot form a key', () => {
    assert.throws(() => new KeyLayout('a/b'), RangeError);
    assert.throws(() => new KeyLayout(''), RangeError);
    assert.throws(() => keys.topic(''), RangeError);
    assert.throws(() => keys.broker(-1), RangeError);
    assert.throws(() => keys.partition('t', 1.5), RangeError);
    assert.throws(() => keys.quota([]), RangeError);
    assert.throws(() => keys.quota([{ type: 'user', name: '' }]), RangeError);
  });

  it('keeps the cluster id beside the cluster roots, outside every one of them', () => {
    assert.equal(clusterIdKey(), '/gregor/cluster/id');
    assert.equal(clusterIdKey('/tenants/blue/'), '/tenants/blue/cluster/id');
    assert.ok(!clusterIdKey().startsWith(keys.root));
    // Even a cluster named 'cluster' does not read the id key as one of its own keys.
    const named = new KeyLayout('cluster');
    assert.equal(named.parse(clusterIdKey()), null);
    assert.throws(() => clusterIdKey('/gregor'), RangeError);
  });

  it('honours a different root prefix', () => {
    const custom = new KeyLayout('c1', { rootPrefix: '/tenants/blue/' });
    assert.equal(custom.controller(), '/tenants/blue/c1/controller');
    assert.deepEqual(custom.parse('/tenants/blue/c1/brokers/2'), { type: 'broker', brokerId: 2 });
    assert.equal(custom.parse(keys.controller()), null);
  });
});
