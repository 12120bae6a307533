// --metadata: folded into the overrides as metadata.store; a malformed address or a
// contradicting --override fails with a ConfigError naming the flag.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../config/config-error.ts';
import { metadataAddressProblem, withMetadataOption } from './metadata-option.ts';

function configError(code: string, ...fragments: string[]) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof ConfigError, String(error));
    assert.equal(error.code, code);
    assert.equal(error.key, 'metadata.store');
    assert.equal(error.where, '--metadata');
    for (const fragment of fragments) assert.ok(error.message.includes(fragment), error.message);
    return true;
  };
}

describe('--metadata', () => {
  it('leaves the overrides alone when not given', () => {
    assert.deepEqual(withMetadataOption({ 'node.id': '1' }, undefined), { 'node.id': '1' });
  });

  it('sets metadata.store to a list of etcd endpoints', () => {
    const url = 'etcd://10.0.0.1:2379,etcd-2.etcd:2379,[::1]:2379';
    assert.deepEqual(withMetadataOption({ 'node.id': '1' }, url), {
      'node.id': '1',
      'metadata.store': url,
    });
  });

  it('accepts the same value given also by --override', () => {
    const url = 'etcd://127.0.0.1:2379';
    assert.deepEqual(withMetadataOption({ 'metadata.store': url }, url), {
      'metadata.store': url,
    });
  });

  it('refuses a port out of range, naming the address', () => {
    assert.throws(
      () => withMetadataOption({}, 'etcd://256.1.1.1:99999'),
      configError('GREGOR_ERR_CONFIG_INVALID', 'etcd://256.1.1.1:99999', '99999'),
    );
  });

  it('refuses a dotted quad that is no IPv4 address', () => {
    assert.throws(
      () => withMetadataOption({}, 'etcd://127.0.0.1:2379,256.1.1.1:2379'),
      configError('GREGOR_ERR_CONFIG_INVALID', '256.1.1.1 is not an IPv4 address'),
    );
    assert.equal(metadataAddressProblem('etcd://255.255.255.255:2379'), null);
  });

  it('refuses another scheme and an empty endpoint', () => {
    assert.throws(
      () => withMetadataOption({}, 'zk://a:2181'),
      configError('GREGOR_ERR_CONFIG_INVALID'),
    );
    assert.throws(
      () => withMetadataOption({}, 'etcd://a:1,,b:2'),
      configError('GREGOR_ERR_CONFIG_INVALID'),
    );
  });

  it('refuses a contradicting --override metadata.store', () => {
    assert.throws(
      () => withMetadataOption({ 'metadata.store': 'embedded:' }, 'etcd://e:2379'),
      configError('GREGOR_ERR_CONFIG_CONFLICT', 'embedded:', 'etcd://e:2379'),
    );
  });
});
