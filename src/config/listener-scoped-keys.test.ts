// listener.name.<l>.<key> and listener.name.<l>.<mechanism>.<key>: accepted for the security
// keys, validated like the key they override, looked up most specific first, and refused
// for a listener the broker does not have.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildBrokerConfig } from './broker-config.ts';
import { ConfigError } from './config-error.ts';
import { parseListenerScopedKey } from './listener-scoped-keys.ts';

const listeners = {
  listeners: 'PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0',
  'log.dirs': '/tmp/x',
};

describe('listener-scoped security keys', () => {
  it('recognises ssl and sasl keys per listener and mechanism', () => {
    assert.deepEqual(
      {
        ...parseListenerScopedKey('listener.name.sasl_ssl.plain.sasl.jaas.config'),
        def: undefined,
      },
      { listener: 'SASL_SSL', mechanism: 'PLAIN', base: 'sasl.jaas.config', def: undefined },
    );
    assert.equal(
      parseListenerScopedKey('listener.name.internal.ssl.keystore.location')?.base,
      'ssl.keystore.location',
    );
    assert.equal(
      parseListenerScopedKey('listener.name.x.scram-sha-256.connections.max.reauth.ms')?.mechanism,
      'SCRAM-SHA-256',
    );
    assert.equal(parseListenerScopedKey('listener.name.x.log.dirs'), null);
    assert.equal(parseListenerScopedKey('listener.name.x.plain.ssl.keystore.location'), null);
    assert.equal(
      parseListenerScopedKey('listener.name.x.sasl.mechanism.inter.broker.protocol'),
      null,
    );
    assert.equal(parseListenerScopedKey('listener.name..ssl.client.auth'), null);
  });

  it('looks a value up by mechanism, then listener, then the plain key', () => {
    const config = buildBrokerConfig({
      overrides: {
        ...listeners,
        'ssl.client.auth': 'requested',
        'listener.name.sasl_ssl.ssl.client.auth': 'required',
        'connections.max.reauth.ms': '5000',
        'listener.name.sasl_ssl.oauthbearer.connections.max.reauth.ms': '1000',
      },
    });
    assert.equal(config.forListener('SASL_SSL', 'ssl.client.auth').value, 'required');
    assert.equal(config.forListener('PLAINTEXT', 'ssl.client.auth').value, 'requested');
    assert.equal(
      config.forListener('SASL_SSL', 'connections.max.reauth.ms', 'OAUTHBEARER').value,
      1000,
    );
    assert.equal(config.forListener('SASL_SSL', 'connections.max.reauth.ms', 'PLAIN').value, 5000);
    assert.equal(config.forListener('SASL_SSL', 'ssl.keystore.type').value, 'PEM');
  });

  it('validates an override like the key it overrides, and hides secrets in the message', () => {
    assert.throws(
      () =>
        buildBrokerConfig({
          overrides: { ...listeners, 'listener.name.sasl_ssl.ssl.client.auth': 'maybe' },
        }),
      (err: unknown) => err instanceof ConfigError && /ssl\.client\.auth/.test(err.message),
    );
  });

  it('refuses an override for a listener that does not exist', () => {
    assert.throws(
      () =>
        buildBrokerConfig({
          overrides: { ...listeners, 'listener.name.external.ssl.client.auth': 'required' },
        }),
      (err: unknown) => err instanceof ConfigError && /names listener EXTERNAL/.test(err.message),
    );
  });

  it('still refuses unknown keys under listener.name.', () => {
    assert.throws(
      () =>
        buildBrokerConfig({
          overrides: { ...listeners, 'listener.name.sasl_ssl.ssl.keystore.locaton': 'x' },
        }),
      (err: unknown) => err instanceof ConfigError && err.code === 'GREGOR_ERR_CONFIG_UNKNOWN',
    );
  });
});
